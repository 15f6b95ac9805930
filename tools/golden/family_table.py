"""The small test models of the Step 9 families: one shrunk Hugging Face config per family.

Each entry starts from the config.json of a real model (named in `real`) and shrinks the
widths, depth, expert counts and vocabulary so that the converted GGUF is a few MB, while
keeping every structural feature the decoder must get right (listed in `changes`, with what was
changed and why). The Hugging Face values quoted are those of the models' config.json files on
the Hugging Face hub.

`hf` is the shrunk config as the family's own config.json would spell it (legacy key names
such as rope_theta and rope_scaling; transformers 5 reads them). For InternLM2 and Baichuan,
which have no transformers class, it is the config.json that their remote code reads, and
`as_llama` says how their weights map onto transformers' LlamaForCausalLM for the reference.

`reference` names what computes the golden logits (tools/golden/make_family_golden.py):
  gguf-transformers  transformers loads the filled GGUF itself (its GGUF tensor mapping), with
                     this config, because its GGUF config reader drops keys these files need
                     (head_dim of Qwen3, expert sizes, sliding windows, rope factors)
  hub-transformers   the GGUF tensors are mapped back to the model's hub checkpoint layout by
                     tools/golden/family_hf.py (the inverse of the converter's transformation)
                     and loaded into transformers' native class
  llama.cpp          llama.cpp's libllama (tools/golden/llamacpp_logits.cpp), where no
                     transformers class exists

`llamacpp_variant` names where llama.cpp, the cross-check, computes something else than the
reference, so that it is also compared with transformers made to compute the same thing.

`fill_gain` scales the spread of some tensors' values (by GGUF name without "blk.N.") where
the default scales of make_family_golden.fill_rule do not suit the family.

`seed` is the fill seed that make_family_golden.py settled on (the first, counting up from the
value here, whose top-1 and expert-routing margins are clear; see there).
"""

from __future__ import annotations

# Token-type layout of the tiny tokenizers (tools/golden/family_hf.py builds them).
SPM_LLAMA = {"kind": "spm", "unk": 0, "bos": 1, "eos": 2, "pad": None, "add_dummy_prefix": True}
SPM_GEMMA = {"kind": "spm", "pad": 0, "eos": 1, "bos": 2, "unk": 3, "add_dummy_prefix": False,
             "extra_control": ["<start_of_turn>", "<end_of_turn>"]}
BPE_QWEN = {"kind": "bpe", "special": ["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
            "bos": None, "eos": "<|im_end|>", "pre": "qwen2"}
BPE_DEEPSEEK = {"kind": "bpe", "special": ["<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"],
                "bos": "<｜begin▁of▁sentence｜>", "eos": "<｜end▁of▁sentence｜>", "pre": "qwen2"}

# Phi-3-mini-128k's long and short rope factors, shrunk from 48 per list (head_dim 96) to 8
# (head_dim 16) by taking every sixth value, so their range and shape are the real ones.
PHI3_SHORT = [1.05, 1.05, 1.05, 1.1, 1.25, 1.4, 1.65, 1.9]
PHI3_LONG = [1.08, 1.16, 1.5, 2.6, 7.1, 16.5, 28.2, 41.5]

FAMILIES = {
    "qwen3": {
        "real": "Qwen/Qwen3-0.6B",
        "arch": "qwen3",
        "reference": "gguf-transformers",
        "tokenizer": BPE_QWEN,
        "vocab": 640,
        "seed": 1,
        "changes": "hidden 1024->64, 28->3 layers, 16/8 heads->4/2 (GQA 2), head_dim 128->32 "
                   "(kept larger than hidden/heads, as in the real model: q is 128 wide, hidden "
                   "64), ffn 3072->192, vocab 151936->640; q/k norms, tied embeddings and rope "
                   "base 1e6 as in the real model",
        "hf": {
            "architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3",
            "hidden_size": 64, "intermediate_size": 192, "num_hidden_layers": 3,
            "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 32,
            "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "rope_scaling": None,
            "max_position_embeddings": 40960, "tie_word_embeddings": True,
            "attention_bias": False, "hidden_act": "silu", "sliding_window": None,
            "use_sliding_window": False,
        },
    },
    "qwen3moe": {
        "real": "Qwen/Qwen3-30B-A3B",
        "arch": "qwen3moe",
        "reference": "gguf-transformers",
        "tokenizer": BPE_QWEN,
        "vocab": 640,
        "seed": 1,
        "changes": "hidden 2048->64, 48->3 layers, 32/4 heads->8/2 (GQA 4), head_dim 128->16 "
                   "(q 128 wide, hidden 64), 128 experts top-8 -> 8 experts top-2, expert ffn "
                   "768->32, vocab 151936->640; norm_topk_prob true, q/k norms, every layer "
                   "sparse, untied output as in the real model",
        "hf": {
            "architectures": ["Qwen3MoeForCausalLM"], "model_type": "qwen3_moe",
            "hidden_size": 64, "intermediate_size": 192, "moe_intermediate_size": 32,
            "num_hidden_layers": 3, "num_attention_heads": 8, "num_key_value_heads": 2,
            "head_dim": 16, "num_experts": 8, "num_experts_per_tok": 2,
            "norm_topk_prob": True, "decoder_sparse_step": 1, "mlp_only_layers": [],
            "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "rope_scaling": None,
            "max_position_embeddings": 40960, "tie_word_embeddings": False,
            "attention_bias": False, "hidden_act": "silu", "sliding_window": None,
            "use_sliding_window": False, "router_aux_loss_coef": 0.001,
        },
    },
    "qwen2moe": {
        "real": "Qwen/Qwen1.5-MoE-A2.7B",
        "arch": "qwen2moe",
        "reference": "gguf-transformers",
        "tokenizer": BPE_QWEN,
        "vocab": 640,
        "seed": 1,
        "changes": "hidden 2048->64, 24->3 layers, 16/16 heads->4/2 (GQA 2, as Qwen2-57B-A14B "
                   "of the same architecture has, so the decoder's grouped path is covered), "
                   "60 experts top-4 -> 8 experts top-4, expert ffn 1408->32, shared expert "
                   "5632->128 with its sigmoid gate, vocab 151936->640; QKV biases, "
                   "norm_topk_prob false as in the real model",
        "hf": {
            "architectures": ["Qwen2MoeForCausalLM"], "model_type": "qwen2_moe",
            "hidden_size": 64, "intermediate_size": 128, "moe_intermediate_size": 32,
            "shared_expert_intermediate_size": 128, "num_hidden_layers": 3,
            "num_attention_heads": 4, "num_key_value_heads": 2, "num_experts": 8,
            "num_experts_per_tok": 4, "norm_topk_prob": False, "decoder_sparse_step": 1,
            "mlp_only_layers": [], "rms_norm_eps": 1e-6, "rope_theta": 1000000.0,
            "rope_scaling": None, "max_position_embeddings": 8192,
            "tie_word_embeddings": False, "hidden_act": "silu", "sliding_window": None,
            "use_sliding_window": False, "qkv_bias": True, "router_aux_loss_coef": 0.001,
        },
    },
    "gemma3": {
        "real": "google/gemma-3-270m and google/gemma-3-1b-it",
        "arch": "gemma3",
        "reference": "gguf-transformers",
        "tokenizer": SPM_GEMMA,
        "vocab": 640,
        "seed": 1,
        # ggml's CPU GELU looks its result up in a table of fp16 inputs and outputs: llama.cpp
        # is also compared with transformers computing GELU that way.
        "llamacpp_variant": "fp16-gelu",
        "changes": "hidden 640/1152->64, 18/26->7 layers (pattern 6: layers 0-4 and 6 sliding, "
                   "5 global), 4/1 heads kept (MQA), head_dim 256->32 (q 128 wide, hidden 64), "
                   "query_pre_attn_scalar 256->32 (= head_dim, as in both real models; the GGUF "
                   "has no key for it and llama.cpp assumes head_dim below 27B), sliding window "
                   "512->8, ffn 2048/6912->128, vocab 262144->640; two rope bases (1e6 global, "
                   "1e4 local), q/k norms, four norms per layer stored as 1+w, sqrt(hidden) "
                   "embedding scale, GELU-tanh, tied embeddings; no softcapping (both real "
                   "configs have none)",
        "hf": {
            "architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text",
            "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 7,
            "num_attention_heads": 4, "num_key_value_heads": 1, "head_dim": 32,
            "query_pre_attn_scalar": 32, "sliding_window": 8, "sliding_window_pattern": 6,
            "rope_theta": 1000000.0, "rope_local_base_freq": 10000.0, "rope_scaling": None,
            "rms_norm_eps": 1e-6, "hidden_activation": "gelu_pytorch_tanh",
            "max_position_embeddings": 32768, "final_logit_softcapping": None,
            "attn_logit_softcapping": None, "tie_word_embeddings": True,
            "attention_bias": False, "use_bidirectional_attention": False,
            "pad_token_id": 0, "eos_token_id": 1, "bos_token_id": 2,
        },
    },
    "mistral": {
        "real": "mistralai/Mistral-7B-v0.1",
        "arch": "llama",
        "reference": "gguf-transformers",
        "tokenizer": SPM_LLAMA,
        "vocab": 640,
        "seed": 1,
        "changes": "hidden 4096->128, 32->4 layers, 32/8 heads->8/2 (GQA 4 kept), head_dim "
                   "128->16, ffn 14336->256, sliding window 4096->16 (shorter than the long "
                   "prompts), vocab 32000->640. The vendored converter writes no sliding window "
                   "for the llama architecture (llama.cpp ignores Mistral's window), so "
                   "make_family_golden.py adds llama.attention.sliding_window=16 to the file",
        "extra_metadata": [{"key": "llama.attention.sliding_window", "type": "UINT32",
                            "value": 16}],
        # llama.cpp's llama architecture has no sliding window: it is compared with
        # transformers on the same file with the window switched off.
        "llamacpp_variant": "no-sliding-window",
        "hf": {
            "architectures": ["MistralForCausalLM"], "model_type": "mistral",
            "hidden_size": 128, "intermediate_size": 256, "num_hidden_layers": 4,
            "num_attention_heads": 8, "num_key_value_heads": 2, "head_dim": 16,
            "sliding_window": 16, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
            "max_position_embeddings": 32768, "tie_word_embeddings": False,
            "hidden_act": "silu", "bos_token_id": 1, "eos_token_id": 2,
        },
    },
    "mixtral": {
        "real": "mistralai/Mixtral-8x7B-v0.1",
        "arch": "llama",
        "reference": "hub-transformers",
        "tokenizer": SPM_LLAMA,
        "vocab": 640,
        "seed": 1,
        "changes": "hidden 4096->128, 32->3 layers, 32/8 heads->8/2 (GQA 4 kept), head_dim "
                   "128->16, 8 experts top-2 kept, expert ffn 14336->64, vocab 32000->640; "
                   "rope base 1e6, no sliding window as in the real model",
        "hf": {
            "architectures": ["MixtralForCausalLM"], "model_type": "mixtral",
            "hidden_size": 128, "intermediate_size": 64, "num_hidden_layers": 3,
            "num_attention_heads": 8, "num_key_value_heads": 2, "head_dim": 16,
            "num_local_experts": 8, "num_experts_per_tok": 2, "sliding_window": None,
            "rms_norm_eps": 1e-5, "rope_theta": 1000000.0, "max_position_embeddings": 32768,
            "tie_word_embeddings": False, "hidden_act": "silu", "bos_token_id": 1,
            "eos_token_id": 2, "router_jitter_noise": 0.0,
        },
    },
    "phi3": {
        "real": "microsoft/Phi-3-mini-4k-instruct",
        "arch": "phi3",
        "reference": "gguf-transformers",
        "tokenizer": dict(SPM_LLAMA, added=["<|endoftext|>", "<|assistant|>", "<|end|>",
                                            "<|user|>"]),
        "vocab": 640,
        "hf_vocab": 656,
        "seed": 1,
        "changes": "hidden 3072->64, 32->3 layers, 32/32 heads->4/2 (GQA 2, as Phi-3-medium "
                   "has, so the fused QKV split with fewer KV heads is covered), head_dim "
                   "96->16, ffn 8192->128, vocab 32064->656 (SentencePiece 640 + 4 added chat "
                   "tokens + padding rows, as the real 32000 + added + padding); fused QKV and "
                   "gate/up, sliding_window 2047 and 4096 positions kept (both longer than the "
                   "test sequences: llama.cpp disables Phi-3's window, transformers applies it, "
                   "so a window the tests reach would have no agreed meaning)",
        "hf": {
            "architectures": ["Phi3ForCausalLM"], "model_type": "phi3",
            "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 3,
            "num_attention_heads": 4, "num_key_value_heads": 2, "rms_norm_eps": 1e-5,
            "rope_theta": 10000.0, "rope_scaling": None, "max_position_embeddings": 4096,
            "original_max_position_embeddings": 4096, "sliding_window": 2047,
            "tie_word_embeddings": False, "hidden_act": "silu", "bos_token_id": 1,
            "eos_token_id": 2, "pad_token_id": 2,
        },
    },
    "phi3-longrope": {
        "real": "microsoft/Phi-3-mini-128k-instruct",
        "arch": "phi3",
        "reference": "gguf-transformers",
        "tokenizer": dict(SPM_LLAMA, added=["<|endoftext|>", "<|assistant|>", "<|end|>",
                                            "<|user|>"]),
        "vocab": 640,
        "hf_vocab": 656,
        "seed": 1,
        "changes": "as phi3, with the 128k model's longrope: 131072 positions over an original "
                   "4096 (attention factor sqrt(1+ln 32/ln 4096)), 8 short and 8 long factors "
                   "(every sixth of the real 48), sliding_window 262144 as in the real config. "
                   "The test sequences are shorter than 4096, so the short factors apply "
                   "(transformers and llama.cpp both pick them for contexts up to 4096)",
        "hf": {
            "architectures": ["Phi3ForCausalLM"], "model_type": "phi3",
            "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 3,
            "num_attention_heads": 4, "num_key_value_heads": 2, "rms_norm_eps": 1e-5,
            "rope_theta": 10000.0, "max_position_embeddings": 131072,
            "original_max_position_embeddings": 4096, "sliding_window": 262144,
            "rope_scaling": {"type": "longrope", "short_factor": PHI3_SHORT,
                             "long_factor": PHI3_LONG},
            "tie_word_embeddings": False, "hidden_act": "silu", "bos_token_id": 1,
            "eos_token_id": 2, "pad_token_id": 2,
        },
    },
    "internlm2": {
        "real": "internlm/internlm2-chat-1_8b",
        "arch": "internlm2",
        "reference": "hub-transformers",
        "as_llama": "wqkv",
        "tokenizer": SPM_LLAMA,
        "vocab": 640,
        "seed": 1,
        "changes": "hidden 2048->64, 24->3 layers, 16/8 heads->4/2 (GQA 2 kept), head_dim "
                   "128->16, ffn 8192->128, vocab 92544->640; packed wqkv in InternLM2's "
                   "grouped layout, rope base 1e6. The real config's dynamic-NTK rope_scaling "
                   "(which acts only beyond max_position_embeddings, and for which the "
                   "converter writes nothing) is left out",
        "hf": {
            "architectures": ["InternLM2ForCausalLM"], "model_type": "internlm2",
            "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 3,
            "num_attention_heads": 4, "num_key_value_heads": 2, "rms_norm_eps": 1e-5,
            "rope_theta": 1000000.0, "rope_scaling": None, "max_position_embeddings": 32768,
            "bias": False, "tie_word_embeddings": False, "hidden_act": "silu",
            "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 2,
        },
    },
    "baichuan": {
        "real": "baichuan-inc/Baichuan2-7B-Base",
        "arch": "baichuan",
        "reference": "hub-transformers",
        "as_llama": "w_pack",
        "converter_flags": ["--fix-baichuan"],
        "tokenizer": SPM_LLAMA,
        "vocab": 640,
        "seed": 1,
        "changes": "hidden 4096->48, 32 layers KEPT (llama.cpp tells Baichuan 7B, rope, from "
                   "13B, ALiBi, by the layer count alone: 32 or 40, any other count gets "
                   "neither), 32 heads->4 (head_dim 12), ffn 11008->96, vocab 125696->640; "
                   "packed W_pack, rope base 10000 (the config has none; both HF code and "
                   "llama.cpp use 10000). Baichuan2's NormHead (lm_head rows normalized at "
                   "run time) is not represented in GGUF: the converter copies lm_head as is, "
                   "so the file's meaning is a plain output matrix, which the golden follows",
        "hf": {
            "architectures": ["BaichuanForCausalLM"], "model_type": "baichuan",
            "hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 32,
            "num_attention_heads": 4, "rms_norm_eps": 1e-6, "max_position_embeddings": 4096,
            "model_max_length": 4096, "tie_word_embeddings": False, "hidden_act": "silu",
            "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0,
        },
    },
    "baichuan-alibi": {
        "real": "baichuan-inc/Baichuan2-13B-Base",
        "arch": "baichuan",
        "reference": "llama.cpp",
        "as_llama": "w_pack",
        "converter_flags": ["--fix-baichuan"],
        "tokenizer": SPM_LLAMA,
        "vocab": 640,
        "seed": 1,
        "changes": "hidden 5120->48, 40 layers KEPT (the layer count is what selects ALiBi in "
                   "llama.cpp; the GGUF has no other key for it), 40 heads->6 (head_dim 8; "
                   "not a power of two, like 40, so the interleaved ALiBi slopes are covered), "
                   "ffn 13696->96, vocab 125696->640; max ALiBi bias 8 (llama.cpp's constant "
                   "for Baichuan 13B, as in the HF code), no rope",
        "hf": {
            "architectures": ["BaichuanForCausalLM"], "model_type": "baichuan",
            "hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 40,
            "num_attention_heads": 6, "rms_norm_eps": 1e-6, "max_position_embeddings": 4096,
            "model_max_length": 4096, "tie_word_embeddings": False, "hidden_act": "silu",
            "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0,
        },
    },
    "deepseek2": {
        "real": "deepseek-ai/DeepSeek-V2-Lite",
        "arch": "deepseek2",
        "reference": "hub-transformers",
        "tokenizer": BPE_DEEPSEEK,
        "vocab": 640,
        "seed": 1,
        # 27 layers at unit gains are chaotic: float32 rounding differences of the router
        # logits grow with depth (3e-6 at layer 1, 1.5e-4 at layer 26), so deep expert choices
        # would hang on rounding. The FFNs' gated products drive it (halving the attention
        # inputs changes nothing): at 0.7 times their input scale the error stays below 3e-5
        # and greedy paths stay varied (at 0.5 they collapse into repeating a token).
        "fill_gain": {name: 0.7 for name in (
            "ffn_gate.weight", "ffn_up.weight", "ffn_gate_exps.weight", "ffn_up_exps.weight",
            "ffn_gate_shexp.weight", "ffn_up_shexp.weight")},
        "changes": "hidden 2048->64, 27 layers KEPT (llama.cpp reads the absence of "
                   "q_lora_rank, the Lite layout, only for 26 or 27 layers; other counts make "
                   "it require q_lora_rank) with first_k_dense_replace 1 (layer 0 dense, 1-26 "
                   "MoE), 16 heads->4, q_lora_rank null kept, kv_lora_rank 512->32, "
                   "qk_nope_head_dim 128->16, qk_rope_head_dim 64->8, v_head_dim 128->16, "
                   "64 routed experts top-6 -> 8 top-3, 2 shared experts kept, expert ffn "
                   "1408->16, dense ffn 10944->64, vocab 102400->640; softmax greedy top-k "
                   "without normalization and YaRN rope (factor 40 over 4096, mscale = "
                   "mscale_all_dim = 0.707, beta 32/1) as in the real model; "
                   "routed_scaling_factor 1.0->2.5 (DeepSeek-V3's value) so that a decoder "
                   "that forgets the scale fails",
        "hf": {
            "architectures": ["DeepseekV2ForCausalLM"], "model_type": "deepseek_v2",
            "hidden_size": 64, "intermediate_size": 64, "moe_intermediate_size": 16,
            "num_hidden_layers": 27, "num_attention_heads": 4, "num_key_value_heads": 4,
            "q_lora_rank": None, "kv_lora_rank": 32, "qk_nope_head_dim": 16,
            "qk_rope_head_dim": 8, "v_head_dim": 16, "first_k_dense_replace": 1,
            "moe_layer_freq": 1, "n_routed_experts": 8, "n_shared_experts": 2,
            "num_experts_per_tok": 3, "routed_scaling_factor": 2.5, "topk_method": "greedy",
            "scoring_func": "softmax", "norm_topk_prob": False, "n_group": 1,
            "topk_group": 1, "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
            "rope_scaling": {"type": "yarn", "factor": 40.0,
                             "original_max_position_embeddings": 4096, "beta_fast": 32.0,
                             "beta_slow": 1.0, "mscale": 0.707, "mscale_all_dim": 0.707},
            "max_position_embeddings": 163840, "tie_word_embeddings": False,
            "attention_bias": False, "hidden_act": "silu", "aux_loss_alpha": 0.001,
        },
    },
}
