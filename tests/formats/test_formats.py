from __future__ import annotations

import numpy as np
import pytest

from jupyterlab_models import ModelStoreError, formats
from jupyterlab_models.formats import base, values, versions


def test_by_id():
    assert formats.by_id("lgbm").LIBRARY == "lightgbm"
    with pytest.raises(ModelStoreError) as info:
        formats.by_id("from-the-future")
    assert info.value.code == "unsupported_type"


def test_a_missing_library_says_how_to_install_it():
    with pytest.raises(ModelStoreError) as info:
        base.import_library("jupyterlab_models_no_such_library", "no-such-package")
    assert info.value.code == "library_missing"
    assert "pip install no-such-package" in info.value.message


def test_every_format_has_the_same_shape():
    for fmt in formats.FORMATS:
        assert isinstance(fmt.FORMAT_ID, str) and isinstance(fmt.PIP_PACKAGE, str)
        prefixes = tuple(module + "." for module in fmt.MODULES)
        assert fmt.LIBRARY in fmt.MODULES
        assert fmt.TYPES and all(path.startswith(prefixes) for path in fmt.TYPES)
        assert callable(fmt.save) and callable(fmt.load)
        assert fmt.LIBRARY in fmt.library_versions() or fmt.PIP_PACKAGE in fmt.library_versions()


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        3,
        -1.5,
        "s",
        [1, "a", None],
        (1, 2),
        {"a": 1},
        {0: 1.0, 1: 2.5},
        {"nested": [(1, {2: "x"})]},
    ],
)
def test_json_values_round_trip_with_their_types(value):
    import json

    encoded = json.loads(json.dumps(values.encode_value(value, "v"), allow_nan=False))
    decoded = values.decode_value(encoded)
    assert decoded == value and type(decoded) is type(value)


def test_numpy_scalars_become_python_values():
    assert values.encode_value(np.int64(3), "v") == 3
    assert values.encode_value([np.float32(0.5), np.str_("a")], "v") == [0.5, "a"]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), object(), {1, 2}, np.zeros(2)])
def test_values_json_cannot_hold_are_refused(value):
    with pytest.raises(ModelStoreError, match="parameter 'p'") as info:
        values.encode_value(value, "parameter 'p'")
    assert info.value.code == "unsupported_type"


def test_version_warnings_name_newer_and_other_major_versions():
    from dataclasses import replace

    from jupyterlab_models.formats import lightgbm as lgbm_format
    from jupyterlab_models.manifest import ModelInfo

    installed = lgbm_format.library_versions()["lightgbm"]
    major, minor = (int(part) for part in installed.split(".")[:2])
    info = ModelInfo.from_dict(
        {
            "schema_version": 1,
            "name": "m",
            "version": 1,
            "description": "",
            "library": "lightgbm",
            "type": "lightgbm.basic.Booster",
            "format": "lgbm",
            "files": [],
            "size_bytes": 0,
            "created_at": "2026-01-01T00:00:00Z",
            "user": "",
            "notebook": None,
            "variable": None,
            "python_version": "3.11.0",
            "library_versions": {"lightgbm": installed},
            "extra": {},
        }
    )
    assert versions.version_warnings(info, lgbm_format) == []

    newer = replace(info, library_versions={"lightgbm": f"{major}.{minor + 1}.0"})
    (warning,) = versions.version_warnings(newer, lgbm_format)
    assert f"lightgbm {major}.{minor + 1}.0 saved this model" in warning and "older" in warning

    other_major = replace(info, library_versions={"lightgbm": f"{major - 1}.0.0"})
    (warning,) = versions.version_warnings(other_major, lgbm_format)
    assert "another major version" in warning

    older = replace(info, library_versions={"lightgbm": f"{major}.0.0"})
    assert minor == 0 or versions.version_warnings(older, lgbm_format) == []


def test_the_version_rule_is_the_fixture_shared_with_the_panel():
    import json

    from tests.support.env import FIXTURES

    cases = json.loads((FIXTURES / "versions.json").read_text())["cases"]
    assert len(cases) > 10
    for case in cases:
        got = versions.version_change(case["saved"], case["installed"])
        assert got == case["warning"], case
