"""Processes killed at random moments and processes racing each other on one store.

- SIGKILL after a random delay (seeded) during the save of an 8 MB model, 20 times on a local
  store and 6 times on S3 (moto_server): the moment and the last step the save reached are
  recorded (`record_property`, and printed with -s). Afterwards the list shows the old state or
  the new complete version, each version loads with its exact content, `verify` passes, `gc`
  removes what the dead save left, and the next save works.
- A save loop racing a delete loop on the same name; loads while new versions are published.

The named crash points (each step of both protocols) and 2 and 4 writers of one name over 20
rounds are in store/test_store_processes.py.
"""

from __future__ import annotations

import json
import os
import random
import signal
import time

import pytest

from jupyterlab_models import ModelStore
from tests.support import fake_format
from tests.support.faults_child import content
from tests.support.faults_util import leftovers
from tests.support.processes import FAULTS_CHILD, Child

SEED = 20261127
SIZE = {"local": 8 << 20, "s3": 2 << 20}  # bytes of the model whose save is killed
KILLS = {"local": 20, "s3": 6}  # a remote run costs ~2 s (the child imports s3fs)


@pytest.fixture(autouse=True)
def _fake_format(monkeypatch):
    fake_format.register(monkeypatch)


def _spawn(args: list[str], env: dict[str, str]) -> Child:
    return Child(args, env, module=FAULTS_CHILD)


def _rest(child: Child) -> list[str]:
    """Every line the (dead) child printed after what was read."""
    data = child.buffer + child.process.stdout.read()
    return data.decode().splitlines()


def _check(store: ModelStore, expected: dict[int, str], size: int) -> None:
    """Only complete versions are listed; the latest holds exactly what was saved there
    (the load checks every file's sha256)."""
    assert {v.version: v.description for v in store.versions("m")} == expected
    assert [(m.name, m.version) for m in store.list()] == [("m", max(expected)), ("other", 1)]
    latest = max(expected)
    assert store.load("m", latest) == content(expected[latest], size if latest > 1 else 1000)


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_save_killed_at_random_moments(store_url_for, child_env, scratch, backend, record_property):
    url = store_url_for(backend)
    env = child_env()
    store = ModelStore(url)
    store.save(content("m-1", 1000), "m", description="m-1")
    store.save(content("other", 1000), "other", description="other")
    expected = {1: "m-1"}

    # How long one save takes here, from START to DONE, and when it reaches its first step
    # (before it, a remote save lists the store): the kills land between the two.
    size = SIZE[backend]
    child = _spawn(["save", url, "m", str(size), "m-2"], env)
    assert child.line() == "START"
    started = time.monotonic()
    first_step = None
    while not child.line().startswith("DONE"):
        first_step = first_step or time.monotonic() - started
    duration = time.monotonic() - started
    child.kill()
    assert first_step is not None
    expected[2] = "m-2"

    rng = random.Random(SEED)
    log = []
    for run in range(KILLS[backend]):
        tag = f"m-kill-{run}"
        child = _spawn(["save", url, "m", str(size), tag], env)
        assert child.line() == "START"
        seen = []  # steps already read
        if backend == "s3":
            # A fresh process's first S3 request (client, credentials) takes a varying time:
            # count from the first step, so the kills land in the upload and publication.
            assert child.line() == "AT format_writing"
            seen.append("format_writing")
            delay = rng.uniform(0, (duration - first_step) * 1.1)
        else:
            delay = rng.uniform(first_step / 2, duration * 1.1)
        time.sleep(delay)
        os.kill(child.process.pid, signal.SIGKILL)
        assert child.process.wait(30) == -signal.SIGKILL
        lines = _rest(child)
        child.process.stderr.close()
        points = seen + [line.split()[1] for line in lines if line.startswith("AT ")]
        done = [int(line.split()[1]) for line in lines if line.startswith("DONE")]
        last = "done" if done else (points[-1] if points else "before the first step")
        log.append({"run": run, "delay_s": round(delay, 4), "last_step": last})

        versions = [v.version for v in store.versions("m")]
        new = max(expected) + 1
        if done or "published" in points:
            assert versions == [*expected, new], log[-1]
        elif "manifest_written" not in points and "uploaded" not in points:
            assert versions == list(expected), log[-1]  # the rename/PUT was not reached
        else:  # killed between the last step printed and the publication: either state
            assert versions in (list(expected), [*expected, new]), log[-1]
        if versions[-1] == new:
            expected[new] = tag
        _check(store, expected, size)
        store.gc(older_than=0)
        assert leftovers(store, scratch) == [], log[-1]

    record_property("kills", json.dumps(log))
    report = store.verify()  # every version, every file re-hashed
    assert report.ok and len(report.checked) == len(expected) + 1, report.bad
    print(f"\n{backend}: save of {size} bytes takes {duration:.3f} s; kills: {log}")
    reached = {entry["last_step"] for entry in log}
    # The kills spread over the save: not all before it started writing nor all after it.
    assert len(reached) >= 2 and reached != {"done", "before the first step"}, log
    # The lock is free and the next save takes the next number.
    assert store.save(content("next", 1000), "m", description="next").version == max(expected) + 1


# --- writers racing ---------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_save_and_delete_race(store_url_for, child_env, scratch, backend):
    """One process saves a name 15 times while another deletes it 15 times."""
    url = store_url_for(backend)
    env = child_env()
    saver = _spawn(["saves", url, "m", "15", str(1 << 20), "s"], env)
    saved: dict[int, str] = {}  # the last description saved at each version number
    first = saver.line().split()
    saved[int(first[1])] = first[2]
    deleter = _spawn(["deletes", url, "m", "15"], env)  # once there is something to delete
    for _ in range(14):
        tag, version, description = saver.line().split()
        assert tag == "SAVED"
        saved[int(version)] = description
    outcomes = [deleter.line() for _ in range(15)]
    saver.finish()
    deleter.finish()
    assert any(o.startswith("DELETED") for o in outcomes), outcomes

    store = ModelStore(url)
    try:
        versions = store.versions("m")
    except Exception as exc:  # everything was deleted at the end: then nothing is listed
        assert getattr(exc, "code", None) == "not_found"
        versions = []
        assert store.list() == []
    for info in versions:
        assert info.description == saved[info.version]
        assert store.load("m", info.version) == content(info.description, 1 << 20)
    assert store.verify().ok
    store.gc(older_than=0)
    assert leftovers(store, scratch) == []
    # afterwards the name works as new
    assert store.save(content("after", 1000), "m", description="after").version >= 1


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_loads_while_versions_are_published(store_url_for, child_env, scratch, backend):
    """Loads of the latest version, in this process, while a child publishes 4 more: every
    load returns a complete version whose content matches its manifest."""
    url = store_url_for(backend)
    env = child_env()
    store = ModelStore(url)
    store.save(content("p-start", 1 << 20), "m", description="p-start")
    saver = _spawn(["saves", url, "m", "4", str(2 << 20), "p"], env)
    seen, loads = set(), 0
    while saver.process.poll() is None or loads < 5:
        obj, info, _ = store.load_with_info("m")
        size = 1 << 20 if info.description == "p-start" else 2 << 20
        assert obj == content(info.description, size), info.version
        seen.add(info.version)
        loads += 1
    saver.finish()
    assert len(seen) >= 2, f"the loads never saw a new version: {seen}"
    assert [v.version for v in store.versions("m")] == list(range(1, 6))
    assert store.verify().ok
    assert leftovers(store, scratch) == []
