"""The server extension turns Nagle's algorithm off on kernel websockets (server_extension.py).

A real Jupyter Server with a real kernel; a websocket client connects to the kernel's channels
as JupyterLab does. The server's config observes the connection: its connection class records,
once connected, the TCP_NODELAY option of the websocket's own socket (the extension wraps that
class, as it wraps any configured one). The stock server, the extension disabled, records 0.
How much time that saves is measured by benchmarks/p4p5_browser.py (P5b), not here.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from tornado.websocket import websocket_connect

from jupyterlab_models.server_extension import NoDelayConnection, without_nagle

JUPYTER = Path(sys.executable).parent / "jupyter"
TOKEN = "test-server-extension"

OBSERVING_CONFIG = """
import os, socket
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

class RecordingConnection(ZMQChannelsWebsocketConnection):
    def connect(self):
        sock = self.websocket_handler.ws_connection.stream.socket
        nodelay = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        with open(os.environ["NODELAY_RECORD"], "a") as f:
            f.write(f"{type(self).__name__} {nodelay}\\n")
        return super().connect()

c.ServerApp.kernel_websocket_connection_class = RecordingConnection
c.ServerApp.allow_root = True
c.ServerApp.open_browser = False
c.ServerApp.jpserver_extensions = {"jupyterlab_models": ENABLED}
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _api(port: int, path: str, method: str = "GET") -> dict | None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        method=method,
        headers={"Authorization": f"token {TOKEN}"},
        data=b"{}" if method == "POST" else None,
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
    return json.loads(body) if body else None


async def _connect_to_kernel(port: int, kernel_id: str, record: Path) -> None:
    url = f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels?session_id=test&token={TOKEN}"
    connection = await websocket_connect(url, subprotocols=["v1.kernel.websocket.jupyter.org"])
    try:
        deadline = time.monotonic() + 30
        while not record.exists() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    finally:
        connection.close()


@pytest.mark.parametrize("enabled", [True, False], ids=["extension", "stock server"])
def test_kernel_websockets_are_nodelay_with_the_extension(tmp_path, enabled):
    config = tmp_path / "jupyter_server_config.py"
    config.write_text(OBSERVING_CONFIG.replace("ENABLED", str(enabled)))
    record = tmp_path / "record.txt"
    port = _free_port()
    env = {**os.environ, "NODELAY_RECORD": str(record), "JUPYTER_RUNTIME_DIR": str(tmp_path)}
    with open(tmp_path / "server.log", "wb") as log:
        server = subprocess.Popen(
            [
                str(JUPYTER),
                "server",
                "--config",
                str(config),
                f"--port={port}",
                f"--IdentityProvider.token={TOKEN}",
                f"--ServerApp.root_dir={tmp_path}",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _api(port, "/api/status")
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "server.log").read_text()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        kernel = _api(port, "/api/kernels", "POST")
        try:
            asyncio.run(_connect_to_kernel(port, kernel["id"], record))
        finally:
            _api(port, f"/api/kernels/{kernel['id']}", "DELETE")
    finally:
        server.terminate()
        server.wait(timeout=30)
    expected = "NoDelayRecordingConnection 1" if enabled else "RecordingConnection 0"
    assert record.read_text().split("\n")[0] == expected


def test_the_connection_class_is_wrapped_once():
    class Connection:
        def connect(self):
            return "connected"

    wrapped = without_nagle(Connection)
    assert issubclass(wrapped, NoDelayConnection) and issubclass(wrapped, Connection)
    assert without_nagle(wrapped) is wrapped  # loading the extension twice changes nothing

    calls = []

    class Handler:
        def set_nodelay(self, value):
            calls.append(value)

    connection = wrapped()
    connection.websocket_handler = Handler()
    assert connection.connect() == "connected" and calls == [True]
