"""Round trips through the `onnx` format: the loaded proto is the saved one, byte for byte,
inline or with external data, and computes the same outputs (in a fresh process too:
formats/test_fresh_process.py)."""

from __future__ import annotations

import os

import numpy as np
import onnx
import pytest
from onnx.reference import ReferenceEvaluator

from jupyterlab_models import ModelStoreError, formats
from jupyterlab_models.formats import onnx as onnx_format
from jupyterlab_models.inspector import scan
from tests.support import tiny_models
from tests.support.manifests import format_extra


@pytest.fixture
def model():
    return tiny_models.onnx_with_initializers()


@pytest.fixture(scope="module")
def x():
    return np.random.default_rng(1).normal(size=(3, 64)).astype(np.float32)


def run(proto, x):
    return ReferenceEvaluator(proto).run(None, {"x": x})[0]


def check_loaded(store, name, original, x):
    loaded = store.load(name)
    assert type(loaded) is onnx.ModelProto
    onnx.checker.check_model(loaded)
    assert loaded.SerializeToString() == original.SerializeToString()
    np.testing.assert_array_equal(run(loaded, x), run(original, x))


def test_round_trip(store, model, x):
    info = store.save(model, "m")
    assert (info.library, info.format, info.type) == ("onnx", "onnx", "onnx.onnx_ml_pb2.ModelProto")
    assert list(info.library_versions) == ["onnx"]
    assert info.library_versions["onnx"] == onnx.__version__
    assert [f["path"] for f in info.files] == ["model.onnx"]
    assert format_extra(info) == {
        "external_data": False,
        "ir_version": model.ir_version,
        "opset_import": [["", 17]],
        "producer": "tests",
        "inputs": [{"name": "x", "elem_type": "FLOAT", "shape": ["N", 64]}],
        "outputs": [{"name": "y", "elem_type": "FLOAT", "shape": ["N", 8]}],
    }
    check_loaded(store, "m", model, x)


def test_external_data_on_request(store, model, x):
    before = model.SerializeToString()
    info = store.save(model, "m", external_data=True)
    assert model.SerializeToString() == before  # the user's proto is not converted
    sizes = {f["path"]: f["size"] for f in info.files}
    assert set(sizes) == {"model.onnx", "model.onnx.data"} and info.extra["external_data"]
    # both the initializer and the Constant node's tensor moved out; the tiny ones did not
    assert sizes["model.onnx.data"] >= (64 * 8 + 32 * 8) * 4 > sizes["model.onnx"]
    directory = os.path.join(store.location, "m", "1")
    onnx.checker.check_model(os.path.join(directory, "model.onnx"))  # as onnx itself reads it
    check_loaded(store, "m", model, x)


def test_a_model_over_the_threshold_uses_external_data(store, model, x, monkeypatch):
    monkeypatch.setattr(onnx_format, "EXTERNAL_DATA_THRESHOLD", model.ByteSize() - 1)
    with pytest.raises(ModelStoreError, match="2 GB") as error:
        store.save(model, "m", external_data=False)
    assert error.value.code == "unsupported_type"
    info = store.save(model, "m")
    assert [f["path"] for f in info.files] == ["model.onnx", "model.onnx.data"]
    check_loaded(store, "m", model, x)
    monkeypatch.setattr(onnx_format, "EXTERNAL_DATA_THRESHOLD", model.ByteSize())
    assert [f["path"] for f in store.save(model, "m").files] == ["model.onnx"]


def test_a_proto_whose_data_is_not_in_memory_is_refused(store, model, tmp_path):
    path = str(tmp_path / "elsewhere.onnx")
    onnx.save_model(model, path, save_as_external_data=True, location="elsewhere.data")
    partial = onnx.load(path, load_external_data=False)
    with pytest.raises(ModelStoreError, match="'W' refers to external data") as error:
        store.save(partial, "m")
    assert error.value.code == "unsupported_type"
    assert store.list() == []


def test_detect_and_scan(model):
    assert formats.detect(model) is onnx_format
    assert formats.detect(model.graph) is None
    found = scan({"model": model, "graph": model.graph})
    assert [(v.name, v.library, v.format, v.class_path) for v in found] == [
        ("model", "onnx", "onnx", "onnx.onnx_ml_pb2.ModelProto")
    ]
