"""The JupyterLab server of the browser benchmark (benchmarks/p4p5_browser.py): port 8890, no
token, the app exposed to the page (window.jupyterapp) and Galata's helper extension loaded, as
Galata's own configure_jupyter_server sets up, but with its folders given by the benchmark
(BENCH_ROOT_DIR, BENCH_WORKSPACES_DIR) so that nothing is left behind."""

import os
from pathlib import Path

import jupyterlab.galata

c = get_config()  # noqa: F821
c.ServerApp.port = int(os.environ.get("BENCH_PORT", "8890"))
c.ServerApp.port_retries = 0
c.ServerApp.open_browser = False
c.ServerApp.allow_root = True
c.ServerApp.root_dir = os.environ["BENCH_ROOT_DIR"]
c.LabApp.workspaces_dir = os.environ["BENCH_WORKSPACES_DIR"]
c.LabServerApp.extra_labextensions_path = str(Path(jupyterlab.galata.__file__).parent)
c.IdentityProvider.token = ""
c.ServerApp.password = ""
c.ServerApp.disable_check_xsrf = True
c.LabApp.expose_app_in_browser = True
if os.environ.get("BENCH_STOCK_SERVER"):
    # p4p5_browser.py --stock: without jupyterlab_models' server extension (Nagle on)
    c.ServerApp.jpserver_extensions.update({"jupyterlab_models": False})
