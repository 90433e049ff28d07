"""Round trips through `pt` (TorchScript) and `pt2` (torch.export): same outputs, no class
definition needed to load, clear errors for what cannot be saved (loaded in a fresh process
without the class: formats/test_fresh_process.py)."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from jupyterlab_models import ModelStoreError, formats
from jupyterlab_models.formats import torch_export
from jupyterlab_models.inspector import scan
from tests.support.manifests import format_extra
from tests.support.torch_net import Net

torch.set_num_threads(1)


class Unscriptable(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 2)

    def forward(self, x):
        double = lambda t: t * 2  # noqa: E731 -- TorchScript does not compile lambdas
        return double(self.linear(x))


class TwoInputs(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        return self.linear(x) + bias


class EagerOutputs(nn.Module):
    """torchvision's GoogLeNet pattern: Python returns through a method TorchScript leaves out."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 2)

    @torch.jit.unused
    def eager_outputs(self, x: torch.Tensor, aux: torch.Tensor) -> torch.Tensor:
        return x

    def forward(self, x: torch.Tensor):
        y = self.linear(x)
        if torch.jit.is_scripting():
            return y, y
        return self.eager_outputs(y, y)


class UnusedHelper(nn.Module):
    """DenseNet's pattern: an unused method called, not returned, off the eval path."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 2)
        self.checkpointed = False

    @torch.jit.unused
    def checkpoint(self, x):
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.checkpointed:
            x = self.checkpoint(x)
        return self.linear(x)


@pytest.fixture
def net():
    torch.manual_seed(0)
    return Net().eval()


@pytest.fixture(scope="module")
def x():
    return torch.randn(5, 4, generator=torch.Generator().manual_seed(1))


def test_pt_round_trip(store, net, x):
    info = store.save(net, "m")
    assert (info.library, info.format, info.type) == ("torch", "pt", formats.class_path(Net))
    assert list(info.library_versions) == ["torch"]
    assert info.library_versions["torch"] == torch.__version__
    assert [f["path"] for f in info.files] == ["model.pt"]
    assert info.extra["scripted"] is True and info.extra["training"] is False
    assert "Tensor x" in info.extra["forward"] and info.extra["parameters"] == 4 * 8 + 8 + 8 * 3 + 3
    loaded = store.load("m")
    assert isinstance(loaded, torch.jit.ScriptModule) and not loaded.training
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), net(x), rtol=0, atol=0)
        torch.testing.assert_close(loaded.features(x), net.features(x), rtol=0, atol=0)


def test_pt_keeps_the_training_flag_and_leaves_the_module_alone(store, net, x):
    net.train()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    info = store.save(net, "m")
    assert net.training and all(m.training for m in net.modules())
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    loaded = store.load("m")
    assert info.extra["training"] is True and loaded.training and loaded.dropout.training
    with torch.no_grad():
        torch.testing.assert_close(loaded.eval()(x), net.eval()(x), rtol=0, atol=0)


@pytest.mark.filterwarnings("ignore:`torch\\.jit:DeprecationWarning")  # our tests call it
def test_pt_saves_a_traced_module_as_it_is(store, net, x):
    traced = torch.jit.trace(net, (x,))
    info = store.save(traced, "m")
    assert info.format == "pt" and info.extra["scripted"] is False
    with torch.no_grad():
        torch.testing.assert_close(store.load("m")(x), net(x), rtol=0, atol=0)


def test_unscriptable_module_names_the_reason_and_the_way_out(store, x):
    module = Unscriptable().eval()
    with pytest.raises(ModelStoreError) as error:
        store.save(module, "m")
    assert error.value.code == "unsupported_type"
    message = error.value.message
    assert "TorchScript cannot compile" in message and "Unscriptable" in message
    assert "Lambda aren't supported" in message and "test_torch_format.py" in message
    assert 'format_id="pt2"' in message and "example_inputs" in message
    assert store.list() == []
    # ... and the way out works
    store.save(module, "m", format_id="pt2", example_inputs=x)
    with torch.no_grad():
        torch.testing.assert_close(store.load("m")(x), module(x), rtol=0, atol=0)


def test_forward_returning_through_an_unused_method_is_refused_for_pt(store, x):
    module = EagerOutputs().eval()
    with pytest.raises(ModelStoreError) as error:
        store.save(module, "m")
    assert error.value.code == "unsupported_type"
    message = error.value.message
    assert "EagerOutputs.forward returns through eager_outputs()" in message
    assert "@torch.jit.unused" in message and 'format_id="pt2"' in message
    assert store.list() == []
    store.save(module, "m", format_id="pt2", example_inputs=x)
    with torch.no_grad():
        torch.testing.assert_close(store.load("m")(x), module(x), rtol=0, atol=0)


def test_an_unused_method_off_the_return_path_is_saved_with_pt(store, x):
    module = UnusedHelper().eval()
    store.save(module, "m")
    with torch.no_grad():
        torch.testing.assert_close(store.load("m")(x), module(x), rtol=0, atol=0)


def test_pt2_round_trip(store, net, x):
    info = store.save(net, "m", format_id="pt2", example_inputs=x)  # one tensor: one argument
    assert (info.library, info.format, info.type) == ("torch", "pt2", formats.class_path(Net))
    assert list(info.library_versions) == ["torch"]
    assert [f["path"] for f in info.files] == ["model.pt2"]
    (batch,) = {spec["shape"][0] for spec in info.extra["inputs"] + info.extra["outputs"]}
    assert isinstance(batch, str)  # dynamic by default; the width is what Linear needs
    assert format_extra(info) == {
        "saved": "module",
        "training": False,
        "inputs": [{"name": "x", "shape": [batch, 4], "dtype": "torch.float32"}],
        "outputs": [{"name": "linear_1", "shape": [batch, 3], "dtype": "torch.float32"}],
    }
    loaded = store.load("m")
    assert isinstance(loaded, nn.Module) and not isinstance(loaded, Net)
    with torch.no_grad():
        for rows in (1, 5, 9):
            inputs = torch.randn(rows, 4)
            torch.testing.assert_close(loaded(inputs), net(inputs), rtol=0, atol=0)


def test_pt2_several_inputs_and_the_callers_dynamic_shapes(store, x):
    torch.manual_seed(0)
    module = TwoInputs().eval()
    bias = torch.tensor([0.5, -1.0])
    info = store.save(
        module, "m", format_id="pt2", example_inputs=(x, bias), dynamic_shapes=(None, None)
    )
    assert [spec["shape"] for spec in info.extra["inputs"]] == [[5, 4], [2]]  # all static
    loaded = store.load("m")
    with torch.no_grad():
        torch.testing.assert_close(loaded(x, bias), module(x, bias), rtol=0, atol=0)
    with pytest.raises(AssertionError, match="Guard failed"):
        loaded(torch.randn(7, 4), bias)


@pytest.mark.parametrize("example_inputs", [None, [torch.zeros(5, 4)]])
def test_pt2_needs_example_inputs(store, net, example_inputs):
    with pytest.raises(ModelStoreError, match="example_inputs") as error:
        store.save(net, "m", format_id="pt2", example_inputs=example_inputs)
    assert error.value.code == "bad_request"
    assert store.list() == []


def test_pt2_export_failure_is_a_clear_error(store, net):
    with pytest.raises(ModelStoreError, match="torch.export cannot export .*Net") as error:
        store.save(net, "m", format_id="pt2", example_inputs=torch.zeros(5, 3))  # wrong width
    assert error.value.code == "unsupported_type"
    assert store.list() == []


def test_pt2_saves_an_exported_program_as_it_is(store, net, x):
    program = torch.export.export(net, (x,))
    assert formats.detect(program) is torch_export
    info = store.save(program, "m")  # the default for an ExportedProgram
    assert info.format == "pt2" and info.type == torch_export.EXPORTED_PROGRAM
    assert info.extra["saved"] == "exported_program" and "training" not in info.extra
    loaded = store.load("m")
    assert type(loaded) is torch.export.ExportedProgram
    with torch.no_grad():
        torch.testing.assert_close(loaded.module()(x), net(x), rtol=0, atol=0)
    with pytest.raises(ModelStoreError, match="already exported") as error:
        store.save(program, "m", example_inputs=x)
    assert error.value.code == "bad_request"


def test_pt2_refuses_an_archive_that_would_unpickle(store, net, x, tmp_path):
    info = store.save(net, "m", format_id="pt2", example_inputs=x)
    directory = tmp_path / "tampered"
    shutil.copytree(os.path.join(store.location, "m", "1"), directory)
    path = directory / "model.pt2"
    with zipfile.ZipFile(path) as source:
        entries = {name: source.read(name) for name in source.namelist()}
    config = next(name for name in entries if name.endswith("_weights_config.json"))
    payload = json.loads(entries[config])
    next(iter(payload["config"].values()))["use_pickle"] = True
    entries[config] = json.dumps(payload).encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in entries.items():
            target.writestr(name, data)
    with pytest.raises(ModelStoreError, match="pickle") as error:
        torch_export.load(SimpleNamespace(directory=str(directory)), info)
    assert error.value.code == "integrity"


@pytest.mark.filterwarnings("ignore:`torch\\.jit:DeprecationWarning")  # our tests call it
def test_detect_and_scan(net, x):
    scripted = torch.jit.script(Net())
    program = torch.export.export(net, (x,))
    assert formats.detect(net) is formats.torch
    assert formats.detect(scripted) is formats.torch
    assert formats.detect(program) is formats.torch_export
    assert formats.detect(x) is None
    found = scan({"net": net, "scripted": scripted, "program": program, "x": x, "_n": net})
    assert [(v.name, v.library, v.format, v.class_path) for v in found] == [
        ("net", "torch", "pt", formats.class_path(Net)),
        ("program", "torch", "pt2", torch_export.EXPORTED_PROGRAM),
        ("scripted", "torch", "pt", "torch.jit._script.RecursiveScriptModule"),
    ]
