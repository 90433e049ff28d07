from __future__ import annotations

import copy
import dataclasses
import json
from datetime import datetime, timedelta, timezone

import pytest

from jupyterlab_models import ModelInfo, ModelStoreError
from jupyterlab_models.manifest import (
    SCHEMA_VERSION,
    entry_digest,
    format_time,
    manifest_bytes,
    utc_now,
)
from tests.support.env import GOLDEN

SHA = "0" * 64
B3 = "blake3:" + "0" * 64
GOOD = {
    "schema_version": SCHEMA_VERSION,
    "name": "m",
    "version": 2,
    "description": "",
    "library": "lightgbm",
    "type": "lightgbm.sklearn.LGBMClassifier",
    "format": "lgbm",
    "files": [
        {"path": "model.txt", "size": 3, "digest": B3},
        {"path": "sub/a", "size": 4, "digest": "blake3:" + "ab" * 32},
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


SCHEMA_1 = changed(
    schema_version=1,
    files=[
        {"path": "model.txt", "size": 3, "sha256": SHA},
        {"path": "sub/a", "size": 4, "sha256": "cd" * 32},
    ],
)


def test_schema_1_manifests_stay_readable_with_their_sha256():
    assert SCHEMA_VERSION == 2
    info = ModelInfo.from_dict(SCHEMA_1)
    assert info.to_dict() == SCHEMA_1  # kept as written: never rewritten as schema 2
    assert [entry_digest(e) for e in info.files] == [("sha256", SHA), ("sha256", "cd" * 32)]
    assert [entry_digest(e) for e in ModelInfo.from_dict(GOOD).files] == [
        ("blake3", "0" * 64),
        ("blake3", "ab" * 32),
    ]


@pytest.mark.parametrize(
    "data, message",
    [
        # each schema its own key, never the other's
        (changed(files=[{"path": "a", "size": 7, "sha256": SHA}]), "exactly path, size and digest"),
        (
            dict(SCHEMA_1, files=[{"path": "a", "size": 7, "digest": B3}], size_bytes=7),
            "exactly path, size and sha256",
        ),
        (
            changed(files=[{"path": "a", "size": 7, "digest": B3, "sha256": SHA}]),
            "exactly path, size and digest",
        ),
        (changed(files=[{"path": "a", "size": 7, "digest": SHA}]), "invalid digest"),
        (changed(files=[{"path": "a", "size": 7, "digest": "md5:" + SHA}]), "invalid digest"),
        (changed(files=[{"path": "a", "size": 7, "digest": B3.upper()}]), "invalid digest"),
        (changed(files=[{"path": "a", "size": 7, "digest": B3 + "0"}]), "invalid digest"),
        (changed(schema_version=3), "reads 1 and 2): a newer jupyterlab-models wrote it"),
        (changed(schema_version=0), "unknown schema_version 0"),
        (changed(schema_version=True), "unknown schema_version True"),
    ],
)
def test_the_digest_key_is_the_schemas(data, message):
    with pytest.raises(ModelStoreError) as info:
        ModelInfo.from_dict(data)
    assert info.value.code == "integrity"
    assert message in info.value.message


def test_to_dict_copies_nested_data_unless_told_not_to():
    info = ModelInfo.from_dict(copy.deepcopy({**GOOD, "extra": {"params": {"depth": [1, 2]}}}))
    copied = info.to_dict()
    copied["extra"]["params"]["depth"].append(3)
    copied["files"][0]["size"] = 0
    copied["library_versions"]["x"] = "1"
    assert info.to_dict() == {**GOOD, "extra": {"params": {"depth": [1, 2]}}}
    shared = info.to_dict(copy=False)
    assert shared == info.to_dict()
    assert shared["extra"] is info.extra and shared["files"] is info.files


def test_typed_fields():
    info = ModelInfo.from_dict(GOOD)
    assert info.created_at == datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=timezone.utc)
    assert info.created_at.tzinfo is timezone.utc
    assert isinstance(info.size_bytes, int) and info.size_bytes == 7
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.version = 3  # type: ignore[misc]
    with pytest.raises(TypeError, match="timezone-aware"):
        dataclasses.replace(info, created_at=datetime(2024, 5, 1))
    with pytest.raises(TypeError, match="timezone-aware"):
        dataclasses.replace(info, created_at="2024-05-01T12:00:00.123Z")


def test_utc_now_round_trips_exactly():
    now = utc_now()
    assert now.tzinfo is timezone.utc and now.microsecond % 1000 == 0
    text = format_time(now)
    assert text.endswith("Z") and len(text) == len("2024-05-01T12:00:00.123Z")
    info = ModelInfo.from_dict(changed(created_at=text))
    assert info.created_at == now and info.to_dict()["created_at"] == text


@pytest.mark.parametrize(
    "value, text",
    [
        (datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc), "2024-05-01T12:00:00.000Z"),
        (datetime(2024, 5, 1, 12, 0, 0, 5, tzinfo=timezone.utc), "2024-05-01T12:00:00.000005Z"),
        # another time zone is written in UTC
        (
            datetime(2024, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2))),
            "2024-05-01T12:00:00.000Z",
        ),
    ],
)
def test_format_time(value, text):
    assert format_time(value) == text
    assert ModelInfo.from_dict(changed(created_at=text)).created_at == value


def test_stored_manifests_serialize_byte_for_byte():
    """The golden store's manifests: parsing and writing them again gives the same bytes."""
    manifests = sorted((GOLDEN / "store").glob("*/*/manifest.json"))
    assert manifests
    for path in manifests:
        info = ModelInfo.from_dict(json.loads(path.read_text(encoding="utf-8")))
        assert manifest_bytes(info) == path.read_bytes(), path


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
        (changed(created_at="2024-05-01T12:00:00+00:00"), "created_at"),
        (changed(created_at="2024-05-01T12:00:00+00:00Z"), "created_at"),
        (changed(created_at="yesterday Z"), "created_at"),
        (changed(size_bytes=8), "size_bytes"),
        (changed(files=[{"path": "/etc/passwd", "size": 7, "digest": B3}]), "relative"),
        (changed(files=[{"path": "C:/x", "size": 7, "digest": B3}]), "relative"),
        (changed(files=[{"path": "a\\b", "size": 7, "digest": B3}]), "relative"),
        (changed(files=[{"path": "../x", "size": 7, "digest": B3}]), "'..'"),
        (changed(files=[{"path": "a/../../x", "size": 7, "digest": B3}]), "'..'"),
        (changed(files=[{"path": "", "size": 7, "digest": B3}]), "non-empty"),
        (changed(files=[{"path": "a", "size": -1, "digest": B3}]), "invalid size"),
        (changed(files=[{"path": "a", "size": 7, "digest": "xyz"}]), "invalid digest"),
        (changed(files=[{"path": "a", "size": 7}]), "exactly path, size and digest"),
        (dict(SCHEMA_1, files=[{"path": "a", "size": 7, "sha256": "xyz"}]), "invalid sha256"),
    ],
)
def test_invalid_manifests(data, message):
    with pytest.raises(ModelStoreError) as info:
        ModelInfo.from_dict(data)
    assert info.value.code == "integrity"
    assert message in info.value.message
