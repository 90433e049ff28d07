"""Where things are, and the environment of child Pythons."""

from __future__ import annotations

import os
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"
GOLDEN = TESTS / "golden"
# The golden stores: schema 1 (sha256, as written before BLAKE3), then the formats added since.
GOLDEN_STORES = (GOLDEN / "store", GOLDEN / "store-blake3")


def python_env() -> dict[str, str]:
    """Environment for child Pythons (kernels, clean interpreters): this checkout is importable
    even when the package is not installed; an installed copy works the same. The repository
    root on PYTHONPATH makes the `tests` package importable too (`python -m tests.support...`)."""
    env = {k: v for k, v in os.environ.items() if k != "JUPYTERLAB_MODELS_STORE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env
