"""Bad inputs, through the Python API and through the comm protocol.

One table (CASES): each row is an input, the request that carries it, the API call that
carries it (where the API has one), the error code and words of the message that must name
the problem. Every row checks, on a store holding two models:

- the protocol path: `handle()` (the kernel's dispatcher) answers with exactly one error reply
  with that code and message, and the same kernel state still answers `list` and `variables`;
- the API path: `ModelStore` raises `ModelStoreError` with the same code and message;
- the store is byte for byte unchanged (snapshot of every file before and after).

The protocol-only rows (framing, argument types, a 50 MB message, messages after the comm
was closed) also go through a real kernel (jupyter_client), which must stay usable.
Rows run with real libraries: LightGBM, Torch, CatBoost, Keras, scikit-learn.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any, Callable

import pytest

from jupyterlab_models import ModelStore, ModelStoreError
from jupyterlab_models.kernel import KernelState, handle
from jupyterlab_models.protocol import PROTOCOL_VERSION
from tests.support.env import python_env
from tests.support.faults_util import snapshot

BIG = 50 * 1024 * 1024  # a 50 MB field
INJECTION = "__import__('os').system('touch PWNED')"


class Case:
    def __init__(
        self,
        id: str,
        code: str,
        words: str,
        request: Any = None,
        api: Callable[[ModelStore, dict], Any] | None = None,
        live: bool = False,
    ) -> None:
        self.id, self.code, self.words = id, code, words
        self.request, self.api, self.live = request, api, live


def req(op: str, **args: Any) -> dict:
    return {"op": op, "args": args}


def _name_cases() -> list[Case]:
    names = [
        ("empty", "", "must not be empty"),
        ("dot", ".", "must not start with '.' or a space"),
        ("dotdot", "..", "must not start with '.' or a space"),
        ("slash", "a/b", "must contain only letters, digits"),
        ("backslash", "a\\b", "must contain only letters, digits"),
        ("nul", "a\x00b", "must contain only letters, digits"),
        ("300-chars", "x" * 300, "must be at most 128 characters"),
        ("spaces-only", "   ", "must not start with '.' or a space"),
        ("trailing-space", "model ", "must not end with '.' or a space"),
        ("bidi-override", "model\u202egpj.exe", "must contain only letters, digits"),
        ("leading-dot", ".hidden", "must not start with '.' or a space"),
        ("python-code", INJECTION, "must contain only letters, digits"),
        ("case-only", "model", "(or Unicode form) from the existing model 'Model'"),
    ]
    cases = []
    for label, name, words in names:
        shown = repr(name) if len(name) < 60 else repr(name)[:40]
        cases.append(
            Case(
                f"name-{label}-save",
                "name_invalid",
                f"invalid model name {shown}",
                req("save", variable="clf", name=name),
                lambda store, ns, name=name: store.save(ns["clf"], name),
            )
        )
        cases[-1].extra_words = words
        if label != "case-only":  # loading "model" is simply not_found (below)
            cases.append(
                Case(
                    f"name-{label}-load",
                    "name_invalid",
                    words,
                    req("load", name=name, variable="x"),
                    lambda store, ns, name=name: store.load(name),
                )
            )
    return cases


# Names IPython keeps in a user's namespace (its history and helpers): never loaded into.
IPYTHON_NAMES = ["get_ipython", "In", "Out", "exit", "quit", "_", "__", "___"]
IPYTHON_NAMES += ["_i", "_ii", "_iii", "_oh", "_dh", "_ih", "_5", "_i5"]


def _variable_cases() -> list[Case]:
    """Variables to load into that Python or IPython keep, or that Python would read as
    another name (NFKC): `ｃlf` (a fullwidth c) is `clf` in a cell."""
    rows = [
        ("dunder", "__x__", "it is a __dunder__ name"),
        ("dunder-builtins", "__builtins__", "it is a __dunder__ name"),
        (
            "fullwidth-nfkc",
            "\uff43lf",
            "not in the form Python reads it in (NFKC): code names it 'clf'",
        ),
        ("ligature-nfkc", "\ufb01t", "code names it 'fit'"),
        ("over-1000-chars", "v" * 1001, "it must be at most 1,000 characters"),
    ]
    rows += [(f"ipython-{n}", n, "it is a name IPython keeps for itself") for n in IPYTHON_NAMES]
    cases = []
    for label, name, words in rows:
        cases.append(
            Case(
                f"variable-{label}",
                "variable_invalid",
                f"invalid variable name {repr(name)[:40]}",
                req("load", name="Model", variable=name),
            )
        )
        cases[-1].extra_words = words
    return cases


CASES: list[Case] = [
    *_name_cases(),
    *_variable_cases(),
    Case(
        "name-50MB",
        "name_invalid",
        "invalid model name 'xxxx",
        req("save", variable="clf", name="x" * BIG),
        lambda store, ns: store.save(ns["clf"], "x" * BIG),
        live=True,
    ),
    Case(
        "description-over-10000-chars",
        "bad_request",
        "the description has 10,001 characters; at most 10,000 are allowed",
        req("save", variable="clf", name="new", description="d" * 10_001),
        lambda store, ns: store.save(ns["clf"], "new", description="d" * 10_001),
    ),
    Case(
        "notebook-over-1000-chars",
        "bad_request",
        "the notebook path has 1,001 characters; at most 1,000 are allowed",
        req("save", variable="clf", name="new", notebook="n" * 1001),
        lambda store, ns: store.save(ns["clf"], "new", notebook="n" * 1001),
    ),
    Case(
        "save-variable-over-1000-chars",
        "bad_request",
        "the variable name has 1,001 characters; at most 1,000 are allowed",
        req("save", variable="v" * 1001, name="new"),
        lambda store, ns: store.save(ns["clf"], "new", variable="v" * 1001),
    ),
    Case(
        "description-lone-surrogate",
        "bad_request",
        "the description has a lone surrogate: it is not Unicode text",
        req("save", variable="clf", name="new", description="a\udc00b"),
        lambda store, ns: store.save(ns["clf"], "new", description="a\udc00b"),
    ),
    Case("name-not-a-string", "bad_request", "'name' must be a string", req("info", name=7)),
    Case(
        "name-not-a-string-api",
        "name_invalid",
        "a name must be a string",
        api=lambda store, ns: store.info(7),
    ),
    Case(
        "name-case-only-load",
        "not_found",
        "no model named 'model'",
        req("load", name="model", variable="x"),
        lambda store, ns: store.load("model"),
    ),
    # variable names to load into
    Case(
        "variable-keyword",
        "variable_invalid",
        "invalid variable name 'class'",
        req("load", name="Model", variable="class"),
    ),
    Case(
        "variable-1x",
        "variable_invalid",
        "invalid variable name '1x'",
        req("load", name="Model", variable="1x"),
    ),
    Case(
        "variable-a-b",
        "variable_invalid",
        "invalid variable name 'a-b'",
        req("load", name="Model", variable="a-b"),
    ),
    Case(
        "variable-empty",
        "variable_invalid",
        "invalid variable name ''",
        req("load", name="Model", variable=""),
    ),
    Case(
        "variable-python-code",
        "variable_invalid",
        "it must be a Python identifier",
        req("load", name="Model", variable=INJECTION),
    ),
    Case(
        "variable-exists",
        "variable_exists",
        "variable 'clf' already exists; choose another name or overwrite it",
        req("load", name="Model", variable="clf"),
    ),
    # variables to save
    Case(
        "save-dict",
        "unsupported_type",
        "builtins.dict is not a supported model type",
        req("save", variable="config", name="n"),
        lambda store, ns: store.save(ns["config"], "n"),
    ),
    Case(
        "save-function",
        "unsupported_type",
        "builtins.function is not a supported model type",
        req("save", variable="fn", name="n"),
        lambda store, ns: store.save(ns["fn"], "n"),
    ),
    Case(
        "save-missing-variable",
        "variable_not_found",
        "there is no variable 'gone' in the kernel",
        req("save", variable="gone", name="n"),
    ),
    Case(
        "save-unscriptable-torch",
        "unsupported_type",
        "TorchScript cannot compile",
        req("save", variable="unscriptable", name="n"),
        lambda store, ns: store.save(ns["unscriptable"], "n"),
    ),
    Case(
        "save-raw-catboost-pool",
        "unsupported_type",
        "the pool is not quantized",
        req("save", variable="pool", name="n"),
        lambda store, ns: store.save(ns["pool"], "n"),
    ),
    Case(
        "save-keras-unregistered-layer",
        "unsupported_type",
        "'Unregistered', not registered with Keras",
        req("save", variable="custom_keras", name="n"),
        lambda store, ns: store.save(ns["custom_keras"], "n"),
    ),
    Case(
        "save-unfitted-sklearn",
        "unsupported_type",
        "the model is not fitted",
        req("save", variable="unfitted", name="n"),
        lambda store, ns: store.save(ns["unfitted"], "n"),
    ),
    # loads
    Case(
        "load-missing-model",
        "not_found",
        "no model named 'nope'",
        req("load", name="nope", variable="x"),
        lambda store, ns: store.load("nope"),
    ),
    Case(
        "load-missing-version",
        "not_found",
        "model 'Model' has no version 9",
        req("load", name="Model", version=9, variable="x"),
        lambda store, ns: store.load("Model", 9),
    ),
    Case(
        "load-newer-format",
        "unsupported_type",
        "format 'lgbm_v2' is not supported by this version of jupyterlab-models",
        req("load", name="future-format", variable="x"),
        lambda store, ns: store.load("future-format"),
    ),
    Case(
        "load-newer-schema",
        "integrity",
        "unknown schema_version 3 (this version of jupyterlab-models reads 1 and 2): a newer "
        "jupyterlab-models wrote it; upgrade to read it",
        req("load", name="future-schema", version=1, variable="x"),
        lambda store, ns: store.load("future-schema", 1),
    ),
    # protocol framing and argument types
    Case("no-id", "bad_request", "'id' must be a non-empty string", {"op": "list", "args": {}}),
    Case(
        "id-not-a-string",
        "bad_request",
        "'id' must be a non-empty string",
        {"id": 5, "op": "list", "args": {}},
        live=True,
    ),
    Case("not-an-object", "bad_request", "a request must be a JSON object", ["list"], live=True),
    Case("no-op", "bad_request", "'op' must be a string", {"id": "i", "args": {}}, live=True),
    Case("unknown-op", "unknown_op", "unknown op 'explode' (known: hello", req("explode")),
    Case(
        "unknown-op-python-code",
        "unknown_op",
        "unknown op \"__import__('os')",
        req(INJECTION),
        live=True,
    ),
    Case("op-50MB", "unknown_op", "unknown op 'oooo", req("o" * BIG), live=True),
    Case("args-a-list", "bad_request", "'args' must be an object", {"id": "i", "op": "list"}),
    Case(
        "version-a-string",
        "bad_request",
        "'version' must be an integer",
        req("info", name="Model", version="1"),
    ),
    Case(
        "version-a-bool",
        "bad_request",
        "'version' must be an integer",
        req("info", name="Model", version=True),
    ),
    Case(
        "version-zero",
        "bad_request",
        "'version' must be a positive integer",
        req("delete", name="Model", version=0),
    ),
    Case(
        "overwrite-a-string",
        "bad_request",
        "'overwrite' must be a boolean",
        req("load", name="Model", variable="y", overwrite="yes"),
    ),
    Case(
        "trusted-not-strings",
        "bad_request",
        "'trusted' must be a list of strings",
        req("load", name="Model", variable="y", trusted=[1]),
    ),
    Case(
        "save-without-name",
        "bad_request",
        "'name' is required",
        req("save", variable="clf"),
        live=True,
    ),
    Case(
        "protocol-99",
        "protocol_mismatch",
        f"the kernel speaks protocol version {PROTOCOL_VERSION}",
        req("hello", protocol_version=99),
    ),
]


# --- the namespace the requests see ----------------------------------------------------------


def _unscriptable():
    import torch

    class Unscriptable(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = torch.nn.Linear(4, 2)

        def forward(self, x):
            double = lambda t: t * 2  # noqa: E731 -- TorchScript cannot compile a lambda
            return double(self.linear(x))

    return Unscriptable()


def _custom_keras():
    import keras
    import numpy as np

    class Unregistered(keras.layers.Layer):  # a custom layer nobody registered
        def call(self, x):
            return x * 2

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2), Unregistered()])
    model(np.zeros((1, 4), dtype=np.float32))
    return model


def _raw_pool(data):
    import catboost

    return catboost.Pool(*data)


@pytest.fixture(scope="module")
def namespace(clf, data):
    from sklearn.linear_model import LogisticRegression

    return {
        "clf": clf,
        "config": {"lr": 0.1},
        "fn": lambda x: x,
        "unscriptable": _unscriptable(),
        "pool": _raw_pool(data),
        "custom_keras": _custom_keras(),
        "unfitted": LogisticRegression(),
    }


@pytest.fixture(scope="module")
def populated(tmp_path_factory, clf):
    """A store with "Model" (2 versions), a model written in a newer format and one with a
    newer manifest schema; a copy is made for each test."""
    root = tmp_path_factory.mktemp("populated") / "store"
    store = ModelStore(root)
    store.save(clf, "Model", description="one")
    store.save(clf, "Model", description="two")
    for name, change in [("future-format", {"format": "lgbm_v2"}), ("future-schema", {})]:
        store.save(clf, name)
        path = root / name / "1" / "manifest.json"
        manifest = json.loads(path.read_text())
        manifest.update(change or {"schema_version": 3})
        path.write_text(json.dumps(manifest))
    return root


@pytest.fixture
def store(populated, tmp_path):
    import shutil

    shutil.copytree(populated, tmp_path / "store")
    return ModelStore(tmp_path / "store")


def _dispatch(request: Any, namespace: dict, state: KernelState) -> tuple[list, dict]:
    messages: list[dict] = []
    handle(request, namespace, state, messages.append)
    *events, reply = messages
    assert "ok" in reply and all(m.get("event") == "progress" for m in events)
    return events, reply


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case, store, namespace, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where `touch PWNED` would land if anything ran it
    namespace = dict(namespace)
    before = snapshot(store)

    if case.request is not None:
        state = KernelState()
        _, hello = _dispatch(
            {
                "id": "h",
                "op": "hello",
                "args": {"protocol_version": PROTOCOL_VERSION, "store": store.location},
            },
            namespace,
            state,
        )
        assert hello["ok"]
        request = case.request
        if isinstance(request, dict) and "op" in request and "id" not in request:
            request = {"id": "r1", **request} if case.id != "no-id" else request
        events, reply = _dispatch(request, namespace, state)
        assert reply["ok"] is False, reply
        error = reply["error"]
        assert error["code"] == case.code, error
        assert case.words in error["message"], error["message"][:500]
        assert len(error["message"]) < 2000  # a 50 MB input is not echoed back
        sent_id = request.get("id") if isinstance(request, dict) else None
        assert reply["id"] == (sent_id if isinstance(sent_id, str) else "")
        extra = getattr(case, "extra_words", None)
        if extra:
            assert extra in error["message"]
        # The same kernel state goes on working.
        _, listed = _dispatch({"id": "l", "op": "list", "args": {}}, namespace, state)
        assert [m["name"] for m in listed["result"]["models"]] == ["Model", "future-format"]
        _, variables = _dispatch({"id": "v", "op": "variables", "args": {}}, namespace, state)
        assert "clf" in [v["name"] for v in variables["result"]["variables"]]

    if case.api is not None:
        with pytest.raises(ModelStoreError) as failure:
            case.api(store, namespace)
        assert failure.value.code == case.code
        words = case.words if case.code != "bad_request" else ""
        assert words in failure.value.message
        assert len(failure.value.message) < 2000

    assert snapshot(store) == before  # nothing saved, deleted, moved or half-written
    assert not (tmp_path / "PWNED").exists()


def test_the_table_has_thirty_inputs():
    assert len(CASES) >= 30
    assert len({c.id for c in CASES}) == len(CASES)


def test_variable_deleted_between_listing_and_saving(store, namespace):
    namespace = dict(namespace, tmp=namespace["clf"])
    state = KernelState()
    before = snapshot(store)
    _dispatch(
        {
            "id": "h",
            "op": "hello",
            "args": {"protocol_version": PROTOCOL_VERSION, "store": store.location},
        },
        namespace,
        state,
    )
    _, listed = _dispatch({"id": "v", "op": "variables", "args": {}}, namespace, state)
    assert "tmp" in [v["name"] for v in listed["result"]["variables"]]
    del namespace["tmp"]  # the user ran `del tmp` after the panel listed it
    _, reply = _dispatch(
        {"id": "s", "op": "save", "args": {"variable": "tmp", "name": "tmp"}}, namespace, state
    )
    assert reply["error"] == {
        "code": "variable_not_found",
        "message": "there is no variable 'tmp' in the kernel",
    }
    assert snapshot(store) == before


def _hello(namespace: dict, state: KernelState, store) -> None:
    _dispatch(
        {
            "id": "h",
            "op": "hello",
            "args": {"protocol_version": PROTOCOL_VERSION, "store": store.location},
        },
        namespace,
        state,
    )


def test_load_never_sets_a_hidden_name(store, namespace):
    """The kernel's state holds IPython's `user_ns_hidden` (names `variables` does not list):
    a load into one of them is refused, and nothing is set or overwritten, even with
    `overwrite`."""
    namespace = dict(namespace, open=open, helper="kept")
    state = KernelState(hidden={"open", "helper"})
    _hello(namespace, state, store)
    before = snapshot(store)
    for variable in ("open", "helper"):
        _, reply = _dispatch(
            {
                "id": "l",
                "op": "load",
                "args": {"name": "Model", "variable": variable, "overwrite": True},
            },
            namespace,
            state,
        )
        assert reply["error"] == {
            "code": "variable_invalid",
            "message": f"invalid variable name {variable!r}: it is a name IPython keeps for "
            "itself (its history, helpers or hidden names)",
        }
    assert namespace["open"] is open and namespace["helper"] == "kept"
    # Another state (another kernel) hides other names: there the same name loads.
    _, reply = _dispatch(
        {
            "id": "l",
            "op": "load",
            "args": {"name": "Model", "variable": "helper", "overwrite": True},
        },
        namespace,
        KernelState(store=state.store),
    )
    assert reply["ok"] and namespace["helper"] is not None and namespace["helper"] != "kept"
    assert snapshot(store) == before


def test_load_refuses_what_a_real_kernel_keeps(client, store):  # noqa: F811
    """Through a real ipykernel: `open` (in IPython's user_ns_hidden), `In`, `_`, a dunder and
    `ｃlf` are refused, and the kernel's own names still work."""
    client.start_panel_session(store.location)
    kept = "open.__module__, type(In).__name__, __name__, 'clf' in globals()"
    before = client.evaluate(kept)
    assert before.endswith("'list', '__main__', False)")
    for variable in ("open", "In", "_", "__name__", "\uff43lf"):
        (reply,) = client.request("load", name="Model", variable=variable, overwrite=True)
        assert reply["ok"] is False and reply["error"]["code"] == "variable_invalid", reply
    assert "IPython keeps" in reply["error"]["message"] or "NFKC" in reply["error"]["message"]
    assert client.evaluate(kept) == before
    *_progress, reply = client.request("load", name="Model", variable="loaded")
    assert reply["ok"], reply
    assert client.evaluate("type(loaded).__name__") == "'LGBMClassifier'"


def test_library_too_old_is_a_warning(store, data):
    """A model saved by a newer major version of its library loads, with a warning naming
    both versions (the reply's `warnings`, a LibraryVersionWarning in Python)."""
    import lightgbm

    path = Path(store.location) / "Model" / "2" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["library_versions"]["lightgbm"] = "99.0.0"
    path.write_text(json.dumps(manifest))
    before = snapshot(store)
    state = KernelState()
    namespace: dict = {}
    _dispatch(
        {
            "id": "h",
            "op": "hello",
            "args": {"protocol_version": PROTOCOL_VERSION, "store": store.location},
        },
        namespace,
        state,
    )
    _, reply = _dispatch(
        {"id": "l", "op": "load", "args": {"name": "Model", "variable": "m"}}, namespace, state
    )
    assert reply["ok"], reply
    (warning,) = reply["result"]["warnings"]
    assert f"lightgbm 99.0.0 saved this model but {lightgbm.__version__} is installed" in warning
    assert "another major version" in warning
    assert namespace["m"].predict(data[0]).shape == (len(data[0]),)
    assert snapshot(store) == before


BLOCKED = textwrap.dedent(
    """
    import json, sys
    sys.modules["lightgbm"] = None  # as if lightgbm were not installed in this kernel
    from jupyterlab_models import ModelStoreError, ModelStore
    from jupyterlab_models.kernel import KernelState, handle
    from jupyterlab_models.protocol import PROTOCOL_VERSION
    store = sys.argv[1]
    try:
        ModelStore(store).load("Model")
        api = None
    except ModelStoreError as exc:
        api = [exc.code, exc.message]
    out, state = [], KernelState()
    hello = {"protocol_version": PROTOCOL_VERSION, "store": store}
    handle({"id": "h", "op": "hello", "args": hello}, {}, state, out.append)
    handle({"id": "l", "op": "load", "args": {"name": "Model", "variable": "m"}}, {}, state,
           out.append)
    handle({"id": "i", "op": "list", "args": {}}, {}, state, out.append)
    print(json.dumps({"api": api, "load": out[-2], "list": out[-1]}))
    """
)


def test_library_not_installed(store):
    before = snapshot(store)
    done = subprocess.run(
        [sys.executable, "-c", BLOCKED, store.location],
        capture_output=True,
        text=True,
        env=python_env(),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.splitlines()[-1])
    for code, message in [result["api"], list(result["load"]["error"].values())[:2]]:
        assert code == "library_missing"
        assert "loading this model needs 'lightgbm'" in message
        assert "pip install lightgbm" in message
    assert result["list"]["ok"] and len(result["list"]["result"]["models"]) == 2
    assert snapshot(store) == before


# --- a real kernel ---------------------------------------------------------------------------

LIVE = [c for c in CASES if c.live]


def test_protocol_abuse_in_a_real_kernel(client, tmp_path):  # noqa: F811
    """Each live row through a real ipykernel; then messages after the comm was closed are
    ignored, and the kernel still runs code and answers on a new comm."""
    assert client.execute("import lightgbm, numpy as np")["status"] == "ok"
    client.start_panel_session(tmp_path / "store")
    for case in LIVE:
        request = case.request
        if isinstance(request, dict) and "id" not in request:
            request = {"id": uuid.uuid4().hex, **request}
        (reply,) = client.send(request)
        assert reply["ok"] is False and reply["error"]["code"] == case.code, (case.id, reply)
        assert case.words in reply["error"]["message"], case.id
        assert len(json.dumps(reply)) < 2000, case.id
        assert client.evaluate("1 + 1") == "2"
    # A hostile name is refused as a name, never run.
    (reply,) = client.request("save", variable="np", name=INJECTION)
    assert reply["error"]["code"] == "name_invalid"
    assert client.evaluate(f"__import__('os').path.exists({str(tmp_path / 'PWNED')!r})") == "False"

    # The comm is closed (the panel went away); later messages on it get no reply and
    # change nothing.
    client.shell_send("comm_close", {"comm_id": client.comm_id, "data": {}})
    client.shell_send(
        "comm_msg",
        {"comm_id": client.comm_id, "data": {"id": "late", "op": "delete", "args": {"name": "x"}}},
    )
    assert client.evaluate("'still alive'") == "'still alive'"
    while True:  # everything the kernel published up to now: no reply to "late"
        try:
            msg = client.kc.get_iopub_msg(timeout=1)
        except Exception:
            break
        assert msg["content"].get("data", {}).get("id") != "late"
    client.open_comm()
    (hello,) = client.request(
        "hello", protocol_version=PROTOCOL_VERSION, store=str(tmp_path / "store")
    )
    (listed,) = client.request("list")
    assert listed["ok"] and listed["result"]["models"] == []
    assert not os.path.exists(tmp_path / "PWNED")
