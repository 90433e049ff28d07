"""ModelStore behaviour, the same cases on every backend: a local directory, memory:// and
s3:// on a real S3-compatible server (see store_backends.py)."""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import lightgbm
import numpy as np
import pytest

from jupyterlab_models import ModelInfo, ModelStore, ModelStoreError
from jupyterlab_models.location import resolve_location
from tests.support.store_raw import (
    is_remote,
    raw_files,
    read_raw,
    remove_raw,
    stored,
    visible_entries,
    write_raw,
)


@pytest.fixture
def store(any_store):
    """Here `store` is on every backend (conftest's is a local directory only)."""
    return any_store


def code_of(call, *args, **kwargs) -> str:
    with pytest.raises(ModelStoreError) as info:
        call(*args, **kwargs)
    return info.value.code


def no_leftovers(store: ModelStore) -> bool:
    """Nothing of an unfinished save or delete: no staging, no trash, no version without a
    manifest."""
    files = raw_files(store)
    if any(p.startswith((".staging/", ".trash/")) for p in files):
        return False
    versions = {tuple(p.split("/")[:2]) for p in files if p.count("/") >= 2 and p[0] != "."}
    return all(f"{n}/{v}/manifest.json" in files for n, v in versions)


def test_save_list_info_load_delete(store, clf, data):
    X, _ = data
    progress = []
    info = store.save(
        clf,
        "churn model",
        description="first try",
        variable="clf",
        notebook="nb.ipynb",
        progress=lambda done, total: progress.append((done, total)),
    )
    assert (info.name, info.version) == ("churn model", 1)
    assert (info.format, info.library) == ("lgbm", "lightgbm")
    assert info.type == "lightgbm.sklearn.LGBMClassifier"
    assert (info.description, info.variable, info.notebook) == ("first try", "clf", "nb.ipynb")
    assert [f["path"] for f in info.files] == ["model.txt"]
    assert info.size_bytes == info.files[0]["size"] > 0
    assert info.created_at.tzinfo is timezone.utc
    assert abs(datetime.now(timezone.utc) - info.created_at) < timedelta(minutes=1)
    assert info.to_dict()["created_at"].endswith("Z")
    assert info.library_versions["lightgbm"] == lightgbm.__version__
    assert progress and progress[-1] == (info.size_bytes, info.size_bytes)

    assert store.list() == [info]
    assert store.info("churn model") == info == store.info("churn model", 1)
    on_disk = json.loads(read_raw(store, "churn model/1/manifest.json"))
    assert ModelInfo.from_dict(on_disk) == info
    assert on_disk == info.to_dict()

    progress.clear()
    loaded, loaded_info, notes = store.load_with_info(
        "churn model", progress=lambda *p: progress.append(p)
    )
    assert notes == []
    assert loaded_info == info and progress[-1] == (info.size_bytes, info.size_bytes)
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    np.testing.assert_array_equal(store.load("churn model").predict(X), clf.predict(X))

    assert store.delete("churn model") == [1]
    assert store.list() == []
    assert visible_entries(store) == []
    assert code_of(store.info, "churn model") == "not_found"


def test_versions(store, clf):
    first = store.save(clf, "m", description="one")
    second = store.save(clf, "m", description="two")
    assert (first.version, second.version) == (1, 2)
    assert [m.version for m in store.list()] == [2]
    assert [(m.name, n) for m, n in store.list_with_counts()] == [("m", 2)]
    assert [v.description for v in store.versions("m")] == ["one", "two"]
    assert store.info("m").version == 2 and store.info("m", 1).description == "one"

    assert store.delete("m", 1) == [1]
    assert [v.version for v in store.versions("m")] == [2]
    assert code_of(store.info, "m", 1) == "not_found"
    assert code_of(store.load, "m", 1) == "not_found"
    assert code_of(store.delete, "m", 1) == "not_found"
    assert store.save(clf, "m").version == 3

    assert store.delete("m") == [2, 3]
    assert store.list() == [] and visible_entries(store) == []
    # A number is never given twice, not even after the whole model was deleted (#16).
    assert store.save(clf, "m").version == 4


def test_load_a_given_version(store, monkeypatch):
    from tests.support import fake_format

    fake_format.register(monkeypatch)
    store.save(fake_format.Blob(b"one" * 100), "m")
    store.save(fake_format.Blob(b"two" * 100, parts=2), "m")
    assert store.load("m", 1) == fake_format.Blob(b"one" * 100)
    assert store.load("m") == store.load("m", 2) == fake_format.Blob(b"two" * 100, parts=2)


def test_concurrent_saves_of_one_name_all_land(store, clf):
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(store.save, clf, "m", description=str(i)) for i in range(8)]
        infos = [f.result() for f in futures]
    assert sorted(info.version for info in infos) == list(range(1, 9))
    assert sorted(v.description for v in store.versions("m")) == sorted(map(str, range(8)))
    assert no_leftovers(store)
    if not is_remote(store):
        assert os.listdir(os.path.join(store.location, ".staging")) == []


def test_deleting_the_last_version_removes_the_name(store, clf):
    store.save(clf, "m")
    assert store.delete("m", 1) == [1]
    assert visible_entries(store) == []
    assert code_of(store.versions, "m") == "not_found"


def test_list_is_sorted_by_name(store, clf):
    for name in ["b", "a", "C"]:
        store.save(clf, name)
    assert [m.name for m in store.list()] == ["C", "a", "b"]


def test_names_differing_only_in_case_are_refused(store, clf):
    store.save(clf, "Model")
    with pytest.raises(ModelStoreError, match="differs only in case.*'Model'") as info:
        store.save(clf, "model")
    assert info.value.code == "name_invalid"
    assert code_of(store.save, clf, "MODEL") == "name_invalid"
    assert store.save(clf, "Model").version == 2  # the same name is fine
    assert [m.name for m in store.list()] == ["Model"]
    store.delete("Model")
    assert store.save(clf, "model").version == 1  # once "Model" is gone


def test_invalid_names_are_refused_everywhere(store, clf):
    for call in (store.info, store.versions, store.delete, store.load, store.verify):
        assert code_of(call, "../x") == "name_invalid"
    assert code_of(store.save, clf, "../x") == "name_invalid"
    assert raw_files(store) == []
    if not is_remote(store):
        assert not os.path.exists(os.path.join(os.path.dirname(store.location), "x"))


def test_unknown_models_and_versions(store, clf):
    assert store.list() == []  # the store does not even exist yet
    assert code_of(store.info, "nope") == "not_found"
    assert code_of(store.load, "nope") == "not_found"
    assert code_of(store.delete, "nope") == "not_found"
    assert code_of(store.versions, "nope") == "not_found"
    store.save(clf, "m")
    assert code_of(store.info, "m", 2) == "not_found"
    assert code_of(store.load, "m", 2) == "not_found"
    assert code_of(store.delete, "m", 2) == "not_found"


def test_version_must_be_an_int(store, clf):
    store.save(clf, "m")
    for call in (store.info, store.load, store.delete):
        with pytest.raises(TypeError):
            call("m", "1")
        with pytest.raises(TypeError):
            call("m", True)


def test_unsupported_type_names_the_type(store):
    with pytest.raises(
        ModelStoreError, match=r"builtins\.dict is not a supported model type"
    ) as info:
        store.save({}, "m")
    assert info.value.code == "unsupported_type"
    assert raw_files(store) == []


def test_entries_without_a_valid_manifest_are_ignored(store, clf):
    good = store.save(clf, "good")
    # a version with files but no manifest (as a crash before publication could leave it if
    # it were not staged), garbage, a manifest of the wrong schema, a manifest that
    # describes another model
    write_raw(store, "nomanifest/1/model.txt", b"tree")
    write_raw(store, "garbage/1/manifest.json", b"{not json")
    future = dict(good.to_dict(), name="future", schema_version=99)
    write_raw(store, "future/1/manifest.json", json.dumps(future).encode())
    write_raw(store, "other/1/manifest.json", json.dumps(good.to_dict()).encode())
    write_raw(store, "good/07/manifest.json", read_raw(store, "good/1/manifest.json"))
    write_raw(store, "not a dir", b"")
    write_raw(store, ".hidden/1/manifest.json", read_raw(store, "good/1/manifest.json"))
    assert [m.name for m in store.list()] == ["good"]
    assert code_of(store.info, "nomanifest") == "not_found"
    assert code_of(store.info, "garbage", 1) == "integrity"
    assert code_of(store.info, "future", 1) == "integrity"
    assert code_of(store.info, "other", 1) == "integrity"
    assert code_of(store.versions, "garbage") == "not_found"


def test_a_newer_version_without_manifest_is_invisible_but_keeps_its_number(store, clf):
    store.save(clf, "m")
    write_raw(store, "m/2/model.txt", b"half a model")
    assert [m.version for m in store.list()] == [1]
    assert store.info("m").version == 1
    assert [v.version for v in store.versions("m")] == [1]
    assert store.save(clf, "m").version == 3


def test_a_damaged_latest_manifest_falls_back_to_the_previous_version(store, clf):
    store.save(clf, "m", description="one")
    store.save(clf, "m", description="two")
    write_raw(store, "m/2/manifest.json", b"{")
    assert [(m.version, m.description) for m in store.list()] == [(1, "one")]
    assert store.info("m").version == 1
    assert code_of(store.info, "m", 2) == "integrity"


@pytest.mark.parametrize("damage", ["flip", "truncate", "extend", "remove"])
def test_integrity(store, clf, damage):
    store.save(clf, "m")
    path = stored(store, "m/1/model.txt")
    content = bytearray(read_raw(store, path))
    if damage == "flip":
        content[len(content) // 2] ^= 0x01
        write_raw(store, path, bytes(content))
    elif damage == "truncate":
        write_raw(store, path, bytes(content[:-10]))
    elif damage == "extend":
        write_raw(store, path, bytes(content) + b"\n")
    else:
        remove_raw(store, path)
    with pytest.raises(ModelStoreError) as info:
        store.load("m")
    assert info.value.code == "integrity"
    assert "model.txt" in info.value.message
    assert [m.version for m in store.list()] == [1]  # listed: list() reads only manifests


def test_failed_save_leaves_nothing(store, data):
    """The format writes model.txt, then refuses the custom objective (a callable)."""
    X, y = data

    def objective(y_true, y_pred):
        p = 1 / (1 + np.exp(-y_pred))
        return p - y_true, p * (1 - p)

    clf = lightgbm.LGBMClassifier(objective=objective, n_estimators=3, verbose=-1).fit(X, y)
    with pytest.raises(ModelStoreError, match="parameter 'objective'") as info:
        store.save(clf, "m")
    assert info.value.code == "unsupported_type"
    assert store.list() == []
    assert visible_entries(store) == []
    assert raw_files(store) == []


def test_failed_save_keeps_previous_versions(store, clf, data):
    store.save(clf, "m")
    unfitted = lightgbm.LGBMClassifier()
    assert code_of(store.save, unfitted, "m") == "unsupported_type"
    assert [v.version for v in store.versions("m")] == [1]
    assert no_leftovers(store)


def test_a_save_that_fails_while_publishing_leaves_nothing(store, monkeypatch):
    """A failure after the format wrote its files (a progress callback that raises, here)."""
    from tests.support import fake_format

    fake_format.register(monkeypatch)
    store.save(fake_format.Blob(b"x" * 3000), "m")

    def progress(done, total):
        if done > 1000:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store.save(fake_format.Blob(b"y" * 3000), "m", progress=progress)
    assert [v.version for v in store.versions("m")] == [1]
    assert no_leftovers(store)
    assert store.save(fake_format.Blob(b"z"), "m").version == 2


def test_a_format_may_not_write_reserved_files(store, monkeypatch):
    from tests.support import fake_format

    fake_format.register(monkeypatch)

    for reserved in ("manifest.json", ".claim"):

        def save(obj, directory, reserved=reserved, **options):
            with open(os.path.join(directory, reserved), "w") as f:
                f.write("{}")
            return {}

        monkeypatch.setattr(fake_format, "save", save)
        with pytest.raises(ModelStoreError, match=f"must not write {reserved}"):
            store.save(fake_format.Blob(b"x"), "m")
    assert raw_files(store) == []


def test_delete_leaves_nothing_behind(store, clf):
    store.save(clf, "m")
    store.save(clf, "m")
    store.save(clf, "keep")
    store.delete("m", 2)
    store.delete("m")
    assert [p.split("/")[0] for p in raw_files(store) if not p.startswith(".")] == ["keep"] * (
        3 if is_remote(store) else 2
    )
    if not is_remote(store):
        assert os.listdir(os.path.join(store.location, ".trash")) == []


def test_module_level_functions_use_the_default_store(any_store_url, monkeypatch, clf):
    import jupyterlab_models as jm

    monkeypatch.setenv("JUPYTERLAB_MODELS_STORE", any_store_url)
    info = jm.save_model(clf, "m", description="via the default store")
    assert info.version == 1 and jm.save_model(clf, "m").version == 2
    assert jm.list_models() == [ModelStore(any_store_url).info("m")]
    assert type(jm.load_model("m", 1)) is type(clf)
    assert jm.delete_model("m", 1) == [1]
    assert jm.delete_model("m") == [2]
    assert jm.list_models() == []
    with pytest.raises(jm.ModelStoreError) as info:
        jm.load_model("m")
    assert info.value.code == "not_found"


def test_one_error_class_with_the_wire_codes():
    import jupyterlab_models as jm
    from jupyterlab_models.protocol import ERROR_CODES

    assert not hasattr(jm, "ModelsError")  # one name
    error = jm.ModelStoreError("not_found", "no model")
    assert (error.code, error.message, str(error)) == ("not_found", "no model", "no model")
    assert isinstance(error, Exception)
    assert "not_found" in ERROR_CODES
    with pytest.raises(ValueError):
        jm.ModelStoreError("no_such_code", "x")


# --- local directory only ------------------------------------------------------------------


@pytest.fixture
def local_store(tmp_path):
    return ModelStore(tmp_path / "store")


def test_file_system_errors_are_store_errors(tmp_path, clf):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(ModelStoreError) as info:
        ModelStore(blocker).save(clf, "m")
    assert info.value.code == "internal"
    assert info.value.message.startswith(("NotADirectoryError", "FileExistsError"))
    assert isinstance(info.value.__cause__, OSError)


def test_the_lock_file_is_shared_by_names_differing_in_case(local_store, clf):
    local_store.save(clf, "Model")
    assert os.listdir(os.path.join(local_store.location, ".locks")) == ["model.lock"]


def test_loading_writes_nothing(local_store, clf):
    local_store.save(clf, "m")
    before = raw_files(local_store)
    local_store.load("m")
    local_store.list()
    local_store.verify()
    assert raw_files(local_store) == before


def test_store_location(tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "sub" / "dir").mkdir(parents=True)
    monkeypatch.chdir(project / "sub" / "dir")
    here = str(project / "sub" / "dir")

    # no setting, no environment, no server root: the current directory...
    assert resolve_location() == os.path.join(here, ".jupyterlab-models")
    # ...unless a parent directory already has a store
    (project / ".jupyterlab-models").mkdir()
    assert resolve_location() == str(project / ".jupyterlab-models")
    assert ModelStore().location == str(project / ".jupyterlab-models")
    # the server root, when known, wins over the search
    assert resolve_location(None, str(tmp_path)) == str(tmp_path / ".jupyterlab-models")
    assert resolve_location("", str(tmp_path)) == str(tmp_path / ".jupyterlab-models")
    # the environment wins over the server root; a relative value is under the server root
    monkeypatch.setenv("JUPYTERLAB_MODELS_STORE", str(tmp_path / "env"))
    assert resolve_location(None, str(tmp_path)) == str(tmp_path / "env")
    monkeypatch.setenv("JUPYTERLAB_MODELS_STORE", "rel")
    assert resolve_location(None, str(tmp_path)) == str(tmp_path / "rel")
    assert resolve_location() == os.path.join(here, "rel")
    # the setting wins over everything
    assert resolve_location(str(tmp_path / "set"), str(tmp_path)) == str(tmp_path / "set")
    assert ModelStore(tmp_path / "p").location == str(tmp_path / "p")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_location("~/models") == str(tmp_path / "models")


def test_url_locations(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # file:// is a local path, relative ones too
    assert resolve_location(f"file://{tmp_path}/s") == str(tmp_path / "s")
    assert resolve_location("file://rel", str(tmp_path / "root")) == str(tmp_path / "root" / "rel")
    assert ModelStore(f"file://{tmp_path}/s").location == str(tmp_path / "s")
    assert type(ModelStore(f"file://{tmp_path}/s").storage).__name__ == "LocalStorage"
    # other URLs are kept as they are, from the setting or the environment
    assert resolve_location("s3://bucket/prefix", str(tmp_path)) == "s3://bucket/prefix"
    monkeypatch.setenv("JUPYTERLAB_MODELS_STORE", "memory://env-store")
    assert resolve_location() == "memory://env-store"
    assert (
        ModelStore().location == "memory://env-store"
        and type(ModelStore().storage).__name__ == "RemoteStorage"
    )
    assert resolve_location("simplecache::s3://b/p") == "simplecache::s3://b/p"


def test_a_large_save_hashes_while_it_syncs(local_store, monkeypatch):
    """From 8 MiB on, the fsyncs run in a thread next to the hashing: same result, progress
    in order, and a failure half-way still leaves nothing."""
    from jupyterlab_models.storage import files
    from tests.support import fake_format

    fake_format.register(monkeypatch)
    data = os.urandom(files.OVERLAP_MIN_BYTES + 12345)
    progress = []
    info = local_store.save(
        fake_format.Blob(data, parts=4), "big", progress=lambda *p: progress.append(p)
    )
    assert info.size_bytes == len(data) and progress[-1] == (len(data), len(data))
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)
    assert local_store.load("big") == fake_format.Blob(data, parts=4)

    def progress_then_fail(done, total):
        if done > total // 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        local_store.save(fake_format.Blob(data, parts=4), "big", progress=progress_then_fail)
    assert [v.version for v in local_store.versions("big")] == [1]
    assert os.listdir(os.path.join(local_store.location, ".staging")) == []


def _formats_writing_with_write_hashed(monkeypatch, then=None):
    """fake_format, registered, its save writing each part with storage.write_hashed (as the
    ONNX format does), then calling `then(path)` on each part if given."""
    from tests.support import fake_format

    def save(obj, directory, *, writer, **options):
        size = -(-len(obj.data) // obj.parts)
        os.makedirs(os.path.join(directory, "parts"))
        for i in range(obj.parts):
            path = os.path.join(directory, "parts", f"{i}.bin")
            writer.write(path, obj.data[i * size : (i + 1) * size])
            if then is not None:
                then(path)
        return {"parts": obj.parts}

    fake_format.register(monkeypatch)
    monkeypatch.setattr(fake_format, "save", save)
    return fake_format


def _digests_of_parts(data: bytes, parts: int) -> list[str]:
    import blake3

    size = -(-len(data) // parts)
    return [
        "blake3:" + blake3.blake3(data[i * size : (i + 1) * size]).hexdigest() for i in range(parts)
    ]


@pytest.mark.parametrize("threaded", [False, True], ids=["small", "hashed in a thread"])
def test_files_hashed_while_written_are_not_read_back(local_store, monkeypatch, threaded):
    """issue #4: hash while writing. The save takes the digests write_hashed took and reads
    no file again; they are the files' true BLAKE3 digests (load verifies them)."""
    from jupyterlab_models.storage import files

    fake_format = _formats_writing_with_write_hashed(monkeypatch)
    monkeypatch.setattr(files, "OVERLAP_MIN_BYTES", 1000 if threaded else 10**9)
    reads = []
    real = files.copy_hashed
    monkeypatch.setattr(files, "copy_hashed", lambda *a, **k: reads.append(a) or real(*a, **k))
    data = os.urandom(30_000)
    info = local_store.save(fake_format.Blob(data, parts=3), "m")
    assert reads == []
    assert [f["digest"] for f in info.files] == _digests_of_parts(data, 3)
    assert local_store.load("m") == fake_format.Blob(data, parts=3)


def test_a_file_changed_after_it_was_hashed_is_hashed_again(local_store, monkeypatch):
    def append(path):
        with open(path, "ab") as f:
            f.write(b"more")

    fake_format = _formats_writing_with_write_hashed(monkeypatch, then=append)
    data = os.urandom(3_000)
    local_store.save(fake_format.Blob(data, parts=3), "m")
    loaded = local_store.load("m")  # verifies each file's digest against the manifest
    assert loaded.data == b"more".join(data[i * 1000 : (i + 1) * 1000] for i in range(3)) + b"more"


def test_write_hashed_on_a_remote_store_only_writes(remote_store, monkeypatch):
    """A remote store hashes while it uploads: the format's write_hashed in the local scratch
    directory neither hashes nor fsyncs, and the manifest has the true digests."""
    from jupyterlab_models.storage import files

    fake_format = _formats_writing_with_write_hashed(monkeypatch)
    calls = []
    monkeypatch.setattr(files, "digest_of", lambda data: calls.append("hash") or "0" * 64)
    monkeypatch.setattr(files, "write_synced", lambda f, data: calls.append("fsync"))
    data = os.urandom(3_000)
    info = remote_store.save(fake_format.Blob(data, parts=3), "m")
    assert calls == []
    assert [f["digest"] for f in info.files] == _digests_of_parts(data, 3)
    assert remote_store.load("m") == fake_format.Blob(data, parts=3)
