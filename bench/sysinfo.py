"""The machine a benchmark ran on, as a JSON-ready dict: CPU, the flags that matter, cores, versions.

What it is: the CPU model and the instruction-set flags that decide onnxruntime's kernels
(x86: AVX2, AVX-512, AVX-512 VNNI, AVX-VNNI, AMX; ARM: asimd, asimddp (dot product), i8mm),
read from /proc/cpuinfo where it exists; the board (device-tree model, e.g. a Raspberry Pi);
core counts; the load average; OS, Python, numpy and onnxruntime versions and providers.
Reads files, never runs anything, and never fails: what it cannot find is None.
What it isn't: a benchmark, or a judgement of whether the CPU is fast.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

# flags as /proc/cpuinfo spells them -> what they mean for onnxruntime's CPU kernels
X86_FLAGS = {
    "avx2": "AVX2 (FP32 and INT8 kernels)",
    "fma": "FMA",
    "avx512f": "AVX-512",
    "avx512bw": "AVX-512BW",
    "avx512_vnni": "AVX-512 VNNI (u8s8 dot product)",
    "avx_vnni": "AVX-VNNI (u8s8 dot product, 256-bit)",
    "amx_int8": "AMX INT8",
}
ARM_FLAGS = {
    "asimd": "NEON",
    "asimddp": "dot product (sdot/udot)",
    "i8mm": "int8 matrix multiply (smmla)",
    "fphp": "FP16",
    "sve": "SVE",
}
# /proc/cpuinfo "CPU part" of ARM cores (implementer 0x41), for kernels that print no model name
ARM_PARTS = {"0xd03": "Cortex-A53", "0xd04": "Cortex-A35", "0xd05": "Cortex-A55",
             "0xd07": "Cortex-A57", "0xd08": "Cortex-A72", "0xd09": "Cortex-A73",
             "0xd0b": "Cortex-A76", "0xd0c": "Neoverse-N1", "0xd0d": "Cortex-A77",
             "0xd40": "Neoverse-V1", "0xd41": "Cortex-A78", "0xd44": "Cortex-X1",
             "0xd46": "Cortex-A510", "0xd47": "Cortex-A710", "0xd49": "Neoverse-N2",
             "0xd4f": "Neoverse-V2"}


def read_cpuinfo(path: str | os.PathLike = "/proc/cpuinfo") -> list[dict[str, str]]:
    """/proc/cpuinfo as one dict per processor block (empty list if unreadable)."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    blocks = []
    for chunk in text.split("\n\n"):
        fields = {}
        for line in chunk.splitlines():
            key, sep, value = line.partition(":")
            if sep:
                fields[key.strip().lower()] = value.strip()
        if fields:
            blocks.append(fields)
    return blocks


def cpu_model(blocks: list[dict[str, str]]) -> str | None:
    """'AMD EPYC ...', 'Cortex-A72', ... from the first processor block that names one."""
    for block in blocks:
        for key in ("model name", "cpu model", "hardware"):
            if block.get(key):
                return block[key]
        if block.get("cpu implementer") == "0x41" and block.get("cpu part") in ARM_PARTS:
            return f"ARM {ARM_PARTS[block['cpu part']]}"
    return platform.processor() or None


def cpu_flags(blocks: list[dict[str, str]], machine: str) -> dict[str, bool]:
    """The flags that matter on this architecture -> present or not."""
    present: set[str] = set()
    for block in blocks:
        present |= set((block.get("flags") or block.get("features") or "").split())
    arm = machine.lower() in ("aarch64", "arm64") or machine.lower().startswith("arm")
    wanted = ARM_FLAGS if arm else X86_FLAGS
    return {flag: flag in present for flag in wanted}


def board_model() -> str | None:
    """The device-tree model ('Raspberry Pi 4 Model B Rev 1.4'), where there is one."""
    try:
        return Path("/proc/device-tree/model").read_bytes().rstrip(b"\0").decode(errors="replace")
    except OSError:
        return None


def usable_cores() -> int | None:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count()


def system_info() -> dict:
    """Everything above in one dict (onnxruntime and numpy are imported for their versions)."""
    import numpy
    import onnxruntime

    blocks = read_cpuinfo()
    machine = platform.machine()
    return {
        "cpu": cpu_model(blocks),
        "board": board_model(),
        "machine": machine,
        "cpu_flags": cpu_flags(blocks, machine),
        "logical_cores": os.cpu_count(),
        "usable_cores": usable_cores(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "onnxruntime": onnxruntime.__version__,
        "onnxruntime_providers": onnxruntime.get_available_providers(),
        "execution_provider": "CPUExecutionProvider",
        "load_average": load_average(),
    }


def load_average() -> list[float] | None:
    """1, 5 and 15 minute load averages: how busy the machine was (other processes skew timings)."""
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def describe_flags(info: dict) -> str:
    """'avx2 avx512f avx512_vnni' (the flags present), or 'none of ...' for a table line."""
    flags = info.get("cpu_flags") or {}
    present = [flag for flag, on in flags.items() if on]
    return " ".join(present) if present else "none of " + " ".join(flags)
