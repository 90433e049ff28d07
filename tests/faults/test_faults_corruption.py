"""Damaged stores: a truncated file, a flipped byte, a missing file, a malformed or future
manifest, manifest paths that point outside their version, symbolic links out of the store.

Each damage hits version 2 of "a" only. That version fails with a specific code and a message
naming the problem; `verify` reports exactly that version; every other version still lists and
loads; and reading a damaged version changes nothing in the store (no repair, no deletion).
Real LightGBM models, on a local directory and on S3 (moto_server) where the damage exists there.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from jupyterlab_models import ModelStore, ModelStoreError
from tests.support.faults_util import snapshot
from tests.support.store_raw import read_raw, remove_raw, stored, write_raw

MODEL = "a/2/model.txt"
MANIFEST = "a/2/manifest.json"


def _manifest(store) -> dict:
    return json.loads(read_raw(store, MANIFEST))


def _set_manifest(store, change) -> None:
    data = _manifest(store)
    change(data)
    write_raw(store, MANIFEST, json.dumps(data).encode())


def _truncate(store, tmp_path):
    model = stored(store, MODEL)  # on object storage: under the save's token
    write_raw(store, model, read_raw(store, model)[:100])


def _flip_byte(store, tmp_path):
    data = bytearray(read_raw(store, stored(store, MODEL)))
    data[len(data) // 2] ^= 0x01
    write_raw(store, stored(store, MODEL), bytes(data))


def _missing(store, tmp_path):
    remove_raw(store, stored(store, MODEL))


def _not_json(store, tmp_path):
    write_raw(store, MANIFEST, b'{"schema_version": 1, "name": ')


def _empty_manifest(store, tmp_path):
    write_raw(store, MANIFEST, b"")


def _not_an_object(store, tmp_path):
    write_raw(store, MANIFEST, b"[1, 2]")


def _binary_manifest(store, tmp_path):
    write_raw(store, MANIFEST, bytes(range(256)))


def _future_schema(store, tmp_path):
    _set_manifest(store, lambda m: m.update(schema_version=99))


def _missing_field(store, tmp_path):
    _set_manifest(store, lambda m: m.pop("files"))


def _wrong_name(store, tmp_path):
    _set_manifest(store, lambda m: m.update(name="b"))


def _path(value):
    def damage(store, tmp_path):
        def change(m):
            m["files"][0]["path"] = value

        _set_manifest(store, change)

    return damage


def _unknown_format(store, tmp_path):
    _set_manifest(store, lambda m: m.update(format="lgbm_v9"))


# (id, damage, code, words of the message, does `list()` still show a/2?)
CASES = [
    ("truncated", _truncate, "integrity", "'model.txt' has 100 bytes, expected", True),
    ("flipped-byte", _flip_byte, "integrity", "'model.txt' does not match its blake3 digest", True),
    ("missing-file", _missing, "integrity", "'model.txt' is missing", True),
    ("manifest-not-json", _not_json, "integrity", "cannot read", False),
    ("manifest-empty", _empty_manifest, "integrity", "cannot read", False),
    ("manifest-binary", _binary_manifest, "integrity", "cannot read", False),
    ("manifest-array", _not_an_object, "integrity", "it is not a JSON object", False),
    ("schema-99", _future_schema, "integrity", "unknown schema_version 99", False),
    ("missing-field", _missing_field, "integrity", "missing fields: files", False),
    ("other-name", _wrong_name, "integrity", "describes 'b' version 2", False),
    ("path-dotdot", _path("../1/model.txt"), "integrity", "must not contain '..'", False),
    ("path-dotdot-out", _path("../../../x"), "integrity", "must not contain '..'", False),
    ("path-absolute", _path("/etc/passwd"), "integrity", "must be a relative POSIX path", False),
    ("path-backslash", _path("..\\..\\x"), "integrity", "must be a relative POSIX path", False),
    ("path-drive", _path("C:/x"), "integrity", "must be a relative POSIX path", False),
    ("path-dot", _path("./model.txt"), "integrity", "must not contain '..', '.'", False),
    ("newer-format", _unknown_format, "unsupported_type", "'lgbm_v9' is not supported", True),
]


@pytest.fixture
def damaged_store(store_url_for, clf, request):
    def make(backend: str) -> ModelStore:
        store = ModelStore(store_url_for(backend))
        store.save(clf, "a", description="a1")
        store.save(clf, "a", description="a2")
        store.save(clf, "b", description="b1")
        return store

    return make


def _rest_of_the_store_works(store, data, clf, still_listed: bool) -> None:
    X, _ = data
    expected = clf.predict_proba(X)
    listed = {m.name: m.version for m in store.list()}
    assert listed == {"a": 2 if still_listed else 1, "b": 1}
    assert [v.version for v in store.versions("a")] == ([1, 2] if still_listed else [1])
    for name, version in [("a", 1), ("b", 1)]:
        assert np.array_equal(store.load(name, version).predict_proba(X), expected)


# Manifest validation is the same code on every backend: S3 gets the file damages and one
# of each kind of manifest damage (its calls cost a second each).
ON_S3 = {"truncated", "missing-file", "manifest-not-json"}
RUNS = [(backend, case) for case in CASES for backend in ("local", "s3")]
RUNS = [(backend, case) for backend, case in RUNS if backend == "local" or case[0] in ON_S3]


@pytest.mark.parametrize(
    "backend, damage, code, words, still_listed",
    [(backend, *case[1:]) for backend, case in RUNS],
    ids=[f"{case[0]}-{backend}" for backend, case in RUNS],
)
def test_damaged_version_fails_alone(
    damaged_store, tmp_path, data, clf, backend, damage, code, words, still_listed
):
    store = damaged_store(backend)
    damage(store, tmp_path)
    before = snapshot(store)

    with pytest.raises(ModelStoreError) as failure:
        if still_listed:
            store.load("a", 2)
        else:
            store.info("a", 2)
    assert failure.value.code == code
    assert words in failure.value.message
    if not still_listed:  # the manifest itself is refused: loading says the same
        with pytest.raises(ModelStoreError) as again:
            store.load("a", 2)
        assert (again.value.code, again.value.message) == (code, failure.value.message)
    elif code == "integrity":
        assert "model 'a' version 2" in failure.value.message

    report = store.verify()
    assert [(p.name, p.version, p.code) for p in report.bad] == (
        [("a", 2, code)] if code == "integrity" else []
    )
    assert sorted(report.checked) == [("a", 1), ("a", 2), ("b", 1)]
    _rest_of_the_store_works(store, data, clf, still_listed)
    assert snapshot(store) == before  # nothing repaired, moved or deleted by reading
    # The next save still takes the next number: the damaged one is never reused.
    assert store.save(clf, "a").version == 3
    assert store.load("a").predict_proba(data[0]).shape == (len(data[0]), 2)


# --- symbolic links out of the store (local stores) ------------------------------------------


def _outside_copy(store, tmp_path, relative: str) -> str:
    """A copy of a stored file or directory outside the store, with the same bytes: the
    sha256 in the manifest matches, so only the link itself can be refused."""
    import shutil

    source = os.path.join(store.location, relative)
    target = str(tmp_path / "outside" / relative.replace("/", "_"))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if os.path.isdir(source):
        shutil.copytree(source, target)
    else:
        shutil.copy(source, target)
    return target


def _link_file(store, tmp_path):
    target = _outside_copy(store, tmp_path, MODEL)
    os.remove(os.path.join(store.location, MODEL))
    os.symlink(target, os.path.join(store.location, MODEL))


def _link_version(store, tmp_path):
    target = _outside_copy(store, tmp_path, "a/2")
    import shutil

    shutil.rmtree(os.path.join(store.location, "a/2"))
    os.symlink(target, os.path.join(store.location, "a/2"))


def _link_to_secret(store, tmp_path):
    """A manifest rewritten to describe a file outside the store, with its true hash."""
    import blake3

    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"password=hunter2\n")
    os.remove(os.path.join(store.location, MODEL))
    os.symlink(secret, os.path.join(store.location, MODEL))

    def change(m):
        m["files"] = [
            {
                "path": "model.txt",
                "size": secret.stat().st_size,
                "digest": "blake3:" + blake3.blake3(secret.read_bytes()).hexdigest(),
            }
        ]
        m["size_bytes"] = secret.stat().st_size

    _set_manifest(store, change)


@pytest.mark.parametrize(
    "damage", [_link_file, _link_version, _link_to_secret], ids=["file", "version-dir", "secret"]
)
def test_symlinks_out_of_the_store_are_not_followed(damaged_store, tmp_path, data, clf, damage):
    store = damaged_store("local")
    damage(store, tmp_path)
    before = snapshot(store)
    with pytest.raises(ModelStoreError) as failure:
        store.load("a", 2)
    assert failure.value.code == "integrity"
    assert "symbolic link" in failure.value.message
    report = store.verify()
    assert [(p.name, p.version, p.code) for p in report.bad] == [("a", 2, "integrity")]
    assert "symbolic link" in report.bad[0].message
    for name, version in [("a", 1), ("b", 1)]:
        assert store.load(name, version).predict(data[0]).shape == (len(data[0]),)
    assert snapshot(store) == before
