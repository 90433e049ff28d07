"""A child process of the fault suite (tests/faults/test_faults_*.py), saving and deleting on
a store that the test process watches, kills or races against.

    python -m tests.support.faults_child save URL NAME SIZE TAG
        print "START", save one blob of SIZE bytes (description TAG), print "DONE <version>"
        and wait to be killed;
        every crash point reached on the way is printed as "AT <point>" first
    python -m tests.support.faults_child saves URL NAME COUNT SIZE TAG
        save COUNT blobs of SIZE bytes (descriptions TAG-0, TAG-1, ...), printing
        "SAVED <version> <description>" after each
    python -m tests.support.faults_child deletes URL NAME COUNT
        delete NAME COUNT times, printing "DELETED [versions]" or "MISSING" for each

The content of a blob follows from its description (`content`), so that whoever loads a
version can check that it holds exactly what was saved there.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time

from jupyterlab_models import ModelStore, ModelStoreError, faults
from tests.support import fake_format


def content(description: str, size: int) -> fake_format.Blob:
    seed = hashlib.sha256(description.encode()).digest()
    data = (seed * (size // len(seed) + 1))[:size]
    return fake_format.Blob(data, parts=4)


def main(argv: list[str]) -> None:
    mode, url, name = argv[:3]
    fake_format.register()
    store = ModelStore(url)
    if mode == "save":
        size, tag = int(argv[3]), argv[4]

        def crash_point(reached: str) -> None:
            print(f"AT {reached}", flush=True)

        faults.set_handler(crash_point)
        blob = content(tag, size)
        print("START", flush=True)
        print(f"DONE {store.save(blob, name, description=tag).version}", flush=True)
        time.sleep(600)  # killed by the test, like the runs killed earlier
    elif mode == "saves":
        count, size, tag = int(argv[3]), int(argv[4]), argv[5]
        for i in range(count):
            description = f"{tag}-{i}"
            info = store.save(content(description, size), name, description=description)
            print(f"SAVED {info.version} {description}", flush=True)
    elif mode == "deletes":
        for _ in range(int(argv[3])):
            try:
                print(f"DELETED {json.dumps(store.delete(name))}", flush=True)
            except ModelStoreError as exc:
                if exc.code != "not_found":
                    raise
                print("MISSING", flush=True)
            time.sleep(0.01)
    else:
        raise ValueError(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
