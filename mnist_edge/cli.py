"""The `mnist-edge` command line: train, export, predict, eval, info, bench.

What it is: thin typer commands mapping options onto each stage's config dataclass. Heavy
imports (torch, onnxruntime, the stage modules) are deferred into the command that needs
them, so `mnist-edge --help` and `predict` start fast.
What it isn't: any of the work itself; that lives in one module per stage.
"""

from __future__ import annotations

import sys

import typer

from mnist_edge.errors import UserError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)


def main() -> None:
    """Console entry point: UserError becomes one line on stderr and exit code 2."""
    try:
        app()
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
