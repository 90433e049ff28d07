"""Security checks of the store and the comm target.

- No default format unpickles: a fresh Python whose pickle (`load`, `loads`, `Unpickler`, in
  `pickle` and `_pickle`) raises while a model loads, installed before any library is imported
  (so references libraries bind at import time are the guarded ones too), loads the committed
  golden model of every format id (both golden stores) and computes the same outputs.
- Keras loads with `safe_mode=True`; a model with a Python lambda is refused.
- skops builds a model with types outside its defaults only with the caller's explicit list.
- The store writes nothing outside its root (an audit hook watches every file system call of
  save, load, delete, verify and gc), and gc/delete never follow symbolic links out of it.
- Nothing from a message is evaluated: the package has no eval/exec/compile call at all.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from jupyterlab_models import ModelStore, ModelStoreError
from jupyterlab_models.kernel import KernelState, handle
from jupyterlab_models.protocol import PROTOCOL_VERSION
from tests.support.env import GOLDEN, GOLDEN_STORES, REPO, python_env
from tests.support.faults_util import snapshot
from tests.support.store_raw import replace_stored_file

NO_PICKLE = textwrap.dedent(
    """
    import json, sys

    sys.path.insert(0, sys.argv[2])
    # First, before any library binds pickle's names.
    from tests.support.pickle_guard import CALLS, LOADING
    import pickle, _pickle
    from tests.support import tiny_models
    from jupyterlab_models import ModelStoreError, ModelStore

    # The guard works: each way to unpickle raises while "loading", and is recorded.
    import io

    LOADING[0] = True
    guard_works = True
    for unpickle in (
        lambda: pickle.loads(pickle.dumps(1)),
        lambda: pickle.load(io.BytesIO(pickle.dumps(1))),
        lambda: pickle.Unpickler(io.BytesIO(pickle.dumps(1))).load(),
        lambda: _pickle.loads(pickle.dumps(1)),
    ):
        try:
            unpickle()
            guard_works = False
        except RuntimeError:
            pass
    guard_works = guard_works and len(CALLS) == 4
    LOADING[0] = False
    CALLS.clear()

    store = ModelStore(sys.argv[1])
    results = {}
    for info in store.list():
        if info.name != info.format:
            continue  # a model that a golden model refers to (an adapter's base)
        LOADING[0] = True
        try:
            try:
                model = store.load(info.name)
            except ModelStoreError as exc:
                if exc.code != "untrusted":
                    raise
                model = store.load(info.name, trusted=exc.details["untrusted"])
        finally:
            LOADING[0] = False
        results[info.format] = {
            "outputs": tiny_models.outputs(info.format, model),
            "pickle_calls": list(CALLS),
        }
        CALLS.clear()
    print(json.dumps({"guard_works": guard_works, "results": results}))
    """
)


@pytest.mark.parametrize("golden", GOLDEN_STORES, ids=lambda path: path.name)
def test_no_default_format_unpickles(golden):
    expected = json.loads((GOLDEN / "expected.json").read_text())
    done = subprocess.run(
        [sys.executable, "-c", NO_PICKLE, str(golden), str(REPO)],
        capture_output=True,
        text=True,
        env=python_env(),
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["guard_works"]
    from tests.support import tiny_models

    assert set(report["results"]) == {info.format for info in ModelStore(golden).list()}
    for format_id, result in report["results"].items():
        assert result["pickle_calls"] == [], format_id
        tiny_models.assert_same(format_id, expected[format_id], result["outputs"])


# --- Keras safe mode --------------------------------------------------------------------------


def test_keras_loads_in_safe_mode(tmp_path, monkeypatch):
    import keras

    store = ModelStore(tmp_path / "store")
    plain = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    store.save(plain, "plain")
    calls = []
    original = keras.saving.load_model

    def spy(*args, **kwargs):  # records the call, then loads for real
        calls.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(keras.saving, "load_model", spy)
    store.load("plain")
    assert calls and all(kwargs.get("safe_mode") is True for kwargs in calls)
    monkeypatch.undo()

    # A Lambda layer holds Python bytecode: it is never saved (the user can still replace it),
    # and an archive holding one, planted in the store with true checksums, is never loaded.
    code = tmp_path / "ran"
    lam = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(lambda x: x * 2)])
    with pytest.raises(ModelStoreError) as refused:
        store.save(lam, "lambda")
    assert refused.value.code == "unsupported_type" and "lambda" in refused.value.message
    assert [m.name for m in store.list()] == ["plain"]
    store.save(keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]), "lambda")
    lam.save(tmp_path / "lambda.keras")
    replace_stored_file(store, "lambda", 1, "model.keras", (tmp_path / "lambda.keras").read_bytes())
    before = snapshot(store)
    with pytest.raises(ModelStoreError) as failure:
        store.load("lambda")
    assert failure.value.code == "unsupported_type"
    assert "contains a Python lambda" in failure.value.message
    assert "never does that" in failure.value.message
    assert not code.exists()
    assert snapshot(store) == before


# --- skops trust --------------------------------------------------------------------------------


class HomeMadeClassifier(LogisticRegression):
    """A class of the user's own: skops does not trust it by default."""


def test_skops_needs_the_callers_trust(tmp_path, data):
    X, y = data
    model = HomeMadeClassifier().fit(X, y)
    store = ModelStore(tmp_path / "store")
    info = store.save(model, "home", format_id="skops")
    untrusted = f"{__name__}.HomeMadeClassifier"
    assert info.extra["untrusted"] == [untrusted]
    before = snapshot(store)

    for trusted in (None, [], ["sklearn.linear_model._logistic.LogisticRegression"]):
        with pytest.raises(ModelStoreError) as failure:
            store.load("home", **({} if trusted is None else {"trusted": trusted}))
        assert failure.value.code == "untrusted"
        assert untrusted in failure.value.message
        assert failure.value.details == {"untrusted": [untrusted]}

    # Through the protocol: the error the panel asks about, then the retry with trust.
    namespace: dict = {}
    state = KernelState()
    replies: list[dict] = []
    hello = {"protocol_version": PROTOCOL_VERSION, "store": store.location}
    handle({"id": "h", "op": "hello", "args": hello}, namespace, state, replies.append)
    args = {"name": "home", "variable": "m"}
    handle({"id": "1", "op": "load", "args": args}, namespace, state, replies.append)
    assert replies[-1]["error"]["code"] == "untrusted"
    assert replies[-1]["error"]["details"] == {"untrusted": [untrusted]}
    assert "m" not in namespace
    args["trusted"] = [untrusted]
    handle({"id": "2", "op": "load", "args": args}, namespace, state, replies.append)
    assert replies[-1]["ok"], replies[-1]
    assert type(namespace["m"]) is HomeMadeClassifier
    assert np.array_equal(namespace["m"].predict(X), model.predict(X))
    assert snapshot(store) == before


# --- the store stays inside its root -----------------------------------------------------------

_WATCHING: list[list] = []


def _resolved(path: object, dir_fd: object) -> str | None:
    """An absolute path from an audit event's path and dir_fd (shutil.rmtree uses dir_fd)."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        return None
    path = os.fsdecode(path)
    if isinstance(dir_fd, int) and dir_fd >= 0 and not os.path.isabs(path):
        return os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), path)
    return os.path.abspath(path)


# event -> (index of the path argument, index of its dir_fd argument) of what it changes
_CHANGES = {
    "os.remove": [(0, 1)],
    "os.rmdir": [(0, 1)],
    "os.mkdir": [(0, 2)],
    "os.symlink": [(1, 2)],  # the link is created at the second path
    "os.rename": [(0, 2), (1, 3)],
    "shutil.rmtree": [(0, 1)],
}


def _audit(event: str, args: tuple) -> None:
    if not _WATCHING:
        return
    if event == "open":
        path, mode, flags = args
        writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
        )
        # The event has no dir_fd: a relative path was opened relative to a directory the
        # store opened without following links (storage/safe.py). It is checked to be a
        # single name, which cannot climb out of that directory.
        if writes and isinstance(path, (str, bytes)) and not os.path.isabs(os.fsdecode(path)):
            _WATCHING[-1].append(("write-at", os.fsdecode(path)))
            return
        resolved = _resolved(path, None)
        if writes and resolved is not None:
            _WATCHING[-1].append(("write", resolved))
    for index, fd_index in _CHANGES.get(event, []):
        fd = args[fd_index] if fd_index < len(args) else None
        resolved = _resolved(args[index], fd)
        if resolved is not None:
            _WATCHING[-1].append((event, resolved))


sys.addaudithook(_audit)


def test_store_writes_only_inside_its_root(tmp_path, clf, data):
    root = tmp_path / "store"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("precious")
    store = ModelStore(root)
    store.save(clf, "warm-up")  # imports and caches before watching
    store.load("warm-up")

    _WATCHING.append([])
    try:
        store.save(clf, "m", description="one")
        store.save(clf, "m", description="two")
        store.load("m", 1)
        store.verify()
        store.delete("m", 1)
        for hostile in ("../outside/m", "/etc/x", "..", "a/../../b", "..\\outside"):
            with pytest.raises(ModelStoreError):
                store.save(clf, hostile)
            with pytest.raises(ModelStoreError):
                store.delete(hostile)
        # Symbolic links planted in the store's bookkeeping and as a model: gc and delete
        # remove the links, never what they point to.
        os.makedirs(root / ".trash", exist_ok=True)
        os.symlink(outside, root / ".trash" / "evil")
        os.symlink(outside, root / ".staging" / "evil")
        os.symlink(outside, root / "linked")
        (root / ".staging" / "evil.lock").touch()
        store.gc(older_than=0)
        # A symlinked name directory is not a model: listed as skipped, never followed, and
        # neither deleted nor removed by gc.
        assert [s.name for s in store.listing().skipped] == ["linked"]
        with pytest.raises(ModelStoreError) as info:
            store.delete("linked")
        assert info.value.code == "not_found"
        store.gc(older_than=0)
        events = _WATCHING[-1]
    finally:
        _WATCHING.pop()
    assert (outside / "keep.txt").read_text() == "precious"
    assert sorted(os.listdir(outside)) == ["keep.txt"]
    assert not os.path.lexists(root / ".trash") or os.listdir(root / ".trash") == []
    assert not os.path.lexists(root / ".staging" / "evil")
    assert os.readlink(root / "linked") == str(outside)
    escaped = [
        (event, path)
        for event, path in events
        if event != "write-at" and not path.startswith(str(root) + os.sep) and path != str(root)
    ]
    climbing = [
        path
        for event, path in events
        if event == "write-at" and (os.sep in path or path in (".", ".."))
    ]
    assert climbing == []
    assert events and escaped == [], escaped
    assert store.load("m", 2).predict(data[0]).shape == (len(data[0]),)


# --- nothing is evaluated -----------------------------------------------------------------------


def test_the_package_never_evaluates_code():
    """No eval, exec, compile, __import__ or pickle anywhere in the package's source."""
    found = []
    for path in sorted((REPO / "jupyterlab_models").rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id in ("eval", "exec", "compile", "__import__"):
                    found.append(f"{path.name}:{node.lineno} {node.func.id}")
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                if any(
                    n.split(".")[0] in ("pickle", "cloudpickle", "joblib", "dill") for n in names
                ):
                    found.append(f"{path.name}:{node.lineno} imports pickle")
    assert found == []
