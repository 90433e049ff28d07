"""Real processes on one store: writers of the same name at the same time, and saves and
deletes killed with SIGKILL at each step of their protocol (tests/support/store_child.py).

After a kill the list shows only complete models, `verify` passes, `gc` removes what the dead
process left, and the next save works (no lock is left held) and takes the next number.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from jupyterlab_models import ModelStore
from tests.support import fake_format
from tests.support.processes import Child
from tests.support.store_backends import PROCESS_BACKENDS
from tests.support.store_child import blob
from tests.support.store_raw import is_remote, raw_files

# Rounds of concurrent saves per backend: an S3 save costs moto ~0.4 s.
ROUNDS = {"local": 20, "s3": 4}
SAVES_PER_ROUND = 1


@pytest.fixture(autouse=True)
def _fake_format(monkeypatch):
    fake_format.register(monkeypatch)  # to load what the children saved


def no_leftovers(store: ModelStore, scratch: Path) -> bool:
    files = raw_files(store)
    if any(p.startswith((".staging/", ".trash/")) for p in files):
        return False
    if [p for p in scratch.rglob("*") if p.parent != scratch]:  # a save's scratch directory
        return False
    versions = {tuple(p.split("/")[:2]) for p in files if p.count("/") >= 2 and p[0] != "."}
    return all(f"{n}/{v}/manifest.json" in files for n, v in versions)


@pytest.mark.parametrize("backend", PROCESS_BACKENDS)
@pytest.mark.parametrize("writers", [2, 4])
def test_writers_of_one_name_all_land(
    store_url_for, child_env, scratch, tmp_path, backend, writers
):
    """`writers` processes released together by a barrier file, round after round: every save
    is a distinct complete version, numbered without gaps, holding what its writer saved."""
    shared_store_url, rounds = store_url_for(backend), ROUNDS[backend]
    env = child_env()
    go = tmp_path / "go"
    go.mkdir()
    children = [
        Child(
            ["save", shared_store_url, "m", str(rounds), str(SAVES_PER_ROUND), f"w{i}", str(go)],
            env,
        )
        for i in range(writers)
    ]
    store = ModelStore(shared_store_url)
    saved: dict[int, str] = {}  # version -> description of what was saved there
    try:
        for r in range(rounds):
            assert [child.line() for child in children] == [f"READY {r}"] * writers
            (go / f"go-{r}").touch()  # all at once
            for i, child in enumerate(children):
                tag, done, versions = child.line().split(" ", 2)
                assert (tag, done) == ("DONE", str(r))
                for j, version in enumerate(json.loads(versions)):
                    assert version not in saved, f"version {version} taken twice"
                    saved[version] = f"w{i}-{r}-{j}"
            # every save of the round landed, with consecutive numbers
            assert sorted(saved) == list(range(1, len(saved) + 1))
        for child in children:
            child.finish()
    except BaseException:
        for child in children:
            child.kill()
        raise

    assert len(saved) == rounds * writers * SAVES_PER_ROUND
    versions = store.versions("m")
    assert [v.version for v in versions] == sorted(saved)
    for info in versions:  # nothing lost or overwritten: each version holds what its writer saved
        assert info.description == saved[info.version]
        assert store.load("m", info.version) == blob(saved[info.version])
    assert [(m.name, m.version) for m in store.list()] == [("m", len(saved))]
    assert no_leftovers(store, scratch)  # each load above checked every file's sha256


# Where a save or a delete can be killed, in order; the version is published at "published".
LOCAL_SAVE = ["format_writing", "staged", "hashed", "manifest_written", "published"]
REMOTE_SAVE = ["format_writing", "staged", "claimed", "uploading", "uploaded", "published"]
CASES = (
    [("local", "save", point) for point in LOCAL_SAVE]
    + [("local", "delete", "trashed")]
    + [("s3", "save", point) for point in REMOTE_SAVE]
    + [("s3", "delete", "unpublished")]
)


@pytest.mark.parametrize("backend, action, point", CASES, ids=["-".join(c) for c in CASES])
def test_killed_at_any_point(store_url_for, child_env, scratch, backend, action, point):
    url = store_url_for(backend)
    env = child_env()  # with the S3 settings, now that they are set
    store = ModelStore(url)
    store.save(blob("one"), "m", description="one")
    store.save(blob("two"), "m", description="two")
    store.save(blob("other"), "other", description="other")

    args = ["crash", url, "m", point, action] + (["2"] if action == "delete" else [])
    child = Child(args, env)
    assert child.line() == f"AT {point}"  # the child stopped exactly there
    assert child.kill() == -signal.SIGKILL

    # Only complete models are listed, and each loads.
    if action == "save":
        expected = [1, 2, 3] if point == "published" else [1, 2]
    else:
        expected = [1]  # the version disappeared at the first step of its delete
    assert [v.version for v in store.versions("m")] == expected
    assert [(m.name, m.version) for m in store.list()] == [("m", expected[-1]), ("other", 1)]
    for info in store.versions("m"):
        assert store.load("m", info.version) == blob(info.description)
    report = store.verify()
    assert report.ok and len(report.checked) == len(expected) + 1

    # gc removes what the dead process left; then nothing is left over.
    store.gc(older_than=0)
    assert no_leftovers(store, scratch)
    assert store.verify().incomplete == []
    # The per-name lock is free and the next number follows every number given: a deleted
    # version's (2) is never given again (#16).
    highest_given = 2 if action == "delete" else expected[-1]
    started = time.monotonic()
    assert store.save(blob("next"), "m", description="next").version == highest_given + 1
    assert time.monotonic() - started < 30
    assert store.load("m") == blob("next")
    if not is_remote(store):
        assert os.listdir(os.path.join(store.location, ".staging")) == []
