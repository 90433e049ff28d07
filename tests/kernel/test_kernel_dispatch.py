"""The protocol dispatcher `handle()`, without a kernel."""

from __future__ import annotations

import itertools
import os
import time

import numpy as np
import pytest

from jupyterlab_models import __version__, formats
from jupyterlab_models.kernel import KernelState, handle
from jupyterlab_models.manifest import DEFERRED
from jupyterlab_models.protocol import PROTOCOL_VERSION
from jupyterlab_models.storage import list_cache
from jupyterlab_models.storage.safe import Dir
from tests.support.store_raw import age_tree

_ids = itertools.count(1)


class Session:
    """A namespace, a kernel state and a helper that sends one request and checks the framing."""

    def __init__(self, namespace, hidden=()):
        self.namespace = namespace
        self.state = KernelState(hidden=frozenset(hidden))

    def send_raw(self, request):
        messages = []
        handle(request, self.namespace, self.state, messages.append)
        *events, reply = messages
        assert "ok" in reply and all(m["event"] == "progress" for m in events)
        return events, reply

    def request(self, op, **args):
        request_id = f"r{next(_ids)}"
        events, reply = self.send_raw({"id": request_id, "op": op, "args": args})
        assert reply["id"] == request_id and all(e["id"] == request_id for e in events)
        return events, reply

    def ok(self, op, **args):
        _, reply = self.request(op, **args)
        assert reply["ok"], reply
        return reply["result"]

    def error(self, op, **args):
        _, reply = self.request(op, **args)
        assert not reply["ok"], reply
        assert set(reply["error"]) == {"code", "message"} and reply["error"]["message"]
        return reply["error"]["code"]


@pytest.fixture
def session(tmp_path, clf, data):
    X, _ = data
    s = Session(
        {"clf": clf, "X": X, "In": [], "_secret": clf, "hidden_model": clf}, {"In", "hidden_model"}
    )
    s.ok("hello", protocol_version=PROTOCOL_VERSION, store=str(tmp_path / "store"))
    return s


def test_hello(tmp_path):
    s = Session({})
    result = s.ok("hello", protocol_version=PROTOCOL_VERSION, store="", server_root=str(tmp_path))
    assert result == {
        "protocol_version": PROTOCOL_VERSION,
        "package_version": __version__,
        "store": str(tmp_path / ".jupyterlab-models"),
        "library_versions": formats.installed_versions(),
    }
    assert s.state.get_store().location == result["store"]
    # the setting wins over the server root
    result = s.ok(
        "hello",
        protocol_version=PROTOCOL_VERSION,
        store=str(tmp_path / "x"),
        server_root=str(tmp_path),
    )
    assert result["store"] == str(tmp_path / "x")
    assert s.error("hello", protocol_version=PROTOCOL_VERSION + 1) == "protocol_mismatch"
    assert s.error("hello", protocol_version=str(PROTOCOL_VERSION)) == "bad_request"
    assert s.error("hello", protocol_version=True) == "bad_request"
    assert s.error("hello") == "bad_request"


def test_without_hello_the_default_store_is_used(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert Session({}).ok("list") == {"models": [], "version_counts": {}}
    assert not os.path.exists(tmp_path / ".jupyterlab-models")  # reading creates nothing


def test_variables_skips_hidden_and_private_names(session):
    assert session.ok("variables") == {
        "variables": [
            {
                "name": "clf",
                "library": "lightgbm",
                "class": "lightgbm.sklearn.LGBMClassifier",
                "format": "lgbm",
            }
        ]
    }


def test_save_load_delete(session, clf, data):
    X, _ = data
    events, reply = session.request(
        "save", variable="clf", name="m", description="d", notebook="n.ipynb"
    )
    model = reply["result"]["model"]
    assert events and events[-1]["done"] == events[-1]["total"] == model["size_bytes"]
    assert (model["name"], model["version"], model["variable"]) == ("m", 1, "clf")
    assert model["notebook"] == "n.ipynb"
    assert model["user"] and model["description"] == "d"
    assert session.ok("save", variable="clf", name="m")["model"]["version"] == 2
    listed = session.ok("list")
    assert [m["version"] for m in listed["models"]] == [2]
    assert listed["version_counts"] == {m["name"]: 2 for m in listed["models"]}
    assert session.ok("info", name="m", version=1)["model"]["description"] == "d"

    events, reply = session.request("load", name="m", version=1, variable="clf2")
    assert events and reply["result"]["variable"] == "clf2"
    assert reply["result"]["model"]["version"] == 1
    np.testing.assert_array_equal(session.namespace["clf2"].predict(X), clf.predict(X))
    assert session.error("load", name="m", variable="clf2") == "variable_exists"
    assert session.error("load", name="m", variable="clf2", overwrite=False) == "variable_exists"
    assert session.ok("load", name="m", variable="clf2", overwrite=True)["model"]["version"] == 2
    # a name hidden from the variable list still exists
    assert session.error("load", name="m", variable="In") == "variable_exists"

    assert session.ok("delete", name="m", version=1) == {"deleted": [1]}
    assert session.ok("delete", name="m") == {"deleted": [2]}
    assert session.ok("list") == {"models": [], "version_counts": {}}


def test_list_answers_with_summaries_and_versions_with_whole_manifests(session):
    saved = session.ok("save", variable="clf", name="m", description="d")["model"]
    (listed,) = session.ok("list")["models"]
    assert listed == {k: v for k, v in saved.items() if k not in DEFERRED}
    assert session.ok("versions", name="m")["versions"] == [saved]


def test_a_kernel_listing_from_the_cache_file_parses_no_deferred_field(
    session, tmp_path, monkeypatch
):
    """What the panel's `list` costs in a new kernel on a big store: the summaries only, with
    `created_at` sent as the stored text."""
    for name in ("a", "b"):
        session.ok("save", variable="clf", name=name)
    store = session.state.get_store()
    age_tree(store.location, time.time() - 3600)
    monkeypatch.setattr(list_cache, "REWRITE_AFTER", 1)
    list_cache.forget_all()
    session.ok("list")  # reads both manifests, writes the cache file
    list_cache.forget_all()  # a new kernel: from the file
    assert [m["name"] for m in session.ok("list")["models"]] == ["a", "b"]
    with Dir.open_root(store.location) as root:
        cached = [entry[2][0] for entry in list_cache.remembered(root).values()]
    unparsed = {*DEFERRED, "created_at"}
    assert len(cached) == 2 and all(unparsed.isdisjoint(vars(i)) for i in cached)


def test_error_codes(session):
    assert session.error("save", variable="nope", name="m") == "variable_not_found"
    assert session.error("save", variable="X", name="m") == "unsupported_type"
    assert session.error("save", variable="clf", name=".m") == "name_invalid"
    assert session.error("info", name="m") == "not_found"
    assert session.error("delete", name="m") == "not_found"
    session.ok("save", variable="clf", name="m")
    assert session.error("save", variable="clf", name="M") == "name_invalid"
    # a missing model is reported before an existing variable
    assert session.error("load", name="nope", variable="clf") == "not_found"
    assert session.error("load", name="m", variable="for") == "variable_invalid"
    assert session.error("load", name="m", variable="a-b") == "variable_invalid"
    assert session.error("explode") == "unknown_op"


@pytest.mark.parametrize(
    "args",
    [
        {"name": 1},
        {},
        {"name": "m", "version": "1"},
        {"name": "m", "version": 0},
        {"name": "m", "version": 1.0},
        {"name": "m", "version": True},
    ],
)
def test_ill_typed_args(session, args):
    assert session.error("info", **args) == "bad_request"


def test_more_ill_typed_args(session):
    assert session.error("save", variable="clf", name="m", description=3) == "bad_request"
    assert session.error("load", name="m", variable="v", overwrite="yes") == "bad_request"


@pytest.mark.parametrize(
    "request_, reply_id",
    [
        ("not an object", ""),
        ([], ""),
        ({"op": "list", "args": {}}, ""),
        ({"id": 7, "op": "list", "args": {}}, ""),
        ({"id": "", "op": "list", "args": {}}, ""),
        ({"id": "a", "args": {}}, "a"),
        ({"id": "a", "op": 3, "args": {}}, "a"),
        ({"id": "a", "op": "list"}, "a"),
        ({"id": "a", "op": "list", "args": []}, "a"),
    ],
)
def test_malformed_requests(session, request_, reply_id):
    events, reply = session.send_raw(request_)
    assert events == []
    assert reply == {
        "id": reply_id,
        "ok": False,
        "error": {"code": "bad_request", "message": reply["error"]["message"]},
    }


def test_unexpected_exceptions_become_internal(session, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    session.ok("hello", protocol_version=PROTOCOL_VERSION, store=str(blocker))
    _, reply = session.request("save", variable="clf", name="m")
    assert reply["error"]["code"] == "internal"
    assert reply["error"]["message"].startswith(("NotADirectoryError", "FileExistsError"))
    assert session.ok("variables")  # and the next request works
