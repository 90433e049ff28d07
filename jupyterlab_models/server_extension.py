"""The Jupyter Server side of the extension: kernel websockets without Nagle's algorithm.

Every request of the Models panel travels as a comm message over the kernel's websocket, and
the kernel answers with several small messages (busy, the reply, idle). Tornado leaves
Nagle's algorithm on for websockets, so the server holds each small write until the browser
acknowledges the previous one, and browsers delay that acknowledgement (figures:
benchmarks/RESULTS.md, P5b). Tornado documents `set_nodelay(True)` for this case;
jupyter_server does not call it. This extension
does, on every kernel websocket, by wrapping whatever connection class the server uses (the
default, or one a deployment configured). It changes nothing else; to turn it off:
`jupyter server extension disable jupyterlab_models`.

It also names, in the server's log, a JupyterLab that the Models tab does not support: pip
cannot refuse one without making every kernel environment install JupyterLab (README, "Works
with").
"""

from __future__ import annotations

import importlib.metadata
from typing import Any

SETTING = "kernel_websocket_connection_class"
# The JupyterLab releases whose shared packages the Models tab's bundle accepts (package.json).
LAB_RANGE = (4, 5)
LAB_REQUIREMENT = "jupyterlab>=4.0,<5"


def lab_mismatch(version: str | None) -> str | None:
    """Why the Models tab cannot load in JupyterLab `version` (None when it can, or when there
    is no JupyterLab: Jupyter Notebook 7 brings one of its own)."""
    if version is None:
        return None
    try:
        major = int(version.split(".")[0])
    except ValueError:
        return None
    if LAB_RANGE[0] <= major < LAB_RANGE[1]:
        return None
    return (
        f"jupyterlab-models needs JupyterLab 4 (this server has JupyterLab {version}): "
        f'the Models tab will not load. Install "jupyterlab-models[lab]" ({LAB_REQUIREMENT}).'
    )


def installed_lab() -> str | None:
    try:
        return importlib.metadata.version("jupyterlab")
    except importlib.metadata.PackageNotFoundError:
        return None


class NoDelayConnection:
    """Mixed in before a kernel websocket connection class: TCP_NODELAY once connected."""

    websocket_handler: Any

    def connect(self) -> Any:
        self.websocket_handler.set_nodelay(True)
        return super().connect()  # type: ignore[misc]


def without_nagle(connection_class: type) -> type:
    """`connection_class` with NoDelayConnection mixed in (itself if it already has it)."""
    if issubclass(connection_class, NoDelayConnection):
        return connection_class
    return type(f"NoDelay{connection_class.__name__}", (NoDelayConnection, connection_class), {})


def _load_jupyter_server_extension(serverapp: Any) -> None:
    mismatch = lab_mismatch(installed_lab())
    if mismatch:
        serverapp.log.error(mismatch)
    settings = serverapp.web_app.settings
    configured = settings.get(SETTING)
    if isinstance(configured, type):
        settings[SETTING] = without_nagle(configured)
        serverapp.log.debug("jupyterlab_models: TCP_NODELAY on kernel websockets")
