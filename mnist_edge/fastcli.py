"""A typer-free fast path for `mnist-edge predict`, the command a device runs once per image.

Why: typer (0.2x) coerces every non-bool parameter through a pydantic TypeAdapter, so any
command run through typer imports pydantic: +12 MiB peak RSS and +100 ms of CPU, more than
the whole prediction costs on top of importing onnxruntime (bench/startup.py measures it).
What it is: parse_predict() reads exactly the options of `mnist-edge predict` (cli.predict;
tests/test_cli.py checks that both accept the same options with the same defaults) with
argparse; run_predict_fast() runs the command with them.
What it isn't: a second CLI. Anything it does not accept as a well-formed predict call
(--help, a bad or out-of-range value, an unknown option, another command) returns None and
goes through typer, which prints the usual help or error message.
"""

from __future__ import annotations

import argparse
from pathlib import Path

# option -> (dest, type, default); the same as the typer command's parameters
PREDICT_OPTIONS = {
    "--model": ("model", Path, None),
    "--top-k": ("top_k", int, 1),
    "--save-preprocessed": ("save_preprocessed", Path, None),
    "--threads": ("threads", int, 1),
}
PREDICT_FLAGS = {"--json": "json_lines"}
RANGES = {"top_k": (1, 10), "threads": (0, None)}  # inclusive bounds, as typer's min/max


class _NoExit(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would print usage and exit 2; typer reports instead
        raise ValueError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _NoExit(prog="mnist-edge predict", add_help=False, allow_abbrev=False)
    parser.add_argument("images", nargs="+")
    for option, (dest, kind, default) in PREDICT_OPTIONS.items():
        parser.add_argument(option, dest=dest, type=kind, default=default)
    for option, dest in PREDICT_FLAGS.items():
        parser.add_argument(option, dest=dest, action="store_true")
    return parser


def parse_predict(argv: list[str]) -> dict | None:
    """Arguments after `predict` -> the command's keyword arguments, or None to leave it to typer."""
    if any(a in ("--help", "-h") for a in argv):
        return None
    try:
        args = vars(_parser().parse_intermixed_args(argv))
    except (ValueError, TypeError):
        return None
    for dest, (low, high) in RANGES.items():
        if args[dest] < low or (high is not None and args[dest] > high):
            return None
    return args


def run_predict_fast(argv: list[str]) -> int | None:
    """Run `predict` with argv (after the command name); None if typer must handle the call."""
    kwargs = parse_predict(argv)
    if kwargs is None:
        return None
    from mnist_edge.predict import predict_command

    return predict_command(**kwargs)
