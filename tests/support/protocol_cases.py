"""The protocol conversation behind tests/fixtures/protocol/*.json.

Each case is one request sent to the real dispatcher (`jupyterlab_models.kernel.handle`), in
this order, against a namespace holding a small fitted LGBMClassifier `clf`. The fixtures record
every message the kernel sent; the TypeScript tests replay them against the bridge, and
kernel/test_protocol_fixtures.py checks that the kernel still answers with the same structure.

Regenerate after a protocol change:  python -m tests.support.protocol_cases
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from typing import Any

from jupyterlab_models.protocol import PROTOCOL_VERSION
from tests.support.env import FIXTURES

PROTOCOL_FIXTURES = FIXTURES / "protocol"
SERVER_ROOT = "{server_root}"  # replaced by a temporary directory when the cases run

CASES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "hello",
        "Handshake: no store setting, so the store is <server_root>/.jupyterlab-models.",
        {
            "op": "hello",
            "args": {"protocol_version": PROTOCOL_VERSION, "store": "", "server_root": SERVER_ROOT},
        },
    ),
    (
        "error_protocol_mismatch",
        "A frontend speaking another protocol version is refused.",
        {"op": "hello", "args": {"protocol_version": PROTOCOL_VERSION + 1}},
    ),
    ("variables", "The supported models among the kernel's variables.", {"op": "variables"}),
    (
        "save",
        "Save `clf` as a new model: progress events (bytes hashed), then the manifest.",
        {
            "op": "save",
            "args": {
                "variable": "clf",
                "name": "demo-clf",
                "description": "LightGBM classifier from the quickstart",
                "notebook": "examples/quickstart.ipynb",
            },
        },
    ),
    ("list", "The latest version of each model, sorted by name.", {"op": "list"}),
    (
        "versions",
        "Every version of one model, oldest first.",
        {"op": "versions", "args": {"name": "demo-clf"}},
    ),
    ("info", "One version's manifest.", {"op": "info", "args": {"name": "demo-clf", "version": 1}}),
    (
        "load",
        "Load the latest version into a new variable: progress events (bytes verified), "
        "then the reply.",
        {"op": "load", "args": {"name": "demo-clf", "variable": "clf2"}},
    ),
    (
        "error_variable_exists",
        "Loading into an existing variable without overwrite is refused.",
        {"op": "load", "args": {"name": "demo-clf", "variable": "clf"}},
    ),
    (
        "error_variable_invalid",
        "The target variable must be an identifier and not a keyword.",
        {"op": "load", "args": {"name": "demo-clf", "variable": "class"}},
    ),
    (
        "error_not_found",
        "No model of that name.",
        {"op": "info", "args": {"name": "no-such-model"}},
    ),
    ("error_unknown_op", "An op the kernel does not know.", {"op": "train", "args": {}}),
    (
        "error_bad_request",
        "An ill-typed argument.",
        {"op": "info", "args": {"name": 42}},
    ),
    (
        "error_name_invalid",
        "A model name that breaks the naming rule.",
        {"op": "save", "args": {"variable": "clf", "name": "../escape"}},
    ),
    (
        "error_variable_not_found",
        "Saving a variable that does not exist.",
        {"op": "save", "args": {"variable": "missing", "name": "m"}},
    ),
    (
        "error_unsupported_type",
        "Saving a variable that is not a supported model.",
        {"op": "save", "args": {"variable": "X", "name": "m"}},
    ),
    ("delete", "Delete every version of a model.", {"op": "delete", "args": {"name": "demo-clf"}}),
]


def make_namespace() -> dict[str, Any]:
    import lightgbm
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=100, n_features=4, random_state=0)
    clf = lightgbm.LGBMClassifier(n_estimators=5, num_leaves=4, random_state=0, verbose=-1)
    return {"X": X, "y": y, "clf": clf.fit(X, y), "_private": clf}


def build_request(name: str, request: dict[str, Any], server_root: str) -> dict[str, Any]:
    args = {k: server_root if v == SERVER_ROOT else v for k, v in request.get("args", {}).items()}
    return {"id": f"{name}-1", "op": request["op"], "args": args}


def run_cases(server_root: str) -> dict[str, dict[str, Any]]:
    """Run every case in order; returns {case: {description, request, messages}}."""
    from jupyterlab_models.kernel import KernelState, handle

    namespace, state = make_namespace(), KernelState()
    results = {}
    for name, description, request in CASES:
        full_request = build_request(name, request, server_root)
        messages: list[dict[str, Any]] = []
        handle(full_request, namespace, state, messages.append)
        # what goes over the wire is JSON: fail here on anything that is not
        messages = json.loads(json.dumps(messages, allow_nan=False))
        results[name] = {"description": description, "request": full_request, "messages": messages}
    return results


def error_codes() -> dict[str, list[str]]:
    from jupyterlab_models.protocol import ERROR_CODES, FRONTEND_ERROR_CODES

    return {"kernel": list(ERROR_CODES), "frontend": list(FRONTEND_ERROR_CODES)}


def write_fixtures() -> None:
    os.environ.pop("JUPYTERLAB_MODELS_STORE", None)
    with tempfile.TemporaryDirectory() as tmp:
        results = run_cases(os.path.join(tmp, "project"))
    PROTOCOL_FIXTURES.mkdir(parents=True, exist_ok=True)
    for old in PROTOCOL_FIXTURES.glob("*.json"):
        old.unlink()
    for name, content in {**results, "error_codes": error_codes()}.items():
        text = json.dumps(content, indent=2, ensure_ascii=False) + "\n"
        (PROTOCOL_FIXTURES / f"{name}.json").write_text(text, encoding="utf-8")
    print(f"wrote {len(results) + 1} files to {PROTOCOL_FIXTURES}", file=sys.stderr)


if __name__ == "__main__":
    write_fixtures()
