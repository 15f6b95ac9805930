// Hyperparameters of a decoder, read once from GGUF metadata. Architectures
// differ only in these fields; the forward pass is written once.
#pragma once

#include <cstdint>
#include <string>

#include "format/gguf_file.h"
#include "kernels/ops.h"

namespace yak::model {

enum class Arch : uint8_t { kLlama, kQwen2 };

struct ModelConfig {
  Arch arch = Arch::kLlama;
  std::string arch_name;    // as in general.architecture
  std::string name;         // general.name, for display
  int32_t n_vocab = 0;      // rows of the embedding
  int32_t n_ctx_train = 0;  // context length the model was trained for
  int32_t n_embd = 0;       // residual stream width
  int32_t n_layer = 0;
  int32_t n_head = 0;     // query heads
  int32_t n_head_kv = 0;  // key/value heads (grouped-query attention when < n_head)
  int32_t head_dim = 0;   // per head, for Q, K and V
  int32_t n_ff = 0;       // feed-forward hidden width
  float rms_eps = 1e-5f;
  kernels::RopeStyle rope_style = kernels::RopeStyle::kInterleaved;
  int32_t n_rot = 0;  // rotated dims per head
  float rope_freq_base = 10000.0f;
  float rope_freq_scale = 1.0f;  // 1 / linear scaling factor
  bool qkv_bias = false;         // Qwen2 adds biases to Q, K and V
  bool tied_output = false;      // output projection reuses the token embedding

  int32_t q_dim() const { return n_head * head_dim; }
  int32_t kv_dim() const { return n_head_kv * head_dim; }
};

// Reads and checks the hyperparameters; throws yak::Error naming the key and
// the file when one is missing, of the wrong type or out of range.
ModelConfig read_config(const gguf::File& file);

const char* arch_display_name(Arch arch);

}  // namespace yak::model
