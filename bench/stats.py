"""Summary statistics of benchmark timings: percentiles, mean, throughput, ratios.

What it is: pure functions over lists of per-run durations in seconds, and the ratios of
one model's results to a baseline's. Percentiles use linear interpolation between the
closest ranks (numpy.percentile's default, the same as a spreadsheet's PERCENTILE.INC);
throughput is the batch size over the median run time, so a few runs slowed by another
process on a shared machine do not drag it down.
What it isn't: the timing loop (mnist_edge.bench.loop) or the tables (mnist_edge.bench.view).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

PERCENTILES = (50, 90, 99)


def percentile(seconds: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) of the samples, linearly interpolated between ranks."""
    samples = np.sort(np.asarray(seconds, dtype=np.float64))
    if samples.size == 0:
        raise ValueError("percentile of no samples")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile q must be in [0, 100], got {q}")
    rank = q / 100 * (samples.size - 1)  # 0-based fractional rank
    low = int(np.floor(rank))
    high = min(low + 1, samples.size - 1)
    return float(samples[low] + (rank - low) * (samples[high] - samples[low]))


def summarize(seconds: Sequence[float], batch: int) -> dict:
    """{"runs", "latency_ms": {p50, p90, p99, mean, min, max}, "throughput_ips"} of one cell."""
    latency = {f"p{q}": 1e3 * percentile(seconds, q) for q in PERCENTILES}
    latency.update(mean=1e3 * float(np.mean(seconds)), min=1e3 * float(np.min(seconds)),
                   max=1e3 * float(np.max(seconds)))
    return {"runs": len(seconds), "latency_ms": latency,
            "throughput_ips": batch / (latency["p50"] / 1e3)}


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing or the denominator is 0."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def ratios(results: list[dict], baseline: str) -> list[dict]:
    """Every other model against the baseline, per (threads, batch): throughput and p50 ratios."""
    index = {(r["model"], r["threads"], r["batch"]): r for r in results}
    out = []
    for r in results:
        base = index.get((baseline, r["threads"], r["batch"]))
        if r["model"] == baseline or base is None:
            continue
        out.append({"model": r["model"], "baseline": baseline, "threads": r["threads"],
                    "batch": r["batch"],
                    "throughput": ratio(r["throughput_ips"], base["throughput_ips"]),
                    "latency_p50": ratio(r["latency_ms"]["p50"], base["latency_ms"]["p50"])})
    return out
