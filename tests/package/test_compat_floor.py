"""The oldest supported JupyterLab (issue #20): every shared package range of package.json
accepts JupyterLab 4.0.0's own versions, the bundle requires those same ranges at run time
(sharedPackages), and the Python side declares the same floor.

`make test-compat` proves it in a browser on each release; this catches a range raised by
accident without the README's floor moving with it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tomllib

from jupyterlab_models.server_extension import LAB_REQUIREMENT, lab_mismatch

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = json.loads((ROOT / "package.json").read_text())

# The versions JupyterLab 4.0.0 provides (its staging/package.json resolutions).
LAB_4_0_0 = {
    "@jupyterlab/coreutils": "6.0.0",
    "@jupyterlab/services": "7.0.0",
    "@lumino/commands": "2.0.1",
    "@lumino/coreutils": "2.0.0",
    "@lumino/polling": "2.0.0",
    "@lumino/signaling": "2.0.0",
    "@lumino/widgets": "2.0.1",
    "react": "18.2.0",
}


def _shared_dependencies() -> dict[str, str]:
    return {
        name: spec
        for name, spec in PACKAGE["dependencies"].items()
        if name.startswith(("@jupyterlab/", "@lumino/")) or name == "react"
    }


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def _caret_accepts(spec: str, version: str) -> bool:
    """`^X.Y.Z` (the only form package.json uses here) accepts `version`."""
    assert spec.startswith("^"), f"{spec}: use a caret range"
    floor = _version(spec[1:])
    found = _version(version)
    return found[0] == floor[0] and found >= floor


@pytest.mark.parametrize("name", sorted(_shared_dependencies()))
def test_each_range_accepts_jupyterlab_4_0_0(name):
    provided = LAB_4_0_0.get(name, "4.0.0")  # every other @jupyterlab package: 4.0.0
    assert _caret_accepts(PACKAGE["dependencies"][name], provided)


def test_the_bundle_requires_the_same_ranges_at_run_time():
    # Without sharedPackages the builder requires the building JupyterLab's versions (^4.6.x).
    shared = PACKAGE["jupyterlab"]["sharedPackages"]
    assert {name: shared[name]["requiredVersion"] for name in shared} == _shared_dependencies()


def test_the_python_side_declares_the_same_floor():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert extras["optional-dependencies"]["lab"] == [LAB_REQUIREMENT]
    assert "jupyterlab" not in " ".join(extras["dependencies"])  # kernels need no JupyterLab


@pytest.mark.parametrize(
    ("version", "supported"),
    [("4.0.0", True), ("4.6.6", True), (None, True), ("3.6.8", False), ("5.0.0a1", False)],
)
def test_the_server_names_an_unsupported_jupyterlab(version, supported):
    message = lab_mismatch(version)
    assert (message is None) == supported
    if not supported:
        assert version in message and "jupyterlab-models[lab]" in message
