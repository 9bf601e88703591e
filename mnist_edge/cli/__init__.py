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
    _plain_output()
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
    except BrokenPipeError:  # `mnist-edge predict ... | head`: the reader left; no traceback
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush
        sys.exit(1)  # as click does for the other commands


def _plain_output() -> None:
    """A file name the terminal's encoding cannot show is escaped, never a UnicodeEncodeError;
    a decoder's warning about an image is one line, "warning: FILE: what", like the errors."""
    import warnings

    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    default = warnings.formatwarning

    def one_line(message, category, filename, lineno, line=None):
        if category.__name__ == "ImageWarning":
            return f"warning: {message}\n"
        return default(message, category, filename, lineno, line)

    warnings.formatwarning = one_line
