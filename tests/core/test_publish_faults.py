"""Publishing a folder whole (mnist_edge.publish, what `export` uses): stopped at every step, by
an exception and by a real SIGKILL, the output folder is the old one whole or the new one whole.

An "export" here is a folder of a few files and a golden subfolder plus a manifest naming each
file's content; whole = exactly the manifest's files with the manifest's content, and the
user's own file kept. Both ways of swapping are tested: renameat2(RENAME_EXCHANGE) and the
two-rename fallback (whose cut-short state the next run repairs).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mnist_edge import publish
from mnist_edge.errors import UserError

STEPS = ["staged", "carried", "moved-old", "swapped", "cleaned"]
USER_FILE = "notes.txt"


def ours(name: str) -> bool:
    return name in ("model.onnx", "card.json", "manifest.json") or name.startswith("test_data_set_")


def build(work: Path, generation: str) -> None:
    files = {"model.onnx": f"model {generation}", "card.json": f"card {generation}",
             "test_data_set_0/input_0.pb": f"input {generation}"}
    for name, text in files.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(text)
    (work / "manifest.json").write_text(json.dumps({"generation": generation, "files": files}))


def export(out: Path, generation: str) -> None:
    with publish.staging(out, ours) as work:
        build(work, generation)
        publish.publish_folder(work, out, ours)


def state_of(out: Path) -> str:
    """'old', 'new' or 'absent', asserting the folder is whole (or raising AssertionError)."""
    if not out.exists():
        return "absent"
    manifest = json.loads((out / "manifest.json").read_text())
    found = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert found == sorted([*manifest["files"], "manifest.json", USER_FILE]), found
    for name, text in manifest["files"].items():
        assert (out / name).read_text() == text, name
    assert (out / USER_FILE).read_text() == "mine"
    return manifest["generation"]


def siblings(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name != out.name)


@pytest.fixture()
def old_export(tmp_path) -> Path:
    out = tmp_path / "out"
    export(out, "old")
    (out / USER_FILE).write_text("mine")
    assert state_of(out) == "old"
    return out


@pytest.fixture(params=[True, False], ids=["exchange", "two-renames"])
def swap_mode(request, monkeypatch):
    monkeypatch.setattr(publish, "USE_EXCHANGE", request.param)
    return request.param


class Stop(Exception):
    pass


@pytest.mark.parametrize("step", STEPS)
def test_failure_at_each_step_leaves_old_or_new_whole(old_export, swap_mode, monkeypatch, step):
    def hook(name):
        if name == step:
            raise Stop(name)

    monkeypatch.setattr(publish, "STEP_HOOK", hook)
    try:
        export(old_export, "new")
    except Stop:
        pass
    monkeypatch.setattr(publish, "STEP_HOOK", None)
    assert state_of(old_export) in ("old", "new")
    if step in ("staged", "carried"):
        assert state_of(old_export) == "old"
    export(old_export, "next")  # the next run works and leaves nothing beside --out
    assert state_of(old_export) == "next" and siblings(old_export) == []


_CHILD = """
import os, signal, sys
from pathlib import Path
from mnist_edge import publish
import core.test_publish_faults as t
step, exchange = sys.argv[1], sys.argv[2] == "1"
publish.USE_EXCHANGE = exchange
if step != "random":
    publish.STEP_HOOK = lambda name: name == step and os.kill(os.getpid(), signal.SIGKILL)
print("ready", flush=True)
for _ in range(100_000 if step == "random" else 1):
    t.export(Path(sys.argv[3]), "new")
"""


def run_child(step: str, exchange: bool, out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}  # tests/ importable
    return subprocess.Popen([sys.executable, "-c", _CHILD, step, "1" if exchange else "0", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


@pytest.mark.parametrize("step", STEPS)
def test_sigkill_at_each_step_leaves_old_or_new_whole(old_export, swap_mode, step):
    child = run_child(step, swap_mode, old_export)
    _, err = child.communicate(timeout=60)
    if step == "moved-old" and swap_mode:
        assert child.returncode == 0, err  # the exchange has no such step
    else:
        assert child.returncode == -signal.SIGKILL, err
    if step == "moved-old" and not swap_mode:
        # killed between the two renames: --out is missing until the next run puts it back
        assert state_of(old_export) == "absent"
        with publish.staging(old_export, ours):
            assert state_of(old_export) == "old"
    assert state_of(old_export) in ("old", "new")
    export(old_export, "next")
    assert state_of(old_export) == "next" and siblings(old_export) == []


def test_sigkill_at_random_moments(old_export):
    """A child publishing in a loop, killed at arbitrary moments: whole every time."""
    seen = set()
    for delay in (0.0, 0.007, 0.019, 0.037, 0.071):
        child = run_child("random", True, old_export)
        assert child.stdout.readline() == "ready\n"
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=60)
        seen.add(state_of(old_export))
    assert seen <= {"old", "new"} and "new" in seen
    export(old_export, "next")
    assert siblings(old_export) == []


def test_symlinked_subfolder_in_out_is_never_written_through(tmp_path):
    """--out/test_data_set_0 -> a folder outside: the export neither writes nor deletes there."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep me")
    (outside / "input_0.pb").write_text("not the export's")
    out = tmp_path / "out"
    out.mkdir()
    (out / "test_data_set_0").symlink_to(outside)
    export(out, "new")
    assert sorted(p.name for p in outside.iterdir()) == ["input_0.pb", "precious.txt"]
    assert (outside / "input_0.pb").read_text() == "not the export's"
    assert not (out / "test_data_set_0").is_symlink()
    assert (out / "test_data_set_0" / "input_0.pb").read_text() == "input new"


def test_symlinked_out_replaces_its_target_not_the_link(tmp_path):
    real = tmp_path / "real"
    export(real, "old")
    link = tmp_path / "link"
    link.symlink_to(real)
    export(link, "new")
    assert link.is_symlink() and json.loads((real / "manifest.json").read_text())["generation"] == "new"


def test_failed_build_leaves_no_out_and_no_parents(tmp_path):
    out = tmp_path / "a" / "b" / "out"
    with pytest.raises(Stop):
        with publish.staging(out, ours) as work:
            build(work, "new")
            raise Stop("evaluation failed")
    assert list(tmp_path.iterdir()) == []


def test_out_that_is_a_file_or_holds_foreign_folders_is_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserError, match="is a file"):
        export(tmp_path / "file", "new")
    home_like = tmp_path / "home"
    (home_like / "Documents").mkdir(parents=True)
    with pytest.raises(UserError, match=r"holds folders that are not this command's output \(Documents\)"):
        export(home_like, "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "home"]


def test_new_folder_gets_ordinary_permissions(tmp_path):
    out = tmp_path / "out"
    old = os.umask(0o022)
    try:
        export(out, "new")
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o755  # not mkdtemp's 0700
