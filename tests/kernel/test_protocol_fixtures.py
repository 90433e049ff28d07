"""The JSON fixtures shared with the TypeScript tests still describe what the kernel sends."""

from __future__ import annotations

import json
import re

import pytest

from jupyterlab_models.protocol import ERROR_CODES
from jupyterlab_models.store import MAX_DESCRIPTION_LENGTH
from tests.support.env import REPO
from tests.support.protocol_cases import CASES, PROTOCOL_FIXTURES, error_codes, run_cases

REGENERATE = "regenerate with: python -m tests.support.protocol_cases"


def load_fixture(name: str):
    return json.loads((PROTOCOL_FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def json_type(value) -> str:
    for kind, types in [("null", type(None)), ("boolean", bool), ("number", (int, float))]:
        if isinstance(value, types):
            return kind
    return {str: "string", list: "array", dict: "object"}[type(value)]


def same_structure(expected, actual, where="$") -> None:
    """Same keys recursively, same JSON types, same list lengths."""
    assert json_type(actual) == json_type(expected), f"{where}: {REGENERATE}"
    if isinstance(expected, dict):
        assert set(actual) == set(expected), f"{where}: keys differ; {REGENERATE}"
        for key in expected:
            same_structure(expected[key], actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert len(actual) == len(expected), f"{where}: length differs; {REGENERATE}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            same_structure(e, a, f"{where}[{i}]")


@pytest.fixture(scope="module")
def replay(tmp_path_factory):
    return run_cases(str(tmp_path_factory.mktemp("project")))


def test_every_case_has_a_fixture_and_nothing_else():
    names = {path.stem for path in PROTOCOL_FIXTURES.glob("*.json")}
    assert names == {name for name, _, _ in CASES} | {"error_codes"}
    required = {"hello", "variables", "save", "list", "info", "load", "delete"}
    required |= {
        f"error_{c}"
        for c in ("not_found", "unknown_op", "bad_request", "name_invalid", "variable_exists")
    }
    assert required <= names


@pytest.mark.parametrize("name", [name for name, _, _ in CASES])
def test_fixture_matches_the_dispatcher(name, replay):
    fixture, actual = load_fixture(name), replay[name]
    assert set(fixture) == {"description", "request", "messages"}
    assert fixture["request"]["op"] == actual["request"]["op"]
    same_structure(fixture["request"], actual["request"], "request")
    same_structure(fixture["messages"], actual["messages"], "messages")
    for expected, got in zip(fixture["messages"], actual["messages"]):
        assert got["id"] == expected["id"] == fixture["request"]["id"]
        for key in ("ok", "event"):
            assert got.get(key) == expected.get(key)
        if "error" in expected:
            assert got["error"]["code"] == expected["error"]["code"]
    *events, reply = fixture["messages"]
    assert "ok" in reply and all(e["event"] == "progress" for e in events)
    assert name.startswith("error_") == (reply["ok"] is False)
    if name.startswith("error_"):
        assert reply["error"]["code"] == name[len("error_") :]
    if name in ("save", "load"):
        assert events, "save and load fixtures show progress events"


def test_error_codes_fixture():
    assert load_fixture("error_codes") == error_codes()
    assert load_fixture("error_codes")["kernel"] == list(ERROR_CODES)
    assert load_fixture("error_codes")["frontend"] == ["timeout", "kernel_unavailable"]


def test_the_frontend_limits_descriptions_as_the_store_does():
    source = (REPO / "src" / "protocol.ts").read_text()
    found = re.search(r"export const DESCRIPTION_MAX_LENGTH = ([\d_]+);", source)
    assert found and int(found.group(1)) == MAX_DESCRIPTION_LENGTH
