"""Issue #19, hash while writing: the byte formats make their file in memory and write it
through the store's writer (which hashes it on the way), so a save never reads its files
back; the file is the one the library's own save writes."""

from __future__ import annotations

import os

import pytest

from jupyterlab_models import ModelStore
from jupyterlab_models.storage import files as storage_files

# LightGBM is not one: its model_to_string serializes a model over 1 MB twice (formats/
# lightgbm.py), so it writes its file itself and the store hashes it after.


def _xgboost(data):
    import xgboost

    X, y = data
    model = xgboost.XGBClassifier(n_estimators=5, max_depth=2).fit(X, y)
    return model, "model.ubj", model.save_model


def _xgboost_booster(data):
    model, name, _ = _xgboost(data)
    booster = model.get_booster()
    return booster, name, booster.save_model


def _catboost(data):
    import catboost

    X, y = data
    model = catboost.CatBoostClassifier(iterations=5, depth=2, verbose=0).fit(X, y)
    return model, "model.cbm", lambda path: model.save_model(path, format="cbm")


def _skops(data):
    from sklearn.linear_model import LogisticRegression

    X, y = data
    return LogisticRegression().fit(X, y), "model.skops", None  # a zip: its times differ


@pytest.mark.parametrize(
    "make", [_xgboost, _xgboost_booster, _catboost, _skops], ids=lambda f: f.__name__
)
def test_byte_formats_write_the_librarys_file_without_reading_it_back(
    make, data, tmp_path, monkeypatch
):
    model, name, native_save = make(data)
    store = ModelStore(tmp_path / "store")
    monkeypatch.setattr(storage_files, "copy_hashed", pytest.fail)  # no read-back hash
    info = store.save(model, "m")
    monkeypatch.undo()
    stored = (tmp_path / "store" / "m" / "1" / name).read_bytes()
    if native_save is not None:
        native = tmp_path / f"native-{name}"
        native_save(str(native))
        assert stored == native.read_bytes()
    assert [f["path"] for f in info.files] == [name]
    loaded = store.load("m")
    X, _ = data
    predict = loaded.predict
    if name == "model.ubj" and not hasattr(model, "fit"):
        import xgboost

        X = xgboost.DMatrix(X)
    assert (predict(X) == model.predict(X)).all()
    assert os.listdir(tmp_path / "store" / "m" / "1") != []
