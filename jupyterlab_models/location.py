"""Where the store is, first that applies:

1. the explicit location (`ModelStore(location)`, the JupyterLab setting, `--store`);
2. the `JUPYTERLAB_MODELS_STORE` environment variable;
3. `<server root>/.jupyterlab-models`, when the Jupyter server root is known (in the panel);
4. otherwise (plain Python, CLI): the nearest `.jupyterlab-models/` directory in the current
   directory or one of its parents, so that code in a sub-folder of a project finds the
   project's store (as git finds `.git`);
5. else `<current directory>/.jupyterlab-models`.

A location may be a path or a URL. For a path, `~` is expanded and a relative path is taken
from the server root when known, else from the current directory; `file://` URLs are paths.
Any other URL (`s3://...`, `memory://...`) is used as it is, through fsspec.
"""

from __future__ import annotations

import os

from .storage import is_url

ENV_VAR = "JUPYTERLAB_MODELS_STORE"
DEFAULT_DIR = ".jupyterlab-models"


def resolve_location(setting: str | None = None, server_root: str | None = None) -> str:
    """The store location: an absolute path, or a URL."""
    base = os.path.expanduser(server_root) if server_root else os.getcwd()
    location = setting or os.environ.get(ENV_VAR)
    if not location:
        if server_root:
            location = os.path.join(base, DEFAULT_DIR)
        else:
            location = _find_upwards(base) or os.path.join(base, DEFAULT_DIR)
    if location.startswith(("file://", "local://")):
        location = location.split("://", 1)[1]
    elif is_url(location):
        return location
    return os.path.abspath(os.path.join(base, os.path.expanduser(location)))


def _find_upwards(start: str) -> str | None:
    directory = os.path.abspath(start)
    while True:
        candidate = os.path.join(directory, DEFAULT_DIR)
        if os.path.isdir(candidate):
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent
