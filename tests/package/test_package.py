from __future__ import annotations

import json
import subprocess
import sys

import jupyterlab_models
from tests.support.env import python_env


def test_public_api():
    assert jupyterlab_models._jupyter_labextension_paths() == [
        {"src": "labextension", "dest": "jupyterlab-models"}
    ]
    assert jupyterlab_models._jupyter_server_extension_points() == [
        {"module": "jupyterlab_models.server_extension"}
    ]
    assert isinstance(jupyterlab_models.__version__, str) and jupyterlab_models.__version__
    assert {"ModelStore", "ModelInfo", "ModelStoreError"} <= set(jupyterlab_models.__all__)


def test_importing_is_cheap():
    """Importing the package, the kernel module and the CLI loads no ML library (nor IPython)."""
    code = (
        "import json, sys\n"
        "import jupyterlab_models, jupyterlab_models.kernel, jupyterlab_models.cli\n"
        "heavy = ['lightgbm', 'sklearn', 'numpy', 'scipy', 'IPython', 'filelock']\n"
        "print(json.dumps([m for m in heavy if m in sys.modules]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=python_env(), capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == []
