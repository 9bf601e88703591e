"""A small hostile corpus, made on the spot: images, names and special files an attacker or a
careless user hands to `mnist-edge predict`, each with the words its one error line must hold.

What it is: make_images(folder) -> {case: (path, expected words or None for "read normally")};
run_unprivileged(): run the CLI held to file permissions (tests run as root here, where
permissions mean nothing: the child drops root's DAC capabilities).
What it isn't: models (tests/helpers/craft_models.py builds those with onnx).
"""

from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "artifacts" / "samples" / "digit_7_idx0.png"
NOBODY = 65534


def png_claiming(width: int, height: int, color_type: int = 0) -> bytes:
    """A tiny valid PNG header claiming width x height pixels, with no real data."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def phone_jpeg(width: int = 8000, height: int = 6000) -> bytes:
    """A 48 MP JPEG of a dark 7 on white paper, as a phone takes it."""
    img = Image.new("L", (width // 8, height // 8), 235)
    ImageDraw.Draw(img).line([(380, 250), (620, 250), (470, 560)], fill=20, width=40)
    buffer = io.BytesIO()
    img.resize((width, height), Image.NEAREST).convert("RGB").save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


POSTSCRIPT = (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 28 28\n"
              b"(/etc/passwd) (r) file pop showpage\n%%EOF\n")


def make_images(folder: Path) -> dict[str, tuple[Path, str | None]]:
    """The image corpus in `folder` (created); see the module docstring."""
    folder.mkdir(parents=True, exist_ok=True)
    cases: dict[str, tuple[Path, str | None]] = {}

    def add(case: str, name: str | bytes, data: bytes | None, expect: str | None) -> Path:
        path = Path(os.fsdecode(os.path.join(os.fsencode(folder), os.fsencode(name))))
        if data is not None:
            path.write_bytes(data)
        cases[case] = (path, expect)
        return path

    add("digit", "seven.png", SAMPLE.read_bytes(), None)
    add("phone_48mp_jpeg", "phone.jpg", phone_jpeg(), None)
    add("postscript_as_png", "ghost.png", POSTSCRIPT, "not an image of a supported format")
    add("eps_suffix", "ghost.eps.jpg", POSTSCRIPT, "not an image of a supported format")
    add("strip_1x39999999", "strip.png", png_claiming(1, 39_999_999), "image too large to decode")
    add("bomb_100mp", "bomb.png", png_claiming(10_000, 10_000), "image too large to decode")
    add("bomb_200mp_pillow_limit", "bomb2.png", png_claiming(15_000, 15_000), "image too large to decode")
    add("bomb_rgba", "bomb3.png", png_claiming(5000, 4000, color_type=6), "image too large to decode")
    add("truncated", "cut.png", SAMPLE.read_bytes()[:100], "corrupt or truncated image")
    add("empty", "empty.png", b"", "empty file")
    add("text", "notes.png", b"hello, not a picture\n", "not an image")
    add("newline_name", "new\nline.png", SAMPLE.read_bytes(), None)
    add("non_utf8_name", b"caf\xe9\xff.png", SAMPLE.read_bytes(), None)
    add("terminal_escape_name", "\x1b[31mred.png", SAMPLE.read_bytes(), None)
    fifo = add("fifo", "pipe.png", None, "FIFO")
    os.mkfifo(fifo)
    zero = add("dev_zero_link", "zero.png", None, "character device")
    zero.symlink_to("/dev/zero")
    loop = add("symlink_loop", "loop.png", None, "symbolic link loop")
    loop.symlink_to(loop.name)
    dangling = add("dangling_link", "gone.png", None, "dangling symbolic link")
    dangling.symlink_to(folder / "nowhere.png")
    dir_png = add("folder_named_png", "folder.png", None, None)
    dir_png.mkdir()
    del cases["folder_named_png"]  # inside a folder argument it is not a file: not listed
    return cases


def special_arguments(folder: Path) -> dict[str, tuple[str, str]]:
    """Named on the command line: argument -> words of its error line."""
    return {"/dev/zero": ("/dev/zero", "character device"),
            "folder_as_file": (str(folder / "folder.png"), "folder holds no image files"),
            "missing": (str(folder / "missing.png"), "file not found")}


# --- running without root's power over permissions -----------------------------------------

# Root ignores file permissions through three capabilities; without them a root process is held
# to the permission bits like anyone (its own files: the owner's bits). Dropping them from the
# bounding set with util-linux's setpriv keeps python (under /root, 0700) reachable, which a
# setuid to nobody would not.
DROP_CAPS = "-dac_override,-dac_read_search,-fowner"


def permission_runner() -> list[str] | None:
    """The command prefix that makes permissions bite; None when that is impossible here."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    probe = subprocess.run([setpriv, "--bounding-set", DROP_CAPS, "true"], capture_output=True)
    return [setpriv, "--bounding-set", DROP_CAPS] if probe.returncode == 0 else None


def run_unprivileged(*args, timeout: float = 120) -> subprocess.CompletedProcess:
    """`mnist-edge ARGS` held to file permissions even though the tests run as root."""
    prefix = permission_runner()
    if prefix is None:
        import pytest

        pytest.skip("running as root without setpriv (util-linux) to drop CAP_DAC_OVERRIDE: "
                    "permission cases cannot be made")
    script = Path(sys.executable).parent / "mnist-edge"
    return subprocess.run([*prefix, str(script), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


def copy_sample(folder: Path, name: str = "seven.png") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(SAMPLE, folder / name))
