"""list() on a local store remembers each model's latest manifest per process and re-reads only
the models whose directory (or latest manifest) changed; these tests age the store's mtimes
past the racy window so that the cache is trusted, then change the store behind its back."""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest

from jupyterlab_models import ModelStore
from jupyterlab_models.storage import RACY_NS

PAST = time.time() - 10 * RACY_NS / 1e9


def age(root: str) -> None:
    """Set every mtime under `root` to one time well in the past, always the same one, as if
    the store were written earlier on a file system with a coarse clock."""
    past = PAST
    for directory, dirs, files in os.walk(root):
        for entry in dirs + files:
            os.utime(os.path.join(directory, entry), (past, past))
    os.utime(root, (past, past))


class ManifestReads:
    """Counts the manifests a store's storage reads."""

    def __init__(self, store: ModelStore, monkeypatch: pytest.MonkeyPatch) -> None:
        self.names: list[str] = []
        storage = store._storage
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


def test_a_manifest_replaced_by_rename_with_its_old_mtime_is_read_again(aged_store):
    manifest = os.path.join(aged_store.location, "c", "1", "manifest.json")
    st = os.stat(manifest)
    with open(manifest, encoding="utf-8") as f:
        data = json.load(f)
    with open(manifest + ".new", "w", encoding="utf-8") as f:
        json.dump({**data, "description": "edited"}, f)
    os.replace(manifest + ".new", manifest)
    os.utime(manifest, ns=(st.st_atime_ns, st.st_mtime_ns))
    age(os.path.join(aged_store.location, "c"))
    assert {i.name: i.description for i in aged_store.list()}["c"] == "edited"


def test_recent_directories_are_read_again(store, clf, monkeypatch):
    """A stamp younger than RACY_NS is not trusted: a change in the same mtime tick as the
    cached read must not be missed."""
    store.save(clf, "fresh")
    store.list()
    reads = ManifestReads(store, monkeypatch)
    store.list()
    assert reads.names == ["fresh"]
