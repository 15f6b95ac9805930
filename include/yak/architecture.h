// How Yak's decoder reads a model's architecture from its GGUF metadata: the
// hyperparameters and every structural choice that sets one family apart
// from another (norm placement, activation, attention windows, experts).
// `yak inspect` prints it; Model::info() carries it for a loaded model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace yak {

struct Architecture {
  std::string name;  // general.architecture: "llama", "qwen3", "gemma3", ...
  int32_t n_vocab = 0;
  int32_t n_ctx_train = 0;
  int32_t n_embd = 0;
  int32_t n_layer = 0;
  int32_t n_head = 0;
  int32_t n_head_kv = 0;
  int32_t head_dim = 0;
  int32_t n_ff = 0;  // dense feed-forward width
  float rms_eps = 0;

  // Positions: "rope" (with rope_style "neox" or "interleaved") or "alibi".
  std::string positions;
  std::string rope_style;
  int32_t n_rot = 0;
  float rope_freq_base = 0;
  float rope_freq_scale = 1;
  float alibi_max_bias = 0;

  // Attention.
  bool qkv_bias = false;
  bool qk_norm = false;
  float attention_scale = 0;
  int32_t sliding_window = 0;             // 0: every layer attends to the whole context
  std::vector<bool> layer_sliding;        // [n_layer]
  float rope_freq_base_sliding = 0;       // of the sliding layers
  float rope_freq_scale_sliding = 1;

  // Residual stream and feed-forward.
  std::string activation;  // "silu" or "gelu-tanh"
  bool post_norms = false;
  float embedding_scale = 1;
  float final_logit_softcap = 0;
  bool tied_output = false;

  // Mixture of experts (n_expert 0: dense).
  int32_t n_expert = 0;
  int32_t n_expert_used = 0;
  int32_t n_ff_expert = 0;
  int32_t n_ff_shared_expert = 0;
  bool shared_expert_gate = false;
  bool expert_weights_renormalised = false;
  int32_t n_leading_dense = 0;
};

// Reads the architecture of a GGUF file without loading its weights; throws
// yak::Error naming the key and the problem exactly as Model::load would.
Architecture read_architecture(const std::string& path);

}  // namespace yak
