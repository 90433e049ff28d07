"""Where the store is, first that applies:

1. the explicit location (`ModelStore(location)`, the JupyterLab setting, `--store`);
2. the `JUPYTERLAB_MODELS_STORE` environment variable;
3. `<server root>/.jupyterlab-models`, when the Jupyter server root is known (in the panel);
4. otherwise (plain Python, CLI): the nearest `.jupyterlab-models/` directory in the current
   directory or one of its parents, so that code in a sub-folder of a project finds the
   project's store (as git finds `.git`). One that another user owns, or that every user may
   write, is refused (`bad_request`), as git refuses a repository another user owns
   (`safe.directory`): that user could hand you their models to load or take the ones you
   save. A team store (its group may write it) owned by a teammate is refused too. Each of
   them is used when given explicitly (1. or 2.);
5. else `<current directory>/.jupyterlab-models`.

A location may be a path or a URL. For a path, `~` is expanded and a relative path is taken
from the server root when known, else from the current directory; `file://` URLs are paths.
Any other URL (`s3://...`, `memory://...`) is used as it is, through fsspec.
"""

from __future__ import annotations

import os
import stat

from .protocol import BAD_REQUEST, ModelStoreError
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
            _check_trusted(candidate, directory == os.path.abspath(start))
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _check_trusted(candidate: str, here: bool) -> None:
    """Refuse a store found by searching that another user controls (see the module's
    docstring). A link is judged with what it points to: both must pass."""
    if not hasattr(os, "geteuid"):
        return  # Windows: no owners to compare by uid
    for st in (os.lstat(candidate), os.stat(candidate)):
        link = stat.S_ISLNK(st.st_mode)  # a link's own mode means nothing
        if st.st_uid != os.geteuid():
            owner = f"owned by another user ({_user(st.st_uid)})"
            if st.st_mode & stat.S_IWGRP and not link:
                problem = f"is a team store (its group may write it) {owner}"
                reason = "a team store found by searching is used only when given explicitly"
            else:
                problem = f"is {owner}"
                reason = "whoever controls it could hand you their models or take yours"
        elif st.st_mode & stat.S_IWOTH and not link:
            problem = "is writable by every user"
            reason = "anyone could hand you their models or take yours"
        else:
            continue
        where = "in the current directory" if here else "in a parent of the current directory"
        raise ModelStoreError(
            BAD_REQUEST,
            f"the store {candidate}, found {where}, {problem}, so it is not used: {reason}. "
            f"To use it on purpose, give it explicitly: ModelStore({candidate!r}) in Python, "
            f"--store {candidate} for jupyter models, or the environment variable "
            f"{ENV_VAR}={candidate}",
        )


def _user(uid: int) -> str:
    try:
        import pwd

        return f"{pwd.getpwuid(uid).pw_name}, uid {uid}"
    except (ImportError, KeyError):
        return f"uid {uid}"
