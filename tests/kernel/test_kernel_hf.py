"""The panel's flow for a fine-tuned model, through the dispatcher (issue #15): the variables
list shows a transformers model, a tokenizer and a PEFT adapter with their formats; the base
saved from the panel is found by the adapter saved after it (no option to pass); loading the
adapter back applies it to the stored base. An adapter whose base is not in the store gets
`base_missing`, and the panel's answer (`base_name`) saves the base first."""

from __future__ import annotations

from jupyterlab_models.protocol import PROTOCOL_VERSION
from tests.kernel.test_kernel_dispatch import Session
from tests.support import hf_models


def test_save_a_base_then_its_adapter_from_the_panel_and_load_it(tmp_path):
    base = hf_models.gpt2()
    namespace = {"base": base, "tokenizer": hf_models.tokenizer()}
    session = Session(namespace)
    session.ok("hello", protocol_version=PROTOCOL_VERSION, store=str(tmp_path / "store"))
    session.ok("save", variable="base", name="tiny-gpt2")
    namespace["tuned"] = hf_models.lora(base)  # fine-tuned in the notebook after the save
    variables = {v["name"]: v["format"] for v in session.ok("variables")["variables"]}
    assert variables == {
        "base": "hf_transformers",
        "tokenizer": "hf_processor",
        "tuned": "peft_adapter",
    }
    events, reply = session.request("save", variable="tuned", name="tiny-gpt2-lora")
    model = reply["result"]["model"]
    assert events and model["format"] == "peft_adapter"
    assert model["extra"]["signature"]["base_model"] == "tiny-gpt2 v1"
    assert model["extra"]["signature"]["rank"] == 4
    session.ok("save", variable="tokenizer", name="tiny-tokenizer")

    result = session.ok("load", name="tiny-gpt2-lora", variable="loaded")
    assert result["model"]["extra"]["base"] == {"store": {"name": "tiny-gpt2", "version": 1}}
    loaded = namespace["loaded"]
    assert type(loaded) is type(namespace["tuned"])
    assert hf_models.generated(loaded) == hf_models.generated(namespace["tuned"])
    session.ok("load", name="tiny-tokenizer", variable="tok2")
    assert (
        namespace["tok2"](hf_models.SENTENCES)["input_ids"]
        == (namespace["tokenizer"](hf_models.SENTENCES)["input_ids"])
    )


def test_an_adapter_without_its_base_is_answered_base_missing_then_saved_with_base_name(
    tmp_path,
):
    namespace = {"tuned": hf_models.lora(), "base": hf_models.gpt2()}
    session = Session(namespace)
    session.ok("hello", protocol_version=PROTOCOL_VERSION, store=str(tmp_path / "store"))
    _, reply = session.request("save", variable="tuned", name="tuned")
    assert reply["error"]["code"] == "base_missing"
    assert reply["error"]["details"]["base_type"].endswith(".GPT2LMHeadModel")
    assert session.ok("list")["models"] == []  # nothing saved

    # A bad base name, or base_name for a model that is no adapter: refused, nothing saved.
    assert session.error("save", variable="tuned", name="tuned", base_name="../x") == (
        "name_invalid"
    )
    assert session.error("save", variable="base", name="b", base_name="b-base") == ("bad_request")
    assert session.ok("list")["models"] == []

    model = session.ok("save", variable="tuned", name="tuned", base_name="tuned-base")["model"]
    assert model["extra"]["base"] == {"store": {"name": "tuned-base", "version": 1}}
    base = session.ok("info", name="tuned-base")["model"]
    assert base["format"] == "hf_transformers" and base["variable"] is None
    session.ok("load", name="tuned", variable="loaded")
    assert hf_models.generated(namespace["loaded"]) == hf_models.generated(namespace["tuned"])
