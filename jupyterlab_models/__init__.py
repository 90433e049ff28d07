"""jupyterlab-models: store the models trained in notebooks, from a JupyterLab panel or Python.

    from jupyterlab_models import ModelStore
    store = ModelStore()
    store.save(clf, "churn")
    clf = store.load("churn")

Importing this package is cheap: no ML library is imported until a model is saved or loaded.
"""

from __future__ import annotations

try:
    from ._version import __version__
except ImportError:  # a source checkout that was never built
    __version__ = "0.0.0"

from .manifest import ModelInfo
from .protocol import ModelsError
from .store import ModelStore

__all__ = ["ModelInfo", "ModelStore", "ModelsError", "__version__"]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyterlab-models"}]
