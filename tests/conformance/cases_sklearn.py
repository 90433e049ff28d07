"""scikit-learn through skops: every estimator of sklearn.utils.all_estimators(), built as
scikit-learn's own tests build it (its instance generator fills required parameters) and fitted
on a small dataset its tags ask for; a Pipeline with a ColumnTransformer on a pandas DataFrame;
HistGradientBoosting with categorical features. An estimator that does not fit on the small
dataset is `not applicable`."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .common import Case, NotApplicable, rng, to_json

SUBSET = {"LogisticRegression", "RandomForestClassifier", "StandardScaler", "KMeans", "Birch"}
METHODS = ("predict", "predict_proba", "decision_function", "transform", "score_samples")
TEXTS = ["the cat sat", "a dog ran", "the dog sat down", "cats and dogs", "a cat ran far"] * 6


def _X(positive: bool = False) -> np.ndarray:
    X = rng(20).normal(size=(30, 4))
    return np.abs(X) if positive else X


def _inputs(estimator: Any) -> Any:
    tags = estimator.__sklearn_tags__()
    if tags.input_tags.string and not tags.input_tags.two_d_array:
        return TEXTS
    if tags.input_tags.dict:
        return [{"a": float(i % 3), "b": float(i % 5)} for i in range(30)]
    if tags.input_tags.pairwise:
        X = _X()
        return np.exp(-((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    return _X(positive=tags.input_tags.positive_only)


def _target(estimator: Any) -> Any:
    tags = estimator.__sklearn_tags__()
    if not tags.target_tags.required and tags.estimator_type not in ("classifier", "regressor"):
        return None
    if tags.estimator_type == "classifier" or getattr(tags, "classifier_tags", None):
        return np.arange(30) % 3
    if tags.target_tags.multi_output and not tags.target_tags.single_output:
        return np.stack([_X()[:, 0], _X()[:, 1]], axis=1)
    return _X()[:, 0] * 2 + _X()[:, 1]


def _instance(cls: type) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.utils._test_common.instance_generator import _construct_instances

    if cls.__name__ == "FrozenEstimator":  # wraps a fitted estimator
        return cls(LogisticRegression().fit(_X(), np.arange(30) % 3))
    estimator = next(iter(_construct_instances(cls)))
    if "random_state" in estimator.get_params(deep=False):
        estimator.set_params(random_state=0)  # random methods give the same draws after a load
    return estimator


def _candidates(estimator: Any) -> list[tuple[Any, Any]]:
    """(X, y) to try in turn: what the tags ask for first, then the other usual targets."""
    X, n = _inputs(estimator), np.arange(30)
    ys = [_target(estimator), n % 3, np.abs(_X()[:, 0]) + 0.1, n % 2]
    ys.append(np.stack([n % 2, (n // 2) % 2], axis=1))
    pairs = [(X, y) for y in ys]
    if isinstance(X, np.ndarray):
        pairs += [(X[:, :1], ys[2]), (X[:, :3], None)]
    return pairs


def _fit(cls: type) -> Any:
    estimator = _instance(cls)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if cls.__name__ in ("LabelEncoder", "LabelBinarizer", "MultiLabelBinarizer"):
            y = [[0, 1], [1], [2]] if cls.__name__ == "MultiLabelBinarizer" else np.arange(30) % 3
            return estimator.fit(y), {}
        errors = []
        for X, y in _candidates(estimator):
            try:
                return (estimator.fit(X) if y is None else estimator.fit(X, y)), {}
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
        raise NotApplicable(f"does not fit on the small dataset: {errors[0]}")


def _outputs(cls: type) -> Any:
    def outputs(model: Any) -> Any:
        if cls.__name__ in ("LabelEncoder", "LabelBinarizer"):
            return to_json(model.transform(np.arange(30) % 3))
        if cls.__name__ == "MultiLabelBinarizer":
            return to_json(model.transform([[0, 1], [2]]))
        X, found = _inputs(model), {}
        if isinstance(X, np.ndarray) and hasattr(model, "n_features_in_"):
            X = X[:, : model.n_features_in_]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for method in METHODS:
                if hasattr(model, method):
                    try:
                        found[method] = to_json(getattr(model, method)(X))
                    except Exception as exc:  # the same exception, saved and loaded
                        found[method] = f"raises {type(exc).__name__}"
        found["params"] = sorted(model.get_params(deep=False))
        return found

    return outputs


def _frame() -> Any:
    import pandas as pd

    r = rng(21)
    return pd.DataFrame(
        {
            "age": r.integers(18, 80, 40).astype(float),
            "income": r.normal(50, 10, 40),
            "city": np.array(["paris", "lima", "oslo", "pune"])[np.arange(40) % 4],
            "plan": np.array(["a", "b"])[np.arange(40) % 2],
        }
    )


def _column_pipeline() -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    pre = ColumnTransformer(
        [
            ("num", StandardScaler(), ["age", "income"]),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["city", "plan"]),
        ]
    )
    model = Pipeline([("pre", pre), ("clf", LogisticRegression())])
    return model.fit(_frame(), np.arange(40) % 2), {}


def _frame_outputs(model: Any) -> Any:
    return to_json({"predict": model.predict(_frame()), "proba": model.predict_proba(_frame())})


def _categorical_hgb() -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    frame = _frame()[["age", "income", "city"]].astype({"city": "category"})
    model = HistGradientBoostingClassifier(max_iter=10, categorical_features="from_dtype")
    return model.fit(frame, np.arange(40) % 2), {}


def _hgb_outputs(model: Any) -> Any:
    frame = _frame()[["age", "income", "city"]].astype({"city": "category"})
    return to_json({"predict": model.predict(frame), "proba": model.predict_proba(frame)})


def cases() -> list[Case]:
    from sklearn.utils import all_estimators

    out = [
        Case(
            name, lambda c=cls: _fit(c), _outputs(cls), rtol=1e-9, atol=1e-12, subset=name in SUBSET
        )
        for name, cls in all_estimators()
    ]
    out.append(
        Case(
            "Pipeline(ColumnTransformer) on a DataFrame",
            _column_pipeline,
            _frame_outputs,
            subset=True,
        )
    )
    out.append(
        Case(
            "HistGradientBoosting, categorical features",
            _categorical_hgb,
            _hgb_outputs,
            subset=True,
        )
    )
    return out
