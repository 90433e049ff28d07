"""Run conformance cases: save each through ModelStore in a temporary store, load the saved
ones in a fresh Python with pickle blocked (child.py, many cases per process), compare.

Each case ends as `round-trip` (same outputs, same class), `refused` (the store raised
`unsupported_type` at save, with its reason) or `failure` (anything else: a crash, a raw
exception, a save that does not load, other outputs, pickle used while loading). A catalogue
entry that cannot be built on a small dataset is `not applicable` (listed, not counted).
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.env import python_env

from .common import Case, NotApplicable, same

FAMILIES = {
    "Keras": "cases_keras",
    "PyTorch": "cases_torch",
    "scikit-learn": "cases_sklearn",
    "ONNX": "cases_onnx",
    "Boosting": "cases_boosting",
    "Hugging Face": "cases_hf",
}
ROUND_TRIP, REFUSED, FAILURE, NOT_APPLICABLE = "round-trip", "refused", "failure", "not applicable"
BATCH = 60  # cases per child process


@dataclass
class Result:
    family: str
    case: str
    result: str
    reason: str = ""
    format: str = ""
    seconds: float = 0.0


def family_cases(family: str) -> list[Case]:
    return importlib.import_module(f"tests.conformance.{FAMILIES[family]}").cases()


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:400]}"


def run_family(family: str, cases: list[Case], workdir: Path, log: Any = None) -> list[Result]:
    from jupyterlab_models import ModelStore, ModelStoreError
    from jupyterlab_models.protocol import UNSUPPORTED_TYPE

    store = ModelStore(workdir / family.replace(" ", "_"))
    results: dict[str, Result] = {}
    pending: dict[str, dict[str, Any]] = {}
    for number, case in enumerate(cases):
        name, start = f"c{number:04d}", time.monotonic()
        result = results[case.id] = Result(family, case.id, FAILURE)
        try:
            model, options = case.build(store) if case.uses_store else case.build()
        except NotApplicable as exc:
            result.result, result.reason = NOT_APPLICABLE, str(exc)
            continue
        except Exception as exc:
            result.reason = f"the case could not be built: {_short(exc)}"
            continue
        try:
            info = store.save(model, name, **options)
        except ModelStoreError as exc:
            if exc.code == UNSUPPORTED_TYPE:
                result.result = REFUSED
            result.reason = (
                exc.message if exc.code == UNSUPPORTED_TYPE else f"save: {exc.code}: {exc.message}"
            )
            result.reason = " ".join(result.reason.split())
            continue
        except Exception as exc:
            result.reason = f"save raised {_short(exc)}"
            continue
        finally:
            result.seconds = time.monotonic() - start
        result.format = info.format
        try:
            expected = case.outputs(model)
        except Exception as exc:
            result.reason = f"the model itself could not compute its outputs: {_short(exc)}"
            continue
        pending[case.id] = {"name": name, "expected": expected, "type": info.type, "case": case}
        if log:
            log(f"  saved {case.id} ({result.seconds:.1f} s)")
        del model
    _load_in_children(family, store.location, pending, results)
    return list(results.values())


def _load_in_children(family: str, location: str, pending: dict, results: dict) -> None:
    todo = list(pending)
    while todo:
        batch, todo = todo[:BATCH], todo[BATCH:]
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump([{"case": cid, "name": pending[cid]["name"]} for cid in batch], f)
        done = subprocess.run(
            [sys.executable, "-m", "tests.conformance.child", family, location, f.name],
            env=python_env(),
            capture_output=True,
            text=True,
        )
        Path(f.name).unlink()
        reported, started = set(), None
        for line in done.stdout.splitlines():
            if not line.startswith("{"):
                continue
            message = json.loads(line)
            if message.get("started"):
                started = message["case"]
                continue
            reported.add(message["case"])
            _judge(pending[message["case"]], message, results[message["case"]])
        if started is not None and started not in reported:  # the child died on this case
            results[started].reason = f"the fresh process died loading it: {done.stderr[-400:]}"
            reported.add(started)
        rest = [cid for cid in batch if cid not in reported]
        if rest and started is None:
            for cid in rest:
                results[cid].reason = f"the fresh process failed: {done.stderr[-400:]}"
            rest = []
        todo = rest + todo


def _judge(saved: dict, message: dict, result: Result) -> None:
    case: Case = saved["case"]
    if message.get("pickle_calls"):
        result.reason = f"pickle used while loading: {message['pickle_calls']}"
    elif "error" in message:
        result.reason = f"saved, but the load failed: {message['error']}"
    elif case.same_class and message["type"] != saved["type"]:
        result.reason = f"loaded as {message['type']}, saved as {saved['type']}"
    else:
        diff = same(saved["expected"], message["outputs"], case.rtol, case.atol)
        if diff:
            result.reason = f"other outputs after loading: {diff}"
        else:
            result.result = ROUND_TRIP


def totals(results: list[Result]) -> dict[str, int]:
    counts = {ROUND_TRIP: 0, REFUSED: 0, FAILURE: 0, NOT_APPLICABLE: 0}
    for r in results:
        counts[r.result] += 1
    return counts
