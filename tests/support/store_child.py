"""A child process of the concurrency and crash tests (store/test_store_processes.py).

    python -m tests.support.store_child save URL NAME ROUNDS COUNT TAG GO_DIR
        for each round r: print "READY r", wait until GO_DIR/go-r exists, save COUNT blobs
        as NAME (descriptions TAG-r-0, TAG-r-1, ...), print "DONE r [versions...]"
    python -m tests.support.store_child crash URL NAME POINT save|delete [VERSION]
        save a blob (or delete NAME / its VERSION); on reaching the crash point POINT, print
        "AT POINT" and wait to be killed

The S3 settings come from the environment, as for any process.
"""

from __future__ import annotations

import json
import os
import sys
import time

from jupyterlab_models import ModelStore, faults
from tests.support import fake_format


def blob(description: str) -> fake_format.Blob:
    """What a child saves under `description`: the test can check every version's content."""
    return fake_format.Blob((description * 500).encode(), parts=3)


def main(argv: list[str]) -> None:
    mode, url, name = argv[:3]
    fake_format.register()
    store = ModelStore(url)
    if mode == "save":
        rounds, count, tag, go = int(argv[3]), int(argv[4]), argv[5], argv[6]
        for r in range(rounds):
            print(f"READY {r}", flush=True)
            while not os.path.exists(os.path.join(go, f"go-{r}")):
                time.sleep(0.002)
            versions = []
            for i in range(count):
                description = f"{tag}-{r}-{i}"
                versions.append(
                    store.save(blob(description), name, description=description).version
                )
            print(f"DONE {r} {json.dumps(versions)}", flush=True)
    elif mode == "crash":
        point, action = argv[3], argv[4]

        def crash_point(reached: str) -> None:
            if reached == point:
                print(f"AT {point}", flush=True)
                time.sleep(600)

        faults.set_handler(crash_point)
        if action == "save":
            store.save(blob("crash"), name, description="crash")
        else:
            store.delete(name, int(argv[5]) if len(argv) > 5 else None)
        print("FINISHED without reaching the point", flush=True)
    else:
        raise ValueError(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
