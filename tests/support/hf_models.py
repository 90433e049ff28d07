"""Tiny Hugging Face models built from configs (random weights, seeded: nothing downloaded),
for the HF formats' tests (formats/test_hf_formats.py) and the fresh-process matrix
(tiny_models.py). Each builder imports transformers itself: importing this module is cheap."""

from __future__ import annotations

from typing import Any

SENTENCES = [
    "the model saves and loads",
    "a tiny model is quick to train",
    "the store keeps every version",
    "a bad model is refused with a clear message",
]
TOKEN_IDS = [[1, 5, 7, 9, 2], [3, 4, 5, 6, 8]]


def tiny(config_class: str, model_class: str, **sizes: Any) -> Any:
    """transformers' `model_class` built from its `config_class` with these sizes, seeded,
    in eval mode."""
    import torch
    import transformers

    torch.manual_seed(0)
    config = getattr(transformers, config_class)(**sizes)
    return getattr(transformers, model_class)(config).eval()


# What the BERT-like encoders share: 2 layers of width 32, 2 heads.
SMALL_ENCODER = {
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
}


def gpt2() -> Any:
    return tiny(
        "GPT2Config",
        "GPT2LMHeadModel",
        n_embd=32,
        n_layer=2,
        n_head=2,
        vocab_size=64,
        n_positions=32,
        bos_token_id=0,
        eos_token_id=0,
    )


def bert_classifier() -> Any:
    return tiny(
        "BertConfig",
        "BertForSequenceClassification",
        **SMALL_ENCODER,
        vocab_size=64,
        max_position_embeddings=32,
        num_labels=3,
    )


def t5() -> Any:
    return tiny(
        "T5Config",
        "T5ForConditionalGeneration",
        d_model=32,
        d_ff=64,
        d_kv=8,
        num_layers=2,
        num_heads=2,
        vocab_size=64,
        decoder_start_token_id=0,
        pad_token_id=0,
        eos_token_id=1,
    )


def vit() -> Any:
    return tiny(
        "ViTConfig",
        "ViTForImageClassification",
        **SMALL_ENCODER,
        image_size=16,
        patch_size=8,
        num_labels=2,
    )


def image_processor() -> Any:
    """The PIL image processor: transformers 5 picks a torchvision one when torchvision is
    importable (the conformance tests import it into this process), which resizes slightly
    differently; a fresh Python without it would then see other outputs."""
    import transformers

    cls = getattr(transformers, "ViTImageProcessorPil", None) or transformers.ViTImageProcessor
    return cls(size={"height": 16, "width": 16})


def images() -> list:
    import numpy as np

    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, size=(20, 24, 3), dtype=np.uint8) for _ in range(2)]


def tokenizer() -> Any:
    """A WordLevel tokenizer trained on SENTENCES, as a PreTrainedTokenizerFast."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    raw = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    raw.pre_tokenizer = pre_tokenizers.Whitespace()
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
    raw.train_from_iterator(SENTENCES, trainers.WordLevelTrainer(special_tokens=special))
    return PreTrainedTokenizerFast(
        tokenizer_object=raw,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        model_max_length=32,
    )


def text_pipeline() -> Any:
    from transformers import pipeline

    return pipeline("text-classification", model=bert_classifier(), tokenizer=tokenizer())


def lora(base: Any = None) -> Any:
    """A LoRA adapter (rank 4 on c_attn) on the tiny GPT-2, its B matrices made non-zero so
    that it changes the outputs."""
    import torch
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(1)
    config = LoraConfig(
        r=4, lora_alpha=8, target_modules=["c_attn"], fan_in_fan_out=True, task_type="CAUSAL_LM"
    )
    model = get_peft_model(gpt2() if base is None else base, config)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.normal_(std=0.5)
    return model.eval()


def generated(model: Any) -> list:
    """Greedy generate() of 6 new tokens from TOKEN_IDS."""
    import torch

    with torch.no_grad():
        out = model.generate(
            torch.tensor(TOKEN_IDS), max_new_tokens=6, do_sample=False, pad_token_id=0
        )
    return out.tolist()


def logits(model: Any, **inputs: Any) -> list:
    import torch

    with torch.no_grad():
        return model(**inputs).logits.tolist()


def pipeline_scores(pipe: Any) -> list:
    """Each sentence's (or image's) score of every label, ordered by label."""
    inputs = SENTENCES
    if pipe.task == "image-classification":
        from PIL import Image

        # PIL images: the image pipeline of transformers 4 takes no numpy arrays
        inputs = [Image.fromarray(image) for image in images()]
    return [
        [row["score"] for row in sorted(rows, key=lambda r: r["label"])]
        for rows in pipe(inputs, top_k=None)
    ]


def vit_pipeline() -> Any:
    from transformers import pipeline

    return pipeline("image-classification", model=vit(), image_processor=image_processor())


# --- for tiny_models: one model per HF format, what it computes -----------------------------

BASE_NAME = "peft_adapter-base"  # the store name of the adapter's base in the matrix


def outputs(format_id: str, model: Any) -> list:
    if format_id in ("hf_transformers", "peft_adapter"):
        return generated(model)
    if format_id == "hf_processor":
        return model(SENTENCES, padding=True)["input_ids"]
    if format_id == "hf_pipeline":
        return pipeline_scores(model)
    raise KeyError(format_id)


def bert_logits(model: Any) -> list:
    import torch

    return logits(model, input_ids=torch.tensor(TOKEN_IDS))


def t5_generated(model: Any) -> list:
    import torch

    with torch.no_grad():
        return model.generate(torch.tensor(TOKEN_IDS), max_new_tokens=5, do_sample=False).tolist()
