"""The timing machinery of `mnist-edge bench`: alternating blocks of runs, cold-start children, memory.

What it is: time_cell() (several run functions timed in turns, by run count or time budget),
one_cold_start() (one fresh process of mnist_edge.bench.coldstart), peak_rss_bytes(), and Steps,
the progress over a whole benchmark.
What it isn't: which models run on what (mnist_edge.bench.run) or the statistics
(mnist_edge.bench.stats).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from mnist_edge.errors import UserError

MIN_ROUNDS = 3  # rounds of blocks per cell even when the budget is spent
BLOCK_S = 0.05  # seconds of one model's back-to-back runs before the next model's turn

RunFn = Callable[[np.ndarray], object]  # (B, 1, 28, 28) float32 -> outputs
Report = Callable[[str, float, int], None]  # (what runs now, steps done, steps in all)


def time_cell(runs: list[RunFn], x: np.ndarray, warmup: int, budget_s: float, max_runs: int,
              tick: Callable[[float], None] = lambda fraction: None) -> list[list[float]]:
    """Seconds of each timed run, per run function; the functions take turns in blocks.

    Each block is about BLOCK_S of one function's back-to-back runs (as a bare session.run
    loop: a switch of model after every run would cost each run its warm caches), and the
    order reverses every round (A B, B A, ...) so drift hits all alike. max_runs > 0:
    exactly that many timed runs each; else rounds until budget_s has passed (at least
    MIN_ROUNDS). tick(fraction done) is called once per round.
    """
    block = [max(1, round(BLOCK_S / _warm_up(run, x, warmup))) for run in runs]
    times: list[list[float]] = [[] for _ in runs]
    order = list(range(len(runs)))
    clock = time.perf_counter
    start, rounds = clock(), 0
    while True:
        for i in order:
            run, seconds = runs[i], times[i]
            n = min(block[i], max_runs - len(seconds)) if max_runs else block[i]
            for _ in range(n):
                t0 = clock()
                run(x)
                seconds.append(clock() - t0)
        rounds += 1
        order.reverse()
        done = min(len(t) for t in times) / max_runs if max_runs else (clock() - start) / budget_s
        tick(min(done, 1.0))
        if done >= 1 and (max_runs or rounds >= MIN_ROUNDS):
            return times


def _warm_up(run: RunFn, x: np.ndarray, warmup: int) -> float:
    """Run `warmup` times (at least once); returns their median seconds, to size the blocks."""
    clock, seconds = time.perf_counter, []
    for _ in range(max(1, warmup)):
        t0 = clock()
        run(x)
        seconds.append(clock() - t0)
    return max(float(np.median(seconds)), 1e-6)


def one_cold_start(path: str, threads: int, batch: int, backend: str = "onnxruntime") -> dict:
    """mnist_edge.bench.coldstart in a fresh process: its JSON line plus the whole process's wall time."""
    t0 = time.perf_counter()
    child = subprocess.run([sys.executable, "-m", "mnist_edge.bench.coldstart", path, str(threads),
                            str(batch), backend],
                           capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore",
                                # the installed package, never a mnist_edge/ in the cwd
                                "PYTHONSAFEPATH": "1"})
    wall = time.perf_counter() - t0
    if child.returncode != 0:
        last = (child.stderr.strip().splitlines() or ["no output"])[-1]
        raise UserError(f"{path}: the cold-start process failed ({last})")
    return {**json.loads(child.stdout.strip().splitlines()[-1]), "process_s": wall}


def peak_rss_bytes() -> int | None:
    """This process's peak resident memory, in bytes.

    Linux: VmHWM of /proc/self/status, the peak of this process image only (getrusage's
    ru_maxrss survives exec, so a child started by a big parent would report the parent's).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)  # bytes on macOS, KiB elsewhere


class Steps:
    """Progress over the run's steps (cold starts, each cell, the profile) for a progress bar."""

    def __init__(self, total: int, report: Report):
        self.total, self.done, self.report = total, 0, report

    def at(self, label: str, fraction: float) -> None:
        self.report(label, self.done + fraction, self.total)

    def next(self) -> None:
        self.done += 1
