"""Each format's `describe()`: the signature a save keeps in `extra["signature"]`, from the
real libraries (tiny models of tests/support/tiny_models.py)."""

from __future__ import annotations

import json

import pytest

from jupyterlab_models import formats
from jupyterlab_models.formats import signature
from tests.support import tiny_models

X_SPEC = {"name": "x", "shape": [None, 4], "dtype": "FLOAT"}

# format id -> what its signature of the tiny model must hold (a subset)
EXPECTED = {
    "lgbm": {"n_features": 4, "classes": [0, 1], "trees": 5},
    "cbm": {"n_features": 4, "classes": [0, 1], "trees": 5},
    "quantized_pool": {"n_features": 4},
    "xgb": {"n_features": 4, "classes": [0, 1]},
    "tf_keras": {"parameters": 19, "layers": 2},
    "tf_pure": {"parameters": 4, "variables": 1},
    "pt": {"parameters": 19, "layers": 3},
    "pt2": {"parameters": 19, "layers": 3},
    "onnx": {"inputs": [X_SPEC], "parameters": 4, "nodes": 1, "opsets": {"ai.onnx": 17}},
    "skops": {
        "n_features": 4,
        "classes": [0, 1],
        "steps": ["standardscaler", "logisticregression"],
    },
}


@pytest.mark.parametrize("format_id", sorted(EXPECTED))
def test_a_save_keeps_the_signature_the_library_tells(store, format_id):
    model, options = tiny_models.build(format_id)
    info = store.save(model, f"m-{format_id}", **{"format_id": format_id, **options})
    kept = info.extra["signature"]
    assert kept == {**kept, **EXPECTED[format_id]}
    assert all(key.islower() and " " not in key for key in kept)
    json.dumps(kept, allow_nan=False)  # JSON scalars and lists only
    # ... and it is what the manifest on disk says
    assert store.info(f"m-{format_id}").extra["signature"] == kept


def test_keras_inputs_and_outputs_have_shapes_and_dtypes():
    model, _ = tiny_models.build("tf_keras")
    described = signature.signature_of(formats.by_id("tf_keras"), model)
    assert [spec["shape"] for spec in described["inputs"]] == [[None, 4]]
    assert [spec["shape"] for spec in described["outputs"]] == [[None, 1]]
    assert described["inputs"][0]["dtype"] == "float32"


def test_a_scripted_module_names_its_forward_arguments():
    import torch

    model, _ = tiny_models.build("pt")
    described = signature.signature_of(formats.by_id("pt"), torch.jit.script(model))
    assert described["inputs"] == [{"name": "input", "shape": None, "dtype": "Tensor"}]


def test_an_exported_program_gives_shapes():
    import torch

    model, options = tiny_models.build("pt2")
    program = torch.export.export(model, options["example_inputs"])
    described = signature.signature_of(formats.by_id("pt2"), program)
    assert described["inputs"][0]["shape"] == [2, 4]
    assert described["outputs"][0]["shape"] == [2, 1]
    assert described["parameters"] == 19


def test_a_library_that_cannot_tell_does_not_fail_the_save(store):
    class Silent:
        FORMAT_ID = "silent"

        @staticmethod
        def describe(obj):
            raise RuntimeError("not built")

    assert signature.signature_of(Silent, object()) is None


def test_values_are_made_plain():
    import numpy as np

    assert signature.plain(np.array([1, 2])) == [1, 2]
    assert signature.plain(np.float32(0.5)) == 0.5
    assert signature.plain(float("nan")) == "nan"
    assert signature.plain(list(range(5000))) == list(range(signature.MAX_ITEMS))
    assert signature.plain({"a": (1, object)}) == {"a": [1, str(object)]}
