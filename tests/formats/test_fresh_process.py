"""Every format: save a tiny model, load it in a fresh Python process, same outputs.

The fresh process has none of the test's state: no class definitions beyond what the format
itself needs, nothing cached. An `untrusted` answer is handled as the panel does: trust the
listed types and load again.

Then the variants (tiny_models.VARIANTS), what the format tests had loaded in a fresh process
beyond a format's tiny model: CatBoost with string labels, XGBoost with three classes, a
compiled Keras model, ONNX with external data, a user-defined torch class as `pt` and `pt2`.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from jupyterlab_models import ModelStore, formats
from tests.support import tiny_models
from tests.support.env import REPO, python_env

LOAD_IN_FRESH_PROCESS = """
import json, sys
sys.path.insert(0, {repo!r})
from tests.support.pickle_guard import CALLS, LOADING  # first: before any library
from tests.support import tiny_models
from jupyterlab_models import ModelStore, ModelStoreError

store = ModelStore({store!r})
LOADING[0] = True
try:
    model = store.load({format_id!r})
except ModelStoreError as exc:
    if exc.code != "untrusted":
        raise
    model = store.load({format_id!r}, trusted=exc.details["untrusted"])
LOADING[0] = False
info = store.info({format_id!r})
print(json.dumps({{"type": type(model).__module__ + "." + type(model).__qualname__,
                  "outputs": tiny_models.outputs({format_id!r}, model), "pickle": CALLS}}))
"""


# Formats that give back an object of the saved class (the others give the library's loaded
# form: a TorchScript module, an exported program's module, a restored SavedModel).
SAME_CLASS = {
    "lgbm",
    "cbm",
    "quantized_pool",
    "xgb",
    "tf_keras",
    "onnx",
    "skops",
    "hf_transformers",
    "hf_processor",
    "hf_pipeline",
    "peft_adapter",
}


def test_every_registered_format_has_a_tiny_model():
    assert {fmt.FORMAT_ID for fmt in formats.FORMATS} == set(tiny_models.BUILDERS)


@pytest.mark.parametrize("format_id", sorted(tiny_models.BUILDERS))
def test_loads_in_a_fresh_process(format_id, tmp_path):
    model, options = tiny_models.build(format_id)
    store = ModelStore(tmp_path / "store")
    tiny_models.save_bases(store, format_id)  # e.g. an adapter's base model
    info = store.save(model, format_id, **options)
    assert info.format == format_id
    assert info.type == formats.class_path(type(model))
    assert info.library_versions and info.python_version
    expected = tiny_models.outputs(format_id, model)

    code = LOAD_IN_FRESH_PROCESS.format(
        repo=str(REPO),
        store=store.location,
        format_id=format_id,
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=python_env(), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded["pickle"] == []
    tiny_models.assert_same(format_id, expected, loaded["outputs"])
    if format_id in SAME_CLASS:
        assert loaded["type"] == info.type


# --- variants: what a format's own tests loaded in a fresh process beyond its tiny model ---

LOAD_VARIANT_IN_FRESH_PROCESS = """
import json, sys
sys.path.insert(0, {repo!r})
from tests.support.pickle_guard import CALLS, LOADING  # first: before any library
from tests.support import tiny_models
from jupyterlab_models import ModelStore

variant = tiny_models.VARIANTS[{variant!r}]
store = ModelStore({store!r})
LOADING[0] = True
loaded = {{name: store.load(name) for name in {names!r}}}
LOADING[0] = False
print(json.dumps({{
    "pickle": CALLS,
    "types": {{n: type(m).__module__ + "." + type(m).__qualname__ for n, m in loaded.items()}},
    "outputs": {{n: variant.outputs(m) for n, m in loaded.items()}},
    "modules": sorted(sys.modules),
    "globals": sorted(globals()),
}}))
"""


@pytest.mark.parametrize("name", sorted(tiny_models.VARIANTS))
def test_variant_loads_in_a_fresh_process(name, tmp_path):
    """Loaded without `trusted` (none of them needs it), each saved copy computes the same as
    the model; where the variant says so, with the same class, or without a user-defined
    class ever being imported or defined in the fresh process."""
    variant = tiny_models.VARIANTS[name]
    model, saves = variant.build()
    store = ModelStore(tmp_path / "store")
    for saved, options in saves.items():
        store.save(model, saved, **options)
    expected = variant.outputs(model)

    code = LOAD_VARIANT_IN_FRESH_PROCESS.format(
        repo=str(REPO), variant=name, store=store.location, names=list(saves)
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=python_env(), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded["pickle"] == []
    for saved in saves:
        tiny_models.assert_same_variant(variant, expected, loaded["outputs"][saved])
        if variant.type is not None:
            assert loaded["types"][saved] == variant.type
    if variant.without is not None:
        module, cls = variant.without
        assert module not in loaded["modules"] and cls not in loaded["globals"]
