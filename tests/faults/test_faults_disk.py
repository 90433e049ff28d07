"""A read-only store, a full disk and an S3 server that goes away in the middle of a save.

The file systems are real: a tmpfs mounted for the test (`mount -t tmpfs -o size=...`), made
read-only with `mount -o remount,ro` (the tests run as root here, and root ignores file modes,
so chmod would prove nothing). The S3 server is a real moto_server of the test's own, reached
through a TCP relay that the test cuts in the middle of an upload and restores afterwards, so
the server keeps its state (moto keeps objects only in memory).

Every case: a clear error naming the problem, nothing half-written, nothing earlier lost.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from jupyterlab_models import ModelStore, ModelStoreError
from jupyterlab_models.kernel import KernelState, handle
from jupyterlab_models.protocol import PROTOCOL_VERSION
from jupyterlab_models.storage import list_cache
from tests.support import fake_format
from tests.support.faults_child import content
from tests.support.faults_util import leftovers, model_files, snapshot
from tests.support.store_raw import age_tree


@pytest.fixture(autouse=True)
def _fake_format(monkeypatch):
    fake_format.register(monkeypatch)


class Mount:
    """A tmpfs of `size` mounted on `path` for one test."""

    def __init__(self, path: Path, size: str) -> None:
        self.path = path
        path.mkdir()
        self._run("mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path))

    @staticmethod
    def _run(*command: str) -> None:
        done = subprocess.run(command, capture_output=True, text=True)
        assert done.returncode == 0, (
            f"{' '.join(command)} failed ({done.stderr.strip()}): these tests mount a small "
            "file system and need root (or CAP_SYS_ADMIN)"
        )

    def read_only(self, flag: bool) -> None:
        self._run("mount", "-o", f"remount,{'ro' if flag else 'rw'}", str(self.path))

    def unmount(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], capture_output=True)


@pytest.fixture
def mount(tmp_path):
    mounts = []

    def make(size: str) -> Mount:
        mounts.append(Mount(tmp_path / f"mnt{len(mounts)}", size))
        return mounts[-1]

    yield make
    for m in mounts:
        m.unmount()


def _filled_store(root: Path) -> ModelStore:
    store = ModelStore(root / "store")
    store.save(content("m-1", 100_000), "m", description="m-1")
    store.save(content("m-2", 100_000), "m", description="m-2")
    store.save(content("other", 50_000), "other", description="other")
    return store


def _nothing_lost(store: ModelStore) -> None:
    assert [(m.name, m.version) for m in store.list()] == [("m", 2), ("other", 1)]
    assert store.load("m", 1) == content("m-1", 100_000)
    assert store.load("m", 2) == content("m-2", 100_000)
    assert store.load("other") == content("other", 50_000)
    assert store.verify().ok


# --- read-only -------------------------------------------------------------------------------


def test_read_only_store(mount, monkeypatch):
    fs = mount("8m")
    store = _filled_store(fs.path)
    # Old enough for list() to remember, which would write its cache file (list_cache.py).
    age_tree(store.location, time.time() - 3600)
    monkeypatch.setattr(list_cache, "REWRITE_AFTER", 1)
    list_cache.forget_all()
    fs.read_only(True)
    before = snapshot(store)

    def refused(action) -> ModelStoreError:
        with pytest.raises(ModelStoreError) as failure:
            action()
        assert failure.value.code == "internal"
        assert "Read-only file system" in failure.value.message
        assert f"the store {store.location} is on a read-only file system" in (
            failure.value.message
        )
        assert "nothing was changed" in failure.value.message
        return failure.value

    refused(lambda: store.save(content("m-3", 1000), "m"))
    refused(lambda: store.save(content("new", 1000), "new"))
    refused(lambda: store.delete("m"))
    refused(lambda: store.delete("m", 1))
    assert store.gc(older_than=0) == []  # nothing to remove: nothing to write
    # Reading works: list, versions, info, load, verify.
    _nothing_lost(store)
    assert [v.version for v in store.versions("m")] == [1, 2]

    # The same through the comm protocol: an error reply, and the kernel side goes on.
    replies: list[dict] = []
    state = KernelState()
    namespace = {"blob": content("k", 1000)}
    handle(
        {
            "id": "h",
            "op": "hello",
            "args": {"protocol_version": PROTOCOL_VERSION, "store": store.location},
        },
        namespace,
        state,
        replies.append,
    )
    handle(
        {"id": "s", "op": "save", "args": {"variable": "blob", "name": "m"}},
        namespace,
        state,
        replies.append,
    )
    handle({"id": "l", "op": "list", "args": {}}, namespace, state, replies.append)
    save_reply, list_reply = replies[-2], replies[-1]
    assert save_reply["ok"] is False and save_reply["error"]["code"] == "internal"
    assert "read-only file system" in save_reply["error"]["message"]
    assert [m["version"] for m in list_reply["result"]["models"]] == [2, 1]

    assert snapshot(store) == before
    assert not os.path.exists(os.path.join(store.location, list_cache.FILE))
    fs.read_only(False)  # writable again: the store works on
    assert store.save(content("m-3", 1000), "m", description="m-3").version == 3
    assert store.delete("other") == [1]


# --- full disk -------------------------------------------------------------------------------


def test_full_disk(mount, monkeypatch, inject_faults):
    """Saves of random sizes (seeded) into a 2 MiB file system until it is full, then saves
    that fit except for their last bytes, so that the error hits the model files and the
    manifest: every failed save leaves nothing, every earlier version stays whole."""
    fs = mount("2m")
    store = _filled_store(fs.path)
    reached: list[str] = []
    inject_faults(reached.append)  # records each step reached
    rng = random.Random(7)
    expected = {1: ("m-1", 100_000), 2: ("m-2", 100_000)}
    failures = []

    def attempt(size: int, tag: str) -> None:
        before = model_files(store)
        reached.clear()
        try:
            info = store.save(content(tag, size), "m", description=tag)
        except ModelStoreError as exc:
            assert exc.code == "internal"
            assert "No space left on device" in exc.message
            assert f"the disk of the store {store.location} is full" in exc.message
            assert model_files(store) == before  # nothing half-written
            assert leftovers(store) == []  # the staging directory is gone too
            failures.append((size, reached[-1] if reached else "before format_writing"))
        else:
            expected[info.version] = (tag, size)
        for version, (description, length) in expected.items():
            assert store.load("m", version) == content(description, length)

    for i in range(12):
        attempt(rng.randrange(50_000, 900_000), f"random-{i}")
    # Almost no room left: leave k free pages and save a model of 4 pages, for k from 3 to
    # 8, so that the failure moves from the model files to the manifest (one more page).
    filler = fs.path / "filler"
    for pages in range(3, 9):
        filler.write_bytes(b"")
        stat = os.statvfs(fs.path)
        filler.write_bytes(b"\0" * (stat.f_bavail * stat.f_frsize - pages * stat.f_frsize))
        attempt(4 * 4096, f"tight-{pages}")
    print(f"\nfailed saves (size, last step reached): {failures}")
    steps = {step for _size, step in failures}
    # failed while writing the model files, and after hashing them (writing the manifest)
    assert len(failures) >= 4 and "hashed" in steps, failures
    assert steps & {"before format_writing", "format_writing"}, failures
    assert [v.version for v in store.versions("m")] == sorted(expected)
    assert store.verify().ok
    filler.unlink()
    assert store.save(content("after", 1000), "m", description="after").version == max(expected) + 1


# --- the S3 server goes away mid-save ----------------------------------------------------------


class Relay:
    """A TCP relay from a port of 127.0.0.1 to the S3 server; `cut()` drops every connection
    and refuses new ones, `restore()` listens again on the same port."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.restore()

    def restore(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(64)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:  # the server is down: the client sees its connection closed
                client.close()
                continue
            with self.lock:
                self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for s in (source, target):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        self.listener.close()
        with self.lock:
            for s in self.sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self.sockets.clear()


class Moto:
    """A moto_server of one test, on a fixed port of 127.0.0.1, that can be killed and
    started again (empty: moto keeps objects in memory only)."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        import boto3

        from tests.support.store_backends import BUCKET, HERE, KEY_ID, SECRET

        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "s3_server.py"), str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        )
        deadline = time.monotonic() + 30
        while True:
            assert self.process.poll() is None, "moto_server did not start"
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "moto_server did not answer in 30 s"
                time.sleep(0.05)
        boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{self.port}",
            aws_access_key_id=KEY_ID,
            aws_secret_access_key=SECRET,
            region_name="us-east-1",
        ).create_bucket(Bucket=BUCKET)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def own_s3(monkeypatch, tmp_path):
    """A moto_server of this test alone, and a relay in front of it."""
    import s3fs

    from tests.support.store_backends import BUCKET, s3_env

    moto = Moto()
    try:
        moto.start()
        relay = Relay(moto.port)
        for key, value in s3_env(f"http://127.0.0.1:{relay.port}").items():
            monkeypatch.setenv(key, value)
        # botocore's retries (5 by default, times s3fs' own) make an outage take ~35 s to
        # report; one attempt keeps the test short, the outcome is the same.
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
        # fsspec reuses one S3FileSystem per set of options, made with the environment of its
        # time: this test's endpoint needs a new one (and later tests their own again).
        s3fs.S3FileSystem.clear_instance_cache()
        scratch = tmp_path / "scratch"
        scratch.mkdir()
        import tempfile

        monkeypatch.setattr(tempfile, "tempdir", str(scratch))
        yield moto, relay, f"s3://{BUCKET}/store", scratch
    finally:
        s3fs.S3FileSystem.clear_instance_cache()
        moto.kill()


def test_s3_server_unreachable_mid_save(own_s3, s3_secret):
    moto, relay, url, scratch = own_s3
    store = _filled_store_url(url)
    before = model_files(store)
    cut_at = []

    def progress(done: int, total: int) -> None:
        if not cut_at:
            cut_at.append((done, total))
            relay.cut()  # the server is gone while the model is being uploaded

    started = time.monotonic()
    with pytest.raises(ModelStoreError) as failure:
        store.save(content("m-3", 12 << 20), "m", description="m-3", progress=progress)
    took = time.monotonic() - started
    message = failure.value.message
    assert failure.value.code == "internal"
    assert message.startswith(f"store {url}: ") and "Error" in message
    assert "connect" in message.lower() or "connection" in message.lower(), message
    assert s3_secret not in message
    assert cut_at and cut_at[0][0] < cut_at[0][1]  # cut in the middle of the upload
    print(f"\ncut after {cut_at[0][0]} of {cut_at[0][1]} bytes; after {took:.1f} s: {message}")

    # While the server is away: reads fail with the same clear error.
    with pytest.raises(ModelStoreError) as listing:
        store.list()
    assert listing.value.code == "internal" and listing.value.message.startswith(f"store {url}")

    relay.restore()  # the server is back, with what it held
    _nothing_lost(store)
    # What the failed save uploaded before the cut is invisible, and gc removes it.
    assert [v.version for v in store.versions("m")] == [1, 2]
    store.gc(older_than=0)
    assert model_files(store) == before
    assert leftovers(store, scratch) == []
    assert store.save(content("m-3", 1000), "m", description="m-3").version == 3


def _filled_store_url(url: str) -> ModelStore:
    store = ModelStore(url)
    store.save(content("m-1", 100_000), "m", description="m-1")
    store.save(content("m-2", 100_000), "m", description="m-2")
    store.save(content("other", 50_000), "other", description="other")
    return store


def test_s3_server_killed_mid_save(own_s3, s3_secret):
    """moto_server itself killed (SIGKILL) during an upload. moto keeps nothing on disk, so
    what comes back is an empty server: the save failed with a clear error, and the new
    server lists nothing partial."""
    moto, relay, url, scratch = own_s3
    store = _filled_store_url(url)
    killed = []

    def progress(done: int, total: int) -> None:
        if not killed:
            killed.append((done, total))
            moto.kill()

    with pytest.raises(ModelStoreError) as failure:
        store.save(content("m-3", 12 << 20), "m", description="m-3", progress=progress)
    message = failure.value.message
    assert failure.value.code == "internal"
    assert message.startswith(f"store {url}: ") and "Error" in message
    assert s3_secret not in message
    assert killed and killed[0][0] < killed[0][1]
    print(f"\nmoto killed after {killed[0][0]} of {killed[0][1]} bytes: {message}")

    moto.start()  # a new, empty server on the same port
    assert store.list() == []
    assert model_files(store) == {}
    assert leftovers(store, scratch) == []  # the local scratch copy was removed too
    assert store.save(content("m-1", 1000), "m", description="m-1").version == 1
