"""A real ipykernel driven through jupyter_client, as the panel drives it: the comm client of
the kernel tests (kernel/test_kernel_live.py) and the fault tests (faults/test_faults_*.py).
The module-scoped kernel itself is the `client` fixture of tests/conftest.py."""

from __future__ import annotations

import uuid

from jupyterlab_models.protocol import PROTOCOL_VERSION

REGISTER = "import jupyterlab_models.kernel as _jlm; _jlm.register(); del _jlm"
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

    def start_panel_session(self, store, server_root=None):
        """What the panel does on a (re)started kernel: register the comm target, open a comm,
        say hello with `store`. Returns the hello's result."""
        assert self.execute(REGISTER, silent=True)["status"] == "ok"
        self.open_comm()
        roots = {} if server_root is None else {"server_root": str(server_root)}
        (hello,) = self.request(
            "hello", protocol_version=PROTOCOL_VERSION, store=str(store), **roots
        )
        assert hello["ok"], hello
        return hello["result"]

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
