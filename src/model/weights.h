// The tensors of a decoder, bound by name from a GGUF file and checked for
// shape and type when the model loads. Views point into the file mapping.
#pragma once

#include <vector>

#include "format/gguf_file.h"
#include "kernels/linear.h"
#include "model/config.h"

namespace yak::model {

struct LayerWeights {
  const float* attn_norm = nullptr;  // [n_embd]
  kernels::Linear wq;                // [n_embd] -> [n_head * head_dim]
  kernels::Linear wk;                // [n_embd] -> [n_head_kv * head_dim]
  kernels::Linear wv;                // [n_embd] -> [n_head_kv * head_dim]
  const float* bq = nullptr;         // [n_head * head_dim], Qwen2 only
  const float* bk = nullptr;         // [n_head_kv * head_dim], Qwen2 only
  const float* bv = nullptr;         // [n_head_kv * head_dim], Qwen2 only
  kernels::Linear wo;                // [n_head * head_dim] -> [n_embd]
  const float* ffn_norm = nullptr;   // [n_embd]
  kernels::Linear w_gate;            // [n_embd] -> [n_ff]
  kernels::Linear w_up;              // [n_embd] -> [n_ff]
  kernels::Linear w_down;            // [n_ff] -> [n_embd]
};

struct ModelWeights {
  kernels::Linear token_embd;          // [n_embd] rows, one per vocabulary entry
  const float* output_norm = nullptr;  // [n_embd]
  kernels::Linear output;              // [n_embd] -> [n_vocab]; the embedding when tied
  const float* rope_freqs = nullptr;   // optional [n_rot / 2] frequency divisors
  std::vector<LayerWeights> layers;
};

// Binds every tensor the config needs; throws yak::Error naming the tensor
// when one is missing, has the wrong shape, or has a type Yak cannot compute with.
ModelWeights bind_weights(const gguf::File& file, const ModelConfig& config);

}  // namespace yak::model
