// Hyperparameters of a decoder, read once from GGUF metadata. Architectures
// differ only in these fields; the forward pass is written once, and each
// difference (norm placement, activation, attention window, RoPE base) is a
// value here that a block of the forward pass reads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "format/gguf_file.h"
#include "kernels/ops.h"

namespace yak::model {

enum class Arch : uint8_t {
  kLlama,      // also Mistral (sliding window) and Mixtral (experts)
  kQwen2,      // Q/K/V biases
  kQwen3,      // per-head RMSNorm on Q and K
  kGemma3,     // scaled embedding, four norms per layer, GELU, interleaved sliding windows
  kPhi3,       // fused QKV and gate-up tensors
  kInternLM2,  // llama's structure under its own name
  kBaichuan,   // llama's structure; the 40-layer (13B) shape uses ALiBi instead of RoPE
  kQwen2Moe,   // routed experts plus a gated shared expert
  kQwen3Moe,   // Qwen3 attention, routed experts
};

enum class Activation : uint8_t {
  kSilu,      // SwiGLU: silu(gate) * up
  kGeluTanh,  // GeGLU with the tanh approximation: gelu(gate) * up
};

// The most experts one token may use (real models use 2 to 10).
inline constexpr int32_t kMaxExpertsUsed = 64;

// How the router's scores become the weights of the chosen experts.
struct ExpertConfig {
  int32_t n_expert = 0;       // routed experts per MoE layer; 0: dense model
  int32_t n_expert_used = 0;  // chosen per token
  int32_t n_ff_expert = 0;    // hidden width of one routed expert
  int32_t n_ff_shared = 0;    // hidden width of the shared expert; 0: none
  bool shared_gate = false;   // the shared expert's output is scaled by sigmoid(gate . x)
  bool norm_top_k = false;    // the chosen experts' softmax weights are renormalised to sum 1
  int32_t n_leading_dense = 0;  // the first layers keep a dense feed-forward
};

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
  int32_t n_ff = 0;       // feed-forward hidden width of the dense layers
  float rms_eps = 1e-5f;

  // Positions: RoPE on the first n_rot dims of each head, or ALiBi (then n_rot is 0).
  kernels::RopeStyle rope_style = kernels::RopeStyle::kInterleaved;
  int32_t n_rot = 0;
  float rope_freq_base = 10000.0f;
  float rope_freq_scale = 1.0f;  // 1 / linear scaling factor
  float alibi_max_bias = 0.0f;   // > 0: ALiBi slopes from this bias, no RoPE
  float rope_attn_factor = 1.0f;   // scales cos and sin (LongRoPE)
  int32_t rope_n_ctx_orig = 0;     // LongRoPE: contexts longer than this use the long factors

  // Attention.
  bool qkv_bias = false;       // Qwen2 adds biases to Q, K and V
  bool qk_norm = false;        // RMSNorm over each head of Q and K before RoPE
  float attention_scale = 0;   // softmax scale of q.k; read_config sets 1/sqrt(head_dim) if unset
  int32_t sliding_window = 0;  // keys a sliding layer's query sees, itself included; 0: none
  std::vector<uint8_t> layer_sliding;  // [n_layer] nonzero: the layer uses the window
  float rope_freq_base_sliding = 10000.0f;  // Gemma 3's local layers rotate with their own base
  float rope_freq_scale_sliding = 1.0f;

  // Feed-forward and residual stream.
  Activation activation = Activation::kSilu;
  bool post_norms = false;        // Gemma: RMSNorm on each block's output before the residual add
  float embedding_scale = 1.0f;   // Gemma multiplies the embedding rows by sqrt(n_embd)
  float final_logit_softcap = 0;  // > 0: logits = cap * tanh(logits / cap)
  ExpertConfig experts;

  bool tied_output = false;  // output projection reuses the token embedding

  int32_t q_dim() const { return n_head * head_dim; }
  int32_t kv_dim() const { return n_head_kv * head_dim; }
  bool is_sliding(int32_t layer) const {
    return sliding_window > 0 && layer_sliding[static_cast<size_t>(layer)] != 0;
  }
  bool is_moe(int32_t layer) const {
    return experts.n_expert > 0 && layer >= experts.n_leading_dense;
  }
};

// Reads and checks the hyperparameters; throws yak::Error naming the key and
// the file when one is missing, of the wrong type or out of range.
ModelConfig read_config(const gguf::File& file);

const char* arch_display_name(Arch arch);
const char* activation_name(Activation activation);

}  // namespace yak::model
