"""Yesterday's models still load: one committed tiny model per format id (tests/golden/)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tiny_models

from jupyterlab_models import ModelsError, ModelStore, formats

GOLDEN = Path(__file__).resolve().parent / "golden"
EXPECTED = json.loads((GOLDEN / "expected.json").read_text())


def test_there_is_a_golden_model_of_every_format():
    stored = {info.format for info in ModelStore(GOLDEN / "store").list()}
    assert stored == {fmt.FORMAT_ID for fmt in formats.FORMATS} == set(EXPECTED)


@pytest.mark.parametrize("format_id", sorted(EXPECTED))
def test_golden_model_loads_and_computes_the_same(format_id):
    store = ModelStore(GOLDEN / "store")
    try:
        model = store.load(format_id)
    except ModelsError as exc:
        assert exc.code == "untrusted", exc
        model = store.load(format_id, trusted=exc.details["untrusted"])
    tiny_models.assert_same(format_id, EXPECTED[format_id], tiny_models.outputs(format_id, model))
