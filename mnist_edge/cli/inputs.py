"""Command-line image arguments (files, folders, globs) -> image paths and problems, in order.

What it is: expand_inputs() for predict and read. A named file is taken whatever its suffix
(loading it says what is wrong); a folder gives its image files, not recursively, hidden files
ignored, other files reported as skipped; a glob (* ? [) gives its matching files, likewise
filtered. Problems are values (Problem), never strings to parse back.
What it isn't: loading or checking the images themselves (mnist_edge.image.load).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
            files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
            return _images_among(files)
        if path.is_file():
            return [path]
    except OSError as e:  # an unreadable or unsearchable folder
        return [Problem(arg, f"cannot read ({e.strerror or type(e).__name__})")]
    if any(c in arg for c in "*?["):
        import glob  # only for patterns

        files = [Path(m) for m in sorted(glob.glob(arg, recursive=True)) if Path(m).is_file()]
        return _images_among(files) if files else [Problem(arg, "no files match")]
    if path.exists() or path.is_symlink():
        return [Problem(arg, "not a regular file or folder")]  # a FIFO, a device, a dangling link
    return [Problem(arg, "file not found")]


def _images_among(files: list[Path]) -> list[Path | Problem]:
    return [p if p.suffix.lower() in IMAGE_SUFFIXES else Problem(str(p), "not an image", skipped=True)
            for p in files]
