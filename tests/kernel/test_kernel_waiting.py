"""Requests that use the user's objects (save, load) wait for the main thread when
they arrive on a kernel subshell: `dispatch()` with a stand-in for the main thread's loop. The
real path (a subshell of ipykernel 7 in JupyterLab) is ui-tests/tests/busy.spec.ts."""

from __future__ import annotations

import pytest

from jupyterlab_models.kernel import MAIN_THREAD_OPS, KernelState, dispatch


class MainThread:
    """What `loop.call_soon_threadsafe` does in the kernel: keeps the call for later (the end
    of the running cell)."""

    def __init__(self):
        self.calls = []

    def __call__(self, call):
        self.calls.append(call)

    def cell_ends(self):
        while self.calls:
            self.calls.pop(0)()


@pytest.fixture
def kernel(tmp_path, clf):
    state = KernelState()
    namespace = {"clf": clf}
    sent = []
    main = MainThread()

    def send(request_id, op, **args):
        request = {"id": request_id, "op": op, "args": args}
        dispatch(request, namespace, state, sent.append, main)

    dispatch(
        {"id": "h", "op": "hello", "args": {"protocol_version": 2, "store": str(tmp_path)}},
        namespace,
        state,
        sent.append,
        None,
    )
    sent.clear()
    return send, sent, main, namespace


def test_the_ops_that_touch_the_users_objects():
    assert MAIN_THREAD_OPS == {"save", "load"}


def test_a_save_beside_a_running_cell_waits_for_it(kernel):
    send, sent, main, _ = kernel
    send("s", "save", variable="clf", name="m")
    assert sent == [{"id": "s", "event": "waiting"}]  # nothing saved yet
    send("l", "list")  # browsing does not wait
    assert sent[-1]["id"] == "l" and sent[-1]["result"]["models"] == []
    main.cell_ends()
    assert sent[-1]["id"] == "s" and sent[-1]["ok"] and sent[-1]["result"]["model"]["name"] == "m"
    # When it starts it says so first (a cancel from now on is too late), progress of 0 bytes.
    started = sent.index({"id": "s", "event": "progress", "done": 0, "total": 0})
    assert sent[2:started] == [] and started < len(sent) - 1


def test_a_waiting_save_cancelled_changes_nothing(kernel):
    send, sent, main, _ = kernel
    send("s", "save", variable="clf", name="m")
    send("c", "cancel", request="s")
    cancelled, reply = sent[1:]
    assert cancelled["id"] == "s" and cancelled["error"]["code"] == "cancelled"
    assert reply == {"id": "c", "ok": True, "result": {"cancelled": True}}
    main.cell_ends()  # the queued call finds it cancelled
    send("l", "list")
    assert sent[-1]["result"]["models"] == [] and len(sent) == 4
    send("c2", "cancel", request="s")  # too late, or unknown: nothing to cancel
    assert sent[-1]["result"] == {"cancelled": False}


def test_a_load_waits_and_sets_the_variable_when_the_cell_ends(kernel):
    send, sent, main, namespace = kernel
    send("s", "save", variable="clf", name="m")
    main.cell_ends()
    send("o", "load", name="m", variable="clf2")
    assert sent[-1] == {"id": "o", "event": "waiting"} and "clf2" not in namespace
    main.cell_ends()
    assert sent[-1]["ok"] and "clf2" in namespace
