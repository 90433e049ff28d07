"""PEFT adapters (issue #15): the adapter alone is stored, with a reference to its base (a
model of the store, found by itself or named; or a Hugging Face Hub id and revision); loading
rebuilds the base and applies the adapter; merge=True stores the merged model. The fresh-process
load (pickle blocked) is in formats/test_fresh_process.py; the CLI shows the adapter's fields."""

from __future__ import annotations

import pytest

from jupyterlab_models import ModelStore, ModelStoreError
from jupyterlab_models.cli import main
from tests.support import hf_models


@pytest.fixture
def store(tmp_path):
    return ModelStore(tmp_path / "store")


def test_an_adapter_on_a_base_saved_in_the_store_finds_it_by_itself(store):
    base = hf_models.gpt2()
    store.save(base, "base")
    adapter = hf_models.lora(base)  # get_peft_model wraps the very model that was saved
    info = store.save(adapter, "tuned")
    assert info.format == "peft_adapter" and info.library == "peft"
    assert info.extra["base"] == {"store": {"name": "base", "version": 1}}
    assert sorted(e["path"] for e in info.files)[:2] == [
        "README.md",
        "adapter_config.json",
    ] and "adapter_model.safetensors" in {e["path"] for e in info.files}
    signature = info.extra["signature"]
    assert signature["base_model"] == "base v1" and signature["adapter_type"] == "LORA"
    assert signature["rank"] == 4 and signature["target_modules"] == ["c_attn"]
    assert signature["base_parameters"] == store.info("base").extra["parameters"]
    assert signature["parameters"] == 2 * (32 * 4 + 4 * 96)  # 2 layers: A (32x4), B (4x96)
    loaded = store.load("tuned")
    assert type(loaded) is type(adapter)
    assert hf_models.generated(loaded) == hf_models.generated(adapter)


def test_a_base_loaded_from_the_store_is_found_too_and_a_named_base_is_checked(store):
    store.save(hf_models.gpt2(), "base")
    adapter = hf_models.lora(store.load("base"))
    assert store.save(adapter, "tuned").extra["base"]["store"] == {"name": "base", "version": 1}
    other = hf_models.lora()  # a base of its own, not from the store
    assert store.save(other, "named", base="base").extra["base_model"] == "base v1"
    store.save(hf_models.bert_classifier(), "bert")
    with pytest.raises(ModelStoreError) as caught:
        store.save(other, "wrong", base=("bert", 1))
    assert caught.value.code == "bad_request" and "not this adapter's base" in caught.value.message
    with pytest.raises(ModelStoreError) as caught:
        store.save(other, "wrong", base="nothing")
    assert caught.value.code == "not_found"
    assert [m.name for m in store.list()] == ["base", "bert", "named", "tuned"]


def test_an_adapter_without_a_known_base_is_refused_with_the_way_out(store):
    with pytest.raises(ModelStoreError) as caught:
        store.save(hf_models.lora(), "tuned")
    assert caught.value.code == "base_missing"
    assert caught.value.details == {
        "base_type": "transformers.models.gpt2.modeling_gpt2.GPT2LMHeadModel",
        "base_parameters": sum(p.numel() for p in hf_models.gpt2().parameters()),
    }
    assert "get_base_model()" in caught.value.message and "merge=True" in caught.value.message
    assert store.list() == []


def test_loading_an_adapter_whose_base_was_deleted_says_so(store):
    store.save(hf_models.gpt2(), "base")
    store.save(hf_models.lora(), "tuned", base="base")
    store.delete("base")
    with pytest.raises(ModelStoreError) as caught:
        store.load("tuned")
    assert caught.value.code == "not_found" and "'base' version 1" in caught.value.message


def test_merge_stores_a_plain_model_and_leaves_the_adapter_as_it_was(store):
    adapter = hf_models.lora()
    before = hf_models.generated(adapter)
    info = store.save(adapter, "merged", merge=True)
    assert info.format == "hf_transformers"
    assert info.type == "transformers.models.gpt2.modeling_gpt2.GPT2LMHeadModel"
    assert hf_models.generated(store.load("merged")) == before
    assert hf_models.generated(adapter) == before and hasattr(adapter, "peft_config")
    with pytest.raises(TypeError):
        store.save(adapter, "m", merge="yes")


def test_the_adapter_is_far_smaller_than_its_base(store):
    store.save(hf_models.gpt2(), "base")
    info = store.save(hf_models.lora(), "tuned", base="base")
    extra = info.extra
    assert extra["adapter_bytes"] < store.info("base").size_bytes
    assert extra["size_ratio"] == round(extra["base_bytes"] / extra["adapter_bytes"], 1) > 10


def _hub_cache(cache, repo_id: str, revision: str, model) -> None:
    """The local Hugging Face cache holding `model` as `repo_id` at `revision`, laid out as
    huggingface_hub downloads it: refs/<revision> names a commit, snapshots/<commit>/ holds
    the files."""
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = cache / ("models--" + repo_id.replace("/", "--"))
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / revision).write_text(commit)
    model.save_pretrained(repo / "snapshots" / commit)


def test_a_hub_base_comes_from_the_local_cache_only(store, tmp_path):
    adapter = hf_models.lora()
    info = store.save(adapter, "tuned", base_hub_id="someone/tiny-gpt2", base_revision="v1")
    assert info.extra["base"] == {"hub_id": "someone/tiny-gpt2", "revision": "v1"}
    assert info.extra["signature"]["base_model"] == "someone/tiny-gpt2@v1"
    store.save(adapter, "elsewhere", base_hub_id="someone/not-downloaded")
    cache = tmp_path / "hub"
    _hub_cache(cache, "someone/tiny-gpt2", "v1", hf_models.gpt2())
    loaded = store.load("tuned", cache_dir=str(cache))
    assert hf_models.generated(loaded) == hf_models.generated(adapter)
    with pytest.raises(ModelStoreError) as caught:
        store.load("elsewhere", cache_dir=str(cache))
    assert caught.value.code == "not_found" and "allow_download=True" in caught.value.message
    assert "someone/not-downloaded" in caught.value.message


def test_the_cli_shows_the_adapter_and_its_base(store, capsys):
    store.save(hf_models.gpt2(), "base")
    store.save(hf_models.lora(), "tuned", base="base")
    assert main(["info", "tuned", "--store", store.location]) == 0
    out = capsys.readouterr().out
    lines = {
        line.split(":", 1)[0]: line.split(":", 1)[1].strip()
        for line in out.splitlines()
        if ":" in line
    }
    assert lines["format"] == "peft_adapter" and lines["base model"] == "base v1"
    assert lines["adapter type"] == "LORA" and lines["rank"] == "4"
    assert lines["target modules"] == "c_attn" and float(lines["size ratio"]) > 10
    assert main(["info", "base", "--store", store.location]) == 0
    assert "architecture:" in capsys.readouterr().out
