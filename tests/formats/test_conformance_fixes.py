"""What the conformance suite (issue #14, tests/conformance) found and the formats now do:
`pt` refuses parametrized modules (weight_norm); `pt2` makes only the batch dimension dynamic
by default, takes keyword example inputs, records the modules of structured output types and
imports them at load, refuses what torch.export.save cannot write and hints at DynamicCache;
`skops` refuses what skops cannot store, each as `unsupported_type` with why and what to do."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass

import numpy as np
import pytest
import torch

from jupyterlab_models import ModelStore, ModelStoreError
from tests.conformance import torch_custom
from tests.support.env import python_env


@pytest.fixture
def store(tmp_path):
    return ModelStore(tmp_path / "store")


def test_pt_refuses_a_weight_norm_module_and_names_the_way_out(store):
    module = torch_custom.weight_norm_conv()
    with pytest.raises(ModelStoreError) as caught:
        store.save(module, "m")
    assert caught.value.code == "unsupported_type"
    assert "parametrized" in caught.value.message and 'format_id="pt2"' in caught.value.message
    assert store.list() == []


def test_pt2_makes_only_the_batch_dimension_dynamic_by_default(store):
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.Flatten()).eval()
    info = store.save(net, "m", example_inputs=(torch.randn(2, 3, 8, 8),))
    (shape,) = [spec["shape"] for spec in info.extra["inputs"]]
    assert isinstance(shape[0], str) and shape[1:] == [3, 8, 8]
    loaded = store.load("m")
    x = torch.randn(5, 3, 8, 8)
    torch.testing.assert_close(loaded(x), net(x))


def test_pt2_takes_keyword_example_inputs(store):
    module = torch_custom.Keywords().eval()
    info = store.save(
        module, "m", example_kwargs={"use_cache": False}, example_inputs=(torch.ones(2, 4),)
    )
    assert info.format == "pt2"
    # the keyword is a constant of the exported graph: recorded under its name, with its value
    assert info.extra["inputs"][1] == {"name": "use_cache", "type": "builtins.bool", "value": False}
    assert info.extra["inputs"][0]["name"] == "x"
    x = torch.randn(3, 4)
    torch.testing.assert_close(store.load("m")(x, use_cache=False), module(x, use_cache=False))
    with pytest.raises(ModelStoreError) as caught:
        store.save(module, "n", format_id="pt2", example_inputs=(x,), example_kwargs=[1])
    assert caught.value.code == "bad_request" and "example_kwargs" in caught.value.message


LOAD_STRUCTURED = """
import json, sys
from jupyterlab_models import ModelStore
store = ModelStore(sys.argv[1])
before = "tests.conformance.torch_custom" in sys.modules
out = store.load("m")(__import__("torch").ones(2, 4))
print(json.dumps({"before": before, "type": type(out).__qualname__, "logits": out.logits.tolist()}))
"""


def test_pt2_records_structured_output_modules_and_loads_them_in_a_fresh_process(store):
    module = torch_custom.Structured().eval()
    info = store.save(module, "m", example_inputs=(torch.ones(2, 4),))
    assert info.extra["output_modules"] == ["tests.conformance.torch_custom"]
    done = subprocess.run(
        [sys.executable, "-c", LOAD_STRUCTURED, store.location],
        env=python_env(),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded["before"] is False and loaded["type"] == "Output"
    np.testing.assert_allclose(
        loaded["logits"], module(torch.ones(2, 4)).logits.tolist(), rtol=1e-6
    )


@dataclass
class Unnamed:
    y: torch.Tensor


torch.utils._pytree.register_dataclass(Unnamed)  # no serialized_type_name


class ReturnsUnnamed(torch.nn.Module):
    def forward(self, x):
        return Unnamed(y=x * 2)


def test_pt2_refuses_an_output_type_torch_export_cannot_save(store):
    with pytest.raises(ModelStoreError) as caught:
        store.save(ReturnsUnnamed(), "m", example_inputs=(torch.ones(2, 4),))
    assert caught.value.code == "unsupported_type"
    assert "serialized_type_name" in caught.value.message
    assert store.list() == []


def test_skops_refuses_what_skops_cannot_store(store):
    from sklearn.cluster import Birch

    model = Birch(n_clusters=2).fit(np.random.default_rng(0).normal(size=(20, 2)))
    with pytest.raises(ModelStoreError) as caught:
        store.save(model, "m")
    assert caught.value.code == "unsupported_type"
    assert "Birch" in caught.value.message and "ONNX" in caught.value.message
    assert store.list() == []
