"""Hugging Face side of the Step 9 family goldens: tiny tokenizers, random-weight checkpoints in
each family's hub layout, and the way back from a GGUF file to a transformers model.

Used by tools/golden/make_family_golden.py; needs torch, transformers, tokenizers and
sentencepiece (tools/requirements-reference.txt).
"""

from __future__ import annotations

import io
import json
import math
import random
from pathlib import Path

import numpy as np

# Qwen2's pre-tokenizer split (its tokenizer.json), which llama.cpp names "qwen2".
QWEN2_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+"
               r"[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")


def corpus(n_lines: int = 4000, seed: int = 7) -> list[str]:
    """Deterministic English-like text to train the tiny tokenizers on (its content does not
    matter: the tests feed token ids)."""
    rng = random.Random(seed)
    onsets = ["", "b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v",
              "w", "st", "th", "ch", "sh", "tr", "pl", "gr"]
    vowels = ["a", "e", "i", "o", "u", "ea", "ou", "ai", "ie"]
    codas = ["", "", "n", "r", "s", "t", "l", "nd", "st", "ng", "rk"]
    words = []
    for _ in range(900):
        n = rng.choice([1, 1, 2, 2, 3])
        words.append("".join(rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas)
                             for _ in range(n)))
    weights = [1.0 / (i + 1) for i in range(len(words))]  # Zipf-like, so merges form
    lines = []
    for _ in range(n_lines):
        n = rng.randint(4, 16)
        text = " ".join(rng.choices(words, weights, k=n))
        if rng.random() < 0.3:
            text += f" {rng.randint(0, 9999)}"
        text = text[0].upper() + text[1:] + rng.choice([".", ".", ",", "?", "!", ":"])
        lines.append(text)
    return lines


def write_spm_tokenizer(out: Path, spec: dict, vocab: int) -> None:
    """A SentencePiece BPE model with byte fallback, as Llama, Mistral and Gemma use."""
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus()), model_writer=model, vocab_size=vocab,
        model_type="bpe", byte_fallback=True, character_coverage=1.0, split_digits=True,
        normalization_rule_name="identity", remove_extra_whitespaces=False,
        add_dummy_prefix=spec["add_dummy_prefix"], unk_id=spec["unk"], bos_id=spec["bos"],
        eos_id=spec["eos"], pad_id=-1 if spec["pad"] is None else spec["pad"],
        control_symbols=spec.get("extra_control", []), num_threads=1, minloglevel=2)
    (out / "tokenizer.model").write_bytes(model.getvalue())
    added = spec.get("added", [])
    if added:
        (out / "added_tokens.json").write_text(
            json.dumps({t: vocab + i for i, t in enumerate(added)}, indent=1) + "\n")
    config = {"tokenizer_class": "GemmaTokenizer" if spec["bos"] == 2 else "LlamaTokenizer",
              "add_bos_token": True, "add_eos_token": False}
    (out / "tokenizer_config.json").write_text(json.dumps(config, indent=1) + "\n")


def write_bpe_tokenizer(out: Path, spec: dict, vocab: int) -> None:
    """A byte-level BPE with Qwen2's pre-tokenizer; the special tokens come last, as in Qwen."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers
    from tokenizers import trainers

    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_SPLIT), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    specials = spec["special"]
    trainer = trainers.BpeTrainer(vocab_size=vocab - len(specials), show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(corpus(), trainer)
    if tok.get_vocab_size() != vocab - len(specials):
        raise SystemExit(f"BPE training gave {tok.get_vocab_size()} tokens, wanted "
                         f"{vocab - len(specials)}; enlarge the corpus")
    tok.add_special_tokens(specials)
    tok.save(str(out / "tokenizer.json"))
    config = {"tokenizer_class": "PreTrainedTokenizerFast", "add_bos_token": spec["bos"] is not None,
              "bos_token": spec["bos"], "eos_token": spec["eos"],
              "model_max_length": 32768, "clean_up_tokenization_spaces": False}
    (out / "tokenizer_config.json").write_text(json.dumps(config, indent=1) + "\n")


def token_id(out: Path, text: str | None) -> int | None:
    if text is None:
        return None
    data = json.loads((out / "tokenizer.json").read_text())
    return next(t["id"] for t in data["added_tokens"] if t["content"] == text)


def vocab_size(family: dict) -> int:
    return family.get("hf_vocab", family["vocab"])


# --- Random-weight checkpoints -------------------------------------------------------------

def init_weights(model, seed: int, norm_offset: float) -> None:
    """Weights on the scale the GGUF fill uses (make_family_golden.fill_rule), so that the
    converter check sees logits of a useful size. norm_offset is what a norm weight of 'no
    change' is in the HF parameterization: 1, or 0 where the model computes (1 + w)."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=gen, dtype=torch.float64)
            if name.endswith("norm.weight") or "layernorm" in name:
                value = norm_offset + 0.1 * noise
            elif name.endswith(".bias"):
                value = 0.05 * noise
            elif "embed_tokens" in name:
                value = noise
            elif name.endswith("mlp.gate.weight"):  # expert routers
                value = noise * (3.0 / math.sqrt(p.shape[-1]))
            else:
                value = noise / math.sqrt(p.shape[-1])
            p.copy_(value.to(p.dtype))


def hf_config(family: dict):
    """The transformers config of a family with a native class."""
    from transformers import AutoConfig

    hf = dict(family["hf"])
    hf.pop("architectures")
    model_type = hf.pop("model_type")
    return AutoConfig.for_model(model_type, vocab_size=vocab_size(family), **hf)


def llama_config(family: dict):
    """InternLM2 and Baichuan 7B are Llama once their packed QKV is split (same norms, rope
    pairing in HF layout, SwiGLU): the LlamaForCausalLM config of the same dimensions."""
    from transformers import LlamaConfig

    hf = family["hf"]
    return LlamaConfig(
        vocab_size=vocab_size(family), hidden_size=hf["hidden_size"],
        intermediate_size=hf["intermediate_size"], num_hidden_layers=hf["num_hidden_layers"],
        num_attention_heads=hf["num_attention_heads"],
        num_key_value_heads=hf.get("num_key_value_heads", hf["num_attention_heads"]),
        rms_norm_eps=hf["rms_norm_eps"], rope_theta=hf.get("rope_theta", 10000.0),
        max_position_embeddings=hf["max_position_embeddings"], tie_word_embeddings=False,
        attention_bias=False, mlp_bias=False, hidden_act="silu")


def pack_llama(family: dict, state: dict) -> dict:
    """A LlamaForCausalLM state dict in InternLM2's or Baichuan's hub layout."""
    hf = family["hf"]
    n_head = hf["num_attention_heads"]
    n_kv = hf.get("num_key_value_heads", n_head)
    head_dim = hf["hidden_size"] // n_head
    internlm = family["as_llama"] == "wqkv"
    out = {}
    for name, t in state.items():
        if ".self_attn.k_proj." in name or ".self_attn.v_proj." in name:
            continue
        layer = name.split(".")[2] if name.startswith("model.layers.") else None
        if ".self_attn.q_proj." in name:
            q = t
            k = state[name.replace("q_proj", "k_proj")]
            v = state[name.replace("q_proj", "v_proj")]
            if internlm:
                # wqkv rows: per KV group, its q_per_kv query heads, then its k head and v head.
                hidden = q.shape[1]
                q = q.reshape(n_kv, n_head // n_kv, head_dim, hidden)
                k = k.reshape(n_kv, 1, head_dim, hidden)
                v = v.reshape(n_kv, 1, head_dim, hidden)
                packed = np.concatenate([q, k, v], axis=1).reshape(-1, hidden)
                out[f"model.layers.{layer}.attention.wqkv.weight"] = packed
            else:
                out[f"model.layers.{layer}.self_attn.W_pack.weight"] = np.concatenate([q, k, v])
            continue
        if internlm:
            name = (name.replace("model.embed_tokens", "model.tok_embeddings")
                    .replace("self_attn.o_proj", "attention.wo")
                    .replace("input_layernorm", "attention_norm")
                    .replace("post_attention_layernorm", "ffn_norm")
                    .replace("mlp.gate_proj", "feed_forward.w1")
                    .replace("mlp.down_proj", "feed_forward.w2")
                    .replace("mlp.up_proj", "feed_forward.w3")
                    .replace("lm_head", "output"))
        out[name] = t
    return out


def write_checkpoint(family: dict, out: Path, seed: int):
    """Writes a random-weight checkpoint of the family (config.json, model.safetensors) into
    OUT and returns the transformers model that computes it (the HF-side truth of the
    converter check)."""
    import torch
    from safetensors.numpy import save_file
    from transformers import AutoModelForCausalLM, LlamaForCausalLM

    out.mkdir(parents=True, exist_ok=True)
    if "as_llama" in family:
        model = LlamaForCausalLM(llama_config(family)).to(torch.float32)
        init_weights(model, seed, norm_offset=1.0)
        state = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
        save_file(pack_llama(family, state), str(out / "model.safetensors"),
                  metadata={"format": "pt"})
        config = dict(family["hf"], vocab_size=vocab_size(family), torch_dtype="float32")
        (out / "config.json").write_text(json.dumps(config, indent=1) + "\n")
    else:
        model = AutoModelForCausalLM.from_config(hf_config(family), dtype=torch.float32)
        init_weights(model, seed, norm_offset=0.0 if family["arch"] == "gemma3" else 1.0)
        model.save_pretrained(out)
    model.eval()
    return model


# --- From a GGUF file back to transformers -------------------------------------------------

def unpermute(w: np.ndarray, n_head: int) -> np.ndarray:
    """Inverse of the converter's LlamaModel.permute (HF rotate-half rows -> GGUF's
    interleaved pairs)."""
    rest = w.shape[1:]
    half = w.shape[0] // n_head // 2
    return w.reshape(n_head, half, 2, *rest).swapaxes(1, 2).reshape(w.shape)
