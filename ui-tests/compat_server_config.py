"""Server of the compatibility smoke test: a fresh temporary root, no token, allowed as root.

Independent of `jupyterlab.galata` (whose helpers differ between JupyterLab releases): only
ServerApp options that every jupyter_server 2 knows.
"""

import os
import tempfile

c.ServerApp.port = int(os.environ.get("JUPYTERLAB_MODELS_TEST_PORT", "8893"))  # noqa: F821
c.ServerApp.port_retries = 0  # noqa: F821
c.ServerApp.open_browser = False  # noqa: F821
c.ServerApp.allow_root = True  # noqa: F821
c.ServerApp.root_dir = tempfile.mkdtemp(prefix="jlm-compat-")  # noqa: F821
c.IdentityProvider.token = ""  # noqa: F821
c.ServerApp.password = ""  # noqa: F821
c.ServerApp.disable_check_xsrf = True  # noqa: F821
c.LabApp.news_url = None  # noqa: F821
# Settings and workspaces of this run only (the user's would restore another layout).
c.LabServerApp.user_settings_dir = tempfile.mkdtemp(prefix="jlm-compat-settings-")  # noqa: F821
c.LabServerApp.workspaces_dir = tempfile.mkdtemp(prefix="jlm-compat-workspaces-")  # noqa: F821
