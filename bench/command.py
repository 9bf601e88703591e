"""`mnist-edge bench` as a command: progress bar, the measurement, the rich tables.

What it isn't: the measurement (run.py) or the tables (view.py).
"""

from __future__ import annotations

from mnist_edge.bench.run import BenchConfig, run_bench

from mnist_edge.contract import command_line


def run_bench_command(cfg: BenchConfig) -> int:
    """Latency and throughput of the models on this machine, FP32 vs INT8, run alternately."""
    from dataclasses import replace

    from mnist_edge.bench.view import progress_bar, render
    from rich.console import Console

    cfg = replace(cfg, command=command_line()).checked()
    console = Console()
    with progress_bar(console) as report:
        result = run_bench(cfg, report)
    render(result, console)
    if cfg.json_path:
        console.print(f"wrote {cfg.json_path}")
    return 0
