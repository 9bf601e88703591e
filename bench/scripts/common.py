"""What the bench scripts share: where the repository and the recorded results are.

Run a script as `python -m mnist_edge.bench.scripts.NAME` from the checkout (editable install);
each writes its figures into bench/results/.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "bench" / "results"
ARTIFACTS = REPO / "artifacts"


def machine() -> dict:
    """The machine a script measured on: mnist_edge.bench.sysinfo's description, one definition."""
    from mnist_edge.bench.sysinfo import system_info

    return system_info()


def splice(path: Path, tag: str, body: str) -> bool:
    """Replace the text between <!-- TAG:start --> and <!-- TAG:end --> in `path` (the README
    tables the scripts regenerate); False if the file or the markers are absent."""
    import re

    from mnist_edge.atomic import atomic_write_text

    start, end = f"<!-- {tag}:start -->", f"<!-- {tag}:end -->"
    if not path.is_file():
        return False
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        return False
    atomic_write_text(path, pattern.sub(lambda _: f"{start}\n{body}{end}", text))
    return True


def time_batch(runs: dict, x, seconds: float, warmup: int = 20) -> dict[str, dict]:
    """One mnist_edge.bench.loop.time_cell of all `runs` ({label: fn(batch)}) on the batch x,
    taking turns: per label its run count, wall p50 / min and thread CPU p50, us per image."""
    import time

    import numpy as np

    from mnist_edge.bench.loop import time_cell

    cpu: dict[str, list[float]] = {label: [] for label in runs}

    def timed(label, run):
        def wrapped(batch):
            t0 = time.thread_time()
            run(batch)
            cpu[label].append(time.thread_time() - t0)
        return wrapped

    wall = time_cell([timed(k, r) for k, r in runs.items()], x, warmup=warmup, budget_s=seconds, max_runs=0)
    b = len(x)
    return {label: {"runs": len(w), "wall_p50_us": 1e6 * float(np.median(w)) / b,
                    "wall_min_us": 1e6 * float(np.min(w)) / b,
                    "cpu_p50_us": 1e6 * float(np.median(cpu[label][-len(w):])) / b}
            for label, w in zip(runs, wall)}


def run_child(argv: list[str], cwd: Path = REPO, env: dict | None = None) -> tuple[float, int, str]:
    """Run one child process -> (wall seconds, its own peak RSS in bytes, stderr); exits if it fails."""
    import os
    import shlex
    import subprocess
    import sys
    import time

    start = time.perf_counter()
    child = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage, not all children's
    wall = time.perf_counter() - start
    err = child.stderr.read().decode(errors="replace")
    child.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{shlex.join(argv)} failed: {err[-500:]}")
    return wall, usage.ru_maxrss * 1024, err  # ru_maxrss: KiB on Linux
