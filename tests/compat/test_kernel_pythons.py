"""The kernel side on the oldest and newest Pythons the package supports, with ipykernel 6 and 7
(issue #20): a real kernel of each environment of scripts/kernel-pythons.sh (`make
kernel-pythons`), driven through jupyter_client as the panel drives it. Each environment has
the built wheel installed, not this checkout: pip checked requires-python and resolved the
dependencies for that Python.

A missing environment fails the test (it is never skipped): run `make kernel-pythons`.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from tests.support.kernel import Client

ROOT = Path(__file__).resolve().parents[2] / ".make" / "kernel-pythons"
# (Python, ipykernel major): ipykernel 7 needs Python >= 3.10.
ENVIRONMENTS = [("3.9", 6), ("3.13", 6), ("3.13", 7)]
TIMEOUT = 120

TRAIN = textwrap.dedent(
    """
    import lightgbm, numpy as np
    X = np.random.default_rng(0).normal(size=(80, 3))
    booster = lightgbm.train({"verbose": -1}, lightgbm.Dataset(X, X[:, 0]), num_boost_round=4)
    """
)


@pytest.fixture(params=ENVIRONMENTS, ids=lambda e: f"python{e[0]}-ipykernel{e[1]}")
def environment(request, tmp_path):
    """(python, ipykernel major, a Client of a kernel running that environment's Python)."""
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    minor, ipykernel = request.param
    venv = ROOT / f"py{minor}-ipykernel{ipykernel}"
    python = venv / "bin" / "python"
    if not python.exists():
        pytest.fail(f"{venv} is missing: run `make kernel-pythons` first")
    spec_dir = tmp_path / "kernels" / "jlm-compat"
    spec_dir.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = {"argv": argv, "display_name": "jlm compat", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    km = KernelManager(
        kernel_name="jlm-compat",
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec_dir.parent)]),
    )
    # The environment's own installed package: no PYTHONPATH of this checkout.
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "JUPYTERLAB_MODELS_STORE")
    }
    km.start_kernel(env=env, cwd=str(tmp_path))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=TIMEOUT)
        yield minor, ipykernel, venv, Client(kc)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_save_list_load_through_the_comm(environment, tmp_path):
    minor, ipykernel, venv, client = environment
    # The kernel runs the Python and ipykernel it names, and the package installed there.
    assert client.evaluate("'%d.%d' % __import__('sys').version_info[:2]") == repr(minor)
    assert client.evaluate("int(__import__('ipykernel').__version__.split('.')[0])") == str(
        ipykernel
    )
    package = client.evaluate("__import__('jupyterlab_models').__file__")
    assert package.strip("'").startswith(str(venv)), package

    client.start_panel_session(tmp_path / "store", server_root=tmp_path)
    assert client.execute(TRAIN)["status"] == "ok"
    (variables,) = client.request("variables")
    assert [v["name"] for v in variables["result"]["variables"]] == ["booster"]

    *events, saved = client.request("save", variable="booster", name="compat")
    assert saved["ok"], saved
    assert events and all(e["event"] == "progress" for e in events)
    assert saved["result"]["model"]["python_version"].startswith(minor + ".")

    (listed,) = client.request("list")
    assert listed["result"]["version_counts"] == {"compat": 1}
    assert [m["name"] for m in listed["result"]["models"]] == ["compat"]

    *_, loaded = client.request("load", name="compat", variable="booster2")
    assert loaded["ok"], loaded
    assert client.evaluate("type(booster2) is type(booster)") == "True"
    assert client.evaluate("bool((booster2.predict(X) == booster.predict(X)).all())") == "True"
