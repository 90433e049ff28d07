"""A child Python that acts as another user (faults/test_faults_team.py).

    python -m tests.support.team_child SPEC CODE

SPEC is JSON: {"uid", "gid", "groups" (supplementary), "umask" (an int), "remote" (bool)}.
The child starts as root and becomes that user with that umask before it runs CODE, so every
file system call of CODE is checked against the user's rights by the kernel. The switch
happens in this process, not before `exec`, because the interpreter may live where only root
can read (pyenv under /root): every module CODE needs is imported first, and the store's
operations are run once on a scratch store of root's own (a local one, and a memory:// one
if "remote"), so that nothing is imported after the switch.

CODE runs with `ModelStore`, `ModelStoreError`, `faults`, `cli`, `list_cache`, `fake_format`,
`blob(text)` (the test format's model whose content follows from `text`), `os`, `time`, `io`
and `contextlib` at hand, and sets `result`, printed as JSON on the last line. A
`ModelStoreError` or `OSError` is printed as `{"error": [code or type, message]}` instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import pwd  # noqa: F401  (for location.py, which names the owner of a store it refuses)
import shutil
import sys
import tempfile
import time

from jupyterlab_models import ModelStore, ModelStoreError, cli, faults
from jupyterlab_models.location import resolve_location
from jupyterlab_models.storage import list_cache
from tests.support import fake_format


def blob(text: str) -> fake_format.Blob:
    seed = hashlib.sha256(text.encode()).digest()
    return fake_format.Blob(seed * 64, parts=3)


def warm_up(remote: bool) -> None:
    """Every operation once, on a store of root's own: whatever they import lazily is
    imported now."""
    scratch = tempfile.mkdtemp(prefix="jupyterlab-models-team-warm-up-")
    try:
        store = ModelStore(os.path.join(scratch, "store"))
        if remote:
            remote_store = ModelStore(f"memory://team-warm-up-{os.getpid()}")
            remote_store.save(blob("r"), "m")
            remote_store.load("m")
            remote_store.delete("m")
            remote_store.gc(0)
        for text in ("a", "b"):
            store.save(blob(text), "m")
        store.load("m", 1)
        store.list_with_counts()
        store.verify()
        store.delete("m", 1)
        store.delete("m")
        store.gc(0)
        list_cache.forget_all()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            for argv in (["list"], ["list", "--json"], ["info", "gone"]):
                cli.main([*argv, "--store", store.location])
        resolve_location(None)
        try:
            ModelStore(os.path.join(scratch, "missing")).load("m")
        except ModelStoreError:
            pass
    finally:
        shutil.rmtree(scratch)
        list_cache.forget_all()


def main(argv: list[str]) -> None:
    spec, code = json.loads(argv[0]), argv[1]
    fake_format.register()
    warm_up(spec.get("remote", False))
    os.setgroups(spec["groups"])
    os.setgid(spec["gid"])
    os.setuid(spec["uid"])  # as root: the real, effective and saved ids, for good
    os.umask(spec["umask"])
    namespace = {
        "ModelStore": ModelStore,
        "ModelStoreError": ModelStoreError,
        "faults": faults,
        "cli": cli,
        "fake_format": fake_format,
        "list_cache": list_cache,
        "blob": blob,
        "os": os,
        "time": time,
        "io": io,
        "contextlib": contextlib,
        "result": None,
    }
    try:
        exec(compile(code, "<team child>", "exec"), namespace)  # the test's own code
        result = namespace["result"]
    except ModelStoreError as exc:
        result = {"error": [exc.code, exc.message]}
    except OSError as exc:
        result = {"error": [type(exc).__name__, str(exc)]}
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
