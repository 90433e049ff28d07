from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def python_env() -> dict[str, str]:
    """Environment for child Pythons (kernels, clean interpreters): this checkout is importable
    even when the package is not installed; an installed copy works the same."""
    env = {k: v for k, v in os.environ.items() if k != "JUPYTERLAB_MODELS_STORE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


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
