"""list() on a local store remembers each model's latest manifest, in the process and in
`<store>/.list-cache.json` for the next process, and re-reads only the models whose directory
(or latest manifest) changed; these tests age the store's mtimes past the racy window so that
the cache is trusted, then change the store (or the cache file) behind its back."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import time
from datetime import timezone

import pytest

from jupyterlab_models import ModelStore, ModelStoreError
from jupyterlab_models.manifest import DEFERRED
from jupyterlab_models.storage import list_cache
from jupyterlab_models.storage.stamps import RACY_NS
from tests.support.store_raw import age_tree

PAST = time.time() - 10 * RACY_NS / 1e9


def age(root: str) -> None:
    """Set every mtime under `root` to one time well in the past, always the same one, as if
    the store were written earlier on a file system with a coarse clock."""
    age_tree(root, PAST)


class ManifestReads:
    """Counts the manifests a store's storage reads."""

    def __init__(self, store: ModelStore, monkeypatch: pytest.MonkeyPatch) -> None:
        self.names: list[str] = []
        storage = store.storage
        read = storage.read_manifests

        def counting(wanted):
            wanted = list(wanted)
            self.names += [name for name, _version in wanted]
            return read(wanted)

        monkeypatch.setattr(storage, "read_manifests", counting)


@pytest.fixture
def aged_store(store, clf):
    for name in ("a", "b", "c"):
        store.save(clf, name)
    store.save(clf, "b")
    age(store.location)
    assert [(i.name, i.version) for i in store.list()] == [("a", 1), ("b", 2), ("c", 1)]
    return store


def test_a_second_list_reads_no_manifest(aged_store, monkeypatch):
    reads = ManifestReads(aged_store, monkeypatch)
    counts = [(i.name, i.version, n) for i, n in aged_store.list_with_counts()]
    assert counts == [("a", 1, 1), ("b", 2, 2), ("c", 1, 1)]
    assert reads.names == []


def test_another_store_object_shares_the_cache(aged_store, monkeypatch):
    other = ModelStore(aged_store.location)
    reads = ManifestReads(other, monkeypatch)
    assert [i.name for i in other.list()] == ["a", "b", "c"]
    assert reads.names == []


def test_a_new_version_is_listed_and_only_its_model_is_read(aged_store, clf, monkeypatch):
    reads = ManifestReads(aged_store, monkeypatch)
    aged_store.save(clf, "c", description="second")
    listed = {i.name: (i.version, i.description, n) for i, n in aged_store.list_with_counts()}
    assert listed == {"a": (1, "", 1), "b": (2, "", 2), "c": (2, "second", 2)}
    assert reads.names == ["c"]


def test_changes_by_another_process_are_seen(aged_store, clf):
    """Deleted and added directly on disk, as another process would."""
    root = aged_store.location
    shutil.rmtree(os.path.join(root, "a"))
    os.rename(os.path.join(root, "b", "2"), os.path.join(root, "b", "9"))  # not a valid manifest
    ModelStore(os.path.join(root, "..", "elsewhere")).save(clf, "d")
    shutil.move(os.path.join(root, "..", "elsewhere", "d"), os.path.join(root, "d"))
    age(root)  # even with old mtimes: the directory stamps differ
    assert [(i.name, i.version) for i in aged_store.list()] == [("b", 1), ("c", 1), ("d", 1)]


def test_a_manifest_damaged_in_place_is_not_listed_from_the_cache(aged_store):
    manifest = os.path.join(aged_store.location, "b", "2", "manifest.json")
    with open(manifest, "w", encoding="utf-8") as f:
        f.write("{not json")
    age(aged_store.location)  # the directory stamp stays the same; the manifest's does not
    assert [(i.name, i.version) for i in aged_store.list()] == [("a", 1), ("b", 1), ("c", 1)]


def _replace_manifest_keeping_its_mtime(store: ModelStore, name: str, version: int, **fields):
    """What `rsync -t` or `cp -p` leaves: a new file (a new inode) with the old mtime."""
    manifest = os.path.join(store.location, name, str(version), "manifest.json")
    st = os.stat(manifest)
    with open(manifest, encoding="utf-8") as f:
        data = json.load(f)
    with open(manifest + ".new", "w", encoding="utf-8") as f:
        json.dump({**data, **fields}, f)
    os.replace(manifest + ".new", manifest)
    os.utime(manifest, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_a_manifest_replaced_by_rename_with_its_old_mtime_is_read_again(aged_store):
    _replace_manifest_keeping_its_mtime(aged_store, "c", 1, description="edited")
    age(os.path.join(aged_store.location, "c"))
    assert {i.name: i.description for i in aged_store.list()}["c"] == "edited"


def test_a_manifest_replaced_while_list_reads_it_is_read_again_next_time(aged_store, monkeypatch):
    """The stamp remembered is the one of the file read, never of a file that replaced it
    between the read and the stat."""
    list_cache.forget_all()  # a small store has no cache file: every manifest is read
    storage = aged_store.storage
    read = storage.read_manifests

    def read_then_replace(wanted):
        manifests = read(wanted)
        if ("c", 1) in manifests:
            _replace_manifest_keeping_its_mtime(aged_store, "c", 1, description="edited")
        return manifests

    monkeypatch.setattr(storage, "read_manifests", read_then_replace)
    assert {i.name: i.description for i in aged_store.list()}["c"] == ""  # as it was read
    monkeypatch.setattr(storage, "read_manifests", read)
    assert {i.name: i.description for i in aged_store.list()}["c"] == "edited"


def test_a_model_whose_newest_version_is_mended_in_place_lists_it(aged_store):
    """While b's version 2 has a broken manifest, list() shows version 1; once the manifest is
    whole again (written in place, the model's directory unchanged), version 2."""
    manifest = os.path.join(aged_store.location, "b", "2", "manifest.json")
    with open(manifest, "rb") as f:
        whole = f.read()
    with open(manifest, "wb") as f:
        f.write(b"{not json")
    age(aged_store.location)
    assert [(i.name, i.version) for i in aged_store.list()] == [("a", 1), ("b", 1), ("c", 1)]
    with open(manifest, "wb") as f:
        f.write(whole)
    age(aged_store.location)
    assert [(i.name, i.version) for i in aged_store.list()] == [("a", 1), ("b", 2), ("c", 1)]


def test_a_model_read_every_time_does_not_rewrite_the_file_every_time(
    rewrite_always, aged_store, monkeypatch
):
    """b's newest manifest is broken, so b is read by every list() but never remembered: the
    file is written once for that change, not again by each list()."""
    with open(os.path.join(aged_store.location, "b", "2", "manifest.json"), "w") as f:
        f.write("{not json")
    age(aged_store.location)
    writes = []
    write = list_cache.write
    monkeypatch.setattr(list_cache, "write", lambda *a: writes.append(1) or write(*a))
    for _ in range(3):
        assert [(i.name, i.version) for i in aged_store.list()] == [("a", 1), ("b", 1), ("c", 1)]
    assert writes == [1]


def test_a_model_directory_replaced_by_a_file_is_no_longer_listed(aged_store):
    """A remembered model whose directory became a file is dropped, like any non-directory."""
    shutil.rmtree(os.path.join(aged_store.location, "b"))
    with open(os.path.join(aged_store.location, "b"), "w", encoding="utf-8") as f:
        f.write("not a model")
    age(aged_store.location)
    assert [i.name for i in aged_store.list()] == ["a", "c"]


def test_stats_by_path_where_the_store_cannot_be_opened(aged_store, monkeypatch):
    """Windows cannot open a directory: the stats then take whole paths, with the same result."""

    from jupyterlab_models.storage import safe

    monkeypatch.setattr(safe, "FD_BASED", False)
    manifest = os.path.join(aged_store.location, "c", "1", "manifest.json")
    with open(manifest, encoding="utf-8") as f:
        data = json.load(f)
    with open(manifest, "w", encoding="utf-8") as f:
        json.dump({**data, "description": "edited"}, f)
    age(aged_store.location)
    reads = ManifestReads(aged_store, monkeypatch)
    listed = {i.name: (i.version, i.description) for i in aged_store.list()}
    assert listed == {"a": (1, ""), "b": (2, ""), "c": (1, "edited")}
    assert reads.names == ["c"]  # the others' stamps matched, by path


def test_recent_directories_are_read_again(store, clf, monkeypatch):
    """A stamp younger than RACY_NS is not trusted: a change in the same mtime tick as the
    cached read must not be missed."""
    store.save(clf, "fresh")
    store.list()
    reads = ManifestReads(store, monkeypatch)
    store.list()
    assert reads.names == ["fresh"]


# --- the cache file, for the next process --------------------------------------------------


@pytest.fixture
def rewrite_always(monkeypatch):
    """Write the cache file after any list() that read a manifest (not only after 64)."""
    monkeypatch.setattr(list_cache, "REWRITE_AFTER", 1)


def cache_file(store: ModelStore) -> str:
    return os.path.join(store.location, list_cache.FILE)


def listed(store: ModelStore) -> list[tuple[str, int, int]]:
    return [(i.name, i.version, n) for i, n in store.list_with_counts()]


EXPECTED = [("a", 1, 1), ("b", 2, 2), ("c", 1, 1)]

COUNTING_CHILD = """
import json, sys
from jupyterlab_models import ModelStore
store = ModelStore(sys.argv[1])
storage, read, reads = store.storage, store.storage.read_manifests, []
def counting(wanted):
    wanted = list(wanted)
    reads.extend(name for name, _version in wanted)
    return read(wanted)
storage.read_manifests = counting
models = [[i.name, i.version, n, i.description] for i, n in store.list_with_counts()]
print(json.dumps({"models": models, "reads": reads}))
"""


def test_a_new_process_lists_from_the_cache_file_without_reading_a_manifest(
    rewrite_always, aged_store, clf
):
    aged_store.save(clf, "c", description="second")
    age(aged_store.location)
    aged_store.list()  # reads c again and rewrites the file
    child = subprocess.run(
        [sys.executable, "-c", COUNTING_CHILD, aged_store.location],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(child.stdout)
    assert result == {
        "models": [["a", 1, 1, ""], ["b", 2, 2, ""], ["c", 2, 2, "second"]],
        "reads": [],
    }


def test_the_cache_file_holds_what_list_returned(rewrite_always, aged_store):
    list_cache.forget_all()
    from_file = aged_store.list()
    list_cache.forget_all()
    os.unlink(cache_file(aged_store))
    from_manifests = aged_store.list()
    assert from_file == from_manifests  # every field, created_at a UTC datetime included
    assert from_file[0].created_at.tzinfo is not None


def test_changes_after_the_file_was_written_are_read_by_a_new_process(
    rewrite_always, aged_store, clf, monkeypatch
):
    shutil.rmtree(os.path.join(aged_store.location, "a"))
    aged_store.save(clf, "c", description="second")
    age(aged_store.location)
    list_cache.forget_all()
    reads = ManifestReads(aged_store, monkeypatch)
    assert listed(aged_store) == [("b", 2, 2), ("c", 2, 2)]
    assert reads.names == ["c"]


def _flip_last_byte(raw: bytes) -> bytes:
    return raw[:-2] + bytes([raw[-2] ^ 1]) + raw[-1:]


def _parts(raw: bytes) -> tuple[list, bytes]:
    """The index entries and the deferred texts of a cache file."""
    _header, index, deferred = raw.split(b"\n", 2)
    return json.loads(index), deferred


def _signed(index: object, deferred: bytes = b"", **header: object) -> bytes:
    """A cache file with a valid checksum over `index` (entries, or raw bytes) and `deferred`."""
    raw_index = index if isinstance(index, bytes) else json.dumps(index).encode()
    rest = raw_index + b"\n" + deferred
    header = {"format": list_cache.FORMAT, **header}
    return (
        json.dumps({**header, "sha256": hashlib.sha256(rest).hexdigest()}).encode() + b"\n" + rest
    )


def _edited(raw: bytes, edit) -> bytes:
    """`raw` with `edit(entries)` applied to its index entries, signed again."""
    entries, deferred = _parts(raw)
    edit(entries)
    return _signed(entries, deferred)


def _resigned(raw: bytes, **header: object) -> bytes:
    index, deferred = raw.split(b"\n", 2)[1:]
    return _signed(index, deferred, **header)


DAMAGES = {
    "a flipped byte": _flip_last_byte,
    "cut short": lambda raw: raw[: len(raw) // 2],
    "empty": lambda raw: b"",
    "not JSON": lambda raw: b"\x00\xff garbage \n{[",
    "header only": lambda raw: raw.partition(b"\n")[0],
    "a newer format": lambda raw: _resigned(raw, format=list_cache.FORMAT + 1),
    "entries of another shape": lambda raw: _signed([["a", 1]]),
    "a manifest missing a field": lambda raw: _edited(
        raw, lambda entries: entries[1][4].pop("user")
    ),
    "a manifest with a field it cannot have": lambda raw: _edited(
        raw, lambda entries: entries[1][4].__setitem__("owner", "x")
    ),
    "deferred lengths that do not add up": lambda raw: _edited(
        raw, lambda entries: entries[0].__setitem__(5, entries[0][5] - 1)
    ),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_or_foreign_cache_file_is_ignored_and_rewritten(
    damage, rewrite_always, aged_store, monkeypatch
):
    path = cache_file(aged_store)
    with open(path, "rb") as f:
        good = f.read()
    with open(path, "wb") as f:
        f.write(DAMAGES[damage](good))
    list_cache.forget_all()
    reads = ManifestReads(aged_store, monkeypatch)
    assert listed(aged_store) == EXPECTED
    assert sorted(reads.names) == ["a", "b", "c"]  # every manifest read, none from the file
    with open(path, "rb") as f:
        assert f.read() == good  # rewritten from what was read


def test_the_signing_helper_makes_a_file_that_is_trusted(rewrite_always, aged_store, monkeypatch):
    """The damages above are refused for what they change, not for how the test signs them."""
    path = cache_file(aged_store)
    with open(path, "rb") as f:
        good = f.read()
    with open(path, "wb") as f:
        f.write(_edited(good, lambda entries: None))
    list_cache.forget_all()
    reads = ManifestReads(aged_store, monkeypatch)
    assert listed(aged_store) == EXPECTED
    assert reads.names == []


def test_a_forged_entry_with_a_valid_checksum_cannot_hide_a_change(
    rewrite_always, aged_store, clf, monkeypatch
):
    """The checksum guards against damage, the stamps against staleness: an entry whose
    stamps do not match the store is read again whatever it says."""
    path = cache_file(aged_store)
    with open(path, "rb") as f:
        good = f.read()

    def forge(entries):
        for entry in entries:
            entry[1][1] += 1  # the directory's mtime
            entry[4]["description"] = "forged"

    with open(path, "wb") as f:
        f.write(_edited(good, forge))
    list_cache.forget_all()
    assert {i.description for i in aged_store.list()} == {""}


def test_files_and_extra_are_read_from_the_file_only_when_used(rewrite_always, aged_store):
    """The first list() of a process leaves each manifest's files, library_versions and extra
    as text; reading one parses them, with the same values as the manifest's."""
    list_cache.forget_all()
    info = aged_store.list()[0]
    assert set(DEFERRED).isdisjoint(vars(info))
    assert info.files == aged_store.info("a").files
    assert set(DEFERRED) <= vars(info).keys()
    assert info.extra == aged_store.info("a").extra


def test_created_at_is_parsed_from_the_file_only_when_read(rewrite_always, aged_store):
    """The summary the kernel sends carries the stored text as it is; the attribute is the
    same UTC datetime as the manifest's."""
    list_cache.forget_all()
    info = aged_store.list()[0]
    assert "created_at" not in vars(info)
    assert info.summary()["created_at"] == aged_store.info("a").to_dict()["created_at"]
    assert "created_at" not in vars(info)
    assert info.created_at == aged_store.info("a").created_at
    assert info.created_at.tzinfo is timezone.utc


def test_a_model_listed_from_the_file_pickles_and_copies_with_every_field(
    rewrite_always, aged_store
):
    list_cache.forget_all()
    info = aged_store.list()[0]
    assert pickle.loads(pickle.dumps(info)) == aged_store.info("a")
    assert copy.deepcopy(aged_store.list()[1]) == aged_store.info("b")
    assert dataclasses.replace(aged_store.list()[2], description="x").files == (
        aged_store.info("c").files
    )


def test_a_created_at_forged_under_a_valid_checksum_raises_integrity(rewrite_always, aged_store):
    """As for the deferred fields below: a time not in UTC fails when read, with the error a
    manifest holding it would give."""
    path = cache_file(aged_store)
    with open(path, "rb") as f:
        entries, deferred = _parts(f.read())
    summary = entries[1][4]
    summary["_created_at_iso"] = summary["_created_at_iso"].replace("Z", "+01:00")
    with open(path, "wb") as f:
        f.write(_signed(entries, deferred))
    list_cache.forget_all()
    info = aged_store.list()[1]
    assert info.description == ""
    with pytest.raises(ModelStoreError) as caught:
        _ = info.created_at
    assert caught.value.code == "integrity"
    assert "not a UTC ISO 8601 time" in str(caught.value)


def test_deferred_fields_damaged_under_a_valid_checksum_raise_integrity(rewrite_always, aged_store):
    """Only a forger can get here (the checksum catches damage): reading the fields then
    fails with a clear error instead of returning something else."""
    path = cache_file(aged_store)
    with open(path, "rb") as f:
        entries, deferred = _parts(f.read())
    forged = deferred.replace(b'"files":', b'"filez":', 1)
    with open(path, "wb") as f:
        f.write(_signed(entries, forged))
    list_cache.forget_all()
    info = aged_store.list()[0]
    assert info.description == ""  # the eager fields are fine
    with pytest.raises(ModelStoreError) as caught:
        _ = info.extra
    assert caught.value.code == "integrity"
    assert "damaged" in str(caught.value)


def test_a_few_changes_leave_the_file_alone(aged_store, clf, monkeypatch):
    monkeypatch.setattr(list_cache, "REWRITE_AFTER", 1)
    list_cache.forget_all()
    aged_store.list()  # with nothing remembered: reads all three, writes the file
    before = os.stat(cache_file(aged_store)).st_ino  # a rewrite renames a new file over it
    monkeypatch.setattr(list_cache, "REWRITE_AFTER", 2)
    aged_store.save(clf, "a", description="second")
    age(aged_store.location)
    assert [(i.name, i.version) for i in aged_store.list()] == [("a", 2), ("b", 2), ("c", 1)]
    assert os.stat(cache_file(aged_store)).st_ino == before


def test_no_cache_file_for_a_small_store(aged_store):
    """Below REWRITE_AFTER models, reading every manifest again is cheaper than the file."""
    list_cache.forget_all()
    aged_store.list()
    assert not os.path.exists(cache_file(aged_store))


def test_a_failed_write_of_the_cache_file_changes_nothing(rewrite_always, aged_store, monkeypatch):
    os.unlink(cache_file(aged_store))
    list_cache.forget_all()

    def refuse(source, target, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "rename", refuse)
    assert listed(aged_store) == EXPECTED
    assert not os.path.exists(cache_file(aged_store))
    assert os.listdir(os.path.join(aged_store.location, ".staging")) == []


def test_gc_removes_a_cache_file_left_half_written(aged_store):
    """A process killed while writing leaves its temporary file in .staging."""
    staging = os.path.join(aged_store.location, ".staging")
    os.makedirs(staging, exist_ok=True)
    leftover = os.path.join(staging, "0123abcd" + list_cache.FILE)
    with open(leftover, "wb") as f:
        f.write(b'{"format": 2, "sha')
    an_hour_ago = time.time() - 3700
    os.utime(leftover, (an_hour_ago, an_hour_ago))
    assert aged_store.gc() == [".staging/0123abcd" + list_cache.FILE]
    assert listed(aged_store) == EXPECTED
