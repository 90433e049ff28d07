"""Hugging Face: tiny, randomly initialised models of the architectures people fine-tune, each
built by its transformers class from its own config class (2 layers of width 32, 2 heads, a
vocabulary of 96: nothing downloaded), saved as hf_transformers and compared on fixed inputs
(logits, last_hidden_state or logits_per_image; greedy generate() tokens for causal LMs and
seq2seq). Then what users do to them: cast to bfloat16/float16, resize the token embeddings;
and PEFT adapters (LoRA, IA3, LoHa) whose base is in the store, saved as is before
get_peft_model or, as the base_missing error suggests, from get_base_model() after it."""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import Case, NotApplicable, to_json

VOCAB = 96
TOKENS = {"pad_token_id": 0, "bos_token_id": 1, "eos_token_id": 2}
TEXT = {  # the standard names; configs that spell them otherwise map them (attribute_map)
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "vocab_size": VOCAB,
    "max_position_embeddings": 64,
    **TOKENS,
}
SEQ2SEQ = {
    "d_model": 32,
    "encoder_layers": 2,
    "decoder_layers": 2,
    "encoder_attention_heads": 2,
    "decoder_attention_heads": 2,
    "encoder_ffn_dim": 64,
    "decoder_ffn_dim": 64,
    "vocab_size": VOCAB,
    "max_position_embeddings": 64,
    "decoder_start_token_id": 1,
    **TOKENS,
}
CAUSAL = {**TEXT, "num_key_value_heads": 2}  # their defaults are those of the big models
IMAGE = {"image_size": 32, "num_channels": 3, "num_labels": 3}
VIT = {**TEXT, **IMAGE, "patch_size": 8}
STAGES = {"hidden_sizes": [16, 32], "depths": [1, 1], "num_labels": 3}
MOE = {"num_local_experts": 4, "num_experts_per_tok": 2}

# model class: (kind, config sizes, in the subset). The kind says which inputs it gets.
MODELS: dict[str, tuple[str, dict[str, Any], bool]] = {
    "GPT2LMHeadModel": ("causal", CAUSAL, True),
    "GPTNeoForCausalLM": (
        "causal",
        {**CAUSAL, "attention_types": [[["global", "local"], 1]]},
        False,
    ),
    "GPTJForCausalLM": ("causal", {**CAUSAL, "rotary_dim": 8}, False),
    "LlamaForCausalLM": ("causal", CAUSAL, False),
    "MistralForCausalLM": ("causal", {**CAUSAL, "num_key_value_heads": 1}, False),
    "MixtralForCausalLM": ("causal", {**CAUSAL, **MOE}, False),
    "Qwen2ForCausalLM": ("causal", CAUSAL, False),
    "Qwen3ForCausalLM": ("causal", {**CAUSAL, "head_dim": 16}, False),
    "Qwen3MoeForCausalLM": (
        "causal",
        {**CAUSAL, "head_dim": 16, "num_experts": 4, "num_experts_per_tok": 2},
        False,
    ),
    "GemmaForCausalLM": ("causal", {**CAUSAL, "head_dim": 16}, False),
    "Gemma2ForCausalLM": ("causal", {**CAUSAL, "head_dim": 16}, False),
    "Gemma3ForCausalLM": ("causal", {**CAUSAL, "head_dim": 16}, False),
    "PhiForCausalLM": ("causal", CAUSAL, False),
    "Phi3ForCausalLM": ("causal", CAUSAL, False),
    "FalconForCausalLM": ("causal", CAUSAL, False),
    "OPTForCausalLM": ("causal", {**CAUSAL, "ffn_dim": 64, "word_embed_proj_dim": 32}, False),
    "BloomForCausalLM": ("causal", CAUSAL, False),
    "GPTNeoXForCausalLM": ("causal", CAUSAL, False),
    "StableLmForCausalLM": ("causal", CAUSAL, False),
    "Starcoder2ForCausalLM": ("causal", CAUSAL, False),
    "OlmoForCausalLM": ("causal", CAUSAL, False),
    "BertForSequenceClassification": ("encoder", {**TEXT, "num_labels": 3}, True),
    "RobertaForSequenceClassification": ("encoder", {**TEXT, "num_labels": 3}, False),
    "DistilBertForSequenceClassification": (
        "encoder",
        {"dim": 32, "n_layers": 2, "n_heads": 2, "hidden_dim": 64, "vocab_size": VOCAB},
        False,
    ),
    "AlbertForSequenceClassification": ("encoder", {**TEXT, "embedding_size": 16}, False),
    "ElectraForTokenClassification": ("encoder", {**TEXT, "embedding_size": 16}, False),
    "DebertaV2ForSequenceClassification": ("encoder", {**TEXT, "num_labels": 3}, False),
    "XLMRobertaForTokenClassification": ("encoder", {**TEXT, "num_labels": 5}, False),
    "ModernBertForSequenceClassification": (
        "encoder",
        {**TEXT, "num_labels": 3, "cls_token_id": 1, "sep_token_id": 2},
        False,
    ),
    "BertModel": ("encoder", TEXT, False),
    "EncoderDecoderModel": (  # BERT to BERT, as in the encoder-decoder fine-tuning guide
        "seq2seq",
        {
            "encoder": {"model_type": "bert", **TEXT},
            "decoder": {"model_type": "bert", **TEXT}
            | {"is_decoder": True, "add_cross_attention": True},
            "decoder_start_token_id": 1,
            **TOKENS,
        },
        False,
    ),
    "VisionEncoderDecoderModel": (  # ViT to GPT-2, as TrOCR
        "image2text",
        {
            "encoder": {"model_type": "vit", **VIT},
            "decoder": {"model_type": "gpt2", **CAUSAL, "add_cross_attention": True},
            "decoder_start_token_id": 1,
            **TOKENS,
        },
        False,
    ),
    "T5ForConditionalGeneration": (
        "seq2seq",
        {
            "d_model": 32,
            "d_ff": 64,
            "d_kv": 16,
            "num_layers": 2,
            "num_heads": 2,
            "vocab_size": VOCAB,
            "decoder_start_token_id": 0,
            **TOKENS,
        },
        False,
    ),
    "BartForConditionalGeneration": ("seq2seq", SEQ2SEQ, False),
    "MBartForConditionalGeneration": ("seq2seq", SEQ2SEQ, False),
    "MarianMTModel": ("seq2seq", SEQ2SEQ, False),
    "PegasusForConditionalGeneration": ("seq2seq", SEQ2SEQ, False),
    "ViTForImageClassification": ("image", VIT, False),
    "DeiTForImageClassification": ("image", VIT, False),
    "SwinForImageClassification": (
        "image",
        {**IMAGE, "patch_size": 4, "embed_dim": 16, "depths": [1, 1], "num_heads": [1, 2]}
        | {"window_size": 4},
        False,
    ),
    "ConvNextForImageClassification": ("image", {**STAGES, "num_stages": 2}, False),
    "ResNetForImageClassification": (
        "image",
        {**STAGES, "embedding_size": 16, "layer_type": "basic"},
        False,
    ),
    "Wav2Vec2ForCTC": (
        "audio",
        {
            **TEXT,
            "conv_dim": [16, 16],
            "conv_stride": [5, 2],
            "conv_kernel": [10, 3],
            "num_conv_pos_embeddings": 16,
            "num_conv_pos_embedding_groups": 2,
        },
        False,
    ),
    "WhisperForConditionalGeneration": (
        "whisper",
        {**SEQ2SEQ, "num_mel_bins": 16, "max_source_positions": 16, "max_target_positions": 32},
        False,
    ),
    "CLIPModel": (
        "clip",
        {
            "text_config": {**TEXT, "max_position_embeddings": 16},
            "vision_config": {**VIT, "num_labels": 2},
            "projection_dim": 16,
        },
        False,
    ),
}

LLAMA3_ROPE = {
    "rope_type": "llama3",
    "rope_theta": 500000.0,
    "factor": 8.0,
    "low_freq_factor": 1.0,
    "high_freq_factor": 4.0,
    "original_max_position_embeddings": 16,
}
# What users do to such models before saving them: (model class, other sizes, change).
VARIANTS = {
    "LlamaForCausalLM in bfloat16": ("LlamaForCausalLM", {}, "bfloat16"),
    "GPT2LMHeadModel in float16": ("GPT2LMHeadModel", {}, "float16"),
    "GPT2LMHeadModel, token embeddings resized": ("GPT2LMHeadModel", {}, "resized"),
    "LlamaForCausalLM, Llama 3 rope scaling, in bfloat16": (
        "LlamaForCausalLM",
        {"rope_parameters": LLAMA3_ROPE},
        "bfloat16",
    ),
}

LORA = {"r": 4, "init_lora_weights": False, "target_modules": ["q_proj", "v_proj"]}
# (the base's model class, the PeftConfig class and its options, in the subset, the base saved
# first as is, or after get_peft_model from get_base_model()). Each adapter starts away from the
# identity (init_*=False), else it would change nothing.
ADAPTERS = [
    ("LlamaForCausalLM", "LoraConfig", LORA, True, False),
    ("Qwen2ForCausalLM", "LoraConfig", LORA, False, False),
    ("MistralForCausalLM", "LoraConfig", LORA, False, False),
    ("GPT2LMHeadModel", "LoraConfig", {**LORA, "target_modules": ["c_attn"]}, False, True),
    (  # a classifier: its head is trained in full (modules_to_save)
        "BertForSequenceClassification",
        "LoraConfig",
        {**LORA, "target_modules": ["query", "value"], "task_type": "SEQ_CLS"},
        False,
        True,
    ),
    (
        "T5ForConditionalGeneration",
        "LoraConfig",
        {**LORA, "target_modules": ["q", "v"], "task_type": "SEQ_2_SEQ_LM"},
        False,
        False,
    ),
    (  # new tokens: the embeddings and the head trained in full
        "LlamaForCausalLM",
        "LoraConfig",
        {**LORA, "modules_to_save": ["embed_tokens", "lm_head"]},
        False,
        True,
    ),
    (
        "LlamaForCausalLM",
        "IA3Config",
        {"target_modules": ["k_proj", "down_proj"], "feedforward_modules": ["down_proj"]}
        | {"init_ia3_weights": False},
        False,
        False,
    ),
    ("LlamaForCausalLM", "LoraConfig", {**LORA, "use_dora": True}, False, False),
    ("LlamaForCausalLM", "PromptTuningConfig", {"num_virtual_tokens": 4}, False, False),
    ("LlamaForCausalLM", "LoKrConfig", {"r": 4, "target_modules": ["q_proj"]}, False, False),
    (
        "LlamaForCausalLM",
        "LoHaConfig",
        {"r": 4, "target_modules": ["q_proj", "v_proj"], "init_weights": False},
        False,
        False,
    ),
]


def _ids(rows: int = 2, length: int = 8) -> Any:
    import torch

    ids = np.random.default_rng(3).integers(3, VOCAB, size=(rows, length))
    return torch.from_numpy(ids)


def _float(*shape: int, seed: int = 4) -> Any:
    import torch

    return torch.from_numpy(np.random.default_rng(seed).normal(size=shape).astype(np.float32))


def build(model_class: str, sizes: dict[str, Any]) -> Any:
    import torch
    import transformers

    cls = getattr(transformers, model_class)
    torch.manual_seed(0)
    try:
        model = cls(cls.config_class(**sizes))
    except Exception as exc:  # transformers itself cannot build it at this size
        raise NotApplicable(f"{model_class} at tiny size: {type(exc).__name__}: {exc}") from exc
    return model.eval()


def _inputs(kind: str) -> dict[str, Any]:
    import torch

    ids = _ids()
    if kind in ("causal", "encoder"):
        return {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
    if kind == "seq2seq":
        return {"input_ids": ids, "decoder_input_ids": ids[:, :4]}
    if kind == "image":
        return {"pixel_values": _float(2, 3, 32, 32)}
    if kind == "audio":
        return {"input_values": _float(2, 1600)}
    if kind == "image2text":
        return {"pixel_values": _float(2, 3, 32, 32), "decoder_input_ids": ids[:, :4]}
    if kind == "whisper":
        return {"input_features": _float(2, 16, 32), "decoder_input_ids": ids[:, :4]}
    return {"input_ids": ids, "pixel_values": _float(2, 3, 32, 32)}  # clip


def _outputs(kind: str) -> Any:
    def outputs(model: Any) -> Any:
        import torch

        with torch.no_grad():
            out = model(**_inputs(kind))
            result = {}
            for key in ("logits", "last_hidden_state", "logits_per_image"):
                if getattr(out, key, None) is not None:
                    result[key] = to_json(getattr(out, key))
                    break
            if kind in ("causal", "seq2seq"):  # the generation config is saved too
                ids = _ids(1, 5)
                tokens = model.generate(
                    input_ids=ids,
                    attention_mask=torch.ones_like(ids),
                    max_new_tokens=5,
                    do_sample=False,
                )
                result["generate"] = to_json(tokens)
        return result

    return outputs


def _variant(model_class: str, sizes: dict[str, Any], change: str) -> Any:
    import torch

    model = build(model_class, {**MODELS[model_class][1], **sizes})
    if change == "resized":  # e.g. after adding tokens to the tokenizer
        model.resize_token_embeddings(VOCAB + 5)
        return model, {}
    return model.to(getattr(torch, change)), {}


def _adapter(
    store: Any, base_class: str, config_class: str, options: dict, base_after: bool
) -> Any:
    import peft
    import torch

    base = build(base_class, MODELS[base_class][1])
    name = f"{config_class} base {base_class}"
    if not base_after:
        store.save(base, name)  # the adapter finds it by itself
    torch.manual_seed(1)
    config = getattr(peft, config_class)(**{"task_type": "CAUSAL_LM", **options})
    model = peft.get_peft_model(base, config).eval()
    with torch.no_grad():  # the head's trained copy, as if trained
        for key, parameter in model.named_parameters():
            if ".modules_to_save." in key:
                parameter.add_(0.5)
    if base_after:  # as the base_missing error says: saved without the adapter
        store.save(model.get_base_model(), name)
    return model, {}


def cases() -> list[Case]:
    out = [
        Case(name, lambda n=name, s=sizes: (build(n, s), {}), _outputs(kind), subset=subset)
        for name, (kind, sizes, subset) in MODELS.items()
    ]
    for label, (name, sizes, change) in VARIANTS.items():
        variant = lambda a=(name, sizes, change): _variant(*a)  # noqa: E731
        out.append(Case(label, variant, _outputs(MODELS[name][0])))
    for base_class, config_class, options, subset, base_after in ADAPTERS:
        args = (base_class, config_class, options, base_after)
        task = options.get("task_type", "CAUSAL_LM")
        flags = "".join(f" {key}" for key in ("use_dora", "modules_to_save") if key in options)
        out.append(
            Case(
                f"peft {config_class}{flags} ({task}) on {base_class}"
                + (", base saved from get_base_model()" if base_after else ""),
                lambda store, a=args: _adapter(store, *a),
                _outputs(MODELS[base_class][0]),
                subset=subset,
                uses_store=True,
            )
        )
    return out
