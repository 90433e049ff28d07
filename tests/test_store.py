from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor

import lightgbm
import numpy as np
import pytest

from jupyterlab_models import ModelInfo, ModelsError, ModelStore
from jupyterlab_models.store import resolve_location


def code_of(call, *args, **kwargs) -> str:
    with pytest.raises(ModelsError) as info:
        call(*args, **kwargs)
    return info.value.code


def visible_entries(store: ModelStore) -> list[str]:
    return sorted(e for e in os.listdir(store.location) if not e.startswith("."))


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
    assert info.created_at.endswith("Z")
    assert info.library_versions["lightgbm"] == lightgbm.__version__
    assert progress and progress[-1] == (info.size_bytes, info.size_bytes)

    assert store.list() == [info]
    assert store.info("churn model") == info == store.info("churn model", 1)
    on_disk = json.loads((store_path(store, "churn model", 1) / "manifest.json").read_text())
    assert ModelInfo.from_dict(on_disk) == info

    progress.clear()
    loaded, loaded_info, notes = store.load_with_info(
        "churn model", progress=lambda *p: progress.append(p)
    )
    assert notes == []
    assert loaded_info == info and progress[-1] == (info.size_bytes, info.size_bytes)
    np.testing.assert_array_equal(store.load("churn model").predict(X), clf.predict(X))

    assert store.delete("churn model") == [1]
    assert store.list() == []
    assert visible_entries(store) == []
    assert code_of(store.info, "churn model") == "not_found"


def store_path(store: ModelStore, name: str, version: int):
    from pathlib import Path

    return Path(store.location) / name / str(version)


def test_versions(store, clf):
    first = store.save(clf, "m", description="one")
    second = store.save(clf, "m", description="two")
    assert (first.version, second.version) == (1, 2)
    assert [m.version for m in store.list()] == [2]
    assert [v.description for v in store.versions("m")] == ["one", "two"]
    assert store.info("m").version == 2 and store.info("m", 1).description == "one"

    assert store.delete("m", 1) == [1]
    assert [v.version for v in store.versions("m")] == [2]
    assert code_of(store.info, "m", 1) == "not_found"
    assert code_of(store.delete, "m", 1) == "not_found"
    assert store.save(clf, "m").version == 3

    assert store.delete("m") == [2, 3]
    assert store.list() == [] and visible_entries(store) == []
    assert store.save(clf, "m").version == 1


def test_concurrent_saves_of_one_name_all_land(store, clf):
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(store.save, clf, "m", description=str(i)) for i in range(12)]
        infos = [f.result() for f in futures]
    assert sorted(info.version for info in infos) == list(range(1, 13))
    assert sorted(v.description for v in store.versions("m")) == sorted(map(str, range(12)))
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
    assert code_of(store.save, clf, "model") == "name_invalid"
    assert code_of(store.save, clf, "MODEL") == "name_invalid"
    assert store.save(clf, "Model").version == 2  # the same name is fine


def test_invalid_names_are_refused_everywhere(store, clf):
    for call in (store.info, store.versions, store.delete, store.load):
        assert code_of(call, "../x") == "name_invalid"
    assert code_of(store.save, clf, "../x") == "name_invalid"
    assert not os.path.exists(os.path.join(os.path.dirname(store.location), "x"))


def test_unknown_models_and_versions(store, clf):
    assert store.list() == []  # the store directory does not even exist yet
    assert code_of(store.info, "nope") == "not_found"
    assert code_of(store.load, "nope") == "not_found"
    assert code_of(store.delete, "nope") == "not_found"
    store.save(clf, "m")
    assert code_of(store.info, "m", 2) == "not_found"
    assert code_of(store.load, "m", 2) == "not_found"


def test_unsupported_type_names_the_type(store):
    with pytest.raises(ModelsError, match=r"builtins\.dict is not a supported model type") as info:
        store.save({}, "m")
    assert info.value.code == "unsupported_type"


def test_entries_without_a_valid_manifest_are_ignored(store, clf):
    good = store.save(clf, "good")
    root = store_path(store, "good", 1).parent.parent
    # a version directory with files but no manifest (as a crash before publication could
    # leave it if it were not staged), garbage, a manifest of the wrong schema, a manifest
    # that describes another model
    (root / "nomanifest" / "1").mkdir(parents=True)
    (root / "nomanifest" / "1" / "model.txt").write_text("tree")
    (root / "garbage" / "1").mkdir(parents=True)
    (root / "garbage" / "1" / "manifest.json").write_text("{not json")
    future = dict(good.to_dict(), name="future", schema_version=99)
    (root / "future" / "1").mkdir(parents=True)
    (root / "future" / "1" / "manifest.json").write_text(json.dumps(future))
    (root / "other" / "1").mkdir(parents=True)
    (root / "other" / "1" / "manifest.json").write_text(json.dumps(good.to_dict()))
    (root / "good" / "07").mkdir()  # not a canonical version number
    (root / "not a dir").write_text("")
    assert [m.name for m in store.list()] == ["good"]
    assert code_of(store.info, "nomanifest") == "not_found"
    assert code_of(store.info, "garbage", 1) == "integrity"
    assert code_of(store.info, "future", 1) == "integrity"
    assert code_of(store.info, "other", 1) == "integrity"


def test_a_newer_version_without_manifest_is_invisible_but_keeps_its_number(store, clf):
    store.save(clf, "m")
    (store_path(store, "m", 2)).mkdir()
    assert [m.version for m in store.list()] == [1]
    assert store.info("m").version == 1
    assert store.save(clf, "m").version == 3


@pytest.mark.parametrize("damage", ["flip", "truncate", "remove"])
def test_integrity(store, clf, damage):
    store.save(clf, "m")
    path = store_path(store, "m", 1) / "model.txt"
    content = bytearray(path.read_bytes())
    if damage == "flip":
        content[len(content) // 2] ^= 0x01
        path.write_bytes(bytes(content))
    elif damage == "truncate":
        path.write_bytes(bytes(content[:-10]))
    else:
        path.unlink()
    with pytest.raises(ModelsError) as info:
        store.load("m")
    assert info.value.code == "integrity"
    assert "model.txt" in info.value.message


def test_failed_save_leaves_nothing(store, data):
    """The format writes model.txt, then refuses the custom objective (a callable)."""
    X, y = data

    def objective(y_true, y_pred):
        p = 1 / (1 + np.exp(-y_pred))
        return p - y_true, p * (1 - p)

    clf = lightgbm.LGBMClassifier(objective=objective, n_estimators=3, verbose=-1).fit(X, y)
    with pytest.raises(ModelsError, match="parameter 'objective'") as info:
        store.save(clf, "m")
    assert info.value.code == "unsupported_type"
    assert store.list() == []
    assert visible_entries(store) == []
    assert os.listdir(os.path.join(store.location, ".staging")) == []


def test_failed_save_keeps_previous_versions(store, clf, data):
    store.save(clf, "m")
    unfitted = lightgbm.LGBMClassifier()
    assert code_of(store.save, unfitted, "m") == "unsupported_type"
    assert [v.version for v in store.versions("m")] == [1]
    assert os.listdir(os.path.join(store.location, ".staging")) == []


def test_delete_leaves_no_trash(store, clf):
    store.save(clf, "m")
    store.save(clf, "m")
    store.delete("m", 2)
    store.delete("m")
    assert os.listdir(os.path.join(store.location, ".trash")) == []


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
