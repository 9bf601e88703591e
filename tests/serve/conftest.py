"""Fixtures of tests/serve: one real server for the API, fuzz and browser tests.

Tests here need the [serve] extra (and the [serve-test] tools); they skip without it, except
in CI (CI=true), where a missing extra is a failure.
"""

from __future__ import annotations

import pytest

from helpers.serve import require, start_server


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """One server with the default limits, shared by the API, fuzz and browser tests."""
    require("uvicorn")
    s = start_server(tmp_path_factory.mktemp("serve") / "server.log", "--workers", "2")
    yield s
    s.stop()
