"""Writing files safely: folders checked writable before the work, full disks said in one line.

What it is: check_writable_folder() / check_writable_file() (a real probe file, since root,
read-only mounts and ACLs all defeat os.access), made BEFORE minutes of training, exporting
or measuring, and writing(path): a context that turns "no space left on device", a quota or a
file-size limit, and other write errors into one UserError naming the file.
What it isn't: atomic replacement (mnist_edge.atomic) or publishing a folder (mnist_edge.publish).
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from mnist_edge.errors import UserError

SPACE_ERRORS = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded",
                errno.EFBIG: "file too large (a file size limit, or no space left on device)"}


def check_writable_folder(folder: str | os.PathLike, what: str, create: bool = False) -> Path:
    """`folder` exists (or, with create, can be made) and a file can be created in it."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder}: {what} is a file, not a folder")
    probe_in = folder if folder.is_dir() or create else folder.parent
    try:
        if create:
            folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-test.", dir=probe_in)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise UserError(f"{folder}: {what} is not writable ({e.strerror or e})") from None
    return folder


def check_writable_file(path: str | os.PathLike, what: str) -> None:
    """A file can be written at `path`: its folder exists and takes new files."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{path}: {what} is a folder, not a file")
    if not path.parent.is_dir():
        raise UserError(f"{path}: {what}: folder {path.parent} does not exist")
    check_writable_folder(path.parent, f"the folder of {what}")
    if path.exists() and not os.access(path, os.W_OK):
        raise UserError(f"{path}: {what} exists and is not writable")


def write_error(error: OSError, path: str | os.PathLike) -> UserError:
    """An OSError met while writing `path` -> the one-line UserError to raise instead."""
    name = error.filename or path
    reason = SPACE_ERRORS.get(error.errno) or (error.strerror or str(error)).lower()
    return UserError(f"{name}: cannot write: {reason}")


@contextlib.contextmanager
def writing(path: str | os.PathLike) -> Iterator[None]:
    """Around code writing `path`: an OSError becomes one UserError naming the file."""
    try:
        yield
    except OSError as e:
        raise write_error(e, path) from None
