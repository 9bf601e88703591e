"""What a path that is not a plain file is, in words: for one-line messages naming the problem.

What it is: not_a_file(path) -> None for a regular file (after following links), else the
reason: "file not found", "dangling symbolic link", "symbolic link loop", "is a directory",
"is a FIFO (named pipe)", "is a character device" (e.g. /dev/zero), "permission denied", ...
Reading a FIFO would block and reading /dev/zero never ends, so callers ask before opening.
What it isn't: a check of the file's content (image/load.py, model/check.py).
"""

from __future__ import annotations

import errno
import os
import stat

_KINDS = ((stat.S_ISDIR, "is a directory"), (stat.S_ISFIFO, "is a FIFO (named pipe)"),
          (stat.S_ISCHR, "is a character device"), (stat.S_ISBLK, "is a block device"),
          (stat.S_ISSOCK, "is a socket"))


def not_a_file(path: str | os.PathLike) -> str | None:
    """None when `path` is (a link to) a regular file, else why not, in a few words."""
    try:
        mode = os.stat(path).st_mode
    except OSError as e:
        return os_reason(e, path)
    except ValueError:  # an embedded NUL byte
        return "invalid file name (NUL byte)"
    if stat.S_ISREG(mode):
        return None
    for test, words in _KINDS:
        if test(mode):
            return f"{words}, not a regular file"
    return "not a regular file"


def os_reason(error: OSError, path: str | os.PathLike | None = None) -> str:
    """An OSError from opening or reading `path` -> a few words (no errno numbers, no path)."""
    if error.errno == errno.ENOENT:
        if path is not None and os.path.islink(path):
            return "dangling symbolic link (its target does not exist)"
        return "file not found"
    if error.errno == errno.ELOOP:
        return "symbolic link loop"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if error.errno == errno.ENOTDIR:
        return "file not found (a part of the path is not a folder)"
    if error.errno == errno.ENAMETOOLONG:
        return "file name too long"
    return (error.strerror or type(error).__name__).lower()
