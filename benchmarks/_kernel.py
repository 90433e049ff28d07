"""A real ipykernel driven through jupyter_client, as the kernel tests do (the `client` fixture
of tests/conftest.py) and as the panel does: our own kernel spec running this very Python, with
this checkout importable."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import uuid
from typing import Any

from _common import REPO

REGISTER = "import jupyterlab_models.kernel as _jlm; _jlm.register(); del _jlm"
TIMEOUT = 60


def python_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "JUPYTERLAB_MODELS_STORE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


class Kernel:
    """start(), then execute/request; stop() shuts it down."""

    def __init__(self) -> None:
        from jupyter_client import KernelManager
        from jupyter_client.kernelspec import KernelSpecManager

        self._dir = tempfile.TemporaryDirectory(prefix="bench-kernel-")
        spec_dir = os.path.join(self._dir.name, "kernels", "jlm-bench")
        os.makedirs(spec_dir)
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        with open(os.path.join(spec_dir, "kernel.json"), "w", encoding="utf-8") as f:
            json.dump({"argv": argv, "display_name": "jlm bench", "language": "python"}, f)
        self.km = KernelManager(
            kernel_name="jlm-bench",
            kernel_spec_manager=KernelSpecManager(
                kernel_dirs=[os.path.join(self._dir.name, "kernels")]
            ),
        )
        cwd = os.path.join(self._dir.name, "cwd")
        os.makedirs(cwd)
        self.km.start_kernel(env=python_env(), cwd=cwd)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=TIMEOUT)
        self.comm_id = ""

    def stop(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)
        self._dir.cleanup()

    def _wait_idle(self, msg_id: str) -> None:
        while True:
            msg = self.kc.get_iopub_msg(timeout=TIMEOUT)
            if (
                msg["msg_type"] == "status"
                and msg["parent_header"].get("msg_id") == msg_id
                and msg["content"]["execution_state"] == "idle"
            ):
                return

    def execute(self, code: str, **kwargs: Any) -> tuple[float, dict]:
        """(seconds from the request to its execute_reply, the reply's content); returns once
        the kernel is idle again (untimed)."""
        start = time.perf_counter()
        msg_id = self.kc.execute(code, store_history=False, **kwargs)
        while True:
            reply = self.kc.get_shell_msg(timeout=TIMEOUT)
            if reply["parent_header"].get("msg_id") == msg_id:
                elapsed = time.perf_counter() - start
                break
        self._wait_idle(msg_id)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"{code!r} failed in the kernel: {reply['content']}")
        return elapsed, reply["content"]

    def evaluate(self, expression: str) -> str:
        _t, content = self.execute("", silent=True, user_expressions={"value": expression})
        value = content["user_expressions"]["value"]
        if value["status"] != "ok":
            raise RuntimeError(f"{expression!r} failed in the kernel: {value}")
        return value["data"]["text/plain"]

    def _shell_send(self, msg_type: str, content: dict) -> str:
        msg = self.kc.session.msg(msg_type, content)
        self.kc.shell_channel.send(msg)
        return msg["header"]["msg_id"]

    def open_comm(self) -> None:
        self.comm_id = uuid.uuid4().hex
        msg_id = self._shell_send(
            "comm_open", {"comm_id": self.comm_id, "target_name": "jupyterlab_models", "data": {}}
        )
        self._wait_idle(msg_id)

    def request(self, op: str, **args: Any) -> tuple[float, dict]:
        """(seconds from the comm message to its reply, the reply); returns once the kernel
        is idle again (untimed)."""
        request_id = uuid.uuid4().hex
        start = time.perf_counter()
        msg_id = self._shell_send(
            "comm_msg",
            {"comm_id": self.comm_id, "data": {"id": request_id, "op": op, "args": args}},
        )
        while True:
            msg = self.kc.get_iopub_msg(timeout=TIMEOUT)
            content = msg["content"]
            if (
                msg["msg_type"] == "comm_msg"
                and content["comm_id"] == self.comm_id
                and content["data"].get("id") == request_id
                and "ok" in content["data"]
            ):
                elapsed = time.perf_counter() - start
                break
        self._wait_idle(msg_id)
        if not content["data"]["ok"]:
            raise RuntimeError(f"{op} failed: {content['data']}")
        return elapsed, content["data"]
