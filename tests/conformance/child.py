"""The fresh Python that loads a family's saved cases with pickle blocked (installed before any
library is imported, as tests/faults/test_faults_security.py does) and prints, one JSON line
per case, the loaded class and what it computes; or the error of its load.

python -m tests.conformance.child FAMILY STORE JOBS.json
"""

import sys

from tests.support.pickle_guard import CALLS, LOADING  # first: before any library is imported


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
