"""A full disk under the data directory: a small tmpfs, filled up, then a load.

With ``appendfsync always`` the server exits rather than acknowledge a write it could not save,
so the load fails half-way. What is shown: the error says the disk is full; once space is freed
the server restarts, the half load is rolled back (the digest is as before the load, nothing
acknowledged lost), and the same load succeeds.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kgplatform.config import Settings
from kgplatform.errors import StoreUnavailable
from kgplatform.store import open_store
from kgplatform.store.server import stop_server
from tests.conftest import server_pids
from tests.faults.conftest import big_graph

DISK_MB = 16
LEFT_FREE = 256 * 1024  # less than the load needs, more than its first batches


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of DISK_MB MiB (needs root and mount rights; skipped, saying why, without them)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("a small filesystem for the disk-full test needs root (mount -t tmpfs)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        stop_server(mount / "data")
        for pid in server_pids(mount / "data"):
            os.kill(pid, signal.SIGKILL)
        subprocess.run(["umount", "--lazy", str(mount)], check=True)


def _fill(disk: Path, leave: int) -> Path:
    """Fill ``disk`` with one file until only ``leave`` bytes are free; returns the file."""
    filler = disk / "filler"
    chunk = b"\0" * (1 << 16)
    with filler.open("wb") as out:
        try:
            while os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize > leave + len(chunk):
                out.write(chunk)
                out.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def test_a_load_on_a_full_disk_fails_saying_so_and_loses_nothing(small_disk: Path) -> None:
    data_dir = small_disk / "data"
    settings = Settings(data_dir=data_dir, graph="kg", batch_size=500)
    with open_store(settings) as store:
        store.load(*big_graph("base", 300, 600))  # acknowledged before the disk fills
        before = store.digest()
    filler = _fill(small_disk, LEFT_FREE)
    entities, edges = big_graph("big", 10_000, 10_000)
    with open_store(settings) as store, pytest.raises(StoreUnavailable) as failed:
        store.load(entities, edges)
    message = str(failed.value)
    assert f"the disk holding {data_dir.resolve()} is full" in message, message
    assert "rolled back when the store is next opened" in message

    filler.unlink()  # space freed: the next command restarts the server and rolls the half load back
    with open_store(settings) as store:
        assert store.run_named("list_loads") == [] and store.digest() == before
        report = store.load(entities, edges)
        assert (report.entities, report.edges) == (10_000, 10_000)
        assert store.stats().entities == 10_300 and store.stats().facts == 10_600
