"""mnist_edge.bench: the measuring stage (`mnist-edge bench` and the scripts behind bench/results).

run.py measures (cold start, latency, throughput, in alternating blocks), backends.py says
what runs on which runtime (onnxruntime, LiteRT, OpenVINO), candidate.py is one row, loop.py times,
stats.py summarises, view.py renders, profile.py reads onnxruntime's per-operator trace,
sysinfo.py describes the machine, coldstart.py is the child process of a cold start,
torch_row.py the optional torch eager row. scripts/ regenerates the recorded results.
It imports the core and the earlier stages, never the other way round.
"""
