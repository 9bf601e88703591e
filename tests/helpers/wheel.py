"""The project's wheel, built from a copy of the checkout's files (tests/conftest.py's
project_wheel and the early start of the emulated runs both use it)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def build_wheel(folder: Path) -> Path:
    """Copy what git tracks or would track into folder/source, build the wheel into
    folder/wheel (the build's build/ lands in the copy, never in the checkout); its path."""
    source, out = folder / "source", folder / "wheel"
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        if (REPO / name).is_file():  # a file deleted but not yet staged is listed too
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                    str(source)], check=True)
    (wheel,) = out.glob("mnist_edge-*.whl")
    return wheel
