"""Fetch the four MNIST files into a folder (the cache), trying public mirrors in order.

What it is: the downloader data.find_data_dir calls when the cache lacks files; each file is
checked against its MD5 before it is kept. What it isn't: the IDX reader or the folder lookup
(mnist_edge.data.mnist). Why pooch: it streams to a temp file in the target folder, checks the hash
and only then moves it into place, so a failed or corrupt download leaves nothing behind.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from mnist_edge.data import DATA_DIR_ENV, FILES
from mnist_edge.errors import UserError

# torchvision's mirrors, then Google's copy of the same files
MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

log = logging.getLogger(__name__)


def download_mnist(
    folder: Path, mirrors: Sequence[str] = MIRRORS, files: Mapping[str, str] = FILES
) -> Path:
    """Download each file missing from `folder` (name -> MD5 in `files`); return the folder."""
    folder = Path(folder)
    with _quiet_pooch():
        for name, md5 in files.items():
            if not (folder / name).is_file():
                _fetch(folder, name, md5, mirrors)
    return folder


def _fetch(folder: Path, name: str, md5: str, mirrors: Sequence[str]) -> None:
    """Try each mirror in turn; raise UserError when none gives a file with the right MD5."""
    import pooch
    import requests

    tried = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + name
        try:
            with _RichBar(f"{name} from {url.split('/')[2]}") as bar:
                pooch.retrieve(
                    url, known_hash=f"md5:{md5}", fname=name, path=folder, progressbar=bar
                )
            return
        except (requests.RequestException, ValueError) as e:
            reason = _reason(e)
            log.warning("%s: download failed (%s)", url, reason)
            tried.append(f"{url} ({reason})")
        except OSError as e:  # the folder cannot be created or written
            raise UserError(f"{folder}: cannot write the MNIST files there ({e})") from None
    raise UserError(
        f"could not download {name} from any mirror (tried {'; '.join(tried)}); put the four "
        f"MNIST .gz files in {folder} by hand, or point --data-dir / ${DATA_DIR_ENV} at a folder "
        "that holds them"
    )


def _reason(error: Exception) -> str:
    """A few words on why one mirror failed."""
    import requests

    if isinstance(error, requests.HTTPError) and error.response is not None:
        return f"HTTP {error.response.status_code}"
    if isinstance(error, requests.ConnectionError):
        return "connection failed"
    if isinstance(error, requests.Timeout):
        return "timed out"
    if isinstance(error, ValueError):
        return "MD5 mismatch, download discarded"
    return type(error).__name__


@contextmanager
def _quiet_pooch() -> Iterator[None]:
    """Hide pooch's own 'Downloading ...' lines; the progress bar names file and mirror."""
    import pooch

    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


class _RichBar:
    """The progress-bar protocol pooch drives (total, update, reset, close), drawn with rich.

    The rich display starts on the first update, so a mirror that fails before sending
    anything draws nothing; leaving the `with` block always stops it.
    """

    def __init__(self, description: str) -> None:
        self.description = description
        self.total = 0
        self._progress = None
        self._task = None

    def __enter__(self) -> _RichBar:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def update(self, n: int) -> None:
        if self._progress is None:
            self._start()
        self._progress.update(self._task, total=self.total or None, advance=n)

    def reset(self) -> None:
        if self._progress is not None:
            self._progress.reset(self._task, total=self.total or None)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def _start(self) -> None:
        from rich import progress as rp
        from rich.console import Console

        self._progress = rp.Progress(
            rp.TextColumn("{task.description}", markup=False),
            rp.BarColumn(),
            rp.DownloadColumn(),
            rp.TransferSpeedColumn(),
            console=Console(stderr=True),
        )
        self._task = self._progress.add_task(self.description, total=self.total or None)
        self._progress.start()
