from __future__ import annotations

import copy

import pytest

from jupyterlab_models import ModelInfo, ModelsError
from jupyterlab_models.manifest import SCHEMA_VERSION, utc_now

SHA = "0" * 64
GOOD = {
    "schema_version": SCHEMA_VERSION,
    "name": "m",
    "version": 2,
    "description": "",
    "library": "lightgbm",
    "type": "lightgbm.sklearn.LGBMClassifier",
    "format": "lgbm",
    "files": [
        {"path": "model.txt", "size": 3, "sha256": SHA},
        {"path": "sub/a", "size": 4, "sha256": SHA},
    ],
    "size_bytes": 7,
    "created_at": "2024-05-01T12:00:00.123Z",
    "user": "me",
    "notebook": None,
    "variable": "clf",
    "python_version": "3.11.7",
    "library_versions": {"lightgbm": "4.7.0"},
    "extra": {"wrapper": None},
}


def changed(**fields):
    data = copy.deepcopy(GOOD)
    data.update(fields)
    return data


def test_fields_are_exactly_the_manifest_fields():
    assert list(ModelInfo.__dataclass_fields__) == list(GOOD)


def test_round_trip():
    info = ModelInfo.from_dict(GOOD)
    assert info.to_dict() == GOOD
    assert ModelInfo.from_dict(info.to_dict()) == info


def test_utc_now_format():
    value = utc_now()
    assert value.endswith("Z") and len(value) == len("2024-05-01T12:00:00.123Z")
    ModelInfo.from_dict(changed(created_at=value))


@pytest.mark.parametrize(
    "data, message",
    [
        ([], "not a JSON object"),
        (changed(schema_version=99), "unknown schema_version 99"),
        (
            {k: v for k, v in GOOD.items() if k not in ("user", "extra")},
            "missing fields: user, extra",
        ),
        (changed(version="2"), "'version' has the wrong type"),
        (changed(version=True), "'version' has the wrong type"),
        (changed(version=0), "at least 1"),
        (changed(created_at="2024-05-01 12:00"), "created_at"),
        (changed(size_bytes=8), "size_bytes"),
        (changed(files=[{"path": "/etc/passwd", "size": 7, "sha256": SHA}]), "relative"),
        (changed(files=[{"path": "C:/x", "size": 7, "sha256": SHA}]), "relative"),
        (changed(files=[{"path": "a\\b", "size": 7, "sha256": SHA}]), "relative"),
        (changed(files=[{"path": "../x", "size": 7, "sha256": SHA}]), "'..'"),
        (changed(files=[{"path": "a/../../x", "size": 7, "sha256": SHA}]), "'..'"),
        (changed(files=[{"path": "", "size": 7, "sha256": SHA}]), "non-empty"),
        (changed(files=[{"path": "a", "size": -1, "sha256": SHA}]), "invalid size"),
        (changed(files=[{"path": "a", "size": 7, "sha256": "xyz"}]), "invalid sha256"),
        (changed(files=[{"path": "a", "size": 7}]), "exactly path, size and sha256"),
    ],
)
def test_invalid_manifests(data, message):
    with pytest.raises(ModelsError) as info:
        ModelInfo.from_dict(data)
    assert info.value.code == "integrity"
    assert message in info.value.message
