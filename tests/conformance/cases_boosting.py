"""LightGBM, XGBoost, CatBoost: multiclass, ranking with groups, quantile, Poisson, pandas
`category` features, dart, early stopping on an eval set; scikit-learn wrappers and raw
boosters."""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import Case, rng, to_json

N = 120


def _X() -> np.ndarray:
    return rng(10).normal(size=(N, 5))


def _multiclass() -> np.ndarray:
    return np.arange(N) % 3


def _counts() -> np.ndarray:
    return rng(11).poisson(2.0, size=N)


def _continuous() -> np.ndarray:
    X = _X()
    return X[:, 0] * 2 + rng(12).normal(size=N)


def _frame() -> Any:
    import pandas as pd

    X = _X()
    frame = pd.DataFrame(X[:, :3], columns=["a", "b", "c"])
    frame["color"] = pd.Categorical(np.array(["red", "green", "blue"])[np.arange(N) % 3])
    return frame


def _frame_target() -> np.ndarray:
    return (_frame()["color"].cat.codes.to_numpy() == 1).astype(int)


def _groups() -> np.ndarray:
    return np.repeat(np.arange(N // 10), 10)


def _relevance() -> np.ndarray:
    return np.arange(N) % 4


def _predict(data: Any) -> Any:
    def outputs(model: Any) -> Any:
        X = data()
        out = {"predict": model.predict(X)}
        if hasattr(model, "predict_proba"):
            out["proba"] = model.predict_proba(X)
        return to_json(out)

    return outputs


def _xgb_booster_outputs(model: Any) -> Any:
    import xgboost

    return to_json(model.predict(xgboost.DMatrix(_X())))


def _catboost_raw_outputs(model: Any) -> Any:
    return to_json(model.predict(_X(), prediction_type="RawFormulaVal"))


# --- LightGBM ---


def _lgbm(kind: str) -> Any:
    import lightgbm as lgb

    small = {"n_estimators": 8, "num_leaves": 4, "verbose": -1, "min_child_samples": 5}
    X = _X()
    if kind == "multiclass":
        return lgb.LGBMClassifier(**small).fit(X, _multiclass())
    if kind == "ranker":
        return lgb.LGBMRanker(**small).fit(X, _relevance(), group=[10] * (N // 10))
    if kind == "quantile":
        return lgb.LGBMRegressor(objective="quantile", alpha=0.9, **small).fit(X, _continuous())
    if kind == "poisson":
        return lgb.LGBMRegressor(objective="poisson", **small).fit(X, _counts())
    if kind == "category":
        return lgb.LGBMClassifier(**small).fit(_frame(), _frame_target())
    if kind == "dart":
        return lgb.LGBMRegressor(boosting_type="dart", **small).fit(X, _continuous())
    if kind == "early stopping":
        y = _continuous()
        return lgb.LGBMRegressor(**{**small, "n_estimators": 50}).fit(
            X[:80],
            y[:80],
            eval_set=[(X[80:], y[80:])],
            callbacks=[lgb.early_stopping(3, verbose=False)],
        )
    if kind == "raw Booster":
        params = {"objective": "multiclass", "num_class": 3, "num_leaves": 4, "verbose": -1}
        return lgb.train(params, lgb.Dataset(X, _multiclass()), num_boost_round=5)
    raise KeyError(kind)


# --- XGBoost ---


def _xgb(kind: str) -> Any:
    import xgboost as xgb

    small = {"n_estimators": 8, "max_depth": 3, "n_jobs": 1}
    X = _X()
    if kind == "multiclass":
        return xgb.XGBClassifier(**small).fit(X, _multiclass())
    if kind == "ranker":
        return xgb.XGBRanker(**small).fit(X, _relevance(), qid=_groups())
    if kind == "quantile":
        return xgb.XGBRegressor(objective="reg:quantileerror", quantile_alpha=0.9, **small).fit(
            X, _continuous()
        )
    if kind == "poisson":
        return xgb.XGBRegressor(objective="count:poisson", **small).fit(X, _counts())
    if kind == "category":
        return xgb.XGBClassifier(enable_categorical=True, tree_method="hist", **small).fit(
            _frame(), _frame_target()
        )
    if kind == "dart":
        return xgb.XGBRegressor(booster="dart", rate_drop=0.1, **small).fit(X, _continuous())
    if kind == "early stopping":
        y = _continuous()
        model = xgb.XGBRegressor(**{**small, "n_estimators": 50}, early_stopping_rounds=3)
        return model.fit(X[:80], y[:80], eval_set=[(X[80:], y[80:])], verbose=False)
    if kind == "random forest":
        return xgb.XGBRFClassifier(**small).fit(X, _multiclass())
    if kind == "raw Booster":
        params = {"objective": "multi:softprob", "num_class": 3, "max_depth": 3}
        return xgb.train(params, xgb.DMatrix(X, _multiclass()), num_boost_round=5)
    raise KeyError(kind)


# --- CatBoost ---


def _cb(kind: str) -> Any:
    import catboost as cb

    small = {
        "iterations": 8,
        "depth": 3,
        "verbose": False,
        "thread_count": 1,
        "random_seed": 0,
        "allow_writing_files": False,
    }
    X = _X()
    if kind == "multiclass":
        return cb.CatBoostClassifier(**small).fit(X, _multiclass())
    if kind == "ranker":
        return cb.CatBoostRanker(**small).fit(X, _relevance(), group_id=_groups())
    if kind == "quantile":
        return cb.CatBoostRegressor(loss_function="Quantile:alpha=0.9", **small).fit(
            X, _continuous()
        )
    if kind == "poisson":
        return cb.CatBoostRegressor(loss_function="Poisson", **small).fit(X, _counts())
    if kind == "category":
        frame = _frame()
        return cb.CatBoostClassifier(cat_features=["color"], **small).fit(frame, _frame_target())
    if kind == "early stopping":
        y = _continuous()
        model = cb.CatBoostRegressor(**{**small, "iterations": 50}, early_stopping_rounds=3)
        return model.fit(X[:80], y[:80], eval_set=(X[80:], y[80:]))
    if kind == "raw CatBoost":
        return cb.CatBoost({**small, "loss_function": "RMSE"}).fit(X, _continuous())
    raise KeyError(kind)


def _case(library: str, build: Any, kind: str, outputs: Any = None, subset: bool = False) -> Case:
    data = _frame if kind == "category" else _X
    return Case(
        f"{library} {kind}",
        lambda: (build(kind), {}),
        outputs or _predict(data),
        rtol=1e-9,
        atol=1e-12,
        subset=subset,
    )


def cases() -> list[Case]:
    lgbm_kinds = [
        "multiclass",
        "ranker",
        "quantile",
        "poisson",
        "category",
        "dart",
        "early stopping",
    ]
    xgb_kinds = lgbm_kinds + ["random forest"]
    cb_kinds = ["multiclass", "ranker", "quantile", "poisson", "category", "early stopping"]
    out = [_case("LightGBM", _lgbm, k, subset=k == "category") for k in lgbm_kinds]
    out.append(_case("LightGBM", _lgbm, "raw Booster", _predict(_X), subset=True))
    out += [_case("XGBoost", _xgb, k, subset=k == "ranker") for k in xgb_kinds]
    out.append(_case("XGBoost", _xgb, "raw Booster", _xgb_booster_outputs))
    out += [_case("CatBoost", _cb, k, subset=k == "multiclass") for k in cb_kinds]
    out.append(_case("CatBoost", _cb, "raw CatBoost", _catboost_raw_outputs))
    return out
