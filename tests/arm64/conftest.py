"""The arm64 tests run last, and their emulated runs start as soon as they are collected
(helpers.emulation), so that the minutes of qemu go on beside every other test."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import emulation, find_mnist_dir


def _is_arm64(item) -> bool:
    return Path(item.fspath).parent.name == "arm64"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    items[:] = [i for i in items if not _is_arm64(i)] + [i for i in items if _is_arm64(i)]


def pytest_collection_finish(session):
    folder = find_mnist_dir()
    if session.config.option.collectonly:
        return
    if any(_is_arm64(i) for i in session.items) and emulation.SANDBOX.is_file() and folder:
        emulation.start(folder)


def pytest_sessionfinish(session, exitstatus):
    emulation.stop(passed=exitstatus == 0)
