"""`python -m mnist_edge.serve`: the server without the typer CLI, the way to run it as a
service on a small board (typer imports pydantic: ~10 MiB more resident memory and ~0.4 s
more start-up; mnist_edge.bench.scripts.serve_startup measures it, docs/serve.md has the numbers).

Same options and defaults as `mnist-edge serve` (both read ServeConfig).
"""

from __future__ import annotations

import argparse
import sys

from mnist_edge.errors import UserError
from mnist_edge.options import argparse_options, build, help_text
from mnist_edge.serve.config import ServeConfig, run_serve


def parse(argv: list[str] | None) -> ServeConfig:
    parser = argparse.ArgumentParser(prog="python -m mnist_edge.serve",
                                     description=" ".join(run_serve.__doc__.split("\n\n")[0].split()))
    for flag, dest, kind, default, spec in argparse_options(ServeConfig):
        if kind is bool:
            parser.add_argument(flag, dest=dest, action="store_true", help=help_text(spec))
        else:
            parser.add_argument(flag, dest=dest, type=kind, default=default, help=help_text(spec),
                                choices=spec.choices or None)
    values = vars(parser.parse_args(argv))
    for flag, dest, _, _, spec in argparse_options(ServeConfig):
        value = values[dest]
        too_low = spec.min is not None and value is not None and value < spec.min
        too_high = spec.max is not None and value is not None and value > spec.max
        if too_low or too_high:
            parser.error(f"{flag} {value}: out of range")
    return build(ServeConfig, values)


def main(argv: list[str] | None = None) -> int:
    try:
        return run_serve(parse(argv))
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
