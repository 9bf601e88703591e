"""The command line itself: --help of every command, and predict's typer-free fast path.

`mnist-edge predict` is parsed by mnist_edge.cli.fast (argparse) when the call is well formed,
and by typer otherwise; both are built from PredictConfig's fields, so they must accept the same
options with the same defaults and bounds, and give the same output.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer

from helpers.clirun import ARTIFACTS, mnist_edge
from mnist_edge.cli.app import app
from mnist_edge.cli.fast import parse_predict
from mnist_edge.cli.predict import PredictConfig
from mnist_edge.options import argparse_options

COMMANDS = ["train", "export", "predict", "eval", "info", "bench"]
SAMPLES = sorted((ARTIFACTS / "samples").glob("digit_*.png"))


def registered() -> set[str]:
    return set(typer.main.get_command(app).commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_help(command):
    if command not in registered():
        pytest.skip(f"`mnist-edge {command}` is not part of the CLI yet")
    result = mnist_edge(command, "--help")
    assert result.returncode == 0, result.stderr
    assert f"mnist-edge {command}" in result.stdout and "--help" in result.stdout
    assert "Traceback" not in result.stderr


def test_root_help_lists_the_commands():
    result = mnist_edge("--help")
    assert result.returncode == 0
    for command in registered():
        assert command in result.stdout


def test_fast_path_accepts_exactly_the_typer_options():
    command = typer.main.get_command(app).commands["predict"]
    typer_options = {p.opts[0]: (p.name, p.default, p.min, p.max)
                     for p in command.params if p.opts[0].startswith("--")}
    fast = {flag: (dest, default, spec.min, spec.max)
            for flag, dest, _, default, spec in argparse_options(PredictConfig)}
    assert typer_options == fast


def test_version():
    for args in (["--version"], ):
        result = mnist_edge(*args)
        assert result.returncode == 0 and result.stdout.startswith("mnist-edge 0.")
    as_module = subprocess.run([sys.executable, "-m", "mnist_edge", "--version"], capture_output=True, text=True)
    assert as_module.returncode == 0 and as_module.stdout == mnist_edge("--version").stdout


@pytest.mark.parametrize("argv, expected", [
    (["a.png"], {"images": ["a.png"], "top_k": 1, "json_lines": False}),
    (["a.png", "--json", "b.png", "--top-k", "3"], {"images": ["a.png", "b.png"], "top_k": 3, "json_lines": True}),
    (["--threads", "0", "a.png"], {"images": ["a.png"], "threads": 0}),
])
def test_fast_path_parses_well_formed_calls(argv, expected):
    parsed = parse_predict(argv)
    assert parsed is not None and {k: parsed[k] for k in expected} == expected


@pytest.mark.parametrize("argv", [[], ["--help"], ["a.png", "-h"], ["a.png", "--top-k", "0"],
                                  ["a.png", "--top-k", "11"], ["a.png", "--threads", "-1"],
                                  ["a.png", "--top", "2"], ["a.png", "--bogus"], ["a.png", "--top-k", "x"]])
def test_fast_path_leaves_everything_else_to_typer(argv):
    assert parse_predict(argv) is None


def test_fast_path_and_typer_give_the_same_output():
    args = ["predict", "--json", "--top-k", "2", *map(str, SAMPLES[:3]), "missing.png"]
    via_typer = subprocess.run(
        [sys.executable, "-c", "import sys; from mnist_edge.cli.app import app; app(prog_name='mnist-edge')", *args],
        capture_output=True, text=True)
    via_main = mnist_edge(*args)
    assert via_main.returncode == via_typer.returncode == 1
    assert via_main.stdout == via_typer.stdout and via_main.stderr == via_typer.stderr
