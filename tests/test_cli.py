from __future__ import annotations

import json
import subprocess
import sys

from conftest import python_env

from jupyterlab_models.cli import main


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
    assert code == 0 and lines[0].split()[:3] == ["NAME", "VERSION", "LIBRARY"]
    assert lines[1].startswith("churn model") and lines[1].split()[2] == "2"
    assert lines[2].startswith("other")

    code, out, _ = run(capsys, "list", "--store", loc, "--json")
    models = json.loads(out)["models"]
    assert [(m["name"], m["version"]) for m in models] == [("churn model", 2), ("other", 1)]

    code, out, _ = run(capsys, "info", "churn model", "--version", "1", "--store", loc)
    assert code == 0 and "first" in out and "sha256" in out and "lgbm" in out
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
