"""Round trips through the `cbm` and `quantized_pool` formats: same class, same parameters,
identical predictions; pools come back with the same data (string labels loaded in a fresh
process: formats/test_fresh_process.py)."""

from __future__ import annotations

import catboost
import numpy as np
import pytest

from jupyterlab_models import ModelStoreError, formats
from jupyterlab_models.formats import catboost as cbm_format
from jupyterlab_models.formats import catboost_pool as pool_format
from jupyterlab_models.inspector import scan

SMALL = {
    "iterations": 5,
    "depth": 2,
    "verbose": False,
    "thread_count": 1,
    "random_seed": 0,
    "allow_writing_files": False,  # no catboost_info/ in the working directory
}

LABELS = {
    "int": np.array([3, 7]),
    "str": np.array(["cat", "dog", "emu"]),
    "bool": np.array([False, True]),
    "float": np.array([1.0, 2.5]),
}


def round_trip(store, model, **options):
    info = store.save(model, "m", **options)
    loaded = store.load("m")
    assert type(loaded) is type(model)
    return loaded, info


def assert_same_predictions(original, loaded, X, *methods):
    for method in methods:
        expected, actual = getattr(original, method)(X), getattr(loaded, method)(X)
        assert actual.dtype == expected.dtype, method
        np.testing.assert_array_equal(actual, expected, err_msg=method)


def assert_manifest(info, fmt, type_path):
    assert info.format == fmt
    assert info.library == "catboost"
    assert info.type == type_path
    versions = list(info.library_versions)
    assert versions[0] == "catboost"
    assert info.library_versions["catboost"] == catboost.__version__


@pytest.mark.parametrize("kind", LABELS)
def test_classifier(store, data, kind):
    X, _ = data
    classes = LABELS[kind]
    y = classes[np.arange(len(X)) % len(classes)]
    y[X[:, 0] > 0.5] = classes[0]
    clf = catboost.CatBoostClassifier(**SMALL).fit(X, y)
    loaded, info = round_trip(store, clf)
    assert_manifest(info, "cbm", "catboost.core.CatBoostClassifier")
    assert info.extra["class"] == "catboost.core.CatBoostClassifier"
    assert_same_predictions(clf, loaded, X, "predict", "predict_proba")
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    assert loaded.get_params() == clf.get_params()


def test_params_survive_and_the_model_trains_again(store, data):
    X, y = data
    Xc = X.astype(object)
    Xc[:, 3] = np.where(X[:, 3] > 0, "hi", "lo")
    clf = catboost.CatBoostClassifier(
        **SMALL, cat_features=np.array([3]), class_weights={0: 1.0, 1: 2.5}
    ).fit(Xc, y)
    loaded, _ = round_trip(store, clf)
    # CatBoost's own load_model would give the training options instead (no cat_features)
    assert loaded.get_params() == {**clf.get_params(), "cat_features": [3]}
    assert_same_predictions(clf, loaded, Xc, "predict", "predict_proba")
    np.testing.assert_array_equal(loaded.fit(Xc, y).predict(Xc), clf.fit(Xc, y).predict(Xc))


def test_regressor(store, data):
    X, _ = data
    reg = catboost.CatBoostRegressor(**SMALL).fit(X, X @ np.array([1.0, -2.0, 0.5, 0.0]))
    loaded, info = round_trip(store, reg)
    assert_manifest(info, "cbm", "catboost.core.CatBoostRegressor")
    assert_same_predictions(reg, loaded, X, "predict")
    assert loaded.get_params() == reg.get_params()


def test_ranker(store, data):
    X, _ = data
    relevance = np.clip(np.round(X[:, 0] + 1), 0, 3)
    ranker = catboost.CatBoostRanker(**SMALL).fit(X, relevance, group_id=np.arange(len(X)) // 30)
    loaded, info = round_trip(store, ranker)
    assert_manifest(info, "cbm", "catboost.core.CatBoostRanker")
    assert_same_predictions(ranker, loaded, X, "predict")


def test_base_class(store, data):
    X, y = data
    model = catboost.CatBoost({**SMALL, "loss_function": "Logloss"}).fit(X, y)
    loaded, info = round_trip(store, model)
    assert_manifest(info, "cbm", "catboost.core.CatBoost")
    assert_same_predictions(model, loaded, X, "predict")
    assert loaded.get_params() == model.get_params()


def test_subclass_loads_as_its_catboost_class(store, data):
    class MyClassifier(catboost.CatBoostClassifier):
        pass

    X, y = data
    clf = MyClassifier(**SMALL).fit(X, y)
    info = store.save(clf, "m")
    assert info.type.endswith("MyClassifier")
    assert info.extra["class"] == "catboost.core.CatBoostClassifier"
    loaded = store.load("m")
    # only CatBoost's own classes are rebuilt: a manifest never makes us import other code
    assert type(loaded) is catboost.CatBoostClassifier
    assert_same_predictions(clf, loaded, X, "predict", "predict_proba")


def test_unfitted_model_is_refused(store):
    with pytest.raises(ModelStoreError, match="not fitted") as info:
        store.save(catboost.CatBoostRegressor(), "m")
    assert info.value.code == "unsupported_type"
    assert store.list() == []


class Metric:
    """A user-defined metric: a constructor parameter only a pickle could keep."""

    def is_max_optimal(self):
        return False

    def evaluate(self, approxes, target, weight):
        return 0.0, 1.0

    def get_final_error(self, error, weight):
        return error


@pytest.mark.filterwarnings("ignore:Failed to import numba")
def test_parameter_that_is_not_json_is_refused(store, data):
    X, y = data
    clf = catboost.CatBoostClassifier(**SMALL, eval_metric=Metric()).fit(X, y)
    with pytest.raises(ModelStoreError, match="parameter 'eval_metric'.*Metric") as info:
        store.save(clf, "m")
    assert info.value.code == "unsupported_type"
    assert store.list() == []


def test_quantized_pool(store, data):
    X, y = data
    pool = catboost.Pool(X, y, feature_names=list("abcd"), weight=np.linspace(1, 2, len(X)))
    pool.quantize(border_count=16)
    loaded, info = round_trip(store, pool)
    assert_manifest(info, "quantized_pool", "catboost.core.Pool")
    assert info.extra["quantized_on_save"] is False
    assert loaded.is_quantized()
    assert loaded.shape == pool.shape == (120, 4)
    assert loaded.get_feature_names() == ["a", "b", "c", "d"]
    assert loaded.get_weight() == pool.get_weight()
    # the file keeps the label values, not their type: they come back as strings
    np.testing.assert_array_equal(loaded.get_label().astype(float), y)
    # same data, same borders: a model trained on either is the same model
    on_loaded = catboost.CatBoostClassifier(**SMALL).fit(loaded)
    on_original = catboost.CatBoostClassifier(**SMALL).fit(pool)
    np.testing.assert_array_equal(on_loaded.predict_proba(X), on_original.predict_proba(X))


def test_pool_that_is_not_quantized_is_refused_with_the_way_out(store, data):
    X, y = data
    pool = catboost.Pool(X, y)
    with pytest.raises(ModelStoreError, match=r"pool\.quantize\(\).*quantize=True") as info:
        store.save(pool, "m")
    assert info.value.code == "unsupported_type"
    assert store.list() == []
    assert not pool.is_quantized()


def test_quantize_on_request_leaves_the_users_pool_alone(store, data):
    X, y = data
    Xc = X.astype(object)
    Xc[:, 3] = np.where(X[:, 3] > 0, "hi", "lo")
    pool = catboost.Pool(Xc, y, cat_features=[3], group_id=np.arange(len(X)) // 10)
    loaded, info = round_trip(store, pool, quantize=True)
    assert not pool.is_quantized()
    assert info.extra["quantized_on_save"] is True
    assert info.extra["cat_features"] == [3]
    assert loaded.is_quantized() and loaded.shape == pool.shape
    assert loaded.get_cat_feature_indices() == [3]
    np.testing.assert_array_equal(loaded.get_group_id_hash(), pool.get_group_id_hash())
    np.testing.assert_array_equal(loaded.get_label().astype(float), y)


def test_pool_whose_data_the_file_cannot_hold_is_refused(store, data):
    X, y = data
    with_pairs = catboost.Pool(X, y, group_id=np.arange(len(X)) // 10, pairs=[[0, 1], [2, 3]])
    with_pairs.quantize()
    with pytest.raises(ModelStoreError, match="2 pairs") as info:
        store.save(with_pairs, "m")
    assert info.value.code == "unsupported_type"
    string_labels = catboost.Pool(X, np.where(y == 1, "yes", "no"))
    with pytest.raises(ModelStoreError, match="String target") as info:
        store.save(string_labels, "m", quantize=True)
    assert info.value.code == "unsupported_type"
    with pytest.raises(TypeError):
        store.save(string_labels, "m", quantize="yes")
    with pytest.raises(TypeError):
        store.save(catboost.CatBoostClassifier(), "m", quantize=True)  # cbm has no options
    assert store.list() == []


def test_detected_and_scanned(data):
    X, y = data
    clf = catboost.CatBoostClassifier(**SMALL).fit(X, y)
    pool = catboost.Pool(X, y)
    assert formats.detect(clf) is cbm_format
    assert formats.detect(catboost.CatBoost()) is cbm_format
    assert formats.detect(pool) is pool_format
    found = [v.to_dict() for v in scan({"clf": clf, "pool": pool, "X": X})]
    assert found == [
        {
            "name": "clf",
            "library": "catboost",
            "class": "catboost.core.CatBoostClassifier",
            "format": "cbm",
        },
        {
            "name": "pool",
            "library": "catboost",
            "class": "catboost.core.Pool",
            "format": "quantized_pool",
        },
    ]
