"""The dependency floors of pyproject.toml leave out every version with a known advisory against
what the store relies on (issue #16), each advisory named in the comment beside its
requirement, and the libraries installed here satisfy them (so `make test` installs nothing
else).

Each row: the advisory, the first version that fixes it, and affected versions (the last ones
before the fix, and any affected release after a fixed one) that the requirement must exclude.
Sources: the GitHub security advisories (GHSA ids in pyproject.toml), NVD and the projects'
release notes.
"""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path
from typing import NamedTuple

import pytest
import tomllib
from packaging.requirements import Requirement
from packaging.version import Version

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


class Advisory(NamedTuple):
    package: str
    advisory: str
    fixed: str
    affected: tuple[str, ...]


ADVISORIES = [
    # filelock: a lock file planted as a symbolic link; then the same in SoftFileLock.
    Advisory("filelock", "CVE-2025-68146", "3.20.1", ("3.12.0", "3.20.0")),
    Advisory("filelock", "CVE-2026-22701", "3.20.3", ("3.20.1", "3.20.2")),
    # Keras safe_mode bypasses (its loads run with safe_mode=True).
    Advisory("keras", "CVE-2025-1550", "3.9.0", ("3.0.0", "3.8.0")),
    Advisory("keras", "CVE-2025-8747", "3.11.0", ("3.10.0",)),
    Advisory("keras", "CVE-2025-9905", "3.11.3", ("3.11.2",)),
    Advisory("keras", "CVE-2026-1462", "3.12.1", ("3.12.0", "3.13.0", "3.13.1")),
    # ONNX external data read outside the model's directory; an out-of-bounds read.
    Advisory("onnx", "CVE-2024-27318", "1.16.0", ("1.15.0",)),
    Advisory("onnx", "CVE-2024-27319", "1.16.0", ("1.15.0",)),
    Advisory("onnx", "CVE-2026-27489", "1.21.0", ("1.20.1",)),
    # torch.load(weights_only=True), which the pt2 format's load goes through.
    Advisory("torch", "CVE-2025-32434", "2.6.0", ("2.4.0", "2.5.1")),
    Advisory("torch", "CVE-2026-24747", "2.10.0", ("2.9.1",)),
]


def _requirements() -> dict[str, Requirement]:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    found = {}
    for text in project["dependencies"] + project["optional-dependencies"]["frameworks"]:
        requirement = Requirement(text)
        found[requirement.name] = requirement
    return found


def _comment_above(package: str) -> str:
    """The comment lines right above the requirement of `package` in pyproject.toml."""
    lines = PYPROJECT.read_text().splitlines()
    (at,) = [i for i, line in enumerate(lines) if re.match(rf'\s*"{package}[<>=!~ ,]', line)]
    comment = []
    while at > 0 and lines[at - 1].strip().startswith("#"):
        at -= 1
        comment.insert(0, lines[at].strip().lstrip("# "))
    return " ".join(comment)


def _floor(requirement: Requirement) -> Version:
    (floor,) = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
    return floor


@pytest.mark.parametrize("advisory", ADVISORIES, ids=[a.advisory for a in ADVISORIES])
def test_the_floor_leaves_out_every_affected_version(advisory):
    requirement = _requirements()[advisory.package]
    assert _floor(requirement) >= Version(advisory.fixed), requirement
    admitted = [v for v in advisory.affected if requirement.specifier.contains(v)]
    assert admitted == [], f"{requirement} admits {admitted}, affected by {advisory.advisory}"
    assert advisory.advisory in _comment_above(advisory.package)


@pytest.mark.parametrize("package", sorted({a.package for a in ADVISORIES}))
def test_the_installed_version_satisfies_the_floor(package):
    requirement = _requirements()[package]
    installed = importlib.metadata.version(package)
    assert requirement.specifier.contains(installed, prereleases=True), (requirement, installed)


def test_filelock_is_needed_only_where_there_is_no_flock():
    """The fixed filelock needs Python 3.10; POSIX stores lock with flock (storage/locks.py),
    so the requirement holds on Windows only and the package still installs on 3.9."""
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    assert project["requires-python"] == ">=3.9"
    marker = _requirements()["filelock"].marker
    assert marker is not None
    assert marker.evaluate({"sys_platform": "win32"})
    assert not marker.evaluate({"sys_platform": "linux"})
