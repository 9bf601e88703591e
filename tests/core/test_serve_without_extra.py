"""`mnist-edge serve` on the base install: the CLI does not import the [serve] extra, and
without it the command says which packages to install, in one line."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

import mnist_edge.serve as serve
from mnist_edge.errors import UserError


def test_cli_imports_no_server_stack():
    code = ("import sys, mnist_edge.cli.app; "
            "print(sorted(m for m in ('starlette', 'uvicorn', 'multipart', 'anyio') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stderr


def test_missing_extra_is_one_line_naming_the_packages(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(serve, "find_spec", lambda m: None if m in ("uvicorn", "multipart") else real(m))
    with pytest.raises(UserError, match=r"needs uvicorn and python-multipart \(the \[serve\] extra\): pip install"):
        serve.require_serve_extra()
