"""Round trips through the `xgb` format: same class, same parameters, identical predictions
(three classes loaded in a fresh process: formats/test_fresh_process.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xgboost

from jupyterlab_models import ModelStoreError, formats
from jupyterlab_models.formats import xgboost as xgb_format
from jupyterlab_models.inspector import scan

SMALL = {"n_estimators": 4, "max_depth": 2, "n_jobs": 1}


def round_trip(store, model):
    info = store.save(model, "m")
    loaded = store.load("m")
    assert type(loaded) is type(model)
    assert info.format == "xgb"
    assert info.library == "xgboost"
    assert info.type == formats.class_path(type(model))
    assert list(info.library_versions)[0] == "xgboost"
    assert info.library_versions["xgboost"] == xgboost.__version__
    return loaded


def assert_same_predictions(original, loaded, X, *methods):
    for method in methods:
        expected, actual = getattr(original, method)(X), getattr(loaded, method)(X)
        assert actual.dtype == expected.dtype, method
        np.testing.assert_array_equal(actual, expected, err_msg=method)


def assert_same_params(loaded, original):
    # `missing` is NaN by default, and NaN != NaN
    expected, actual = original.get_params(), loaded.get_params()
    assert math.isnan(actual.pop("missing")) and math.isnan(expected.pop("missing"))
    assert actual == expected


@pytest.mark.parametrize("n_classes", [2, 3])
def test_classifier(store, data, n_classes):
    X, _ = data
    y = np.arange(len(X)) % n_classes
    y[X[:, 0] > 0.5] = 0
    clf = xgboost.XGBClassifier(**SMALL, random_state=3).fit(X, y)
    loaded = round_trip(store, clf)
    assert_same_predictions(clf, loaded, X, "predict", "predict_proba")
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    assert loaded.n_classes_ == clf.n_classes_ == n_classes
    assert loaded.n_features_in_ == clf.n_features_in_ == 4
    assert_same_params(loaded, clf)


def test_params_survive_and_the_model_trains_again(store, data):
    X, y = data
    clf = xgboost.XGBClassifier(
        **SMALL,
        missing=-999.0,
        random_state=np.int64(7),
        objective="binary:logitraw",
        eta=0.5,  # an XGBoost parameter passed through **kwargs
        interaction_constraints="[[0, 1], [2, 3]]",
    ).fit(X, y)
    loaded = round_trip(store, clf)
    assert loaded.get_params() == clf.get_params()
    assert loaded.kwargs == {"eta": 0.5}
    assert_same_predictions(clf, loaded, X, "predict", "predict_proba")
    np.testing.assert_array_equal(loaded.fit(X, y).predict(X), clf.fit(X, y).predict(X))


def test_regressor(store, data):
    X, _ = data
    reg = xgboost.XGBRegressor(**SMALL).fit(X, X @ np.array([1.0, -2.0, 0.5, 0.0]))
    loaded = round_trip(store, reg)
    assert_same_predictions(reg, loaded, X, "predict")
    assert_same_params(loaded, reg)


def test_ranker(store, data):
    X, _ = data
    relevance = np.clip(np.round(X[:, 0] + 1), 0, 3).astype(int)
    ranker = xgboost.XGBRanker(**SMALL).fit(X, relevance, qid=np.arange(len(X)) // 30)
    loaded = round_trip(store, ranker)
    assert_same_predictions(ranker, loaded, X, "predict")
    assert_same_params(loaded, ranker)


def test_random_forest_classifier(store, data):
    X, y = data
    forest = xgboost.XGBRFClassifier(**SMALL).fit(X, y)
    loaded = round_trip(store, forest)
    assert_same_predictions(forest, loaded, X, "predict", "predict_proba")
    assert_same_params(loaded, forest)


def test_raw_booster(store, data):
    X, y = data
    names = ["a", "b", "c", "d"]
    booster = xgboost.train(
        {"objective": "binary:logistic", "max_depth": 2, "nthread": 1},
        xgboost.DMatrix(X, y, feature_names=names),
        num_boost_round=4,
    )
    loaded = round_trip(store, booster)
    matrix = xgboost.DMatrix(X, feature_names=names)
    assert_same_predictions(booster, loaded, matrix, "predict")
    assert loaded.feature_names == names
    extra = store.info("m").extra
    assert extra["wrapper"] is None
    assert extra["feature_names"] == names
    assert extra["boosted_rounds"] == 4


def test_early_stopping_keeps_best_iteration(store, data):
    X, y = data
    clf = xgboost.XGBClassifier(
        n_estimators=200, learning_rate=0.9, early_stopping_rounds=3, n_jobs=1
    )
    clf.fit(X, y, eval_set=[(X[:40], y[:40])], verbose=False)
    assert 0 < clf.best_iteration < 199
    loaded = round_trip(store, clf)
    assert loaded.best_iteration == clf.best_iteration
    assert loaded.best_score == clf.best_score
    assert_same_predictions(clf, loaded, X, "predict", "predict_proba")


def test_subclass_loads_as_its_xgboost_class(store, data):
    class MyClassifier(xgboost.XGBClassifier):
        pass

    X, y = data
    clf = MyClassifier(**SMALL).fit(X, y)
    info = store.save(clf, "m")
    assert info.type.endswith("MyClassifier")
    assert info.extra["wrapper"] == "xgboost.sklearn.XGBClassifier"
    loaded = store.load("m")
    # only XGBoost's own classes are rebuilt: a manifest never makes us import other code
    assert type(loaded) is xgboost.XGBClassifier
    assert_same_predictions(clf, loaded, X, "predict", "predict_proba")


def test_unfitted_model_is_refused(store):
    with pytest.raises(ModelStoreError, match="not fitted") as info:
        store.save(xgboost.XGBRegressor(), "m")
    assert info.value.code == "unsupported_type"
    with pytest.raises(TypeError):
        store.save(xgboost.XGBRegressor(), "m", quantize=True)  # xgb has no options
    assert store.list() == []


def test_parameter_that_is_not_json_is_refused(store, data):
    from sklearn.metrics import mean_absolute_error

    X, y = data
    reg = xgboost.XGBRegressor(**SMALL, eval_metric=mean_absolute_error).fit(X, y)
    with pytest.raises(ModelStoreError, match="parameter 'eval_metric'.*function") as info:
        store.save(reg, "m")
    assert info.value.code == "unsupported_type"
    assert store.list() == []


def test_random_state_generator_is_kept_as_the_seed_xgboost_draws(store, data):
    X, y = data
    clf = xgboost.XGBClassifier(**SMALL, random_state=np.random.RandomState(0)).fit(X, y)
    # XGBoost's get_params() itself draws a new int from a RandomState at every call
    loaded = round_trip(store, clf)
    assert isinstance(loaded.random_state, int)
    assert_same_predictions(clf, loaded, X, "predict", "predict_proba")


def test_detected_and_scanned(data):
    X, y = data
    clf = xgboost.XGBClassifier(**SMALL).fit(X, y)
    booster = clf.get_booster()
    assert formats.detect(clf) is xgb_format
    assert formats.detect(booster) is xgb_format
    assert formats.detect(xgboost.XGBRanker()) is xgb_format
    assert formats.detect(xgboost.DMatrix(X)) is None  # data, not a model
    found = [v.to_dict() for v in scan({"clf": clf, "booster": booster, "X": X})]
    assert found == [
        {"name": "booster", "library": "xgboost", "class": "xgboost.core.Booster", "format": "xgb"},
        {
            "name": "clf",
            "library": "xgboost",
            "class": "xgboost.sklearn.XGBClassifier",
            "format": "xgb",
        },
    ]
