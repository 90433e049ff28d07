"""Round trips through the `lgbm` format: same class, same parameters, identical predictions."""

from __future__ import annotations

import warnings

import lightgbm
import numpy as np
import pytest

from jupyterlab_models import ModelStoreError

LABELS = {
    "int": np.array([3, 7]),
    "str": np.array(["cat", "dog", "emu"]),
    "bool": np.array([False, True]),
    "float": np.array([1.0, 2.0, 4.0]),
    "object-str": np.array(["no", "yes"], dtype=object),
}


def round_trip(store, model):
    store.save(model, "m")
    loaded = store.load("m")
    assert type(loaded) is type(model)
    return loaded


def assert_same_predictions(original, loaded, X, *methods):
    for method in methods:
        expected, actual = getattr(original, method)(X), getattr(loaded, method)(X)
        assert actual.dtype == expected.dtype, method
        np.testing.assert_array_equal(actual, expected, err_msg=method)


@pytest.mark.parametrize("kind", LABELS)
def test_classifier(store, data, kind):
    X, _ = data
    classes = LABELS[kind]
    y = classes[np.arange(len(X)) % len(classes)]
    y[X[:, 0] > 0.5] = classes[0]
    clf = lightgbm.LGBMClassifier(n_estimators=6, num_leaves=4, verbose=-1).fit(X, y)
    loaded = round_trip(store, clf)
    assert loaded.__sklearn_is_fitted__()
    assert_same_predictions(clf, loaded, X, "predict", "predict_proba")
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    assert loaded.classes_.dtype == clf.classes_.dtype
    assert loaded.n_classes_ == clf.n_classes_
    assert loaded.n_features_in_ == clf.n_features_in_ == 4
    assert loaded.get_params() == clf.get_params()
    assert loaded.objective_ == clf.objective_


def test_classifier_params_survive_json(store, data):
    X, y = data
    clf = lightgbm.LGBMClassifier(
        n_estimators=4,
        class_weight={0: 1.0, 1: 2.5},
        random_state=np.int64(7),
        min_child_samples=5,
        verbose=-1,
        extra_trees=True,  # a LightGBM parameter passed through **kwargs
    ).fit(X, y)
    loaded = round_trip(store, clf)
    assert loaded.get_params() == clf.get_params()
    assert loaded.class_weight == {0: 1.0, 1: 2.5}
    assert_same_predictions(clf, loaded, X, "predict", "predict_proba")
    # the loaded model can be trained again like the original
    np.testing.assert_array_equal(loaded.fit(X, y).predict(X), clf.fit(X, y).predict(X))


def test_regressor(store, data):
    X, _ = data
    target = X @ np.array([1.0, -2.0, 0.5, 0.0])
    reg = lightgbm.LGBMRegressor(n_estimators=8, num_leaves=5, verbose=-1).fit(X, target)
    loaded = round_trip(store, reg)
    assert_same_predictions(reg, loaded, X, "predict")
    assert loaded.get_params() == reg.get_params()


def test_ranker(store, data):
    X, _ = data
    relevance = np.clip(np.round(X[:, 0] + 1), 0, 3).astype(int)
    ranker = lightgbm.LGBMRanker(n_estimators=5, num_leaves=4, min_child_samples=3, verbose=-1)
    ranker.fit(X, relevance, group=[30, 30, 30, 30])
    loaded = round_trip(store, ranker)
    assert_same_predictions(ranker, loaded, X, "predict")


def test_raw_booster(store, data):
    X, y = data
    booster = lightgbm.train(
        {"objective": "binary", "num_leaves": 4, "verbose": -1},
        lightgbm.Dataset(X, y, feature_name=["a", "b", "c", "d"]),
        num_boost_round=5,
    )
    loaded = round_trip(store, booster)
    assert_same_predictions(booster, loaded, X, "predict")
    assert loaded.feature_name() == ["a", "b", "c", "d"]
    assert store.info("m").extra["wrapper"] is None


def test_early_stopping_keeps_best_iteration(store, data):
    X, y = data
    clf = lightgbm.LGBMClassifier(n_estimators=200, learning_rate=0.5, verbose=-1)
    stop = lightgbm.early_stopping(3, verbose=False)
    with warnings.catch_warnings():  # eval_set is deprecated in recent LightGBM, not in 4.0
        warnings.simplefilter("ignore")
        clf.fit(X, y, eval_set=[(X[:40], y[:40])], callbacks=[stop])
    assert 0 < clf.best_iteration_ < 200
    loaded = round_trip(store, clf)
    assert loaded.best_iteration_ == clf.best_iteration_
    assert loaded.n_estimators_ == clf.n_estimators_
    assert loaded.best_score_ == clf.best_score_
    assert_same_predictions(clf, loaded, X, "predict", "predict_proba")


def test_subclass_loads_as_its_lightgbm_class(store, data):
    class MyClassifier(lightgbm.LGBMClassifier):
        pass

    X, y = data
    clf = MyClassifier(n_estimators=3, verbose=-1).fit(X, y)
    info = store.save(clf, "m")
    assert info.type.endswith("MyClassifier")
    loaded = store.load("m")
    # only LightGBM's own classes are rebuilt: a manifest never makes us import other code
    assert type(loaded) is lightgbm.LGBMClassifier
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))


def test_unfitted_model_is_refused(store):
    with pytest.raises(ModelStoreError, match="not fitted") as info:
        store.save(lightgbm.LGBMClassifier(), "m")
    assert info.value.code == "unsupported_type"


def test_parameter_that_is_not_json_is_refused(store, data):
    X, y = data
    clf = lightgbm.LGBMClassifier(n_estimators=3, random_state=np.random.RandomState(0), verbose=-1)
    clf.fit(X, y)
    with pytest.raises(ModelStoreError, match="parameter 'random_state'.*RandomState") as info:
        store.save(clf, "m")
    assert info.value.code == "unsupported_type"
    assert store.list() == []
