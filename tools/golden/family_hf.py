"""Hugging Face side of the Step 9 family goldens: tiny tokenizers, random-weight checkpoints in
each family's hub layout, and the way back from a GGUF file to a transformers model.

Used by tools/golden/make_family_golden.py; needs torch, transformers, tokenizers and
sentencepiece (tools/requirements-reference.txt).
"""

from __future__ import annotations

import contextlib
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
    config = {"tokenizer_class": "PreTrainedTokenizerFast",
              "add_bos_token": spec["bos"] is not None,
              "bos_token": spec["bos"], "eos_token": spec["eos"],
              "model_max_length": 32768, "clean_up_tokenization_spaces": False}
    (out / "tokenizer_config.json").write_text(json.dumps(config, indent=1) + "\n")


def special_ids(family: dict) -> dict:
    """bos/eos ids of a BPE family's config.json: its special tokens come last."""
    tok = family["tokenizer"]
    if tok["kind"] != "bpe":
        return {}
    first = family["vocab"] - len(tok["special"])
    pick = {t: first + i for i, t in enumerate(tok["special"])}
    return {"bos_token_id": pick.get(tok["bos"]), "eos_token_id": pick.get(tok["eos"])}


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
    hf.update(special_ids(family))
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


def _layer_part(name: str) -> tuple[str, str]:
    """'blk.3.attn_q.weight' -> ('model.layers.3.', 'attn_q.weight')."""
    _, layer, rest = name.split(".", 2)
    return f"model.layers.{layer}.", rest


LLAMA_NAMES = {
    "attn_norm.weight": "input_layernorm.weight",
    "ffn_norm.weight": "post_attention_layernorm.weight",
    "attn_q.weight": "self_attn.q_proj.weight",
    "attn_k.weight": "self_attn.k_proj.weight",
    "attn_v.weight": "self_attn.v_proj.weight",
    "attn_output.weight": "self_attn.o_proj.weight",
    "ffn_gate.weight": "mlp.gate_proj.weight",
    "ffn_up.weight": "mlp.up_proj.weight",
    "ffn_down.weight": "mlp.down_proj.weight",
}
GLOBAL_NAMES = {"token_embd.weight": "model.embed_tokens.weight",
                "output_norm.weight": "model.norm.weight", "output.weight": "lm_head.weight"}


def hub_tensors(family: dict, gguf_path: Path) -> dict[str, np.ndarray]:
    """The GGUF tensors of a Mixtral, DeepSeek-V2, InternLM2 or Baichuan-7B file, mapped back
    to the checkpoint layout that transformers loads (the hub layout for Mixtral and
    DeepSeek-V2, LlamaForCausalLM's for InternLM2 and Baichuan): the exact inverse of what the
    converter did to them, checked by make_family_golden.py on the unfilled file, where the
    result must equal the original checkpoint bit for bit."""
    import gguf

    hf = family["hf"]
    n_head = hf["num_attention_heads"]
    n_kv = hf.get("num_key_value_heads", n_head)
    deepseek = family["arch"] == "deepseek2"
    reader = gguf.GGUFReader(gguf_path)
    out: dict[str, np.ndarray] = {}
    for t in reader.tensors:
        w = np.asarray(t.data, dtype=np.float32).reshape([int(n) for n in reversed(t.shape)])
        if t.name in GLOBAL_NAMES:
            out[GLOBAL_NAMES[t.name]] = w
            continue
        prefix, part = _layer_part(t.name)
        if part == "attn_q.weight" and not deepseek:
            out[prefix + LLAMA_NAMES[part]] = unpermute(w, n_head)
        elif part == "attn_k.weight":
            out[prefix + LLAMA_NAMES[part]] = unpermute(w, n_kv)
        elif part in LLAMA_NAMES:
            out[prefix + LLAMA_NAMES[part]] = w
        elif part == "ffn_gate_inp.weight":
            router = "block_sparse_moe.gate.weight" if not deepseek else "mlp.gate.weight"
            out[prefix + router] = w
        elif part.endswith("_exps.weight"):
            kind = part.split("_")[1]  # gate, up, down
            for e in range(w.shape[0]):
                if deepseek:
                    out[f"{prefix}mlp.experts.{e}.{kind}_proj.weight"] = w[e]
                else:
                    wid = {"gate": "w1", "down": "w2", "up": "w3"}[kind]
                    out[f"{prefix}block_sparse_moe.experts.{e}.{wid}.weight"] = w[e]
        elif part.endswith("_shexp.weight") and deepseek:
            kind = part.split("_")[1]
            out[f"{prefix}mlp.shared_experts.{kind}_proj.weight"] = w
        elif part == "attn_kv_a_mqa.weight":
            out[prefix + "self_attn.kv_a_proj_with_mqa.weight"] = w
        elif part == "attn_kv_a_norm.weight":
            out[prefix + "self_attn.kv_a_layernorm.weight"] = w
        elif part == "attn_k_b.weight":
            # The converter split kv_b_proj per head into k_b (transposed) and v_b.
            v_b = tensor_by_name(reader, t.name.replace("attn_k_b", "attn_v_b"))
            kv_b = np.concatenate([w.transpose(0, 2, 1), v_b], axis=1)
            out[prefix + "self_attn.kv_b_proj.weight"] = kv_b.reshape(-1, kv_b.shape[-1])
        elif part == "attn_v_b.weight":
            continue
        else:
            raise SystemExit(f"{gguf_path.name}: no inverse mapping for tensor {t.name}")
    return out


def tensor_by_name(reader, name: str) -> np.ndarray:
    t = next(t for t in reader.tensors if t.name == name)
    return np.asarray(t.data, dtype=np.float32).reshape([int(n) for n in reversed(t.shape)])


def load_hub_model(family: dict, tensors: dict[str, np.ndarray], work: Path):
    """A transformers model from hub-layout tensors (written with the family's config.json,
    then loaded with from_pretrained, so transformers' own checkpoint handling, such as fusing
    the experts, applies)."""
    import torch
    from safetensors.numpy import save_file
    from transformers import AutoModelForCausalLM, LlamaForCausalLM

    work.mkdir(parents=True, exist_ok=True)
    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()},
              str(work / "model.safetensors"), metadata={"format": "pt"})
    if "as_llama" in family:
        llama_config(family).save_pretrained(work)
        model = LlamaForCausalLM.from_pretrained(work, dtype=torch.float32,
                                                 attn_implementation="eager")
    else:
        hf_config(family).save_pretrained(work)
        model = AutoModelForCausalLM.from_pretrained(work, dtype=torch.float32,
                                                     attn_implementation="eager")
    return plain_experts(model).eval()


def load_gguf_model(family: dict, gguf_path: Path):
    """transformers' own GGUF loader on the file, with the family's config (its GGUF config
    reader drops keys these files need)."""
    import torch
    from transformers import AutoModelForCausalLM, LlamaConfig

    config = hf_config(family)
    kwargs = {"gguf_file": gguf_path.name, "dtype": torch.float32,
              "attn_implementation": "eager"}
    if config.model_type in LOAD_AS_LLAMA:
        # transformers maps GGUF tensors by the model type's GGUF architecture name, and gguf-py
        # has none for "mistral" (its files say "llama"): load the tensors into the Llama class
        # of the same parameter names, then move them to the family's own class.
        as_llama = LlamaConfig(**{k: v for k, v in config.to_dict().items()
                                  if k not in ("model_type", "architectures")})
        llama = AutoModelForCausalLM.from_pretrained(gguf_path.parent, config=as_llama, **kwargs)
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32,
                                                 attn_implementation="eager")
        model.load_state_dict(llama.state_dict(), strict=True)
    else:
        with shared_expert_gate_fix():
            model = AutoModelForCausalLM.from_pretrained(gguf_path.parent, config=config,
                                                         **kwargs)
    return plain_experts(model).eval()


def plain_experts(model):
    """Mixture-of-experts layers computed by transformers' plain per-expert loop rather than
    a grouped GEMM kernel: the simplest form of the computation for a reference, and the one
    that also runs in float64 (family_reference.router_margins)."""
    model.config._experts_implementation = "eager"
    return model


LOAD_AS_LLAMA = {"mistral"}


@contextlib.contextmanager
def shared_expert_gate_fix():
    """transformers 5.24's Qwen2-MoE GGUF reader adds a leading axis to ffn_gate_inp_shexp,
    assuming the 1-D [n_embd] that quantized files store; unquantized files (the converter's
    F32 output) already store it as [n_embd, 1], and the extra axis makes the load fail. Only
    that case is passed through unchanged; every other tensor takes transformers' own path."""
    from transformers import modeling_gguf_pytorch_utils as gg

    original = gg.Qwen2MoeTensorProcessor.process

    def process(self, weights, name, **kwargs):
        if "ffn_gate_inp_shexp" in name and weights.ndim == 2:
            return gg.GGUFTensor(weights, name, {})
        return original(self, weights, name, **kwargs)

    gg.Qwen2MoeTensorProcessor.process = process
    try:
        yield
    finally:
        gg.Qwen2MoeTensorProcessor.process = original
