"""A typer-free fast path for `mnist-edge predict`, the command a device runs once per image.

Why: typer (0.2x) coerces every non-bool parameter through a pydantic TypeAdapter, so any
command run through typer imports pydantic: +12 MiB peak RSS and +100 ms of CPU, more than
the whole prediction costs on top of importing onnxruntime (bench/scripts/startup.py measures it).
What it is: parse_predict() reads the options of PredictConfig, the same declarations typer's
command is built from (mnist_edge.options), with argparse; run_predict_fast() runs the command.
What it isn't: a second CLI. Anything it does not accept as a well-formed predict call
(--help, a bad or out-of-range value, an unknown option) returns None and goes through typer,
which prints the usual help or error message.
"""

from __future__ import annotations

import argparse

from mnist_edge.cli.predict import PredictConfig, run_predict
from mnist_edge.options import argparse_options, build, flag_given_a_value


class _NoExit(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would print usage and exit 2; typer reports instead
        raise ValueError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _NoExit(prog="mnist-edge predict", add_help=False, allow_abbrev=False)
    parser.add_argument("images", nargs="+")
    for flag, dest, kind, default, spec in argparse_options(PredictConfig):
        if kind is bool:
            parser.add_argument(flag, dest=dest, action="store_true")
        else:
            parser.add_argument(flag, dest=dest, type=kind, default=default,
                                choices=spec.choices or None)
    return parser


def parse_predict(argv: list[str]) -> dict | None:
    """Arguments after `predict` -> the command's values, or None to leave the call to typer."""
    if any(a in ("--help", "-h") for a in argv):
        return None
    try:
        args = vars(_parser().parse_intermixed_args(argv))
    except (ValueError, TypeError):
        return None
    for _, dest, _, _, spec in argparse_options(PredictConfig):
        value = args[dest]
        if value is not None and ((spec.min is not None and value < spec.min)
                                  or (spec.max is not None and value > spec.max)):
            return None
    return args


def run_predict_fast(argv: list[str]) -> int | None:
    """Run `predict` with argv (after the command name); None if typer must handle the call."""
    flag_given_a_value(PredictConfig, argv)
    values = parse_predict(argv)
    return None if values is None else run_predict(build(PredictConfig, values))
