"""The tables of `mnist-edge bench`: system, cold start, latency, throughput, ratios, profiles.

What it is: rich renderings of a bench report (the dict mnist_edge.bench.run returns, or the
same read back from its JSON file), plus the progress bar shown while it runs.
What it isn't: any measurement.
"""

from __future__ import annotations

from contextlib import contextmanager

from mnist_edge.bench.backends import display
from mnist_edge.bench.sysinfo import describe_flags
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

MIB = 2**20
TOP_NODES = 8


@contextmanager
def progress_bar(console: Console):
    """Yields report(label, done, total) for mnist_edge.bench.run_bench; the bar goes when done."""
    with Progress(TextColumn("{task.description:<28}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("starting", total=1)

        def report(label: str, done: float, total: int) -> None:
            bar.update(task, description=label, completed=done, total=total)

        yield report


def system_line(report: dict) -> str:
    s, inputs = report["system"], report["inputs"]
    board = f" on {s['board']}" if s.get("board") else ""
    source = ("MNIST test images" if inputs["source"] == "mnist-test"
              else "random pixels (MNIST test set not found)")
    before, after = s.get("load_average"), s.get("load_average_after")
    busy = f"; load average {before[0]:.2f} before, {after[0]:.2f} after" if before and after else ""
    return (f"{s['cpu']}{board} ({s['machine']}), {s['usable_cores']} usable cores; flags: "
            f"{describe_flags(s)}; onnxruntime {s['onnxruntime']} {s['execution_provider']}; "
            f"inputs: {source}{busy}")


def models_table(report: dict) -> Table:
    table = Table(title="Models; cold start in a fresh process, ms (median); test accuracy")
    for col in ("model", "KiB", "import", "session", "1st run", "process", "peak RSS MiB", "accuracy"):
        table.add_column(col, justify="left" if col == "model" else "right")
    for m in report["models"]:
        cold = m.get("cold_start") or {}
        ms = lambda key: f"{1e3 * cold[key]:.1f}" if key in cold else "-"  # noqa: E731
        rss = f"{cold['peak_rss_bytes'] / MIB:.1f}" if cold.get("peak_rss_bytes") else "-"
        acc = f"{100 * m['accuracy']:.2f}%" if m.get("accuracy") is not None else "-"
        table.add_row(m["label"], f"{m['file_bytes'] / 1024:.0f}", ms("import_s"), ms("session_s"),
                      ms("first_run_s"), ms("process_s"), rss, acc)
    return table


def latency_table(report: dict, batch: int = 1) -> Table:
    table = Table(title=f"Steady-state latency at batch {batch}, ms per run")
    for col in ("model", "threads", "p50", "p90", "p99", "mean", "runs"):
        table.add_column(col, justify="left" if col == "model" else "right")
    for r in report["results"]:
        if r["batch"] == batch:
            lat = r["latency_ms"]
            table.add_row(r["model"], str(r["threads"]), *(f"{lat[k]:.3f}" for k in ("p50", "p90", "p99", "mean")),
                          str(r["runs"]))
    return table


def throughput_table(report: dict) -> Table:
    batches = report["settings"]["batches"]
    table = Table(title="Throughput, images per second (batch / median run time)")
    table.add_column("model")
    table.add_column("threads", justify="right")
    for b in batches:
        table.add_column(f"batch {b}", justify="right")
    rows: dict[tuple, dict] = {}
    for r in report["results"]:
        rows.setdefault((r["model"], r["threads"]), {})[r["batch"]] = r["throughput_ips"]
    for (model, threads), by_batch in rows.items():
        table.add_row(model, str(threads), *(f"{by_batch[b]:,.0f}" if b in by_batch else "-" for b in batches))
    return table


def ratio_lines(report: dict) -> list[str]:
    """'INT8/FP32, 1 thread, batch 256: throughput 1.78x, p50 latency 0.56x' per ratio."""
    names = {m["label"]: m["label"].upper() if m["label"] in ("int8", "fp32", "torch") else
             m["label"] if m["kind"] == "onnxruntime" else display(m).split(" (")[0]
             for m in report["models"]}
    return [f"{names[q['model']]}/{names[q['baseline']]}, {q['threads']} thread{'s' if q['threads'] > 1 else ''}, "
            f"batch {q['batch']}: throughput {q['throughput']:.2f}x, p50 latency {q['latency_p50']:.2f}x"
            for q in report["ratios"]]


def profile_tables(profile: dict) -> list[Table]:
    """Op types side by side (ms per run and share), then each model's slowest nodes."""
    models = profile["models"]
    title = (f"Per-operator time, ms per run (batch {profile['batch']}, {profile['threads']} thread(s), "
             f"{profile['runs']} runs, onnxruntime profiler)")
    ops = Table(title=title)
    ops.add_column("op type (after graph optimisation)")
    for label in models:
        ops.add_column(f"{label} ms", justify="right")
        ops.add_column(f"{label} %", justify="right")
    names = list(dict.fromkeys(op for p in models.values() for op in p["by_op_type"]))
    for op in names:
        cells = []
        for p in models.values():
            ms = p["by_op_type"].get(op)
            cells += [f"{ms:.3f}", f"{100 * ms / p['kernel_ms']:.0f}"] if ms is not None else ["-", "-"]
        ops.add_row(op, *cells)
    ops.add_row("all kernels", *[c for p in models.values() for c in (f"{p['kernel_ms']:.3f}", "100")])
    tables = [ops]
    for label, p in models.items():
        nodes = Table(title=f"{label}: slowest nodes, ms per run")
        for col in ("node", "op", "ms"):
            nodes.add_column(col, justify="right" if col == "ms" else "left")
        for d in p["by_node"][:TOP_NODES]:
            nodes.add_row(d["node"], d["op"], f"{d['ms']:.3f}")
        tables.append(nodes)
    return tables


def render(report: dict, console: Console) -> None:
    console.print(system_line(report))
    runtimes = report.get("runtimes") or {}
    console.print("runtimes: " + ", ".join(f"{k} {v}" for k, v in runtimes.items()
                                            if k not in ("mnist_edge", "python") and v != "absent"))
    for m in report["models"]:
        note = f" ({m['note']})" if m.get("note") else ""
        runs_as = f", runs {m['runs_as']}" if m.get("runs_as") else ""
        console.print(f"{m['label']}: {m['path']}, {m['kind']}{runs_as}{note}")
    console.print(models_table(report))
    if 1 in report["settings"]["batches"]:
        console.print(latency_table(report))
    console.print(throughput_table(report))
    for line in ratio_lines(report):
        console.print(line)
    if report.get("profile"):
        for table in profile_tables(report["profile"]):
            console.print(table)
