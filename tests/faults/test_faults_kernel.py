"""The kernel dies (SIGKILL) while it saves a model through the comm, a real ipykernel driven
through jupyter_client as the panel does: the store never shows a half model, `gc` removes
what the dead save left, and after a restart the same comm protocol works again on the same
store (the panel's side of this, the notification and the recovery, is in ui-tests).

The models are big enough (64 MB) for the save to last long enough to be killed in its
middle: a real ONNX graph, killed while its file is written (the store hashes those bytes
beside the write), and a TorchScript module, killed while the store hashes the file torch
wrote (after the save's first progress event).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import textwrap
import time
import uuid

import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager

from jupyterlab_models import ModelStore
from tests.support.env import python_env
from tests.support.faults_util import leftovers
from tests.support.kernel import TIMEOUT, Client

BIG_ONNX = textwrap.dedent(
    """
    import numpy as np, onnx
    from onnx import TensorProto, helper, numpy_helper
    w = numpy_helper.from_array(np.ones((4096, 4096), dtype=np.float32), name="w")
    big = helper.make_model(
        helper.make_graph(
            [helper.make_node("MatMul", ["x", "w"], ["y"])], "big",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 4096])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 4096])],
            initializer=[w],
        ),
        opset_imports=[helper.make_opsetid("", 17)],
    )
    """
)
BIG_TORCH = "import torch\nbig = torch.nn.Linear(4096, 4096)  # 64 MB of weights\n"


@pytest.fixture
def kernel(tmp_path):
    spec_dir = tmp_path / "kernels" / "jlm-faults"
    spec_dir.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = {"argv": argv, "display_name": "jlm faults", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    km = KernelManager(
        kernel_name="jlm-faults",
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec_dir.parent)]),
    )
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    km.start_kernel(env=python_env(), cwd=str(cwd))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=TIMEOUT)
        yield km, Client(kc)
    finally:
        kc.stop_channels()
        if km.is_alive():
            km.shutdown_kernel(now=True)


def _wait_for(client: Client, request_id: str, until: str, timeout: float = TIMEOUT) -> list:
    """Comm messages of one request until one whose kind is `until` ("progress"/"reply")."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg = client.kc.get_iopub_msg(timeout=timeout)
        data = msg["content"].get("data", {})
        if msg["msg_type"] == "comm_msg" and data.get("id") == request_id:
            seen.append(data)
            if until == "progress" or "ok" in data:
                return seen
    raise AssertionError(f"nothing from the kernel for {request_id}")


@pytest.mark.parametrize("moment", ["while-writing", "while-hashing"])
def test_kernel_killed_mid_save(kernel, tmp_path, moment):
    km, client = kernel
    store_path = str(tmp_path / "store")
    client.start_panel_session(store_path)
    assert client.execute(BIG_ONNX if moment == "while-writing" else BIG_TORCH)["status"] == "ok"
    *events, first = client.request("save", variable="big", name="big", description="v1")
    assert first["ok"], first
    store = ModelStore(store_path)
    before = store.list()
    assert [(m.name, m.version) for m in before] == [("big", 1)]

    request_id = uuid.uuid4().hex
    client.shell_send(
        "comm_msg",
        {
            "comm_id": client.comm_id,
            "data": {"id": request_id, "op": "save", "args": {"variable": "big", "name": "big"}},
        },
    )
    if moment == "while-writing":
        # ONNX serialises the 64 MB graph, then writes model.onnx (hashing it beside the
        # write): kill as soon as that file exists in the save's staging directory.
        staging = os.path.join(store_path, ".staging")
        deadline = time.monotonic() + TIMEOUT
        while not any(files for _root, _dirs, files in os.walk(staging) if _root != staging):
            assert time.monotonic() < deadline
            time.sleep(0.001)
    else:
        (event,) = _wait_for(client, request_id, "progress")
        assert event["event"] == "progress" and event["done"] < event["total"], event
    os.kill(km.provisioner.pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while km.is_alive():
        assert time.monotonic() < deadline, "the killed kernel is still alive"
        time.sleep(0.05)

    # No half model: the list is what it was, every listed version loads and verifies.
    assert store.list() == before
    assert [v.version for v in store.versions("big")] == [1]
    assert store.verify().ok
    dead = leftovers(store)
    assert dead and all(p.startswith(".staging/") for p in dead), dead  # the dead save's files
    assert store.gc(older_than=0)  # the dead save's staging directory
    assert leftovers(store) == []

    # After a restart the panel's session works again on the same store.
    km.restart_kernel(now=True)
    client.kc.wait_for_ready(timeout=TIMEOUT)
    client.start_panel_session(store_path)
    (listed,) = client.request("list")
    assert [(m["name"], m["version"]) for m in listed["result"]["models"]] == [("big", 1)]
    assert client.execute(BIG_ONNX)["status"] == "ok"
    *_, saved = client.request("save", variable="big", name="big", description="v2")
    assert saved["ok"] and saved["result"]["model"]["version"] == 2, saved
    *_, loaded = client.request("load", name="big", variable="big2")
    assert loaded["ok"], loaded
    assert client.evaluate("big2.graph.initializer[0].dims[:]") == "[4096, 4096]"
    assert store.verify().ok
