"""Prometheus metrics of the server, written out by hand in the text exposition format 0.0.4.

What it is: a few counters and one latency histogram, updated from the event loop only (so no
locks), and render(), the body of GET /metrics. Routes are labelled by their template
("/v1/predict"), every unknown path as "other", so a scan of random URLs cannot grow the
label set.
What it isn't: prometheus_client (a dependency and a registry for ten lines of text) or
process metrics beyond resident memory.
"""

from __future__ import annotations

import os
import resource
from collections import Counter

# latency buckets, seconds: a prediction takes ~1 ms on a desktop core, ~5-20 ms on a Pi
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
IMAGE_OUTCOMES = ("predicted", "not_a_digit", "read", "unreadable")  # "read": a number read (/v1/read)


class Metrics:
    def __init__(self):
        self.requests: Counter[tuple[str, str, int]] = Counter()  # (route, method, status) -> n
        self.latency: dict[str, list[int]] = {}  # route -> counts per bucket (+Inf last)
        self.latency_sum: Counter[str] = Counter()
        self.images: Counter[str] = Counter({o: 0 for o in IMAGE_OUTCOMES})
        self.in_flight = 0  # inference calls running
        self.queued = 0  # requests waiting for the inference pool

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests[(route, method, status)] += 1
        counts = self.latency.setdefault(route, [0] * (len(BUCKETS) + 1))
        counts[next((i for i, b in enumerate(BUCKETS) if seconds <= b), len(BUCKETS))] += 1
        self.latency_sum[route] += seconds

    def count_image(self, outcome: str) -> None:
        self.images[outcome] += 1

    def render(self) -> str:
        lines = _family("mnist_edge_http_requests_total", "counter", "HTTP requests by route, method and status.")
        lines += [f'mnist_edge_http_requests_total{{route="{r}",method="{m}",status="{s}"}} {n}'
                  for (r, m, s), n in sorted(self.requests.items())]
        lines += _family("mnist_edge_http_request_duration_seconds", "histogram",
                         "Time from request to response, by route.")
        for route, counts in sorted(self.latency.items()):
            lines += _histogram("mnist_edge_http_request_duration_seconds", route, counts, self.latency_sum[route])
        lines += _family("mnist_edge_images_total", "counter",
                         "Images received: predicted, refused by the model as not a digit, a number read, "
                         "or unreadable.")
        lines += [f'mnist_edge_images_total{{outcome="{o}"}} {self.images[o]}' for o in IMAGE_OUTCOMES]
        lines += _family("mnist_edge_refusals_total", "counter", "Images the model refused as not a digit.")
        lines += [f"mnist_edge_refusals_total {self.images['not_a_digit']}"]
        lines += _family("mnist_edge_inference_in_flight", "gauge", "Inference calls running now.")
        lines += [f"mnist_edge_inference_in_flight {self.in_flight}"]
        lines += _family("mnist_edge_inference_queued", "gauge", "Requests waiting for the inference pool.")
        lines += [f"mnist_edge_inference_queued {self.queued}"]
        lines += _family("process_resident_memory_bytes", "gauge", "Resident memory of the server process.")
        lines += [f"process_resident_memory_bytes {resident_bytes()}"]
        return "\n".join(lines) + "\n"


def _family(name: str, kind: str, help_text: str) -> list[str]:
    return [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]


def _histogram(name: str, route: str, counts: list[int], total: float) -> list[str]:
    lines, cumulative = [], 0
    for bound, n in zip([*map(str, BUCKETS), "+Inf"], counts):
        cumulative += n
        lines.append(f'{name}_bucket{{route="{route}",le="{bound}"}} {cumulative}')
    lines.append(f'{name}_sum{{route="{route}"}} {total:.6f}')
    lines.append(f'{name}_count{{route="{route}"}} {cumulative}')
    return lines


def resident_bytes() -> int:
    """Resident set size now (Linux /proc), else the peak from getrusage."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
