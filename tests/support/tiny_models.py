"""One tiny model per format id, and how to get comparable outputs from it.

Shared by the fresh-process matrix (formats/test_fresh_process.py) and the golden files
(tests/golden/, written by tests/support/make_golden.py). Each builder imports its library
itself, so this module is cheap to import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from . import hf_models

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
    if format_id == "peft_adapter":  # its base, saved first (BASES)
        return {"base": hf_models.BASE_NAME}
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
    "hf_transformers": hf_models.gpt2,
    "hf_processor": hf_models.tokenizer,
    "hf_pipeline": hf_models.text_pipeline,
    "peft_adapter": hf_models.lora,
}
# Models a format's model refers to, saved first: {format id: (name, builder)}
BASES: dict[str, tuple[str, Callable[[], Any]]] = {
    "peft_adapter": (hf_models.BASE_NAME, hf_models.gpt2),
}


def save_bases(store: Any, format_id: str) -> None:
    """Save into `store` the models a model of `format_id` refers to (an adapter's base)."""
    if format_id in BASES:
        base_name, build_base = BASES[format_id]
        store.save(build_base(), base_name)


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
    if format_id.startswith(("hf_", "peft_")):
        return hf_models.outputs(format_id, model)
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


# --- variants: more of a format in a fresh process --------------------------------------------
# What a format's own test file once loaded in a fresh process beyond its tiny model above:
# formats/test_fresh_process.py loads each variant there too, with the same checks.


@dataclass(frozen=True)
class Variant:
    """A model saved under one or more names, each with its save options, and loaded in a
    fresh process; `outputs` runs on the model and on each loaded copy."""

    build: Callable[[], tuple[Any, dict[str, dict[str, Any]]]]  # model, {name: save options}
    outputs: Callable[[Any], Any]  # JSON-able
    rtol: float | None = None  # None: the outputs are equal; else allclose with this rtol
    type: str | None = None  # the class path each loaded copy has, when checked
    # (module, class name) of a user-defined class that the fresh process must load without:
    # the module is never imported there, the name never defined
    without: tuple[str, str] | None = None


def data_fixture_inputs() -> np.ndarray:
    """The inputs of tests/conftest.py's `data` fixture."""
    return np.random.default_rng(0).normal(size=(120, 4))


def _predictions(model: Any) -> dict[str, list]:
    X = data_fixture_inputs()
    return {"predict": model.predict(X).tolist(), "proba": model.predict_proba(X).tolist()}


def _cbm_string_labels() -> tuple[Any, dict[str, dict[str, Any]]]:
    """Three classes named by strings (formats/test_catboost_format.py's SMALL settings)."""
    import catboost

    X = data_fixture_inputs()
    y = np.array(["cat", "dog", "emu"])[np.arange(len(X)) % 3]
    small = {
        "iterations": 5,
        "depth": 2,
        "verbose": False,
        "thread_count": 1,
        "random_seed": 0,
        "allow_writing_files": False,
    }
    return catboost.CatBoostClassifier(**small).fit(X, y), {"m": {}}


def _xgb_three_classes() -> tuple[Any, dict[str, dict[str, Any]]]:
    """Three classes (formats/test_xgboost_format.py's SMALL settings)."""
    import xgboost

    X = data_fixture_inputs()
    y = np.arange(len(X)) % 3
    return xgboost.XGBClassifier(n_estimators=4, max_depth=2, n_jobs=1).fit(X, y), {"m": {}}


def _keras_inputs() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(8, 4)).astype(np.float32)


def _keras_compiled() -> tuple[Any, dict[str, dict[str, Any]]]:
    """A compiled Keras 3 Sequential trained one epoch, so that its optimizer has a state
    (formats/test_keras_format.py's `sequential("keras")`)."""
    import keras

    X = _keras_inputs()
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(2)]
    )
    model.compile(optimizer="adam", loss="mse")
    model.fit(X, X[:, :2], epochs=1, verbose=0)
    return model, {"m": {}}


def _keras_outputs(model: Any) -> list:
    return np.asarray(model(_keras_inputs())).tolist()


def onnx_with_initializers() -> Any:
    """y = (x @ W + b) * c, with a 2 KB initializer (external data candidate), a small one
    that stays inline, and a 1 KB tensor in a Constant node's attribute."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    weights = numpy_helper.from_array(rng.normal(size=(64, 8)).astype(np.float32), "W")
    bias = numpy_helper.from_array(rng.normal(size=8).astype(np.float32), "b")
    constant = numpy_helper.from_array(rng.normal(size=(32, 8)).astype(np.float32))
    nodes = [
        helper.make_node("MatMul", ["x", "W"], ["xw"]),
        helper.make_node("Add", ["xw", "b"], ["z"]),
        helper.make_node("Constant", [], ["c"], value=constant),
        helper.make_node("Slice", ["c", "zero", "one"], ["c0"]),
        helper.make_node("Mul", ["z", "c0"], ["y"]),
    ]
    zero = numpy_helper.from_array(np.array([0], np.int64), "zero")
    one = numpy_helper.from_array(np.array([1], np.int64), "one")
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 8])],
        [weights, bias, zero, one],
    )
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    proto.producer_name = "tests"
    onnx.checker.check_model(proto)
    return proto


def _onnx_inline_and_external() -> tuple[Any, dict[str, dict[str, Any]]]:
    return onnx_with_initializers(), {"inline": {}, "external": {"external_data": True}}


def _onnx_digest(model: Any) -> str:
    """The sha256 of the proto's bytes, once it passes the checker: the same bytes back."""
    import hashlib

    import onnx

    onnx.checker.check_model(model)
    return hashlib.sha256(model.SerializeToString()).hexdigest()


def _torch_inputs() -> Any:
    import torch

    return torch.randn(5, 4, generator=torch.Generator().manual_seed(1))


def _torch_user_class() -> tuple[Any, dict[str, dict[str, Any]]]:
    """tests/support/torch_net.py's Net, scripted (`pt`) and exported (`pt2`)."""
    import torch

    from tests.support.torch_net import Net

    torch.manual_seed(0)
    exported = {"format_id": "pt2", "example_inputs": _torch_inputs()}
    return Net().eval(), {"scripted": {}, "exported": exported}


def _torch_outputs(model: Any) -> list:
    import torch

    with torch.no_grad():
        return model(_torch_inputs()).tolist()


VARIANTS: dict[str, Variant] = {
    "cbm-string-labels": Variant(
        _cbm_string_labels, _predictions, type="catboost.core.CatBoostClassifier"
    ),
    "xgb-three-classes": Variant(
        _xgb_three_classes, _predictions, type="xgboost.sklearn.XGBClassifier"
    ),
    "tf_keras-compiled": Variant(
        _keras_compiled,
        _keras_outputs,
        rtol=1e-6,
        type="keras.src.models.sequential.Sequential",
    ),
    "onnx-inline-and-external-data": Variant(_onnx_inline_and_external, _onnx_digest),
    "pt-pt2-user-class": Variant(
        _torch_user_class, _torch_outputs, without=("tests.support.torch_net", "Net")
    ),
}


def assert_same_variant(variant: Variant, expected: Any, actual: Any) -> None:
    if variant.rtol is None:
        assert actual == expected
    else:
        np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=variant.rtol)
