"""The comm protocol against a real ipykernel, driven through jupyter_client as the panel does."""

from __future__ import annotations

import json
import sys
import textwrap
import uuid

import pytest
from conftest import python_env
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager

from jupyterlab_models.manifest import DEFERRED
from jupyterlab_models.protocol import PROTOCOL_VERSION

REGISTER = "import jupyterlab_models.kernel as _jlm; _jlm.register(); del _jlm"
TRAIN = textwrap.dedent(
    """
    import lightgbm
    from sklearn.datasets import make_classification
    X, y = make_classification(n_samples=100, n_features=4, random_state=0)
    clf = lightgbm.LGBMClassifier(n_estimators=5, num_leaves=4, verbose=-1).fit(X, y)
    """
)
TIMEOUT = 60


class Client:
    def __init__(self, kc):
        self.kc = kc
        self.comm_id = ""

    def execute(self, code, **kwargs):
        msg_id = self.kc.execute(code, store_history=False, **kwargs)
        while True:
            reply = self.kc.get_shell_msg(timeout=TIMEOUT)
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply["content"]

    def evaluate(self, expression):
        content = self.execute("", silent=True, user_expressions={"value": expression})
        assert content["status"] == "ok", content
        value = content["user_expressions"]["value"]
        assert value["status"] == "ok", value
        return value["data"]["text/plain"]

    def shell_send(self, msg_type, content):
        self.kc.shell_channel.send(self.kc.session.msg(msg_type, content))

    def open_comm(self):
        self.comm_id = uuid.uuid4().hex
        self.shell_send(
            "comm_open", {"comm_id": self.comm_id, "target_name": "jupyterlab_models", "data": {}}
        )

    def send(self, data):
        """Send one comm message; return every comm message answering it, the reply last."""
        self.shell_send("comm_msg", {"comm_id": self.comm_id, "data": data})
        messages = []
        while True:
            msg = self.kc.get_iopub_msg(timeout=TIMEOUT)
            content = msg["content"]
            if msg["msg_type"] == "comm_msg" and content["comm_id"] == self.comm_id:
                messages.append(content["data"])
                if "ok" in content["data"]:
                    return messages

    def request(self, op, **args):
        request_id = uuid.uuid4().hex
        messages = self.send({"id": request_id, "op": op, "args": args})
        assert all(m["id"] == request_id for m in messages)
        return messages


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    # A kernel spec of our own, so that the kernel runs this very Python and finds this checkout.
    spec_dir = tmp_path_factory.mktemp("kernels") / "jlm-test"
    spec_dir.mkdir()
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = {"argv": argv, "display_name": "jlm test", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    km = KernelManager(
        kernel_name="jlm-test",
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec_dir.parent)]),
    )
    km.start_kernel(env=python_env(), cwd=str(tmp_path_factory.mktemp("cwd")))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=TIMEOUT)
        yield Client(kc)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_panel_flow(client, tmp_path):
    registration = client.execute(REGISTER, silent=True)
    assert registration["status"] == "ok", registration
    assert client.execute(REGISTER, silent=True)["status"] == "ok"  # idempotent
    assert client.evaluate("'lightgbm' in __import__('sys').modules") == "False"
    assert client.execute(TRAIN)["status"] == "ok"
    client.open_comm()

    (hello,) = client.request(
        "hello",
        protocol_version=PROTOCOL_VERSION,
        store=str(tmp_path / "store"),
        server_root=str(tmp_path),
    )
    assert hello["ok"] and hello["result"]["store"] == str(tmp_path / "store")
    assert "libraries" not in hello["result"]  # the panel never read it

    (variables,) = client.request("variables")
    assert [v["name"] for v in variables["result"]["variables"]] == ["clf"]

    *events, saved = client.request("save", variable="clf", name="demo", notebook="nb.ipynb")
    assert saved["ok"], saved
    assert events and all(e["event"] == "progress" for e in events)
    model = saved["result"]["model"]
    assert (model["name"], model["version"], model["variable"]) == ("demo", 1, "clf")
    assert model["notebook"] == "nb.ipynb"

    (listed,) = client.request("list")
    summary = {k: v for k, v in model.items() if k not in DEFERRED}  # the list's summary
    assert listed["result"] == {"models": [summary], "version_counts": {"demo": 1}}

    *events, loaded = client.request("load", name="demo", variable="clf2")
    assert loaded["ok"] and loaded["result"] == {"variable": "clf2", "model": model, "warnings": []}
    assert events
    assert client.evaluate("type(clf2) is type(clf)") == "True"
    assert client.evaluate("bool((clf2.predict(X) == clf.predict(X)).all())") == "True"
    assert client.evaluate("bool((clf2.predict_proba(X) == clf.predict_proba(X)).all())") == "True"

    (again,) = client.request("load", name="demo", variable="clf2")
    assert again["error"]["code"] == "variable_exists"

    (deleted,) = client.request("delete", name="demo")
    assert deleted["result"] == {"deleted": [1]}
    (listed,) = client.request("list")
    assert listed["result"] == {"models": [], "version_counts": {}}


def test_bad_requests_get_replies_and_the_kernel_stays_usable(client):
    client.execute(REGISTER, silent=True)
    client.open_comm()
    (unknown,) = client.request("explode")
    assert unknown["error"]["code"] == "unknown_op"
    (no_id,) = client.send({"op": "list", "args": {}})
    assert no_id["id"] == "" and no_id["error"]["code"] == "bad_request"
    assert client.evaluate("1 + 1") == "2"
    (listed,) = client.request("list")
    assert listed["ok"]
