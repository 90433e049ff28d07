"""Behaviour kept by the changes made for the benchmarks (issue #6): the ONNX format serializes
the proto once and writes the same file as `onnx.save_model`, and installed library versions are
remembered per process yet follow installs, upgrades and removals."""

from __future__ import annotations

import os
import sys
import time
from importlib import metadata

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from jupyterlab_models import ModelStoreError, formats
from jupyterlab_models.formats import onnx as onnx_format
from jupyterlab_models.formats import versions
from tests.support.manifests import format_extra

# --- ONNX: serialized once, same bytes as onnx.save_model -------------------------------------


@pytest.fixture
def model():
    rng = np.random.default_rng(0)
    weights = numpy_helper.from_array(rng.normal(size=(64, 8)).astype(np.float32), "W")
    constant = numpy_helper.from_array(rng.normal(size=(1, 8)).astype(np.float32))
    nodes = [
        helper.make_node("MatMul", ["x", "W"], ["xw"]),
        helper.make_node("Constant", [], ["c"], value=constant),
        helper.make_node("Add", ["xw", "c"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 8])],
        [weights],
    )
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    proto.producer_name, proto.producer_version = "tests", "1"
    return proto


def files_of(directory) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes() for name in sorted(os.listdir(directory))}


def expected_extra(model, external: bool) -> dict:
    return {
        "external_data": external,
        "ir_version": model.ir_version,
        "opset_import": [["", 17]],
        "producer": "tests 1",
        "inputs": [{"name": "x", "elem_type": "FLOAT", "shape": ["N", 64]}],
        "outputs": [{"name": "y", "elem_type": "FLOAT", "shape": ["N", 8]}],
    }


def test_onnx_inline_file_is_what_onnx_save_model_writes(model, tmp_path, monkeypatch):
    serializations = []
    real = onnx_format._serialized
    monkeypatch.setattr(
        onnx_format, "_serialized", lambda obj: serializations.append(1) or real(obj)
    )
    reference = tmp_path / "reference"
    reference.mkdir()
    onnx.save_model(model, str(reference / "model.onnx"))
    ours = tmp_path / "ours"
    ours.mkdir()
    before = model.SerializeToString()
    extra = onnx_format.save(model, str(ours))
    assert files_of(ours) == files_of(reference)
    assert extra == expected_extra(model, external=False)
    assert model.SerializeToString() == before
    assert serializations == [1]


def test_onnx_external_data_file_is_unchanged(model, tmp_path):
    reference = tmp_path / "reference"
    reference.mkdir()
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    onnx.save_model(
        copy,
        str(reference / "model.onnx"),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="model.onnx.data",
        size_threshold=1024,
        convert_attribute=True,
    )
    ours = tmp_path / "ours"
    ours.mkdir()
    extra = onnx_format.save(model, str(ours), external_data=True)
    assert sorted(os.listdir(ours)) == ["model.onnx", "model.onnx.data"]
    assert files_of(ours) == files_of(reference)
    assert extra == expected_extra(model, external=True)


def test_onnx_over_the_limit_takes_the_external_data_path(model, tmp_path, monkeypatch):
    """What happens when protobuf cannot serialize the proto (over 2 GB): simulated."""
    monkeypatch.setattr(onnx_format, "_serialized", lambda obj: None)
    with pytest.raises(ModelStoreError, match="2 GB"):
        onnx_format.save(model, str(tmp_path), external_data=False)
    assert os.listdir(tmp_path) == []
    extra = onnx_format.save(model, str(tmp_path))
    assert sorted(os.listdir(tmp_path)) == ["model.onnx", "model.onnx.data"]
    assert extra["external_data"] is True


def test_onnx_serialized_compares_the_length_with_the_threshold(model, monkeypatch):
    size = len(model.SerializeToString())
    monkeypatch.setattr(onnx_format, "EXTERNAL_DATA_THRESHOLD", size)
    assert onnx_format._serialized(model) == model.SerializeToString()
    monkeypatch.setattr(onnx_format, "EXTERNAL_DATA_THRESHOLD", size - 1)
    assert onnx_format._serialized(model) is None


def test_onnx_store_save_manifest_unchanged(store, model):
    info = store.save(model, "m")
    assert [(f["path"], f["size"]) for f in info.files] == [
        ("model.onnx", len(model.SerializeToString()))
    ]
    assert format_extra(info) == expected_extra(model, external=False)
    assert store.load("m").SerializeToString() == model.SerializeToString()


# --- installed versions: remembered while sys.path's directories are unchanged ---------------

PAST = time.time() - 3600


def install(site, name: str, version: str, when: float) -> None:
    """A minimal installed distribution, then the directory's mtime set to `when` (in the
    past, so that the cache trusts it)."""
    info = site / f"{name}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    os.utime(site, (when, when))


def uninstall(site, name: str, version: str, when: float) -> None:
    info = site / f"{name}-{version}.dist-info"
    (info / "METADATA").unlink()
    info.rmdir()
    os.utime(site, (when, when))


@pytest.fixture
def site(tmp_path, monkeypatch):
    """sys.path reduced to one directory of fake distributions, an empty cache."""
    site = tmp_path / "site"
    site.mkdir()
    os.utime(site, (PAST, PAST))
    monkeypatch.setattr(sys, "path", [str(site)])
    versions.forget_found()
    return site


@pytest.fixture
def lookups(monkeypatch):
    """The distributions whose metadata was read."""
    lookups: list[str] = []
    real = metadata.distribution

    def counting(name):
        lookups.append(name)
        return real(name)

    monkeypatch.setattr(metadata, "distribution", counting)
    return lookups


def test_found_versions_are_looked_up_once(site, lookups):
    install(site, "fakelib", "1.2", PAST)
    assert versions.distribution_versions("fakelib", "absent") == {"fakelib": "1.2"}
    assert versions.distribution_versions("fakelib", "absent") == {"fakelib": "1.2"}
    assert versions.distribution_versions("absent", "fakelib") == {"fakelib": "1.2"}
    assert lookups == ["fakelib", "absent", "absent", "absent"]  # a missing one: every time


def test_a_busy_directory_elsewhere_on_sys_path_does_not_matter(site, lookups, tmp_path):
    """The current directory (on sys.path as "") may change all the time."""
    busy = tmp_path / "busy"
    busy.mkdir()
    sys.path.insert(0, str(busy))
    install(site, "fakelib", "1.2", PAST)
    assert versions.distribution_versions("fakelib") == {"fakelib": "1.2"}
    (busy / "notebook.ipynb").write_text("{}")
    assert versions.distribution_versions("fakelib") == {"fakelib": "1.2"}
    assert lookups == ["fakelib"]


def test_versions_returned_are_copies(site):
    install(site, "fakelib", "1.2", PAST)
    found = versions.distribution_versions("fakelib")
    found["fakelib"] = "changed"
    found["other"] = "1"
    assert versions.distribution_versions("fakelib") == {"fakelib": "1.2"}


def test_a_distribution_installed_later_is_seen(site):
    assert versions.distribution_versions("fakelib") == {}
    install(site, "fakelib", "1.2", PAST + 1)
    assert versions.distribution_versions("fakelib") == {"fakelib": "1.2"}


def test_an_upgrade_and_a_removal_are_seen(site):
    install(site, "fakelib", "1.2", PAST)
    assert versions.distribution_versions("fakelib") == {"fakelib": "1.2"}
    uninstall(site, "fakelib", "1.2", PAST + 1)
    install(site, "fakelib", "2.0", PAST + 2)
    assert versions.distribution_versions("fakelib") == {"fakelib": "2.0"}
    uninstall(site, "fakelib", "2.0", PAST + 3)
    assert versions.distribution_versions("fakelib") == {}


def test_a_new_sys_path_entry_is_seen(site, tmp_path):
    assert versions.distribution_versions("fakelib") == {}
    other = tmp_path / "other"
    other.mkdir()
    install(other, "fakelib", "3.1", PAST)
    sys.path.append(str(other))
    assert versions.distribution_versions("fakelib") == {"fakelib": "3.1"}
    first = tmp_path / "first"
    first.mkdir()
    install(first, "fakelib", "4.0", PAST)
    sys.path.insert(0, str(first))  # sys.path changed: the first directory wins
    assert versions.distribution_versions("fakelib") == {"fakelib": "4.0"}


def test_a_directory_changed_a_moment_ago_is_not_trusted(site, lookups):
    """Two changes within one mtime tick look alike: a fresh mtime is never cached."""
    now = time.time()
    install(site, "fakelib", "1.2", now)
    assert versions.distribution_versions("fakelib") == {"fakelib": "1.2"}
    assert versions.distribution_versions("fakelib") == {"fakelib": "1.2"}
    assert lookups == ["fakelib", "fakelib"]
    uninstall(site, "fakelib", "1.2", now + 1)
    install(site, "fakelib", "1.3", now + 1)
    assert versions.distribution_versions("fakelib") == {"fakelib": "1.3"}


def test_format_versions_match_the_metadata():
    """Through the formats, in the real environment: the versions a manifest records."""
    assert formats.by_id("onnx").library_versions() == {"onnx": metadata.version("onnx")}
    installed = formats.installed_versions()
    assert installed["onnx"] == metadata.version("onnx")
    assert installed["lightgbm"] == metadata.version("lightgbm")
    assert formats.installed_versions() == installed
