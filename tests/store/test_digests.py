"""Issue #19: BLAKE3 digests in schema 2 manifests, sha256 ones still verified; a load reads
each file of a byte format once and parses the bytes it verified."""

from __future__ import annotations

import json
import os
from pathlib import Path

import blake3
import numpy as np
import pytest

from jupyterlab_models import ModelStore, ModelStoreError
from jupyterlab_models.manifest import entry_digest
from jupyterlab_models.storage import checking
from jupyterlab_models.storage import files as storage_files
from jupyterlab_models.storage.safe import Dir


def test_a_save_records_blake3_digests_of_the_files(store, clf):
    info = store.save(clf, "m")
    assert info.schema_version == 2
    version = Path(store.location) / "m" / "1"
    manifest = json.loads((version / "manifest.json").read_text())
    assert manifest["schema_version"] == 2
    for entry in manifest["files"]:
        assert set(entry) == {"path", "size", "digest"}
        data = (version / entry["path"]).read_bytes()
        assert entry["digest"] == "blake3:" + blake3.blake3(data).hexdigest()
        assert entry_digest(entry) == ("blake3", blake3.blake3(data).hexdigest())


def test_a_schema_1_version_is_verified_with_sha256(store, clf):
    """A version as a jupyterlab-models before BLAKE3 wrote it: its sha256 digests are
    checked on load and by verify, and a damaged file is refused."""
    import hashlib

    store.save(clf, "m")
    version = Path(store.location) / "m" / "1"
    path = version / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["schema_version"] = 1
    for entry in manifest["files"]:
        data = (version / entry["path"]).read_bytes()
        del entry["digest"]
        entry["sha256"] = hashlib.sha256(data).hexdigest()
    path.write_text(json.dumps(manifest))
    store = ModelStore(store.location)
    assert store.load("m").predict(np.zeros((1, 4))).shape == (1,)
    assert store.verify().ok
    model = version / "model.txt"
    data = bytearray(model.read_bytes())
    data[10] ^= 1
    model.write_bytes(bytes(data))
    with pytest.raises(ModelStoreError, match="does not match its sha256 digest"):
        store.load("m")
    assert "sha256" in store.verify().bad[0].message


def test_a_file_replaced_after_verification_never_reaches_the_library(
    store, clf, data, inject_faults
):
    """The window between the check and the parse: the file on disk is replaced (with
    another valid model) right after it was verified; the library parses the verified bytes,
    so the loaded model is the original."""
    import lightgbm

    X, y = data
    store.save(clf, "m")
    other = lightgbm.LGBMClassifier(n_estimators=3, num_leaves=3, verbose=-1).fit(X, 1 - y)
    replacement = other.booster_.model_to_string(num_iteration=-1).encode()
    model = Path(store.location) / "m" / "1" / "model.txt"
    points = []

    def swap(point):
        points.append(point)
        if point == "verified":
            model.unlink()  # replaced, as a rename over it would: a new file, other bytes
            model.write_bytes(replacement)

    inject_faults(swap)
    loaded = store.load("m")
    assert points == ["verified"]
    assert model.read_bytes() == replacement  # the swap happened
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert not np.array_equal(loaded.predict_proba(X), other.predict_proba(X))


def test_a_byte_format_reads_each_file_once(store, clf, monkeypatch):
    """LightGBM parses the bytes that were hashed: model.txt is opened once, by the store."""
    opened = []
    real = Dir.opened

    def counting(self, name):
        opened.append(name)
        return real(self, name)

    store.save(clf, "m")
    monkeypatch.setattr(Dir, "opened", counting)
    monkeypatch.setattr(checking, "copy_hashed", pytest.fail)  # no streamed second pass
    store.load("m")
    assert [name for name in opened if name != "manifest.json"] == ["model.txt"]


def test_files_a_format_does_not_read_are_still_verified(store, monkeypatch):
    """A load checks every file of its version: one the format never reads is hashed when
    the load ends, and damage there fails the load."""
    from tests.support import fake_format

    fake_format.register(monkeypatch)
    store.save(fake_format.Blob(os.urandom(3000), parts=3), "m")
    part = Path(store.location) / "m" / "1" / "parts" / "2.bin"
    data = bytearray(part.read_bytes())
    data[0] ^= 1
    part.write_bytes(bytes(data))

    def first_two(files, info, **options):
        return files.read("parts/0.bin") + files.read("parts/1.bin")

    monkeypatch.setattr(fake_format, "load", first_two)
    with pytest.raises(ModelStoreError, match="'parts/2.bin' does not match its blake3"):
        store.load("m")


def test_a_path_format_gets_a_directory_verified_first(store, monkeypatch, inject_faults):
    from tests.support import fake_format

    fake_format.register(monkeypatch)
    blob = fake_format.Blob(os.urandom(3000), parts=3)
    store.save(blob, "m")
    seen = []

    def by_path(files, info, **options):
        directory = files.directory
        seen.append(sorted(os.listdir(os.path.join(directory, "parts"))))
        return fake_format.Blob(
            b"".join(Path(directory, "parts", f"{i}.bin").read_bytes() for i in range(3)), 3
        )

    monkeypatch.setattr(fake_format, "load", by_path)
    points = []
    inject_faults(points.append)
    assert store.load("m") == blob
    assert points == ["verified"] and seen == [["0.bin", "1.bin", "2.bin"]]


def test_reading_an_unlisted_file_is_refused(store, monkeypatch):
    from tests.support import fake_format

    fake_format.register(monkeypatch)
    store.save(fake_format.Blob(b"abc" * 100, parts=3), "m")
    monkeypatch.setattr(fake_format, "load", lambda files, info: files.read("manifest.json"))
    with pytest.raises(ModelStoreError, match="does not list") as failure:
        store.load("m")
    assert failure.value.code == "integrity"


@pytest.mark.parametrize("size", [1000, 9 << 20], ids=["one thread", "every core"])
def test_blake3_digest_of_a_streamed_file_is_the_whole_files(tmp_path, size):
    """copy_hashed feeds BLAKE3 chunk by chunk (BIG_CHUNK buffers, multi-threaded from
    THREADS_MIN_BYTES on): the digest is the one of the whole bytes."""
    data = os.urandom(size)
    path = tmp_path / "f"
    path.write_bytes(data)
    with open(path, "rb") as f:
        got = storage_files.copy_hashed(f, None, storage_files.Counter(size, None))
    assert got == (size, blake3.blake3(data).hexdigest())
    assert storage_files.digest_of(memoryview(data)) == blake3.blake3(data).hexdigest()


def test_a_file_opened_by_path_is_the_one_verified(store, monkeypatch, inject_faults):
    """`files.path` (TorchScript): the file is hashed, then the library opens it by path; a
    file renamed over it after the check is not what the library reads (Linux: the path is
    /proc/self/fd/<n> of the file that was hashed)."""
    from tests.support import fake_format

    fake_format.register(monkeypatch)
    blob = fake_format.Blob(os.urandom(3000), parts=1)
    store.save(blob, "m")
    part = Path(store.location) / "m" / "1" / "parts" / "0.bin"

    def by_path(files, info, **options):
        with open(files.path("parts/0.bin"), "rb") as f:
            return fake_format.Blob(f.read(), 1)

    def swap(point):
        if point == "verified":
            other = part.with_name("other")
            other.write_bytes(os.urandom(3000))
            os.replace(other, part)

    monkeypatch.setattr(fake_format, "load", by_path)
    inject_faults(swap)
    assert store.load("m") == blob
    assert part.read_bytes() != blob.data  # the swap happened


def _big_blob_by_path(store, monkeypatch):
    """A stored 9 MiB one-file Blob (past OVERLAP_MIN_BYTES) loaded through `files.path`."""
    from tests.support import fake_format

    fake_format.register(monkeypatch)
    blob = fake_format.Blob(os.urandom(9 << 20), parts=1)
    store.save(blob, "m")

    def by_path(files, info, **options):
        with open(files.path("parts/0.bin"), "rb") as f:
            return fake_format.Blob(f.read(), 1)

    monkeypatch.setattr(fake_format, "load", by_path)
    return blob, Path(store.location) / "m" / "1" / "parts" / "0.bin"


def test_a_big_private_file_opened_by_path_is_hashed_in_place(store, monkeypatch):
    """A big file only this user may write is hashed through a memory map, not copied into a
    buffer first; damage is still found."""
    blob, part = _big_blob_by_path(store, monkeypatch)
    monkeypatch.setattr(checking, "copy_hashed", pytest.fail)  # no streamed pass
    assert store.load("m") == blob
    data = bytearray(part.read_bytes())
    data[5 << 20] ^= 1
    part.write_bytes(bytes(data))
    with pytest.raises(ModelStoreError, match="'parts/0.bin' does not match its blake3"):
        store.load("m")


@pytest.mark.parametrize("mode", [0o664, 0o646], ids=["group-writable", "world-writable"])
def test_a_big_file_others_may_write_is_streamed_not_mapped(store, monkeypatch, mode):
    """Someone else could truncate a mapped file under the hash (SIGBUS ends the process):
    such a file is streamed into a buffer instead, and still verified."""
    blob, part = _big_blob_by_path(store, monkeypatch)
    os.chmod(part, mode)
    streamed = []
    real = checking.copy_hashed
    monkeypatch.setattr(
        checking, "copy_hashed", lambda *a, **k: streamed.append(1) or real(*a, **k)
    )
    assert store.load("m") == blob and streamed == [1]
    with open(part, "rb") as f:
        assert checking.mapped_digest(f, 9 << 20, "blake3") is None
    os.chmod(part, 0o644)
    with open(part, "rb") as f:
        assert checking.mapped_digest(f, 9 << 20, "blake3") == (
            9 << 20,
            blake3.blake3(blob.data).hexdigest(),
        )
        assert checking.mapped_digest(f, (9 << 20) + 1, "blake3") is None  # another size


def test_a_big_file_hashed_in_place_reports_its_progress_window_by_window(tmp_path, monkeypatch):
    """A file of several GB is mapped a window at a time, each reported as it is hashed."""
    monkeypatch.setattr(checking, "MAP_WINDOW", 4 << 20)
    data = os.urandom((10 << 20) + 5)
    path = tmp_path / "big"
    path.write_bytes(data)
    reported = []
    counter = storage_files.Counter(len(data), lambda done, total: reported.append(done))
    with open(path, "rb") as f:
        assert checking.mapped_digest(f, len(data), "blake3", counter) == (
            len(data),
            blake3.blake3(data).hexdigest(),
        )
    assert reported == [4 << 20, 8 << 20, len(data)]
