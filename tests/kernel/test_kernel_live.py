"""The comm protocol against a real ipykernel, driven through jupyter_client as the panel does
(the `client` fixture of tests/conftest.py: one kernel for this module)."""

from __future__ import annotations

import textwrap

from jupyterlab_models.manifest import DEFERRED
from jupyterlab_models.protocol import PROTOCOL_VERSION
from tests.support.kernel import REGISTER

TRAIN = textwrap.dedent(
    """
    import lightgbm
    from sklearn.datasets import make_classification
    X, y = make_classification(n_samples=100, n_features=4, random_state=0)
    clf = lightgbm.LGBMClassifier(n_estimators=5, num_leaves=4, verbose=-1).fit(X, y)
    """
)


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
    assert listed["result"] == {
        "models": [summary],
        "version_counts": {"demo": 1},
        "skipped": [],
    }

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
    assert listed["result"] == {"models": [], "version_counts": {}, "skipped": []}


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
