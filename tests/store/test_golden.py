"""Yesterday's models still load: one committed tiny model per format id (tests/golden/: the
schema 1 store of the first formats, and store-blake3 of the formats added since)."""

from __future__ import annotations

import json
import sys

import pytest

from jupyterlab_models import ModelStore, ModelStoreError, formats
from tests.support import tiny_models
from tests.support.env import GOLDEN, GOLDEN_STORES

EXPECTED = json.loads((GOLDEN / "expected.json").read_text())
# {format id: the golden store holding its model (named as the format)}
STORE_OF = {
    info.name: path
    for path in GOLDEN_STORES
    for info in ModelStore(path).list()
    if info.name == info.format
}


def test_there_is_a_golden_model_of_every_format():
    stored = {info.format for path in GOLDEN_STORES for info in ModelStore(path).list()}
    assert stored == set(STORE_OF) == {fmt.FORMAT_ID for fmt in formats.FORMATS} == set(EXPECTED)


@pytest.mark.parametrize("format_id", sorted(EXPECTED))
def test_golden_model_loads_and_computes_the_same(format_id):
    store = ModelStore(STORE_OF[format_id])
    try:
        model = store.load(format_id)
    except ModelStoreError as exc:
        assert exc.code == "untrusted", exc
        model = store.load(format_id, trusted=exc.details["untrusted"])
    tiny_models.assert_same(format_id, EXPECTED[format_id], tiny_models.outputs(format_id, model))


@pytest.mark.parametrize("format_id", sorted(EXPECTED))
def test_a_missing_library_says_what_to_install(format_id, monkeypatch):
    """As if the model's library were not installed in this kernel: `library_missing`, with
    the pip command, and the store left as it is."""
    store = ModelStore(STORE_OF[format_id])
    library = store.info(format_id).library  # keras or tf_keras for the tf_keras format
    for module in list(sys.modules):
        if module == library or module.startswith(library + "."):
            monkeypatch.setitem(sys.modules, module, None)  # `import library` fails
    monkeypatch.setitem(sys.modules, library, None)
    with pytest.raises(ModelStoreError) as failure:
        store.load(format_id)
    assert failure.value.code == "library_missing", failure.value
    assert any(f"pip install {pip}" in failure.value.message for pip in PIP[library])


# What pip installs each library a golden model names. skops models name sklearn: whichever of
# skops and scikit-learn the load imports first is the one reported missing.
PIP = {"sklearn": ("skops", "scikit-learn"), "tf_keras": ("tf-keras",)} | {
    fmt.LIBRARY: (fmt.PIP_PACKAGE,) for fmt in formats.FORMATS if fmt.LIBRARY != "sklearn"
}


def test_golden_store_stays_schema_1_with_sha256():
    """The golden store is what a jupyterlab-models before BLAKE3 wrote (schema 1, `sha256`
    per file): it is never rewritten, so the loads above prove that old stores still load,
    each file checked against its sha256."""
    manifests = sorted((GOLDEN / "store").glob("*/*/manifest.json"))
    assert manifests
    for path in manifests:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        assert manifest["schema_version"] == 1, path
        assert all(set(entry) == {"path", "size", "sha256"} for entry in manifest["files"])
    assert ModelStore(GOLDEN / "store").verify().bad == []
