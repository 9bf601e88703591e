"""The `mnist-edge` command line; main() is the entry point (also `python -m mnist_edge`).

What it is: main() runs `predict` through its typer-free fast path (cli/fast.py says why) and
everything else through the typer app (cli/app.py), and turns a UserError into one line on
stderr and exit code 2. This module imports neither typer nor numpy.
What it isn't: the commands (one module each beside this one) or their options (declared once
on each command's config dataclass).
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    """Console entry point. Exit codes: 0 success, 1 some inputs failed, 2 usage or model error."""
    from mnist_edge.errors import UserError

    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv[:1] == ["predict"]:
            from mnist_edge.cli.fast import run_predict_fast

            code = run_predict_fast(argv[1:])
            if code is not None:
                sys.exit(code)
        from mnist_edge.cli.app import app

        app(args=argv, prog_name="mnist-edge")
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
