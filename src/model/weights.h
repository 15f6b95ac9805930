// The tensors of a decoder, bound by name from a GGUF file and checked for
// shape and type when the model loads. Views point into the file mapping.
#pragma once

#include <vector>

#include "format/gguf_file.h"
#include "kernels/linear.h"
#include "model/config.h"

namespace yak::model {

// A mixture-of-experts feed-forward: the router, the routed experts (each a
// slice of the file's 3-D expert stacks, so they are repacked like any
// matrix) and the optional shared expert.
struct ExpertWeights {
  kernels::Linear router;               // [n_embd] -> [n_expert]
  std::vector<kernels::Linear> gate;    // per expert: [n_embd] -> [n_ff_expert]
  std::vector<kernels::Linear> up;      // per expert: [n_embd] -> [n_ff_expert]
  std::vector<kernels::Linear> down;    // per expert: [n_ff_expert] -> [n_embd]
  kernels::Linear shared_gate_proj;     // [n_embd] -> [n_ff_shared], when there is a shared expert
  kernels::Linear shared_up;            // [n_embd] -> [n_ff_shared]
  kernels::Linear shared_down;          // [n_ff_shared] -> [n_embd]
  const float* shared_gate = nullptr;   // [n_embd]: sigmoid(x . w) scales the shared expert
};

struct LayerWeights {
  const float* attn_norm = nullptr;  // [n_embd]
  kernels::Linear wq;                // [n_embd] -> [n_head * head_dim]
  kernels::Linear wk;                // [n_embd] -> [n_head_kv * head_dim]
  kernels::Linear wv;                // [n_embd] -> [n_head_kv * head_dim]
  const float* bq = nullptr;         // [n_head * head_dim], with qkv_bias
  const float* bk = nullptr;         // [n_head_kv * head_dim], with qkv_bias
  const float* bv = nullptr;         // [n_head_kv * head_dim], with qkv_bias
  const float* q_norm = nullptr;     // [head_dim], with qk_norm
  const float* k_norm = nullptr;     // [head_dim], with qk_norm
  kernels::Linear wo;                // [n_head * head_dim] -> [n_embd]
  const float* attn_post_norm = nullptr;  // [n_embd], with post_norms
  const float* ffn_norm = nullptr;        // [n_embd]
  kernels::Linear w_gate;                 // [n_embd] -> [n_ff], dense layers
  kernels::Linear w_up;                   // [n_embd] -> [n_ff], dense layers
  kernels::Linear w_down;                 // [n_ff] -> [n_embd], dense layers
  ExpertWeights experts;                  // MoE layers
  const float* ffn_post_norm = nullptr;   // [n_embd], with post_norms
  bool fused_qkv = false;      // wq, wk and wv are slices of one attn_qkv tensor
  bool fused_gate_up = false;  // w_gate and w_up are slices of one ffn_up tensor
};

struct ModelWeights {
  kernels::Linear token_embd;          // [n_embd] rows, one per vocabulary entry
  const float* output_norm = nullptr;  // [n_embd]
  kernels::Linear output;              // [n_embd] -> [n_vocab]; the embedding when tied
  const float* rope_freqs = nullptr;   // optional [n_rot / 2] frequency divisors
  const float* rope_factors_long = nullptr;   // LongRoPE [n_rot / 2], both or neither
  const float* rope_factors_short = nullptr;
  std::vector<LayerWeights> layers;

  // Calls fn(Linear&) for every matrix that multiplies activations (all but the
  // embedding table, which is only read a row at a time), the output included.
  template <typename Fn>
  void for_each_projection(Fn&& fn) {
    fn(output);
    for (LayerWeights& l : layers) {
      for (kernels::Linear* linear : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down})
        if (!linear->empty()) fn(*linear);
      ExpertWeights& e = l.experts;
      if (!e.router.empty()) fn(e.router);
      for (std::vector<kernels::Linear>* stack : {&e.gate, &e.up, &e.down})
        for (kernels::Linear& linear : *stack) fn(linear);
      for (kernels::Linear* linear : {&e.shared_gate_proj, &e.shared_up, &e.shared_down})
        if (!linear->empty()) fn(*linear);
    }
  }
};

// Binds every tensor the config needs; throws yak::Error naming the tensor
// when one is missing, has the wrong shape, or has a type Yak cannot compute with.
ModelWeights bind_weights(const gguf::File& file, const ModelConfig& config);

}  // namespace yak::model
