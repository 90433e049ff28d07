from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from jupyterlab_models.cli import main
from tests.support.env import python_env


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_info_delete(capsys, store, clf, monkeypatch):
    loc = store.location
    assert run(capsys, "list", "--store", loc) == (0, f"No models in {loc}\n", "")
    store.save(clf, "churn model", description="first")
    store.save(clf, "churn model", description="second")
    store.save(clf, "other")

    code, out, _ = run(capsys, "--store", loc, "list")
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:4] == ["NAME", "VERSION", "VERSIONS", "LIBRARY"]
    assert lines[1].startswith("churn model") and lines[1].split()[2:4] == ["2", "2"]
    assert lines[2].startswith("other")

    code, out, _ = run(capsys, "list", "--store", loc, "--json")
    models = json.loads(out)["models"]
    assert [(m["name"], m["version"]) for m in models] == [("churn model", 2), ("other", 1)]

    code, out, _ = run(capsys, "info", "churn model", "--version", "1", "--store", loc)
    assert code == 0 and "first" in out and "blake3" in out and "lgbm" in out
    code, out, _ = run(capsys, "--json", "--store", loc, "info", "churn model")
    assert json.loads(out)["model"]["description"] == "second"

    # declined confirmation deletes nothing
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    code, _, err = run(capsys, "delete", "other", "--store", loc)
    assert code == 1 and "Nothing deleted" in err and store.info("other")

    code, out, _ = run(
        capsys, "delete", "churn model", "--version", "1", "--yes", "--json", "--store", loc
    )
    assert code == 0 and json.loads(out) == {"deleted": [1]}
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    code, out, _ = run(capsys, "delete", "other", "--store", loc)
    assert code == 0 and "Deleted" in out
    assert [m.name for m in store.list()] == ["churn model"]


def test_errors_go_to_stderr_with_their_code(capsys, store):
    code, out, err = run(capsys, "info", "nope", "--store", store.location)
    assert (code, out) == (1, "")
    assert err.startswith("error [not_found]: ")
    code, _, err = run(capsys, "delete", "../x", "--yes", "--store", store.location)
    assert code == 1 and err.startswith("error [name_invalid]: ")


def test_runs_as_a_program(store, clf):
    store.save(clf, "m")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyterlab_models.cli",
            "list",
            "--json",
            "--store",
            store.location,
        ],
        env=python_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert [m["name"] for m in json.loads(out.stdout)["models"]] == ["m"]


def test_versions(capsys, store, clf):
    store.save(clf, "m", description="first\nline")
    store.save(clf, "m", description="second")
    code, out, err = run(capsys, "versions", "m", "--store", store.location)
    lines = out.splitlines()
    assert (code, err) == (0, "")
    assert lines[0].split() == [
        "VERSION",
        "FORMAT",
        "SIZE",
        "CREATED",
        "(UTC)",
        "USER",
        "DESCRIPTION",
    ]
    assert lines[1].split()[:2] == ["1", "lgbm"] and lines[1].endswith("first\\nline")
    assert lines[2].split()[:2] == ["2", "lgbm"] and lines[2].endswith("second")
    code, out, _ = run(capsys, "--json", "versions", "m", "--store", store.location)
    versions = json.loads(out)["versions"]
    assert [(v["version"], v["description"]) for v in versions] == [
        (1, "first\nline"),
        (2, "second"),
    ]
    assert versions[0]["created_at"].endswith("Z")
    code, out, err = run(capsys, "versions", "nope", "--store", store.location)
    assert (code, out) == (1, "") and err.startswith("error [not_found]: ")


def test_list_json_has_the_version_counts(capsys, store, clf):
    store.save(clf, "a")
    store.save(clf, "a")
    store.save(clf, "b")
    code, out, _ = run(capsys, "list", "--json", "--store", store.location)
    result = json.loads(out)
    assert result["store"] == store.location
    assert result["versions"] == {"a": 2, "b": 1}
    assert [m["created_at"][-1] for m in result["models"]] == ["Z", "Z"]


def test_verify(capsys, store, clf):
    store.save(clf, "a")
    store.save(clf, "b")
    store.save(clf, "b")
    code, out, err = run(capsys, "verify", "--store", store.location)
    assert (code, err) == (0, "")
    assert "3 version(s) checked: 3 good, 0 damaged" in out
    assert [line.split()[:3] for line in out.splitlines()[1:4]] == [
        ["ok", "a", "1"],
        ["ok", "b", "1"],
        ["ok", "b", "2"],
    ]

    path = os.path.join(store.location, "b", "1", "model.txt")
    with open(path, "r+b") as f:
        f.seek(10)
        byte = f.read(1)
        f.seek(10)
        f.write(bytes([byte[0] ^ 1]))
    code, out, err = run(capsys, "verify", "--store", store.location)
    assert code == 1
    assert err == f"error [integrity]: 1 damaged version(s) in {store.location}\n"
    assert "3 version(s) checked: 2 good, 1 damaged" in out
    bad = [line for line in out.splitlines() if line.startswith("BAD")]
    assert len(bad) == 1 and bad[0].split()[1:3] == ["b", "1"] and "blake3 digest" in bad[0]

    code, out, err = run(capsys, "verify", "a", "--json", "--store", store.location)
    assert (code, err) == (0, "") and json.loads(out)["ok"] is True
    code, out, _ = run(capsys, "verify", "b", "--json", "--store", store.location)
    report = json.loads(out)
    assert code == 1 and report["ok"] is False
    assert [(p["name"], p["version"], p["code"]) for p in report["bad"]] == [("b", 1, "integrity")]
    code, out, err = run(capsys, "verify", "nope", "--store", store.location)
    assert (code, out) == (1, "") and err.startswith("error [not_found]: ")


def test_gc(capsys, store, clf):
    code, out, _ = run(capsys, "gc", "--store", store.location)
    assert (code, out) == (0, f"Nothing to clean up in {store.location}\n")
    store.save(clf, "m")
    leftover = os.path.join(store.location, ".staging", "dead")
    os.makedirs(leftover)
    code, out, _ = run(capsys, "gc", "--store", store.location, "--json")
    assert (code, json.loads(out)) == (0, {"removed": []})  # younger than an hour
    code, out, _ = run(capsys, "gc", "--older-than", "0", "--store", store.location)
    assert (code, out) == (0, "Removed .staging/dead\n")
    assert not os.path.exists(leftover) and [m.name for m in store.list()] == ["m"]


def test_a_url_store(capsys, clf):
    from jupyterlab_models import ModelStore

    url = "memory://cli-test-store"
    ModelStore(url).save(clf, "remote model")
    code, out, _ = run(capsys, "list", "--store", url)
    assert code == 0 and out.splitlines()[1].startswith("remote model")
    code, out, _ = run(capsys, "verify", "--store", url)
    assert code == 0 and "1 good" in out
    code, out, _ = run(capsys, "delete", "remote model", "--yes", "--store", url)
    assert code == 0
    code, out, _ = run(capsys, "list", "--store", url)
    assert out == f"No models in {url}\n"


def test_a_url_store_needs_fsspec_and_its_protocol(capsys):
    code, out, err = run(capsys, "list", "--store", "nosuchprotocol://bucket/x")
    assert (code, out) == (1, "")
    assert err.startswith("error [internal]: store nosuchprotocol://bucket/x: ")
    assert "Protocol not known" in err


def test_usage_errors_exit_non_zero(capsys):
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_a_keras_functional_model_under_a_russian_name(capsys, store):
    """Issue #14's first two failures, through the CLI: a two-input functional Keras model saved
    as "Мой классификатор" (typed with a combining breve, stored as NFC) is listed, described and
    verified by `jupyter models`."""
    import keras
    import numpy as np

    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    out = keras.layers.Dense(1)(keras.layers.Concatenate()([a, b]))
    model = keras.Model(inputs=[a, b], outputs=out)
    typed, name = "Мои\u0306 классификатор", "Мой классификатор"
    store.save(model, typed)
    loc = store.location

    code, out, _ = run(capsys, "list", "--store", loc)
    assert code == 0 and out.splitlines()[1].startswith(name + " ")
    code, out, _ = run(capsys, "info", typed, "--store", loc)
    assert code == 0 and name in out and "keras" in out and "Functional" in out
    code, out, _ = run(capsys, "verify", "--store", loc)
    assert code == 0, out
    x = [np.ones((2, 3), "float32"), np.ones((2, 2), "float32")]
    np.testing.assert_allclose(store.load(name)(x), model(x), rtol=1e-6)
