"""One tiny model per format id, and how to get comparable outputs from it.

Shared by the fresh-process matrix (formats/test_fresh_process.py) and the golden files
(tests/golden/, written by tests/support/make_golden.py). Each builder imports its library
itself, so this module is cheap to import.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

# Networks are compared with allclose, trees exactly.
EXACT = {"lgbm", "cbm", "quantized_pool", "xgb", "skops", "onnx"}


def data(n: int = 64, features: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, features)).astype(np.float32)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(np.int64)
    return X, y


def _lgbm() -> Any:
    import lightgbm

    X, y = data()
    return lightgbm.LGBMClassifier(n_estimators=5, num_leaves=4, verbose=-1).fit(X, y)


def _cbm() -> Any:
    import catboost

    X, y = data()
    return catboost.CatBoostClassifier(
        iterations=5, depth=2, verbose=False, allow_writing_files=False
    ).fit(X, y)


def _quantized_pool() -> Any:
    import catboost

    X, y = data()
    pool = catboost.Pool(X, y)
    pool.quantize()
    return pool


def _xgb() -> Any:
    import xgboost

    X, y = data()
    return xgboost.XGBClassifier(n_estimators=5, max_depth=2).fit(X, y)


def _tf_keras() -> Any:
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(1)])
    return model


def _tf_pure() -> Any:
    import tensorflow as tf

    class Affine(tf.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = tf.Variable(np.arange(4, dtype=np.float32).reshape(4, 1))

        @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32)])
        def __call__(self, x):
            return tf.matmul(x, self.w)

    return Affine()


def _torch_net() -> Any:
    import torch

    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))


def _onnx() -> Any:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.arange(4, dtype=np.float32).reshape(4, 1), name="w")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])],
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 1])],
        initializer=[weight],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def _skops() -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = data()
    return make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)


def _save_options(format_id: str) -> dict[str, Any]:
    if format_id == "pt2":
        import torch

        return {"example_inputs": (torch.from_numpy(data(2)[0]),)}
    return {}


BUILDERS: dict[str, Callable[[], Any]] = {
    "lgbm": _lgbm,
    "cbm": _cbm,
    "quantized_pool": _quantized_pool,
    "xgb": _xgb,
    "tf_keras": _tf_keras,
    "tf_pure": _tf_pure,
    "pt": _torch_net,
    "pt2": _torch_net,
    "onnx": _onnx,
    "skops": _skops,
}


def build(format_id: str) -> tuple[Any, dict[str, Any]]:
    """(model, options for ModelStore.save) of that format."""
    return BUILDERS[format_id](), {"format_id": format_id, **_save_options(format_id)}


def outputs(format_id: str, model: Any) -> list:
    """What the model computes on the shared inputs, as JSON-able lists."""
    X = data()[0]
    if format_id in ("lgbm", "cbm", "xgb", "skops"):
        return np.asarray(model.predict_proba(X)).tolist()
    if format_id == "quantized_pool":
        return [model.num_row(), model.num_col()]
    if format_id == "tf_keras":
        return np.asarray(model(X)).tolist()
    if format_id == "tf_pure":
        import tensorflow as tf

        return model(tf.constant(X)).numpy().tolist()
    if format_id in ("pt", "pt2"):
        import torch

        with torch.no_grad():
            return model(torch.from_numpy(X)).numpy().tolist()
    if format_id == "onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(
            model.SerializeToString(), providers=["CPUExecutionProvider"]
        )
        return session.run(None, {"x": X})[0].tolist()
    raise KeyError(format_id)


def assert_same(format_id: str, expected: list, actual: list) -> None:
    if format_id in EXACT:
        assert actual == expected
    else:
        np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=1e-5, atol=1e-6)
