"""The hostile suite, train/export half: full disks (RLIMIT_FSIZE in a child, no root needed),
read-only folders (permissions held even as root: tests/helpers/hostile.py), symlinked golden
folders in --out, bad option values and checkpoints. Through the real `mnist-edge`, in child
processes: one line naming the file, exit 2, --out old-or-new whole, nothing written outside.
"""

from __future__ import annotations

import hashlib
import io
import json
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="needs torch (pip install torch==2.13.0 -e '.[train]')")
from helpers.hostile import run_unprivileged  # noqa: E402
from rich.console import Console  # noqa: E402

pytestmark = [pytest.mark.torch, pytest.mark.mnist, pytest.mark.slow]
SCRIPT = Path(sys.executable).parent / "mnist-edge"


def mnist_edge_limited(*args, max_file_bytes: int | None = None, timeout: float = 300):
    """`mnist-edge ARGS` in a child whose files may not grow past max_file_bytes (a full disk,
    as far as the writer can tell; SIGXFSZ ignored so the write fails with EFBIG instead)."""
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        if max_file_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))
    return subprocess.run([str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=limit)


def one_line(result, *words: str) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, result
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("error: "), result.stderr
    for word in words:
        assert word in errors[0], errors[0]
    return errors[0]


@pytest.fixture(scope="module")
def checkpoint(mnist_dir, tmp_path_factory) -> Path:
    from mnist_edge.train.config import TrainConfig
    from mnist_edge.train.trainer import train

    out = tmp_path_factory.mktemp("train")
    train(TrainConfig(limit=600, epochs=1, threads=1, data_dir=str(mnist_dir), out=str(out)),
          Console(file=io.StringIO()))
    return out / "checkpoint.pt"


def whole_export(out: Path) -> str:
    """The checkpoint SHA-256 of the export in `out`, asserting every file the card lists is
    there with its SHA-256 and no other export file is."""
    card = json.loads((out / "model_card.json").read_text())
    for name, entry in card["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == entry["sha256"], name
    listed = set(card["files"]) | {"model_card.json", "MODEL_CARD.md"}
    found = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    assert found - listed <= {"notes.txt"}, found - listed
    return card["checkpoint"]["sha256"]


@pytest.fixture(scope="module")
def old_export(checkpoint, mnist_dir, tmp_path_factory) -> Path:
    """An export made into an --out that held golden folders linked to a folder outside (one
    the export writes, one it once deleted from as stale): nothing there may change."""
    out = tmp_path_factory.mktemp("exports") / "out"
    outside = out.parent / "outside"
    outside.mkdir()
    (outside / "input_0.pb").write_text("someone else's")
    (outside / "precious.txt").write_text("keep")
    out.mkdir()
    for k in (0, 7):
        (out / f"test_data_set_{k}").symlink_to(outside)
    result = mnist_edge_limited("export", "--checkpoint", checkpoint, "--out", out,
                                "--golden-sets", 1, "--data-dir", mnist_dir)
    assert result.returncode == 0, result.stderr
    said = " ".join(result.stdout.split())
    assert f"next: mnist-edge predict --model {out / 'mnist_cnn.onnx'} digit.png" in said
    assert sorted(p.name for p in outside.iterdir()) == ["input_0.pb", "precious.txt"]
    assert (outside / "input_0.pb").read_text() == "someone else's"
    assert not any(p.is_symlink() for p in out.iterdir())
    (out / "notes.txt").write_text("mine")
    return out


def test_export_disk_full_leaves_the_old_export_whole(old_export, checkpoint, mnist_dir):
    before = whole_export(old_export)
    result = mnist_edge_limited("export", "--checkpoint", checkpoint, "--out", old_export,
                                "--golden-sets", 2, "--data-dir", mnist_dir, max_file_bytes=64_000)
    line = one_line(result, "cannot write", "file too large")
    assert "mnist_cnn.onnx" in line  # names the file it could not write
    assert whole_export(old_export) == before and (old_export / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in old_export.parent.iterdir()) == ["out", "outside"]  # no staging left


def test_train_disk_full_one_line_naming_the_checkpoint(mnist_dir, tmp_path):
    out = tmp_path / "run"
    result = mnist_edge_limited("train", "--limit", 300, "--epochs", 1, "--threads", 1,
                                "--data-dir", mnist_dir, "--out", out, max_file_bytes=100_000)
    one_line(result, f"{out / 'checkpoint.pt'}: cannot write", "file too large")
    assert not out.exists()  # nothing was written: no empty --out left


@pytest.fixture()
def readonly(tmp_path, checkpoint) -> Path:
    folder = tmp_path / "readonly"
    folder.mkdir()
    (folder / "checkpoint.pt").write_bytes(checkpoint.read_bytes())
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


@pytest.mark.parametrize("args", [["train"], ["train", "--resume"]], ids=["out", "resume"])
def test_train_into_read_only_folder_refused_before_training(readonly, mnist_dir, args):
    result = run_unprivileged(*args, "--limit", 300, "--epochs", 1, "--threads", 1,
                              "--data-dir", mnist_dir, "--out", readonly)
    one_line(result, f"{readonly}: --out is not writable")
    assert "epoch" not in result.stdout


def test_export_into_read_only_folder_refused(readonly, checkpoint, mnist_dir):
    out = readonly / "export"
    result = run_unprivileged("export", "--checkpoint", checkpoint, "--out", out,
                              "--data-dir", mnist_dir)
    one_line(result, str(out), "not writable")


def run_in_process(monkeypatch, capsys, *args) -> tuple[int, str]:
    """`mnist-edge ARGS` in this process (torch already imported: seconds saved per case)."""
    from mnist_edge.cli import main

    monkeypatch.setattr(sys, "argv", ["mnist-edge", *map(str, args)])
    with pytest.raises(SystemExit) as exit_info:
        main()
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return exit_info.value.code, captured.out + captured.err


@pytest.mark.parametrize("args", [["--epochs", "0"], ["--batch-size", "0"], ["--limit", "-5"]])
def test_train_bad_numbers_are_usage_errors(monkeypatch, capsys, tmp_path, args):
    code, said = run_in_process(monkeypatch, capsys, "train", *args, "--out", tmp_path / "run")
    assert code == 2 and args[0] in said and not (tmp_path / "run").exists()


def test_failed_train_leaves_no_empty_out_and_warns_of_no_augmentation(tmp_path):
    empty_data = tmp_path / "no-data"
    empty_data.mkdir()
    result = mnist_edge_limited("train", "--data-dir", empty_data, "--out", tmp_path / "run",
                                "--epochs", 2, "--clean-epochs", 2)
    one_line(result, "missing MNIST file(s)")
    assert not (tmp_path / "run").exists()
    assert ("--clean-epochs 2 >= --epochs 2: no epoch trains on augmented images"
            in " ".join(result.stdout.split()))


@pytest.mark.parametrize("kind", ["missing", "notes"])
def test_export_checkpoint_messages(monkeypatch, capsys, tmp_path, mnist_dir, kind):
    path = tmp_path / ("nope.pt" if kind == "missing" else "notes.txt")
    if kind == "notes":
        path.write_text("my notes, not a checkpoint\n")
    code, said = run_in_process(monkeypatch, capsys, "export", "--checkpoint", path,
                                "--out", tmp_path / "out", "--data-dir", mnist_dir)
    words = ("checkpoint not found; run `mnist-edge train` first" if kind == "missing"
             else "not a checkpoint made by `mnist-edge train`")
    assert code == 2 and said.startswith(f"error: {path}: ") and words in said
    assert said.count("\n") == 1 and not (tmp_path / "out").exists()
