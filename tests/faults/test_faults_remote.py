"""Object storage attacked where a clock, a slow upload or a second writer could break it
(#16): a gc run from a process whose clock is a year ahead, a save that uploads for longer
than the gc age, two writers given the same version number, a failed save's cleanup beside
someone else's files, version numbers after deletes, and stores written before tokens.

On memory:// and on a real S3 server (moto_server on 127.0.0.1). A save is held at its
"uploading" step by the fault seam (`faults.point`, the `inject_faults` fixture) while the
test does what another process would do meanwhile.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest

from jupyterlab_models import ModelInfo, ModelStore, ModelStoreError
from jupyterlab_models.storage.claims import CLAIM_RENEWAL, claim_bytes, modified, new_token
from jupyterlab_models.storage.layout import MAX_VERSION
from jupyterlab_models.store import GC_AGE
from tests.support import fake_format
from tests.support.store_raw import raw_files, read_raw, remove_raw, stored, write_raw

BACKENDS = ["memory", "s3"]
YEAR = 365 * 24 * 3600


@pytest.fixture(autouse=True)
def _fake_format(monkeypatch):
    fake_format.register(monkeypatch)


def blob(text: str) -> fake_format.Blob:
    return fake_format.Blob(text.encode() * 400, parts=3)


class HeldSave:
    """`store.save(blob(text), name)` in a thread of its own, held at its first "uploading"
    step (one file uploaded, two to go) until `resume()`; other threads pass the step."""

    def __init__(self, store: ModelStore, inject_faults, text: str, name: str = "m") -> None:
        self.reached, self.released = threading.Event(), threading.Event()
        self.result: object = None
        self.thread = threading.Thread(target=self._run, args=(store, text, name), daemon=True)
        inject_faults(self._point)
        self.thread.start()
        assert self.reached.wait(60), "the save never reached its upload"

    def _point(self, point: str) -> None:
        if threading.current_thread() is self.thread and point == "uploading":
            if not self.reached.is_set():
                self.reached.set()
                assert self.released.wait(60)

    def _run(self, store: ModelStore, text: str, name: str) -> None:
        try:
            self.result = store.save(blob(text), name, description=text)
        except BaseException as exc:  # the test reads it
            self.result = exc

    def resume(self) -> object:
        self.released.set()
        self.thread.join(60)
        assert not self.thread.is_alive()
        return self.result


def gc_with_clock_ahead(url: str, backend: str, monkeypatch, child_env) -> list[str]:
    """`gc()` (default age: one hour) from a process whose clock is a year ahead: this one
    for memory:// (which lives in this process), a child process for S3."""
    if backend == "memory":
        real = time.time
        with monkeypatch.context() as patch:
            patch.setattr(time, "time", lambda: real() + YEAR)
            return ModelStore(url).gc()
    code = (
        "import json, sys, time\n"
        "real = time.time\n"
        f"time.time = lambda: real() + {YEAR}\n"
        "assert time.time() - real() > 364 * 24 * 3600\n"
        "from jupyterlab_models import ModelStore\n"
        "print(json.dumps(ModelStore(sys.argv[1]).gc()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, url],
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def claim_token_of(store: ModelStore, name: str, version: int) -> str:
    return json.loads(read_raw(store, f"{name}/{version}/.claim"))["token"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_gc_whose_clock_is_far_ahead_leaves_a_running_save_alone(
    store_url_for, backend, inject_faults, monkeypatch, child_env, scratch
):
    url = store_url_for(backend)
    store = ModelStore(url)
    store.save(blob("one"), "m", description="one")
    save = HeldSave(store, inject_faults, "two")  # version 2: claimed, one file uploaded

    assert gc_with_clock_ahead(url, backend, monkeypatch, child_env) == []

    info = save.resume()
    assert isinstance(info, ModelInfo) and info.version == 2, info
    assert [(v.version, v.description) for v in store.versions("m")] == [(1, "one"), (2, "two")]
    assert store.load("m", 2) == blob("two")
    assert store.verify().ok


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_save_longer_than_the_gc_age_keeps_its_claim_fresh(
    store_url_for, backend, inject_faults, scratch
):
    """After its first file, the save writes nothing for 4.5 s (as while a big file uploads:
    the object appears only when it is complete) while gc runs every 0.2 s with an age of
    3 s; the save renews its claim every 0.25 s (CLAIM_RENEWAL, shortened)."""
    url = store_url_for(backend)
    store = ModelStore(url)
    store.storage.claim_renewal = 0.25
    results: list[ModelInfo] = []
    thread = threading.Thread(target=lambda: results.append(store.save(blob("long"), "m")))
    slowed: list[str] = []

    def slow_upload(point: str) -> None:
        if point == "uploading" and threading.current_thread() is thread and not slowed:
            slowed.append(point)
            time.sleep(4.5)

    inject_faults(slow_upload)
    thread.start()
    collector, removed, claim_times = ModelStore(url), [], set()
    while thread.is_alive():
        removed += collector.gc(older_than=3)
        try:
            claim_times.add(modified(store.storage.fs.info(store.storage.path("m", 1, ".claim"))))
        except FileNotFoundError:
            pass
        time.sleep(0.2)
    thread.join()
    assert removed == []
    assert [info.version for info in results] == [1], results
    assert store.load("m") == blob("long") and store.verify().ok
    # The server saw the claim rewritten all along the upload.
    assert max(claim_times) - min(claim_times) >= 3, sorted(claim_times)


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_writers_given_one_number_never_overwrite_each_other(
    store_url_for, backend, inject_faults, scratch
):
    """Writer A holds version 1 and has uploaded one file when a gc takes its claim (as a
    gc with a wrong clock did, or `gc --older-than 0`); writer B takes the same number and
    publishes. A then uploads the rest and fails: B's version is the one listed, and loads."""
    url = store_url_for(backend)
    store = ModelStore(url)
    save_a = HeldSave(store, inject_faults, "A")
    token_a = claim_token_of(store, "m", 1)
    assert ModelStore(url).gc(older_than=0) == ["m/1"]

    info_b = ModelStore(url).save(blob("B"), "m", description="B")
    assert info_b.version == 1  # the same number: it was never published
    files_b = {p: read_raw(store, p) for p in raw_files(store)}

    failure = save_a.resume()
    assert isinstance(failure, ModelStoreError) and failure.code == "internal", failure
    assert "taken away" in failure.message
    assert {p: read_raw(store, p) for p in raw_files(store)} == files_b  # B's, untouched
    assert not any(token_a in p for p in raw_files(store))
    assert [(v.version, v.description) for v in store.versions("m")] == [(1, "B")]
    assert store.load("m", 1) == blob("B") and store.verify().ok
    assert store.save(blob("C"), "m").version == 2


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_failed_save_removes_only_its_own_keys(store_url_for, backend, inject_faults, scratch):
    """While A uploads, its claim becomes writer B's, and B's files lie beside A's: under B's
    token, and where a writer from before tokens puts them. A fails and removes only its own
    uploads; B's claim and files stay as they were."""
    url = store_url_for(backend)
    store = ModelStore(url)
    save_a = HeldSave(store, inject_faults, "A")
    token_a, token_b = claim_token_of(store, "m", 1), new_token()
    b_objects = {
        "m/1/.claim": claim_bytes(token_b),
        f"m/1/{token_b}/parts/0.bin": b"B's first part",
        "m/1/parts/0.bin": b"a writer from before tokens",
        "m/1/parts/1.bin": b"a writer from before tokens, part 1",
    }
    for path, data in b_objects.items():
        write_raw(store, path, data)

    failure = save_a.resume()
    assert isinstance(failure, ModelStoreError) and "taken away" in failure.message, failure
    assert {p: read_raw(store, p) for p in raw_files(store)} == b_objects
    assert not any(token_a in p for p in raw_files(store))


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_number_is_never_given_twice_after_deletes(store_url_for, backend, scratch):
    store = ModelStore(store_url_for(backend))
    for text in ("one", "two", "three"):
        store.save(blob(text), "m")
    assert store.delete("m", 3) == [3]
    assert store.save(blob("four"), "m").version == 4
    assert store.delete("m") == [1, 2, 4]
    assert store.list() == []
    assert [p for p in raw_files(store) if p.startswith(".numbers/")] == [".numbers/m/4"]
    assert store.save(blob("five"), "m").version == 5
    assert store.delete("m", 5) == [5]
    assert store.save(blob("six"), "m").version == 6
    # Each delete records an object of its own: a lower record never hides a higher one.
    store.storage.claims.raise_highest("m", 3)
    assert store.storage.claims.highest("m") == 5
    # Versions stay below 2**53: past the last number, a save is refused and leaves nothing.
    write_raw(store, f".numbers/x/{MAX_VERSION}", b"")
    with pytest.raises(ModelStoreError, match="no version number left") as info:
        store.save(blob("x"), "x")
    assert info.value.code == "internal"
    assert not [p for p in raw_files(store) if p.startswith("x/")]


@pytest.mark.parametrize("backend", BACKENDS)
def test_gc_removes_a_dead_writers_files_beside_a_published_version(store_url_for, backend):
    """A writer that lost its number and died left files under its token in a version another
    writer published: gc removes them, and only them."""
    store = ModelStore(store_url_for(backend))
    store.save(blob("one"), "m")
    published = {p: read_raw(store, p) for p in raw_files(store)}
    dead = new_token()
    write_raw(store, f"m/1/{dead}/parts/0.bin", b"a dead writer's upload")
    assert store.gc() == []  # not an hour old
    assert store.gc(older_than=0) == [f"m/1/{dead}"]
    assert {p: read_raw(store, p) for p in raw_files(store)} == published
    assert store.load("m") == blob("one")


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_store_written_before_tokens_still_works(store_url_for, backend):
    """A version whose files lie directly in its directory and whose manifest names no
    token (as saved before #16) loads, verifies, survives gc and is deleted whole."""
    store = ModelStore(store_url_for(backend))
    info = store.save(blob("old"), "m", description="old")
    token = info.extra["upload_token"]
    manifest = json.loads(read_raw(store, "m/1/manifest.json"))
    del manifest["extra"]["upload_token"]
    for entry in info.files:
        old = f"m/1/{entry['path']}"
        write_raw(store, old, read_raw(store, stored(store, old)))
        remove_raw(store, stored(store, old))
    write_raw(store, "m/1/manifest.json", json.dumps(manifest).encode())
    assert not any(token in p for p in raw_files(store) if not p.endswith(".claim"))

    assert store.load("m") == blob("old") and store.verify().ok
    assert store.gc(older_than=0) == []
    assert store.save(blob("new"), "m").version == 2
    assert store.delete("m") == [1, 2]
    assert [p for p in raw_files(store) if not p.startswith(".numbers/")] == []
    assert store.save(blob("next"), "m").version == 3


def test_a_forged_upload_token_is_refused(store_url_for):
    store = ModelStore(store_url_for("memory"))
    store.save(blob("one"), "m")
    manifest = json.loads(read_raw(store, "m/1/manifest.json"))
    manifest["extra"]["upload_token"] = "../../other"
    write_raw(store, "m/1/manifest.json", json.dumps(manifest).encode())
    with pytest.raises(ModelStoreError, match="upload_token") as info:
        store.load("m")
    assert info.value.code == "integrity"


def test_the_gc_age_is_many_claim_renewals():
    """A running save's claim is at most CLAIM_RENEWAL old (plus a request and LastModified's
    1 s): the default gc age leaves it a wide margin."""
    assert GC_AGE >= 10 * CLAIM_RENEWAL
