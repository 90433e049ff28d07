from __future__ import annotations

import json
import os
import unicodedata

import numpy as np
import pytest

from jupyterlab_models import ModelStoreError
from jupyterlab_models.names import RULES, folded, name_problem, validate_name, validate_variable
from tests.support.env import FIXTURES

CASES = json.loads((FIXTURES / "names.json").read_text(encoding="utf-8"))


def test_fixture_covers_the_required_cases():
    refused = {case["name"] for case in CASES["invalid"]}
    required = ["", ".", "..", "a/b", "a\\b", "a\x00b", "x" * 129, "   ", ".hidden"]
    assert set(required) <= refused
    assert any("\u202e" in name for name in refused)
    assert any(name.endswith(" ") and name.strip() for name in refused)
    assert set(CASES["valid"]).isdisjoint(refused)


@pytest.mark.parametrize("name", CASES["valid"])
def test_valid_names(name):
    assert name_problem(name) is None
    assert validate_name(name) == name


@pytest.mark.parametrize("case", CASES["invalid"], ids=lambda c: repr(c["name"])[:20])
def test_invalid_names(case):
    assert name_problem(case["name"]) == case["reason"]
    with pytest.raises(ModelStoreError) as info:
        validate_name(case["name"])
    assert info.value.code == "name_invalid"
    assert RULES[case["reason"]] in info.value.message


@pytest.mark.parametrize("case", CASES["normalized"], ids=lambda c: c["nfc"])
def test_names_come_in_as_nfc(case):
    assert validate_name(case["name"]) == case["nfc"]


@pytest.mark.parametrize("pair", CASES["collisions"], ids=lambda p: p[0])
def test_names_equal_after_nfc_and_case_folding_collide(pair):
    assert folded(pair[0]) == folded(pair[1])


def test_lengths_are_code_points():
    astral = "\U00010400" * 128  # 128 Deseret letters: 256 UTF-16 units in JavaScript
    assert validate_name(astral) == astral
    assert name_problem(astral + "a") == "length"


def test_a_name_must_be_a_string():
    with pytest.raises(ModelStoreError, match="must be a string"):
        validate_name(None)


@pytest.mark.parametrize("name", ["clf2", "_x", "model", "match", "ñame"])
def test_valid_variables(name):
    assert validate_variable(name) == name


@pytest.mark.parametrize("name", ["", "class", "None", "2x", "a-b", "a b", "x.y", None])
def test_invalid_variables(name):
    with pytest.raises(ModelStoreError) as info:
        validate_variable(name)
    assert info.value.code == "variable_invalid"


# --- names in every script, through the API, the CLI and the kernel (issue #14) --------------


def test_a_russian_name_round_trips(store, clf, capsys):
    from jupyterlab_models.cli import main

    info = store.save(clf, "Модель_1", description="первая модель")
    assert info.name == "Модель_1"
    assert [m.name for m in store.list()] == ["Модель_1"]
    assert store.load("Модель_1").predict(np.zeros((1, 4))).shape == (1,)
    assert main(["--store", store.location, "info", "Модель_1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["model"]["name"] == "Модель_1"
    assert store.delete("Модель_1") == [1]


def test_the_nfd_spelling_is_the_same_model(store, clf):
    nfd = unicodedata.normalize("NFD", "modèle")
    assert nfd != "modèle"
    assert store.save(clf, nfd).name == "modèle"  # stored in NFC
    assert store.save(clf, "modèle").version == 2
    assert store.info(nfd).version == 2
    assert sorted(os.listdir(store.location)) == [".locks", ".staging", "modèle"]


@pytest.mark.parametrize("pair", CASES["collisions"], ids=lambda p: p[0])
def test_names_equal_after_folding_cannot_both_exist(store, clf, pair):
    store.save(clf, pair[0])
    with pytest.raises(ModelStoreError) as info:
        store.save(clf, pair[1])
    assert info.value.code == "name_invalid" and "differs only in case" in info.value.message
    assert [m.name for m in store.list()] == [unicodedata.normalize("NFC", pair[0])]


def test_the_kernel_saves_and_loads_a_name_in_any_script(tmp_path, clf):
    from jupyterlab_models.kernel import KernelState, handle
    from jupyterlab_models.protocol import PROTOCOL_VERSION

    namespace, state = {"clf": clf}, KernelState()

    def ask(op, **args):
        sent = []
        handle({"id": "1", "op": op, "args": args}, namespace, state, sent.append)
        (reply,) = [m for m in sent if "event" not in m]
        assert reply["ok"], reply
        return reply["result"]

    ask("hello", protocol_version=PROTOCOL_VERSION, store=str(tmp_path / "s"))
    assert ask("save", variable="clf", name="模型 v2")["model"]["name"] == "模型 v2"
    assert [m["name"] for m in ask("list")["models"]] == ["模型 v2"]
    assert ask("load", name="模型 v2", variable="back")["variable"] == "back"
    assert namespace["back"].predict(np.zeros((1, 4))).shape == (1,)
