"""Kernel side of the comm protocol (docs/PROTOCOL.md).

The frontend silently runs `import jupyterlab_models.kernel as _jlm; _jlm.register(); del _jlm`
and then opens a comm on target `jupyterlab_models`. The protocol itself is `handle()`, a plain
function of (request, namespace, state) that sends progress events and exactly one reply, so it
can be tested without a kernel; the comm glue below only feeds it.

Importing this module is cheap and imports no ML library.
"""

from __future__ import annotations

import threading
from collections.abc import Container
from dataclasses import dataclass, field
from typing import Any, Callable

from . import __version__, formats
from .inspector import scan
from .location import resolve_location
from .names import validate_name, validate_variable
from .protocol import (
    BAD_REQUEST,
    CANCELLED,
    COMM_TARGET,
    INTERNAL,
    PROTOCOL_MISMATCH,
    PROTOCOL_VERSION,
    UNKNOWN_OP,
    VARIABLE_EXISTS,
    VARIABLE_NOT_FOUND,
    ModelStoreError,
    error_reply,
    ok_reply,
    progress_event,
    shown,
    waiting_event,
)
from .store import ModelStore, check_save_fields

Message = dict[str, Any]
Send = Callable[[Message], None]
Progress = Callable[[int, int], None]


@dataclass
class KernelState:
    """What one comm remembers between requests."""

    store: ModelStore | None = None  # set by hello; the default location until then
    # IPython's user_ns_hidden: names `variables` does not list and `load` never sets
    hidden: Container[str] = field(default_factory=frozenset)
    # requests waiting for the main thread (the running cell): id -> how to answer them
    waiting: dict[str, Send] = field(default_factory=dict)

    def get_store(self) -> ModelStore:
        if self.store is None:
            self.store = ModelStore()
        return self.store


def handle(request: object, namespace: dict[str, Any], state: KernelState, send: Send) -> None:
    """Answer one request: zero or more progress events, then exactly one reply."""
    request_id = request.get("id") if isinstance(request, dict) else None
    reply_id = request_id if isinstance(request_id, str) else ""
    try:
        op, args = _parse(request)

        def progress(done: int, total: int) -> None:
            send(progress_event(reply_id, done, total))

        reply = ok_reply(reply_id, _OPS[op](args, namespace, state, progress))
    except ModelStoreError as exc:
        reply = error_reply(reply_id, exc.code, exc.message, exc.details)
    except (Exception, KeyboardInterrupt) as exc:  # an interrupted save still gets its reply
        reply = error_reply(reply_id, INTERNAL, f"{type(exc).__name__}: {exc}")
    send(reply)


def _parse(request: object) -> tuple[str, dict[str, Any]]:
    if not isinstance(request, dict):
        raise _bad("a request must be a JSON object")
    if not isinstance(request.get("id"), str) or not request["id"]:
        raise _bad("'id' must be a non-empty string")
    op = request.get("op")
    if not isinstance(op, str):
        raise _bad("'op' must be a string")
    if op not in _OPS:
        raise ModelStoreError(UNKNOWN_OP, f"unknown op {shown(op)} (known: {', '.join(_OPS)})")
    args = request.get("args")
    if not isinstance(args, dict):
        raise _bad("'args' must be an object")
    return op, args


def _bad(message: str) -> ModelStoreError:
    return ModelStoreError(BAD_REQUEST, message)


_KINDS = {str: "a string", int: "an integer", bool: "a boolean", list: "a list"}


def _arg(args: dict[str, Any], key: str, kind: type, *, required: bool = False) -> Any:
    """args[key] checked to be of type `kind` (a bool is not an integer here); None if absent."""
    value = args.get(key)
    if value is None:
        if required:
            raise _bad(f"'{key}' is required")
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise _bad(f"'{key}' must be {_KINDS[kind]}")
    return value


def _version_arg(args: dict[str, Any]) -> int | None:
    version = _arg(args, "version", int)
    if version is not None and version < 1:
        raise _bad("'version' must be a positive integer")
    return version


def _hello(args: dict[str, Any], namespace: dict, state: KernelState, progress: Progress) -> dict:
    version = _arg(args, "protocol_version", int, required=True)
    if version != PROTOCOL_VERSION:
        raise ModelStoreError(
            PROTOCOL_MISMATCH,
            f"the kernel speaks protocol version {PROTOCOL_VERSION} (jupyterlab-models "
            f"{__version__}) but the frontend sent {version}: install the same version of "
            "jupyterlab-models in the kernel's environment and in JupyterLab's",
        )
    location = resolve_location(_arg(args, "store", str), _arg(args, "server_root", str))
    state.store = ModelStore(location)
    return {
        "protocol_version": PROTOCOL_VERSION,
        "package_version": __version__,
        "store": state.store.location,
        "library_versions": formats.installed_versions(),
    }


def _variables(args: dict, namespace: dict, state: KernelState, progress: Progress) -> dict:
    visible = {k: v for k, v in namespace.items() if k not in state.hidden}
    return {"variables": [v.to_dict() for v in scan(visible)]}


def _list(args: dict, namespace: dict, state: KernelState, progress: Progress) -> dict:
    listing = state.get_store().listing()
    # Summaries: a big store's listing stays small, and models listed from the store's cache
    # file never parse the fields they leave out (the panel gets those with `versions`).
    return {
        "models": [m.summary() for m, _count in listing.models],
        "version_counts": {m.name: count for m, count in listing.models},
        "skipped": [s.to_dict() for s in listing.skipped],
    }


def _info(args: dict, namespace: dict, state: KernelState, progress: Progress) -> dict:
    name = _arg(args, "name", str, required=True)
    return {"model": state.get_store().info(name, _version_arg(args)).to_dict()}


def _versions(args: dict, namespace: dict, state: KernelState, progress: Progress) -> dict:
    name = _arg(args, "name", str, required=True)
    return {"versions": [m.to_dict(copy=False) for m in state.get_store().versions(name)]}


def _save(args: dict, namespace: dict, state: KernelState, progress: Progress) -> dict:
    variable = _arg(args, "variable", str, required=True)
    name = validate_name(_arg(args, "name", str, required=True))
    description = _arg(args, "description", str) or ""
    notebook = _arg(args, "notebook", str)
    base_name = _arg(args, "base_name", str)
    base_name = None if base_name is None else validate_name(base_name)
    check_save_fields(description, variable, notebook)  # before a 50 MB name is looked up
    if variable not in namespace:
        raise ModelStoreError(
            VARIABLE_NOT_FOUND, f"there is no variable {shown(variable)} in the kernel"
        )
    obj = namespace[variable]
    store = state.get_store()
    options = {}
    if base_name is not None:
        options["base"] = _save_adapter_base(store, obj, base_name, notebook, progress)
    info = store.save(
        obj,
        name,
        description=description,
        variable=variable,
        notebook=notebook,
        progress=progress,
        **options,
    )
    return {"model": info.to_dict()}


def _save_adapter_base(
    store: ModelStore, adapter: Any, name: str, notebook: str | None, progress: Progress
) -> tuple[str, int]:
    """The panel's answer to `base_missing`: the adapter's base model is saved first, as a
    model of its own (hf_transformers, without the adapter's weights), and the adapter then
    refers to that version."""
    fmt = formats.detect(adapter)
    if fmt is None or fmt.FORMAT_ID != "peft_adapter":
        raise _bad("'base_name' names the base model of an adapter; this variable is no adapter")
    info = store.save(adapter.get_base_model(), name, notebook=notebook, progress=progress)
    return info.name, info.version


def _load(args: dict, namespace: dict, state: KernelState, progress: Progress) -> dict:
    name = _arg(args, "name", str, required=True)
    version = _version_arg(args)
    variable = validate_variable(_arg(args, "variable", str, required=True), state.hidden)
    overwrite = _arg(args, "overwrite", bool) or False
    trusted = _arg(args, "trusted", list)
    if trusted is not None and not all(isinstance(t, str) for t in trusted):
        raise _bad("'trusted' must be a list of strings")
    options = {} if trusted is None else {"trusted": trusted}
    store = state.get_store()
    store.info(name, version)  # a missing model is reported before an existing variable
    if variable in namespace and not overwrite:
        raise ModelStoreError(
            VARIABLE_EXISTS,
            f"variable {shown(variable)} already exists; choose another name or overwrite it",
        )
    obj, info, warnings = store.load_with_info(name, version, progress=progress, **options)
    namespace[variable] = obj
    return {"variable": variable, "model": info.to_dict(), "warnings": warnings}


def _delete(args: dict, namespace: dict, state: KernelState, progress: Progress) -> dict:
    name = _arg(args, "name", str, required=True)
    return {"deleted": state.get_store().delete(name, _version_arg(args))}


def _cancel(args: dict, namespace: dict, state: KernelState, progress: Progress) -> dict:
    """Cancel a request that still waits for the running cell; it is answered `cancelled`."""
    request = _arg(args, "request", str, required=True)
    send = state.waiting.pop(request, None)
    if send is not None:
        send(error_reply(request, CANCELLED, "cancelled while it waited for the running cell"))
    return {"cancelled": send is not None}


_OPS: dict[str, Callable[[dict, dict, KernelState, Progress], dict]] = {
    "hello": _hello,
    "variables": _variables,
    "list": _list,
    "info": _info,
    "versions": _versions,
    "save": _save,
    "load": _load,
    "delete": _delete,
    "cancel": _cancel,
}
# Ops that use the user's objects: they run on the main thread, between cells, never beside a
# running cell whose objects may be half-updated (docs/PROTOCOL.md). `variables` may run beside
# it: it copies the namespace's items in one step and looks at classes only.
MAIN_THREAD_OPS = frozenset({"save", "load"})


# --- comm glue ----------------------------------------------------------------------------


def register() -> None:
    """Register the comm target on the running IPython kernel; calling it again is harmless."""
    import asyncio

    from IPython import get_ipython

    global _main_loop
    kernel = getattr(get_ipython(), "kernel", None)
    if kernel is None:
        raise RuntimeError("jupyterlab_models.kernel.register() must run in an IPython kernel")
    # The main shell's event loop (this runs in a cell, on the main thread): a request that
    # arrives on a subshell thread and touches the user's objects is handed to it.
    _main_loop = asyncio.get_event_loop()
    kernel.comm_manager.register_target(COMM_TARGET, _on_open)


_main_loop: Any = None


def dispatch(
    request: object,
    namespace: dict[str, Any],
    state: KernelState,
    send: Send,
    to_main_thread: Callable[[Callable[[], None]], None] | None,
) -> None:
    """`handle(request)`, or, for an op of MAIN_THREAD_OPS arriving beside the main thread
    (a kernel subshell), a `waiting` event now and `handle` when `to_main_thread` runs it:
    after the running cell, unless the panel cancelled it meanwhile."""
    op = request.get("op") if isinstance(request, dict) else None
    request_id = request.get("id") if isinstance(request, dict) else None
    if to_main_thread is None or op not in MAIN_THREAD_OPS or not isinstance(request_id, str):
        handle(request, namespace, state, send)
        return
    state.waiting[request_id] = send
    send(waiting_event(request_id))

    def run() -> None:
        if state.waiting.pop(request_id, None) is not None:  # else cancelled
            # It runs now: from here on a cancel changes nothing (a progress of 0 says so).
            send(progress_event(request_id, 0, 0))
            handle(request, namespace, state, send)

    to_main_thread(run)


def _on_open(comm: Any, open_msg: dict[str, Any]) -> None:
    from IPython import get_ipython

    shell = get_ipython()
    state = KernelState(hidden=shell.user_ns_hidden)

    def on_msg(msg: dict[str, Any]) -> None:
        beside = threading.current_thread() is not threading.main_thread()
        to_main = _main_loop.call_soon_threadsafe if beside and _main_loop is not None else None
        dispatch(msg["content"]["data"], shell.user_ns, state, lambda m: comm.send(data=m), to_main)

    comm.on_msg(on_msg)
