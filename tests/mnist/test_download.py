"""The downloader against a real HTTP server on 127.0.0.1, and the data-folder lookup order.

No test touches the network beyond 127.0.0.1: the mirrors are local servers (or a closed
local port), and conftest points the cache at a fresh temp folder.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import socket
import threading
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from mnist_edge.data import mnist as data
from mnist_edge.data import FILES
from mnist_edge.data.mnist import find_data_dir, read_idx
from mnist_edge.data.download import download_mnist
from mnist_edge.errors import UserError


def _idx_gz(array: np.ndarray) -> bytes:
    """A gzipped IDX file of unsigned bytes holding `array`."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def fixture_files(tmp_path) -> dict[str, bytes]:
    """Small stand-ins for the four MNIST files: 5 training and 3 test digits."""
    rng = np.random.default_rng(0)
    return {
        "train-images-idx3-ubyte.gz": _idx_gz(rng.integers(0, 256, (5, 28, 28))),
        "train-labels-idx1-ubyte.gz": _idx_gz(np.array([0, 1, 2, 3, 4])),
        "t10k-images-idx3-ubyte.gz": _idx_gz(rng.integers(0, 256, (3, 28, 28))),
        "t10k-labels-idx1-ubyte.gz": _idx_gz(np.array([7, 8, 9])),
    }


def _md5s(contents: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.md5(body).hexdigest() for name, body in contents.items()}


@pytest.fixture
def serve(tmp_path, monkeypatch):
    """serve(files) -> base URL of an HTTP server on 127.0.0.1 serving those bytes by name."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # never route the test via a proxy
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    servers = []

    def start(contents: dict[str, bytes]) -> str:
        root = tmp_path / f"mirror{len(servers)}"
        root.mkdir()
        for name, body in contents.items():
            (root / name).write_bytes(body)
        handler = partial(_QuietHandler, directory=str(root))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/mnist/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves /mnist/<name> from its directory, without logging each request."""

    def translate_path(self, path: str) -> str:
        return super().translate_path(path.removeprefix("/mnist"))

    def log_message(self, *args) -> None:
        pass


def _closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


def test_download_success(tmp_path, serve, fixture_files):
    mirror = serve(fixture_files)
    target = tmp_path / "cache"
    assert download_mnist(target, mirrors=[mirror], files=_md5s(fixture_files)) == target
    assert sorted(p.name for p in target.iterdir()) == sorted(fixture_files)
    assert read_idx(target / "train-images-idx3-ubyte.gz", ndim=3).shape == (5, 28, 28)
    assert read_idx(target / "t10k-labels-idx1-ubyte.gz", ndim=1).tolist() == [7, 8, 9]


def test_download_fetches_only_missing_files(tmp_path, serve, fixture_files):
    target = tmp_path / "cache"
    target.mkdir()
    kept = target / "train-images-idx3-ubyte.gz"
    kept.write_bytes(b"already here")  # trusted as it is, not fetched again
    download_mnist(target, mirrors=[serve(fixture_files)], files=_md5s(fixture_files))
    assert kept.read_bytes() == b"already here"
    assert len(list(target.iterdir())) == 4


def test_404_mirror_then_good_one(tmp_path, serve, fixture_files, caplog):
    empty, good = serve({}), serve(fixture_files)
    target = tmp_path / "cache"
    download_mnist(target, mirrors=[empty, good], files=_md5s(fixture_files))
    assert sorted(p.name for p in target.iterdir()) == sorted(fixture_files)
    assert "HTTP 404" in caplog.text and empty in caplog.text


def test_corrupted_file_leaves_nothing(tmp_path, serve, fixture_files):
    md5s = _md5s(fixture_files)
    name = "t10k-labels-idx1-ubyte.gz"
    body = bytearray(fixture_files[name])
    body[len(body) // 2] ^= 0xFF  # one byte flipped: MD5 mismatch
    bad = {name: bytes(body)}
    target = tmp_path / "cache"
    with pytest.raises(UserError) as err:
        download_mnist(target, mirrors=[serve(bad)], files={name: md5s[name]})
    assert name in str(err.value) and "MD5 mismatch" in str(err.value)
    assert list(target.iterdir()) == []  # no file, no pooch temp file


def test_corrupted_mirror_then_good_one(tmp_path, serve, fixture_files):
    corrupted = {name: body + b"junk" for name, body in fixture_files.items()}
    target = tmp_path / "cache"
    mirrors = [serve(corrupted), serve(fixture_files)]
    download_mnist(target, mirrors=mirrors, files=_md5s(fixture_files))
    assert _md5s({p.name: p.read_bytes() for p in target.iterdir()}) == _md5s(fixture_files)


def test_all_mirrors_down(tmp_path, fixture_files):
    mirrors = [_closed_port_url(), _closed_port_url()]
    target = tmp_path / "cache"
    with pytest.raises(UserError) as err:
        download_mnist(target, mirrors=mirrors, files=_md5s(fixture_files))
    message = str(err.value)
    assert "train-images-idx3-ubyte.gz" in message
    assert str(target) in message and "MNIST_EDGE_DATA_DIR" in message and "--data-dir" in message
    assert all(m in message for m in mirrors)
    assert "\n" not in message
    assert not any(target.iterdir())


# --- find_data_dir: --data-dir, then $MNIST_EDGE_DATA_DIR, then the cache ---------------


def _fake_data_dir(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in FILES:
        (folder / name).write_bytes(b"")
    return folder


def _no_download(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("download_mnist must not be called")

    monkeypatch.setattr("mnist_edge.data.download.download_mnist", fail)


def test_explicit_dir_beats_env_beats_cache(tmp_path, monkeypatch):
    _no_download(monkeypatch)
    explicit, env, cache = (_fake_data_dir(tmp_path / n) for n in ("explicit", "env", "cache"))
    monkeypatch.setenv(data.CACHE_DIR_ENV, str(cache))
    assert find_data_dir() == cache
    monkeypatch.setenv(data.DATA_DIR_ENV, str(env))
    assert find_data_dir() == env
    assert find_data_dir(explicit) == explicit


def test_cache_with_files_is_used_without_download(tmp_path, monkeypatch, mnist_dir):
    _no_download(monkeypatch)
    cache = tmp_path / "cache"
    cache.mkdir()
    for name in FILES:
        (cache / name).symlink_to(mnist_dir / name)
    monkeypatch.setenv(data.CACHE_DIR_ENV, str(cache))
    assert find_data_dir() == cache
    assert data.load_split("test").labels.shape == (10000,)


def test_cache_missing_files_calls_download(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr("mnist_edge.data.download.download_mnist", calls.append)
    assert find_data_dir() == data.cache_dir()
    assert calls == [data.cache_dir()]
    with pytest.raises(UserError, match="download is off"):
        find_data_dir(download=False)


@pytest.mark.parametrize("source", ["argument", "env"])
def test_explicit_dir_missing_files_is_an_error(tmp_path, monkeypatch, source):
    _no_download(monkeypatch)
    folder = tmp_path / "partial"
    folder.mkdir()
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(b"")
    if source == "env":
        monkeypatch.setenv(data.DATA_DIR_ENV, str(folder))
    with pytest.raises(UserError) as err:
        find_data_dir(folder if source == "argument" else None)
    assert str(folder) in str(err.value)
    assert "train-images-idx3-ubyte.gz" in str(err.value)
    assert "t10k-images-idx3-ubyte.gz" not in str(err.value)
