#!/usr/bin/env python3
"""Write a tiny llama-architecture GGUF model, sound or with one chosen defect, for the CLI
validation tests (tests/e2e/validation_test.sh).

Usage: hostile_gguf.py OUT CASE
  ok                  a sound model (SentencePiece vocabulary of 300 tokens, 1 layer, F32)
  name-escape         general.name holds ESC sequences, C1 controls, U+202E and bad UTF-8,
                      general.description bad UTF-8
  byte-token-zz       a BYTE token named <0xZZ>
  embd-575            embedding_length 575 (not a multiple of head_count 4)
  freq-base-inf       rope.freq_base = inf   (also: -nan, -zero, -negative)
  eps-nan             attention.layer_norm_rms_epsilon = nan
  scale-inf           rope.scaling.type linear with rope.scaling.factor = inf
  small-vocab         the tokenizer has fewer tokens than token_embd.weight has rows
  big-vocab           the tokenizer has more tokens than token_embd.weight has rows
  embd-48             embedding_length 48 and head dimension 12 (F32 rows not a multiple of 32)
  ff-40               feed_forward_length 40 (F32 rows not a multiple of 32)
  piece-escape        a user-defined token whose text holds ESC and U+202E
"""
import sys

import numpy as np

import gguf

N_EMBD, N_HEAD, N_FF, N_LAYER = 64, 4, 128, 1


def vocab(n_extra_words):
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    types = [2, 3, 3] + [6] * 256
    words = [f"\u2581w{i}" for i in range(n_extra_words)]
    return tokens + words, types + [1] * len(words)


def main():
    out, case = sys.argv[1], sys.argv[2]
    tokens, types = vocab(41)
    n_vocab = len(tokens)
    n_embd = N_EMBD
    if case == "byte-token-zz":
        tokens[3 + 0x41] = "<0xZZ>"
    if case == "piece-escape":
        # User-defined, so that the tokenizer matches it whole in a text.
        tokens[-1], types[-1] = "x\x1b[31mred\u202e", 4
    if case == "small-vocab":
        tokens, types = tokens[:-10], types[:-10]
    if case == "big-vocab":
        n_vocab -= 10
    if case == "embd-575":
        n_embd = 575
    n_ff = 40 if case == "ff-40" else N_FF
    if case == "embd-48":
        n_embd = 48

    w = gguf.GGUFWriter(out, "llama")
    if case == "name-escape":
        # Invalid UTF-8 cannot go through a Python str; such strings are added as bytes.
        name = "evil\x1b[2J\x1b]0;title\x07\u009b31m\u202eabc".encode() + b"\xff"
        w.add_key_value("general.name", name, gguf.GGUFValueType.STRING)
        w.add_key_value("general.description", b"bad \xff\xfe utf-8", gguf.GGUFValueType.STRING)
    else:
        w.add_name("tiny")
    w.add_context_length(256)
    w.add_embedding_length(n_embd)
    w.add_block_count(N_LAYER)
    w.add_feed_forward_length(n_ff)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD)
    eps = float("nan") if case == "eps-nan" else 1e-5
    w.add_layer_norm_rms_eps(eps)
    bases = {"freq-base-inf": float("inf"), "freq-base-nan": float("nan"),
             "freq-base-zero": 0.0, "freq-base-negative": -10000.0}
    w.add_rope_freq_base(bases.get(case, 10000.0))
    if case == "scale-inf":
        w.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
        w.add_rope_scaling_factor(float("inf"))
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores([0.0] * len(tokens))
    w.add_token_types(types)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)

    rng = np.random.default_rng(0)

    def t(name, *shape):  # numpy order: rows first
        w.add_tensor(name, (rng.standard_normal(shape) * 0.02).astype(np.float32))

    head_dim = n_embd // N_HEAD
    t("token_embd.weight", n_vocab, n_embd)
    w.add_tensor("output_norm.weight", np.ones(n_embd, dtype=np.float32))
    for i in range(N_LAYER):
        w.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(n_embd, dtype=np.float32))
        t(f"blk.{i}.attn_q.weight", N_HEAD * head_dim, n_embd)
        t(f"blk.{i}.attn_k.weight", N_HEAD * head_dim, n_embd)
        t(f"blk.{i}.attn_v.weight", N_HEAD * head_dim, n_embd)
        t(f"blk.{i}.attn_output.weight", n_embd, N_HEAD * head_dim)
        w.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(n_embd, dtype=np.float32))
        t(f"blk.{i}.ffn_gate.weight", n_ff, n_embd)
        t(f"blk.{i}.ffn_up.weight", n_ff, n_embd)
        t(f"blk.{i}.ffn_down.weight", n_embd, n_ff)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    main()
