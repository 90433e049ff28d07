"""Round trips through the `skops` format, and the explicit trust that untrusted types need."""

from __future__ import annotations

import lightgbm
import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from jupyterlab_models import ModelStoreError, formats, inspector
from jupyterlab_models.formats import lightgbm as lightgbm_format
from jupyterlab_models.formats import skops as skops_format
from tests.support.manifests import format_extra

TREE = "sklearn.tree._tree.Tree"


class Threshold(ClassifierMixin, BaseEstimator):
    """A user-defined estimator: skops stores it, but loads it only when trusted."""

    def __init__(self, feature=0):
        self.feature = feature

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.cut_ = float(np.median(X[:, self.feature]))
        return self

    def predict(self, X):
        return self.classes_[(X[:, self.feature] > self.cut_).astype(int)]


def assert_same_predictions(original, loaded, X, *methods):
    for method in methods:
        expected, actual = getattr(original, method)(X), getattr(loaded, method)(X)
        assert actual.dtype == expected.dtype, method
        np.testing.assert_array_equal(actual, expected, err_msg=method)


def test_pipeline_without_untrusted_types_loads_without_asking(store, data):
    X, y = data
    pipe = make_pipeline(FunctionTransformer(np.tanh), StandardScaler(), LogisticRegression())
    pipe.fit(X, y)
    info = store.save(pipe, "m")
    assert info.format == "skops" and info.library == "sklearn"
    assert info.type == "sklearn.pipeline.Pipeline"
    assert list(info.library_versions)[:2] == ["scikit-learn", "skops"]
    assert [f["path"] for f in info.files] == ["model.skops"]
    assert format_extra(info) == {"untrusted": []}
    loaded = store.load("m")
    assert type(loaded) is Pipeline
    assert [type(step) for _, step in loaded.steps] == [type(step) for _, step in pipe.steps]
    assert_same_predictions(pipe, loaded, X, "predict", "predict_proba", "decision_function")


def test_untrusted_types_need_explicit_trust(store, data):
    X, y = data
    forest = RandomForestClassifier(n_estimators=4, max_depth=3, random_state=0).fit(X, y)
    info = store.save(forest, "m")
    assert format_extra(info) == {"untrusted": [TREE]}  # known before loading
    for trusted in ({}, {"trusted": []}, {"trusted": ["numpy.ndarray"]}):
        with pytest.raises(ModelStoreError, match=TREE) as exc:
            store.load("m", **trusted)
        assert exc.value.code == "untrusted"
        assert exc.value.details == {"untrusted": [TREE]}
    loaded = store.load("m", trusted=[TREE, "something.Else"])
    assert type(loaded) is RandomForestClassifier
    assert_same_predictions(forest, loaded, X, "predict", "predict_proba")


def test_user_defined_estimator_in_a_pipeline(store, data):
    X, y = data
    pipe = make_pipeline(StandardScaler(), Threshold(feature=1)).fit(X, y)
    store.save(pipe, "m")
    with pytest.raises(ModelStoreError) as exc:
        store.load("m")
    untrusted = exc.value.details["untrusted"]
    assert untrusted == [f"{__name__}.Threshold"]  # tests.formats.test_skops_format.Threshold
    assert f"{__name__}.Threshold" in exc.value.message
    loaded = store.load("m", trusted=untrusted)
    assert type(loaded[-1]) is Threshold and loaded[-1].feature == 1
    assert_same_predictions(pipe, loaded, X, "predict")


def test_trusted_must_be_a_list_of_names(store, data):
    X, y = data
    store.save(LogisticRegression().fit(X, y), "m")
    with pytest.raises(TypeError, match="trusted"):
        store.load("m", trusted=TREE)  # a str, not a list
    with pytest.raises(TypeError):
        store.load("m", allow_pickle=True)  # unknown option


def test_unfitted_model_is_refused(store):
    with pytest.raises(ModelStoreError, match="not fitted") as exc:
        store.save(make_pipeline(StandardScaler(), LogisticRegression()), "m")
    assert exc.value.code == "unsupported_type"
    assert store.list() == []


def test_detection(data):
    X, y = data
    namespace = {
        "pipe": make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y),
        "custom": Threshold(),
        # a scikit-learn estimator too, but LightGBM's own format comes first
        "lgbm": lightgbm.LGBMClassifier(n_estimators=2, verbose=-1),
        "array": X,
    }
    assert formats.detect(namespace["pipe"]) is skops_format
    assert formats.detect(namespace["custom"]) is skops_format
    assert formats.detect(namespace["lgbm"]) is lightgbm_format
    found = {v.name: (v.library, v.format) for v in inspector.scan(namespace)}
    assert found == {
        "pipe": ("sklearn", "skops"),
        "custom": ("sklearn", "skops"),
        "lgbm": ("lightgbm", "lgbm"),
    }
