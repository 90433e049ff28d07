"""Server used by the Galata tests: a fresh temporary root, no token, allowed as root."""

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821
c.ServerApp.allow_root = True  # noqa: F821
