"""`verify` and `gc`, on every backend."""

from __future__ import annotations

import os
import time

import pytest

from jupyterlab_models import ModelStore, ModelStoreError
from tests.support.store_raw import (
    age_raw,
    raw_files,
    read_raw,
    remove_raw,
    stored,
    write_raw,
)


@pytest.fixture
def blob(monkeypatch):
    from tests.support import fake_format

    fake_format.register(monkeypatch)
    return lambda text: fake_format.Blob(text.encode() * 100)


def snapshot(store: ModelStore) -> dict[str, bytes]:
    return {path: read_raw(store, path) for path in raw_files(store)}


def test_verify_a_sound_store(any_store, blob):
    any_store.save(blob("a"), "a")
    any_store.save(blob("b"), "b")
    any_store.save(blob("b2"), "b")
    progress = []
    report = any_store.verify(progress=lambda *p: progress.append(p))
    assert report.ok and report.bad == [] and report.incomplete == []
    assert report.checked == [("a", 1), ("b", 1), ("b", 2)]
    assert progress == [(1, 3), (2, 3), (3, 3)]
    assert any_store.verify("b").checked == [("b", 1), ("b", 2)]
    assert any_store.verify("b").to_dict() == {
        "ok": True,
        "checked": [
            {"name": "b", "version": 1, "ok": True},
            {"name": "b", "version": 2, "ok": True},
        ],
        "bad": [],
        "incomplete": [],
    }


def test_verify_reports_each_bad_version_and_touches_nothing(any_store, blob):
    for name, text in [("a", "a"), ("b", "b1"), ("b", "b2"), ("b", "b3"), ("c", "c")]:
        any_store.save(blob(text), name)
    flipped = bytearray(read_raw(any_store, stored(any_store, "b/2/parts/1.bin")))
    flipped[3] ^= 0x20
    write_raw(any_store, stored(any_store, "b/2/parts/1.bin"), bytes(flipped))
    remove_raw(any_store, stored(any_store, "c/1/parts/2.bin"))
    write_raw(any_store, "b/3/manifest.json", b"[]")
    write_raw(any_store, "a/2/parts/0.bin", b"a save that never finished")
    before = snapshot(any_store)

    report = any_store.verify()
    assert not report.ok
    assert report.checked == [("a", 1), ("b", 1), ("b", 2), ("b", 3), ("c", 1)]
    assert [(p.name, p.version, p.code) for p in report.bad] == [
        ("b", 2, "integrity"),
        ("b", 3, "integrity"),
        ("c", 1, "integrity"),
    ]
    messages = [p.message for p in report.bad]
    assert "'parts/1.bin' does not match its blake3 digest" in messages[0]
    assert "invalid manifest" in messages[1]
    assert "'parts/2.bin' is missing" in messages[2]
    assert report.incomplete == [("a", 2)]
    assert snapshot(any_store) == before  # nothing repaired, moved or deleted
    # the good versions still load; the list still shows what it showed
    assert [(m.name, m.version) for m in any_store.list()] == [("a", 1), ("b", 2), ("c", 1)]
    assert any_store.load("b", 1).data == b"b1" * 100
    assert any_store.verify("a").ok and not any_store.verify("c").ok


def test_verify_of_an_unknown_name(any_store):
    with pytest.raises(ModelStoreError) as info:
        any_store.verify("nope")
    assert info.value.code == "not_found"
    assert any_store.verify().ok and any_store.verify().checked == []


# --- gc on a local directory ---------------------------------------------------------------


@pytest.fixture
def local(tmp_path, monkeypatch):
    from tests.support import fake_format

    fake_format.register(monkeypatch)
    return ModelStore(tmp_path / "store")


def plant_staging(store: ModelStore, unique: str, age: float) -> str:
    directory = os.path.join(store.location, ".staging", unique)
    os.makedirs(os.path.join(directory, "parts"))
    with open(os.path.join(directory, "parts", "0.bin"), "wb") as f:
        f.write(b"half")
    age_raw(store, f".staging/{unique}", age)
    return directory


def test_gc_removes_stale_unlocked_staging_and_trash(local):
    from filelock import FileLock

    from tests.support import fake_format

    local.save(fake_format.Blob(b"kept"), "m")
    stale = plant_staging(local, "stale", 2 * 3600)
    fresh = plant_staging(local, "fresh", 60)
    busy = plant_staging(local, "busy", 2 * 3600)
    orphan_lock = os.path.join(local.location, ".staging", "gone.lock")
    open(orphan_lock, "w").close()
    age_raw(local, ".staging/gone.lock", 2 * 3600)
    os.makedirs(os.path.join(local.location, ".trash", "left", "1"))
    open(os.path.join(local.location, ".trash", "left", "1", "model.txt"), "w").close()

    with FileLock(busy + ".lock", timeout=0):  # a save is still writing it
        removed = local.gc()
    assert sorted(removed) == [".staging/stale", ".trash/left"]
    assert not os.path.exists(stale) and not os.path.exists(stale + ".lock")
    assert os.path.isdir(fresh) and os.path.isdir(busy)
    assert not os.path.exists(orphan_lock)
    assert os.listdir(os.path.join(local.location, ".trash")) == []
    assert [m.name for m in local.list()] == ["m"] and local.verify().ok

    # once its save is gone: removed; younger than --older-than: kept until then
    assert local.gc(older_than=3600) == [".staging/busy"]
    assert local.gc(older_than=0) == [".staging/fresh"]
    assert os.listdir(os.path.join(local.location, ".staging")) == []
    assert local.load("m") == fake_format.Blob(b"kept")


def test_gc_never_removes_a_running_save(local, monkeypatch, inject_faults):
    """A save paused after the format wrote its files: gc --older-than 0 leaves it."""
    from tests.support import fake_format

    results = []

    def crash_point(point):
        if point == "staged":
            results.append(local.gc(older_than=0))

    inject_faults(crash_point)
    info = local.save(fake_format.Blob(b"x" * 10), "m")
    assert results == [[]]
    assert info.version == 1 and local.load("m") == fake_format.Blob(b"x" * 10)


def test_gc_of_an_empty_or_missing_store(tmp_path):
    assert ModelStore(tmp_path / "nothing").gc() == []
    assert not (tmp_path / "nothing").exists()


# --- gc on object storage ---------------------------------------------------------------------


@pytest.fixture
def remote(remote_store):
    return remote_store


def test_gc_removes_versions_that_never_got_a_manifest(remote, blob):
    remote.save(blob("one"), "m")
    write_raw(remote, "m/2/.claim", b"{}")
    write_raw(remote, "m/2/parts/0.bin", b"partial")
    write_raw(remote, "n/1/.claim", b"{}")
    assert [(m.name, m.version) for m in remote.list()] == [("m", 1)]
    assert remote.gc() == []  # they may be saves still uploading
    time.sleep(0.01)
    assert remote.gc(older_than=0) == ["m/2", "n/1"]
    assert raw_files(remote) == sorted(
        ["m/1/.claim", "m/1/manifest.json"]
        + [stored(remote, f"m/1/parts/{i}.bin") for i in range(3)]
    )
    assert remote.save(blob("two"), "m").version == 2  # the number is free again
    assert remote.verify().ok
