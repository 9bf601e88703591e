"""Publishing a folder whole: build it beside the target, then swap it in with one rename.

What it is: staging(out) yields a fresh private folder beside `out` (same file system), removed
again on any failure; publish_folder(work, out, ours) carries the user's own files of the old
`out` over (hard links: nothing copied, nothing moved out of the old folder) and swaps the new
folder in with renameat2(RENAME_EXCHANGE), one atomic step: a reader, a crash or a SIGKILL at
any moment sees the old folder whole or the new one whole, never a mix. Where the kernel or
file system lacks the exchange, two renames are used, and a run killed between them leaves the
old folder beside `out` (.NAME.old-PID-*), which the next staging() puts back.
Nothing inside the old `out` is followed or written: a symlinked subfolder there (say
test_data_set_0 -> /etc) is at most dropped as a link, never written through.
What it isn't: what goes into the folder (export/), or atomic single files (mnist_edge.atomic).

STEP_HOOK, None in normal use, is called with each step's name ("staged", "carried",
"swapped", "cleaned"): the fault tests stop or kill the process there.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from mnist_edge.errors import UserError

STEP_HOOK: Callable[[str], None] | None = None
USE_EXCHANGE = True  # False: the two-rename fallback (tested like the exchange)
_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def _step(name: str) -> None:
    if STEP_HOOK is not None:
        STEP_HOOK(name)


def target_of(out: str | os.PathLike) -> Path:
    """The folder actually replaced: `out`, or what it links to when it is a symlink."""
    out = Path(os.path.abspath(out))
    return Path(os.path.realpath(out)) if out.is_symlink() else out


@contextlib.contextmanager
def staging(out: str | os.PathLike, ours: Callable[[str], bool]) -> Iterator[Path]:
    """A fresh folder beside `out` to build the new one in; checked and cleaned up.

    Refuses before any work: `out` is a file, its folder is not writable, or it holds
    subfolders that are not ours (carrying those over would mean copying trees).
    """
    out = target_of(out)
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: the output folder is a file")
    if out.is_dir():
        foreign = [p.name for p in _entries(out) if not ours(p.name) and p.is_dir()
                   and not p.is_symlink()]
        if foreign:
            raise UserError(f"{out}: holds folders that are not this command's output "
                            f"({', '.join(sorted(foreign)[:3])}); choose another or an empty folder")
    created = _make_parents(out.parent)
    _recover(out)
    try:
        work = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-{os.getpid()}-", dir=out.parent))
        if out.is_dir() and not os.access(out, os.W_OK):  # a folder renamed needs its own write bit
            raise PermissionError(errno.EACCES, "Permission denied", str(out))
    except OSError as e:
        _remove_empty(created)
        raise UserError(f"{out}: the output folder is not writable ({e.strerror or e})") from None
    try:
        yield work
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        _remove_empty(created)
        raise


def publish_folder(work: Path, out: str | os.PathLike, ours: Callable[[str], bool]) -> None:
    """Make `work` the new `out`: the old folder's files that are not ours are kept."""
    out = target_of(out)
    _step("staged")
    if out.is_dir():
        _carry_over(out, work, ours)
        os.chmod(work, stat.S_IMODE(out.stat().st_mode))
    else:
        os.chmod(work, 0o777 & ~_umask())
    _step("carried")
    if out.is_dir():
        _swap(work, out)  # work now holds the old folder
        _step("swapped")
        shutil.rmtree(work, ignore_errors=True)
    else:
        os.rename(work, out)
        _step("swapped")
    _step("cleaned")


def _carry_over(old: Path, new: Path, ours: Callable[[str], bool]) -> None:
    """The user's own files in the old folder appear in the new one too (hard links, or copies)."""
    for entry in _entries(old):
        if ours(entry.name) or (new / entry.name).exists():
            continue
        if entry.is_symlink():
            os.symlink(os.readlink(entry), new / entry.name)
        elif entry.is_file():
            try:
                os.link(entry, new / entry.name)
            except OSError:  # a file system without hard links
                shutil.copy2(entry, new / entry.name)


def _swap(a: Path, b: Path) -> None:
    """Exchange two folders atomically; two renames where the exchange is unavailable."""
    try:
        if not USE_EXCHANGE:
            raise AttributeError("renameat2 not used")
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(code, os.strerror(code), str(b))
    except AttributeError:  # no renameat2 in this C library
        pass
    old = b.parent / f".{b.name}.old-{os.getpid()}-{a.name.rsplit('-', 1)[-1]}"
    os.rename(b, old)
    try:
        _step("moved-old")
        os.rename(a, b)
    except BaseException:  # an error between the renames: the old folder goes back
        os.rename(old, b)
        raise
    os.rename(old, a)


def _recover(out: Path) -> None:
    """Leftovers of killed runs beside `out`: an old folder whose swap was cut short is put
    back (where `out` is missing), staging folders of processes no longer running removed."""
    for leftover in sorted(out.parent.glob(f".{glob_escape(out.name)}.*-*-*")):
        kind, _, rest = leftover.name[len(out.name) + 2 :].partition("-")
        pid = rest.split("-", 1)[0]
        if kind not in ("new", "old") or not pid.isdigit() or _alive(int(pid)):
            continue
        if kind == "old" and not out.exists():
            os.rename(leftover, out)
        else:
            shutil.rmtree(leftover, ignore_errors=True)


def glob_escape(name: str) -> str:
    import glob

    return glob.escape(name)


def _alive(pid: int) -> bool:
    """Whether another process with this id runs (this one's own leftovers are stale)."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _entries(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError as e:
        raise UserError(f"{folder}: cannot read the output folder ({e.strerror or e})") from None


def _make_parents(folder: Path) -> list[Path]:
    """Create `folder` and missing parents; returns those created, deepest last."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        try:
            path.mkdir()
        except OSError as e:
            raise UserError(f"{path}: cannot create the output folder ({e.strerror or e})") from None
    return list(reversed(missing))


def _remove_empty(created: list[Path]) -> None:
    for path in reversed(created):
        with contextlib.suppress(OSError):
            path.rmdir()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
