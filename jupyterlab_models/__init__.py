"""jupyterlab-models: store the models trained in notebooks, from a JupyterLab panel or Python.

    from jupyterlab_models import ModelStore
    store = ModelStore()                 # or ModelStore("s3://bucket/prefix")
    store.save(clf, "churn")             # version 1, then 2, ...
    clf = store.load("churn")            # the latest version

    from jupyterlab_models import save_model, load_model, list_models, delete_model

Importing this package is cheap: no ML library is imported until a model is saved or loaded.
"""

from __future__ import annotations

try:
    from ._version import __version__
except ImportError:  # a source checkout that was never built
    __version__ = "0.0.0"

from .manifest import ModelInfo
from .protocol import ModelStoreError
from .reports import VerifyReport
from .store import (
    ModelStore,
    delete_model,
    list_models,
    load_model,
    save_model,
)

__all__ = [
    "ModelInfo",
    "ModelStore",
    "ModelStoreError",
    "VerifyReport",
    "__version__",
    "delete_model",
    "list_models",
    "load_model",
    "save_model",
]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyterlab-models"}]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    # server_extension.py: kernel websockets without Nagle's algorithm, a log line on an
    # unsupported JupyterLab (no other server side)
    return [{"module": "jupyterlab_models.server_extension"}]
