"""The benchmark models (issue #6 sizes, or tiny ones for --smoke) and each library's own
save/load call for the same format as jupyterlab-models writes: the P1 baselines.

Each case is built in the process that measures it; builders import their library themselves.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class Case:
    key: str  # torch, onnx, lightgbm, xgboost, catboost, keras, transformers
    label: str  # for the table, e.g. "torch pt 300 MB"
    format_id: str
    model: Any
    native_file: str  # the file name the library's own call writes
    native_save: Callable[[Any, str], None]  # (model, path); fsync is the caller's
    native_load: Callable[[str], Any]
    big: bool  # one of the ~300 MB models (P1c)


ALL = ("torch", "onnx", "lightgbm", "xgboost", "catboost", "keras", "transformers")
BIG = ("torch", "onnx")


def build(key: str, smoke: bool) -> Case:
    return _BUILDERS[key](smoke)


def _tabular(smoke: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    n, features = (200, 5) if smoke else (4000, 20)
    X = rng.normal(size=(n, features)).astype(np.float32)
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(scale=0.5, size=n) > 0).astype(np.int64)
    return X, y


def _trees(smoke: bool) -> int:
    return 5 if smoke else 2000


# --- Torch: ~300 MB of float32 weights, TorchScript (`pt`) ------------------------------------


def _torch(smoke: bool) -> Case:
    import torch

    torch.manual_seed(0)
    width = 64 if smoke else 5000  # three 5000x5000 layers: 75 M parameters, 300 MB
    layers: list[Any] = []
    for _ in range(3):
        layers += [torch.nn.Linear(width, width), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1]).eval()

    def save(m: Any, path: str) -> None:
        torch.jit.save(torch.jit.script(m), path)

    def load(path: str) -> Any:
        return torch.jit.load(path, map_location="cpu")

    size = "tiny" if smoke else "300 MB"
    return Case("torch", f"torch pt {size}", "pt", model, "model.pt", save, load, True)


# --- ONNX: ~300 MB of initializers, one model.onnx -------------------------------------------


def _onnx(smoke: bool) -> Case:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    width = 64 if smoke else 5000
    rng = np.random.default_rng(0)
    nodes, inits = [], []
    previous = "x"
    for i in range(3):
        w = rng.standard_normal((width, width), dtype=np.float32)
        inits.append(numpy_helper.from_array(w, name=f"w{i}"))
        out = "y" if i == 2 else f"h{i}"
        nodes.append(helper.make_node("MatMul", [previous, f"w{i}"], [out]))
        previous = out
    graph = helper.make_graph(
        nodes,
        "bench",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, width])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, width])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8

    def save(m: Any, path: str) -> None:
        onnx.save_model(m, path)

    def load(path: str) -> Any:
        return onnx.load(path)

    size = "tiny" if smoke else "300 MB"
    return Case("onnx", f"onnx {size}", "onnx", model, "model.onnx", save, load, True)


# --- gradient-boosted trees: ~2,000 trees each ----------------------------------------------


def _lightgbm(smoke: bool) -> Case:
    import lightgbm

    X, y = _tabular(smoke)
    model = lightgbm.LGBMClassifier(
        n_estimators=_trees(smoke), num_leaves=31, learning_rate=0.05, verbose=-1
    ).fit(X, y)

    def save(m: Any, path: str) -> None:
        m.booster_.save_model(path, num_iteration=-1)

    def load(path: str) -> Any:
        return lightgbm.Booster(model_file=path)

    label = f"lightgbm {_trees(smoke)} trees"
    return Case("lightgbm", label, "lgbm", model, "model.txt", save, load, False)


def _xgboost(smoke: bool) -> Case:
    import xgboost

    X, y = _tabular(smoke)
    model = xgboost.XGBClassifier(
        n_estimators=_trees(smoke), max_depth=6, learning_rate=0.05, tree_method="hist"
    ).fit(X, y)

    def save(m: Any, path: str) -> None:
        m.save_model(path)

    def load(path: str) -> Any:
        loaded = xgboost.XGBClassifier()
        loaded.load_model(path)
        return loaded

    label = f"xgboost {_trees(smoke)} trees"
    return Case("xgboost", label, "xgb", model, "model.ubj", save, load, False)


def _catboost(smoke: bool) -> Case:
    import catboost

    X, y = _tabular(smoke)
    model = catboost.CatBoostClassifier(
        iterations=_trees(smoke), depth=6, verbose=False, allow_writing_files=False
    ).fit(X, y)

    def save(m: Any, path: str) -> None:
        m.save_model(path, format="cbm")

    def load(path: str) -> Any:
        loaded = catboost.CatBoostClassifier()
        loaded.load_model(path)
        return loaded

    label = f"catboost {_trees(smoke)} trees"
    return Case("catboost", label, "cbm", model, "model.cbm", save, load, False)


# --- Keras 3: ~100 MB of weights, the .keras archive ------------------------------------------


def _keras(smoke: bool) -> Case:
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras

    keras.utils.set_random_seed(0)
    width = 32 if smoke else 5000  # one 5000x5000 Dense: 25 M parameters, 100 MB
    model = keras.Sequential(
        [keras.Input((width,)), keras.layers.Dense(width, activation="relu"), keras.layers.Dense(1)]
    )

    def save(m: Any, path: str) -> None:
        m.save(path)

    def load(path: str) -> Any:
        return keras.saving.load_model(path, safe_mode=True)

    size = "tiny" if smoke else "100 MB"
    return Case("keras", f"keras {size}", "tf_keras", model, "model.keras", save, load, False)


# --- transformers: a ~500 MB GPT-2 (126 M parameters), save_pretrained / from_pretrained -------


def _transformers(smoke: bool) -> Case:
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    # 6 layers of width 1024 and GPT-2's vocabulary: 126 M float32 parameters, 504 MB
    sizes = {"n_embd": 1024, "n_head": 16, "n_layer": 6}
    if smoke:
        sizes = {"n_embd": 32, "n_head": 2, "n_layer": 2, "vocab_size": 64}
    model = GPT2LMHeadModel(GPT2Config(**sizes)).eval()

    def save(m: Any, path: str) -> None:
        m.save_pretrained(path)  # a folder: safetensors + config.json + generation_config.json

    def load(path: str, in_memory: bool = False) -> Any:
        # in_memory: the weights read into memory, not mapped from the file (as the store does)
        options = {"disable_mmap": True} if in_memory else {}
        return GPT2LMHeadModel.from_pretrained(
            path, local_files_only=True, use_safetensors=True, **options
        )

    size = "tiny" if smoke else "500 MB"
    return Case(
        "transformers",
        f"transformers GPT-2 {size}",
        "hf_transformers",
        model,
        "hf",
        save,
        load,
        False,
    )


def lora_sizes(model: Any, store: Any) -> tuple[int, int]:
    """(bytes of the stored base, bytes of a stored rank-8 LoRA adapter on its attention)."""
    from peft import LoraConfig, get_peft_model

    base = store.save(model, "base")
    config = LoraConfig(r=8, target_modules=["c_attn"], fan_in_fan_out=True)
    adapter = store.save(get_peft_model(model, config), "adapter", base="base")
    return base.size_bytes, adapter.size_bytes


_BUILDERS: dict[str, Callable[[bool], Case]] = {
    "torch": _torch,
    "onnx": _onnx,
    "lightgbm": _lightgbm,
    "xgboost": _xgboost,
    "catboost": _catboost,
    "keras": _keras,
    "transformers": _transformers,
}
