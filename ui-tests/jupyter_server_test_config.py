"""Server used by the Galata tests: a fresh temporary root, no token, allowed as root.

`make test-ui` installs two more kernels under .make/test-kernels (seen by this server only):
Bash (a real non-Python kernel) and a Python kernel from a virtual environment without
jupyterlab-models, so that the panel's explanations of both are tested against real kernels.
"""

import os

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821
c.ServerApp.allow_root = True  # noqa: F821

_HERE = os.path.dirname(os.path.abspath(__file__))
_TEST_KERNELS = os.path.join(_HERE, "..", ".make", "test-kernels", "share", "jupyter", "kernels")
# KernelSpecManager.kernel_dirs is not configurable; it is read from JUPYTER_PATH when the
# server makes its KernelSpecManager, after this file.
os.environ["JUPYTER_PATH"] = os.pathsep.join(
    p
    for p in (os.path.normpath(os.path.join(_TEST_KERNELS, "..")), os.environ.get("JUPYTER_PATH"))
    if p
)
# The notebook test runs the same server as `jupyter notebook` beside this one.
if os.environ.get("JUPYTERLAB_MODELS_TEST_PORT"):
    c.ServerApp.port = int(os.environ["JUPYTERLAB_MODELS_TEST_PORT"])  # noqa: F821
