"""Fixtures of every area. Helpers are in tests/support/ (`from tests.support import ...`);
nothing imports this file."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from tests.support.env import python_env
from tests.support.kernel import TIMEOUT, Client
from tests.support.store_backends import (
    BACKENDS,
    KEY_ID,
    PROCESS_BACKENDS,
    SECRET,
    S3Server,
    make_url,
)


@pytest.fixture(autouse=True)
def _no_store_env(monkeypatch):
    monkeypatch.delenv("JUPYTERLAB_MODELS_STORE", raising=False)


@pytest.fixture(scope="session")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(np.int64)
    return X, y


@pytest.fixture(scope="session")
def clf(data):
    import lightgbm

    X, y = data
    return lightgbm.LGBMClassifier(n_estimators=5, num_leaves=4, verbose=-1).fit(X, y)


@pytest.fixture
def store(tmp_path):
    from jupyterlab_models import ModelStore

    return ModelStore(tmp_path / "store")


# --- stores on every backend (tests/support/store_backends.py) ----------------------------


@pytest.fixture(scope="session")
def s3_endpoint():
    yield S3Server.start()
    S3Server.stop()


@pytest.fixture
def store_url_for(request, tmp_path):
    """A function: backend name ("local", "memory", "s3") -> a fresh store location."""
    return lambda backend: make_url(backend, tmp_path, request)


@pytest.fixture(params=BACKENDS)
def any_store_url(request, tmp_path):
    """A fresh, empty store location on each backend."""
    return make_url(request.param, tmp_path, request)


@pytest.fixture(params=[b for b in BACKENDS if b != "local"])
def remote_store(request, tmp_path):
    """A fresh, empty store on each object-storage backend."""
    from jupyterlab_models import ModelStore

    return ModelStore(make_url(request.param, tmp_path, request))


@pytest.fixture(params=PROCESS_BACKENDS)
def shared_store_url(request, tmp_path):
    """A fresh store location that other processes can open too."""
    return make_url(request.param, tmp_path, request)


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """A temp directory of its own, where remote saves and loads stage their files, here and
    in child processes (TMPDIR)."""
    import tempfile

    directory = tmp_path / "tmp"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    monkeypatch.setenv("TMPDIR", str(directory))
    return directory


@pytest.fixture
def any_store(any_store_url):
    """A ModelStore on each backend."""
    from jupyterlab_models import ModelStore

    return ModelStore(any_store_url)


@pytest.fixture
def child_env(monkeypatch):
    """A function giving the environment for child processes: this checkout (and so the
    `tests` package, for `python -m tests.support.store_child`) importable, and the S3
    settings of the running test (if any)."""

    def make() -> dict[str, str]:
        return python_env()

    return make


@pytest.fixture
def s3_secret():
    """The secret access key of the S3 test server's credentials."""
    return SECRET


@pytest.fixture
def s3_key_id():
    """The access key id of the S3 test server's credentials."""
    return KEY_ID


# --- a real kernel (tests/support/kernel.py) ---------------------------------------------


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """A real ipykernel of this module's tests alone, driven through jupyter_client."""
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    # A kernel spec of our own, so that the kernel runs this very Python and finds this checkout.
    spec_dir = tmp_path_factory.mktemp("kernels") / "jlm-test"
    spec_dir.mkdir()
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = {"argv": argv, "display_name": "jlm test", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    km = KernelManager(
        kernel_name="jlm-test",
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec_dir.parent)]),
    )
    km.start_kernel(env=python_env(), cwd=str(tmp_path_factory.mktemp("cwd")))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=TIMEOUT)
        yield Client(kc)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.fixture
def inject_faults():
    """`inject_faults(handler)`: the store calls `handler(point)` at each of its fault points
    (jupyterlab_models/faults.py) until the test ends."""
    from jupyterlab_models import faults

    previous = []

    def inject(handler):
        previous.append(faults.set_handler(handler))

    yield inject
    if previous:
        faults.set_handler(previous[0])
