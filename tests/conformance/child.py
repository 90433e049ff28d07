"""The fresh Python that loads a family's saved cases with pickle blocked (installed before any
library is imported, as tests/faults/test_faults_security.py does) and prints, one JSON line
per case, the loaded class and what it computes; or the error of its load.

python -m tests.conformance.child FAMILY STORE JOBS.json
"""

import _pickle
import pickle
import sys

LOADING = [False]
CALLS: list = []


def _guard(module, name):
    original = getattr(module, name)

    def guarded(*args, **kwargs):
        if LOADING[0]:
            CALLS.append(f"{module.__name__}.{name}")
            raise RuntimeError(f"{module.__name__}.{name} called while loading a model")
        return original(*args, **kwargs)

    return guarded


def _guard_class(module):
    original = module.Unpickler

    class Unpickler(original):  # libraries subclass it at import time: keep it a class
        def __init__(self, *args, **kwargs):
            if LOADING[0]:
                CALLS.append(f"{module.__name__}.Unpickler")
                raise RuntimeError(f"{module.__name__}.Unpickler used while loading")
            super().__init__(*args, **kwargs)

    return Unpickler


for _module in (pickle, _pickle):
    for _name in ("load", "loads"):
        setattr(_module, _name, _guard(_module, _name))
    _module.Unpickler = _guard_class(_module)


def main(family: str, store_path: str, jobs_path: str) -> None:
    import importlib
    import json
    import traceback

    from jupyterlab_models import ModelStore, ModelStoreError

    from .runner import family_cases

    cases = {case.id: case for case in family_cases(family)}
    store = ModelStore(store_path)
    with open(jobs_path) as f:
        jobs = json.load(f)
    for job in jobs:
        print(json.dumps({"case": job["case"], "started": True}), flush=True)
        case = cases[job["case"]]
        result: dict = {"case": job["case"]}
        try:
            for module in case.extra.get("imports", ()):  # what the user imports first
                importlib.import_module(module)
            LOADING[0] = True
            try:
                model = store.load(job["name"])
            except ModelStoreError as exc:
                if exc.code != "untrusted":
                    raise
                model = store.load(job["name"], trusted=exc.details["untrusted"])
            LOADING[0] = False
            result["type"] = f"{type(model).__module__}.{type(model).__qualname__}"
            result["outputs"] = case.outputs(model)
        except BaseException as exc:
            lines = traceback.format_exception_only(type(exc), exc)
            result["error"] = "".join(lines).strip()[-600:]
        finally:
            LOADING[0] = False
        result["pickle_calls"] = list(CALLS)
        CALLS.clear()
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
