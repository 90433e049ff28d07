from __future__ import annotations

import json

import pytest

from jupyterlab_models.names import RULES, name_problem, validate_name, validate_variable
from jupyterlab_models.protocol import ModelStoreError
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
