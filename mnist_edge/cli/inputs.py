"""Command-line image arguments (files, folders, globs) -> image paths and problems, in order.

What it is: expand_inputs() for predict and read. A named file is taken whatever its suffix
(loading it says what is wrong); a folder gives its image files, not recursively, hidden files
ignored, other files reported as skipped; a glob (* ? [) gives its matching files, likewise
filtered. Problems are values (Problem), never strings to parse back.
What it isn't: loading or checking the images themselves (mnist_edge.image.load).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from mnist_edge.filekind import not_a_file, os_reason
from mnist_edge.image.load import IMAGE_SUFFIXES


@dataclass(frozen=True)
class Problem:
    source: str  # the argument or file it concerns
    message: str  # e.g. "file not found"
    skipped: bool = False  # a non-image met in a folder or glob: reported, not a failure

    def line(self) -> str:
        return f"{self.source}: {self.message}"


def expand_inputs(args: list[str]) -> list[Path | Problem]:
    """Arguments -> image paths (without repeats) and problems, in argument order."""
    items: list[Path | Problem] = []
    seen: set[Path] = set()
    for arg in args:
        for item in _expand_one(arg):
            if isinstance(item, Path):
                if item in seen:
                    continue
                seen.add(item)
            items.append(item)
    return items


def _expand_one(arg: str) -> list[Path | Problem]:
    path = Path(arg)
    try:
        if path.is_dir():
            found = _images_among(sorted(p for p in path.iterdir() if not p.name.startswith(".")))
            return found or [Problem(arg, "folder holds no image files", skipped=True)]
        if path.is_file():
            return [path]
    except OSError as e:  # an unreadable or unsearchable folder
        return [Problem(arg, f"cannot read the folder ({os_reason(e)})")]
    if any(c in arg for c in "*?["):
        return _glob(arg)
    return [Problem(arg, not_a_file(path) or "not a regular file")]  # a FIFO, a device, a loop


def _glob(pattern: str) -> list[Path | Problem]:
    import glob  # only for patterns

    found = _images_among([Path(m) for m in sorted(glob.glob(pattern, recursive=True))])
    if found:
        return found
    # glob says nothing of folders it could not read: name the one that stopped it
    literal = Path(pattern.split("*")[0].split("?")[0].split("[")[0])
    folder = literal if pattern.endswith(("/*", "/")) or literal.is_dir() else literal.parent
    if folder.is_dir() and not os.access(folder, os.R_OK | os.X_OK):
        return [Problem(pattern, f"cannot read the folder {folder} (permission denied)")]
    return [Problem(pattern, "no files match")]


def _images_among(entries: list[Path]) -> list[Path | Problem]:
    """Folder or glob entries -> image files, non-images (skipped), and image names that are
    not readable files (a FIFO, a link to /dev/zero, a link loop: failures, named)."""
    out: list[Path | Problem] = []
    for p in entries:
        image = p.suffix.lower() in IMAGE_SUFFIXES
        problem = not_a_file(p)
        if problem is None:
            out.append(p if image else Problem(str(p), "not an image", skipped=True))
        elif image and not problem.startswith("is a directory"):
            out.append(Problem(str(p), problem))
    return out
