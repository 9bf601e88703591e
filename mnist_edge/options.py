"""One declaration per option: each config dataclass field carries its help, unit and CLI form.

What it is: `option()` declares a field (default, help, unit, bounds, flag spelling);
`typer_command()` builds a typer command from a config dataclass and the function that runs it
(whose docstring is the command's help); `argparse_options()` reads the same declarations for
predict's typer-free fast path. Defaults, help texts and bounds are written once, on the field.
What it isn't: any command's work, or an import of typer (callers hand typer in), so the
config modules that use it stay torch- and typer-free.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from dataclasses import MISSING, dataclass
from pathlib import Path
from typing import Any, Callable


@dataclass(frozen=True)
class Spec:
    help: str
    unit: str | None = None  # shown after the help: "[seconds]"
    min: float | None = None  # inclusive bounds, checked by the CLI before the config is built
    max: float | None = None
    flags: tuple[str, ...] = ()  # explicit spellings, e.g. ("--json",) or ("--per-channel/--per-tensor",)
    argument: bool = False  # positional (the images of predict, the models of bench)
    required: bool = False  # a positional that must be given at least once
    cli_type: Any = None  # what the CLI parses when it differs from the field (Path for a str folder)
    parse: Callable[[Any], Any] | None = None  # CLI value -> field value (e.g. "1,2,4" -> [1, 2, 4])
    choices: tuple[str, ...] = ()  # the only values a str option takes (shown in --help)


def option(default: Any = MISSING, help: str = "", unit: str | None = None, *,
           factory: Callable[[], Any] | None = None, **spec: Any) -> Any:
    """A dataclass field that is also a CLI option; `spec` takes Spec's other fields."""
    metadata = {"spec": Spec(help, unit, **spec)}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def backend_option() -> Any:
    """--backend, the one declaration predict, eval and serve share (names: contract.BACKENDS)."""
    from mnist_edge.contract import BACKENDS, DEFAULT_BACKEND

    return option(DEFAULT_BACKEND, "Runtime that runs the model: onnxruntime (.onnx files) or "
                  "litert (LiteRT with XNNPACK, .tflite files; needs the [litert] extra). Without "
                  "--model, the shipped model of that runtime.", choices=BACKENDS)


def cli_fields(cls: type) -> list[tuple[dataclasses.Field, Spec, Any]]:
    """(field, spec, resolved type) of each field declared with option(), in order."""
    hints = typing.get_type_hints(cls)
    return [(f, f.metadata["spec"], hints[f.name]) for f in dataclasses.fields(cls)
            if "spec" in f.metadata]


def help_text(spec: Spec) -> str:
    return f"{spec.help} [{spec.unit}]" if spec.unit else spec.help


def default_of(f: dataclasses.Field) -> Any:
    return f.default_factory() if f.default_factory is not MISSING else f.default


def build(cls: type, values: dict[str, Any]) -> Any:
    """cls from CLI values: parse hooks applied, Paths given back as str where the field is str."""
    kwargs = {}
    for f, spec, hint in cli_fields(cls):
        value = values[f.name]
        if spec.parse is not None:  # None: the option was not given
            value = default_of(f) if value is None else spec.parse(value)
        elif value is None and default_of(f) == []:
            value = []
        elif isinstance(value, enum.Enum):  # a --backend-like choice: the field holds the str
            value = value.value
        elif isinstance(value, Path) and hint is not Path:
            value = str(value)
        elif isinstance(value, list) and value and isinstance(value[0], Path):
            value = [str(v) for v in value]
        kwargs[f.name] = value
    return cls(**kwargs)


def typer_command(app: Any, typer: Any, cls: type, run: Callable[[Any], int | None],
                  name: str | None = None) -> None:
    """Register `name` on the typer app: options from cls's fields, help from run's docstring."""
    import inspect  # only when typer builds commands: not on predict's fast path
    params = [_typer_parameter(typer, f, spec, hint) for f, spec, hint in cli_fields(cls)]

    def command(**values: Any) -> None:
        import sys

        flag_given_a_value(cls, sys.argv[2:])
        code = run(build(cls, values))
        if code:
            raise typer.Exit(code)

    command.__signature__ = inspect.Signature(params)
    command.__annotations__ = {p.name: p.annotation for p in params}
    command.__doc__ = run.__doc__
    command.__name__ = name or run.__name__
    app.command(name, cls=_flag_help_command(typer))(command)


def _flag_help_command(typer: Any) -> type:
    """typer's command class with --help shown as the flag it is (typer 0.29 adds "<bool>")."""
    from typer.core import TyperCommand

    class Command(TyperCommand):
        def get_help_option(self, ctx):
            option = super().get_help_option(ctx)
            if option is not None:
                option.metavar = ""
            return option

    return Command


def _typer_parameter(typer: Any, f: dataclasses.Field, spec: Spec, hint: Any):
    import inspect

    kind = spec.cli_type or hint
    default = default_of(f)
    if spec.parse is not None and default is not None:
        kind, default = str, None  # shown as the parse hook's text form; None = the field's default
    if spec.choices:  # typer shows and checks an Enum's values: [onnxruntime|litert]
        kind = enum.Enum(f.name.title(), {c: c for c in spec.choices}, type=str)
        default = kind(default) if default is not None else None
    if spec.argument:
        info = typer.Argument(help=help_text(spec), show_default=False,
                              metavar=f.name.upper())
        default = ... if spec.required else (None if default == [] else default)
    else:
        # A bool is a flag: no "<bool>" after it in --help (typer 0.29 shows one), which made
        # users type `--json true` and have `true` read as a file.
        extra = {"metavar": ""} if kind is bool else {}
        info = typer.Option(*spec.flags, help=help_text(spec), min=spec.min, max=spec.max,
                            show_default=default not in (None, [], False), **extra)
    annotation = typing.Annotated[kind, info]
    return inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=default,
                             annotation=annotation)  # -> inspect.Parameter


def argparse_options(cls: type) -> list[tuple[str, str, Any, Any, Spec]]:
    """(--flag, field name, CLI type, default, spec) of each non-positional option, for argparse."""
    out = []
    for f, spec, hint in cli_fields(cls):
        if spec.argument:
            continue
        flag = spec.flags[0].split("/")[0] if spec.flags else "--" + f.name.replace("_", "-")
        kind = spec.cli_type or _plain(hint)
        out.append((flag, f.name, kind, default_of(f), spec))
    return out


def _plain(hint: Any) -> Any:
    """Optional[X] -> X."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return next(a for a in typing.get_args(hint) if a is not type(None))
    return hint


BOOL_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "1", "0"})


def flag_given_a_value(cls: type, argv: list[str]) -> None:
    """UserError for `--json true`: a flag followed by a boolean word that names no file."""
    from mnist_edge.errors import UserError

    flags = {flag for f, spec, hint in cli_fields(cls) if hint is bool and not spec.argument
             for spelling in (spec.flags or ("--" + f.name.replace("_", "-"),))
             for flag in spelling.split("/")}
    for flag, word in zip(argv, argv[1:]):
        if flag in flags and word.lower() in BOOL_WORDS and not Path(word).exists():
            raise UserError(f"{flag} is a flag and takes no value: drop {word!r} "
                            f"(`{flag}` alone turns it on)")
