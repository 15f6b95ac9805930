#include "model/config.h"

#include <fmt/format.h>

#include <cmath>
#include <iterator>
#include <string>

#include "core/error.h"
#include "yak/text.h"

namespace yak::model {
namespace {

// Bounds that no real model comes near; they keep a hostile file from making
// the engine allocate absurd buffers from its hyperparameters.
constexpr int64_t kMaxVocab = 1 << 22;
constexpr int64_t kMaxEmbd = 1 << 16;
constexpr int64_t kMaxLayers = 1024;
constexpr int64_t kMaxHeads = 1024;
constexpr int64_t kMaxFf = 1 << 18;

class KeyReader {
 public:
  KeyReader(const gguf::File& file, std::string prefix) : file_(file), prefix_(std::move(prefix)) {}

  int32_t required_int(const std::string& key, int64_t lo, int64_t hi) const {
    const std::string full = prefix_ + key;
    return check_range(full, file_.require(full).as_i64(full), lo, hi);
  }
  int32_t optional_int(const std::string& key, int64_t fallback, int64_t lo, int64_t hi) const {
    const std::string full = prefix_ + key;
    const gguf::Value* v = file_.find(full);
    return check_range(full, v ? v->as_i64(full) : fallback, lo, hi);
  }
  // A float hyperparameter must be a finite number in [lo, hi] (lo itself excluded when
  // lo_open): inf or nan would pass through every later computation unnoticed.
  float optional_float(const std::string& key, float fallback, double lo, double hi,
                       bool lo_open) const {
    const std::string full = prefix_ + key;
    const gguf::Value* v = file_.find(full);
    if (v == nullptr) return fallback;
    const double x = v->as_f64(full);
    if (!std::isfinite(x)) fail("{}: {} = {} is not a finite number", file_.name(), full, x);
    if (x < lo || x > hi || (lo_open && x == lo))
      fail("{}: {} = {} is out of range {}{}, {}]", file_.name(), full, x, lo_open ? "(" : "[", lo,
           hi);
    return static_cast<float>(x);
  }
  const std::string& optional_string(const std::string& key, const std::string& fallback) const {
    const std::string full = prefix_ + key;
    const gguf::Value* v = file_.find(full);
    return v ? v->as_string(full) : fallback;
  }
  std::string full(const std::string& key) const { return prefix_ + key; }
  const gguf::Value* find(const std::string& key) const { return file_.find(prefix_ + key); }

 private:
  int32_t check_range(const std::string& key, int64_t v, int64_t lo, int64_t hi) const {
    if (v < lo || v > hi)
      fail("{}: {} = {} is out of range [{}, {}]", file_.name(), key, v, lo, hi);
    return static_cast<int32_t>(v);
  }

  const gguf::File& file_;
  std::string prefix_;
};

// What sets each family apart, as data; everything else is read from the file.
struct Family {
  const char* name;
  Arch arch;
  kernels::RopeStyle rope_style;
  bool qkv_bias;
  bool qk_norm;
};
constexpr kernels::RopeStyle kNorm = kernels::RopeStyle::kInterleaved;
constexpr kernels::RopeStyle kNeox = kernels::RopeStyle::kNeox;
constexpr Family kFamilies[] = {
    {"llama", Arch::kLlama, kNorm, false, false},
    {"qwen2", Arch::kQwen2, kNeox, true, false},
    {"qwen3", Arch::kQwen3, kNeox, false, true},
    {"gemma3", Arch::kGemma3, kNeox, false, true},
    {"phi3", Arch::kPhi3, kNeox, false, false},
    {"internlm2", Arch::kInternLM2, kNorm, false, false},
    {"baichuan", Arch::kBaichuan, kNorm, false, false},
    {"qwen2moe", Arch::kQwen2Moe, kNeox, true, false},
    {"qwen3moe", Arch::kQwen3Moe, kNeox, false, true},
};

std::string supported_names() {
  std::string names;
  for (const Family& f : kFamilies) names += names.empty() ? f.name : std::string(", ") + f.name;
  return names;
}

// Sliding windows, query scaling and ALiBi. A window applies to every layer unless
// attention.sliding_window_pattern says otherwise: as an array, one flag per layer; as a number
// n, every n-th layer is global (Gemma 3 declares none and means 6).
void read_attention_layout(const gguf::File& file, const KeyReader& k, ModelConfig& c) {
  if (c.arch == Arch::kBaichuan && c.n_layer == 40) {
    // Baichuan's 13B shape replaces RoPE by ALiBi; its files carry no key that says so, and
    // this is llama.cpp's rule too.
    c.alibi_max_bias = 8.0f;
    c.n_rot = 0;
  }
  c.sliding_window = k.optional_int("attention.sliding_window", 0, 0, 1 << 24);
  c.layer_sliding.assign(static_cast<size_t>(c.n_layer), c.sliding_window > 0 ? 1 : 0);
  const gguf::Value* pattern = k.find("attention.sliding_window_pattern");
  if (c.sliding_window > 0 && pattern != nullptr && pattern->type() == gguf::ValueType::ARRAY) {
    const gguf::Value::Array& flags = pattern->as_array(k.full("attention.sliding_window_pattern"));
    if (std::ssize(flags.items) != c.n_layer)
      fail("{}: {} has {} entries for {} layers", file.name(),
           k.full("attention.sliding_window_pattern"), flags.items.size(), c.n_layer);
    for (size_t i = 0; i < flags.items.size(); ++i)
      c.layer_sliding[i] = flags.items[i].as_bool(k.full("attention.sliding_window_pattern")) ? 1 : 0;
  } else if (c.sliding_window > 0 && (pattern != nullptr || c.arch == Arch::kGemma3)) {
    const int32_t every = k.optional_int("attention.sliding_window_pattern", 6, 0, c.n_layer);
    for (int32_t i = 0; i < c.n_layer; ++i)
      c.layer_sliding[static_cast<size_t>(i)] = every == 0 || i % every < every - 1 ? 1 : 0;
  }
  c.rope_freq_base_sliding =
      k.optional_float("rope.freq_base_swa", c.arch == Arch::kGemma3 ? 10000.0f : c.rope_freq_base,
                       1.0, 1e12, true);
  c.rope_freq_scale_sliding = c.arch == Arch::kGemma3 ? 1.0f : c.rope_freq_scale;

  // Gemma 3 scales queries by 1/sqrt(query_pre_attn_scalar), which its files do not record:
  // it is the head dimension except in the 27B shape (62 layers), as llama.cpp assumes.
  float scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  if (c.arch == Arch::kGemma3 && c.n_layer == 62)
    scale = 1.0f / std::sqrt(static_cast<float>(c.n_embd / c.n_head));
  c.attention_scale = k.optional_float("attention.scale", scale, 0.0, 1e3, true);
}

void read_residual_stream(const KeyReader& k, ModelConfig& c) {
  if (c.arch == Arch::kGemma3) {
    c.activation = Activation::kGeluTanh;
    c.post_norms = true;
    c.embedding_scale = std::sqrt(static_cast<float>(c.n_embd));
  }
  c.final_logit_softcap = k.optional_float("final_logit_softcapping", 0.0f, 0.0, 1e6, false);
}

void read_experts(const gguf::File& file, const KeyReader& k, ModelConfig& c) {
  ExpertConfig& e = c.experts;
  e.n_expert = k.optional_int("expert_count", 0, 0, 4096);
  if (e.n_expert == 0) {
    if (c.arch == Arch::kQwen2Moe || c.arch == Arch::kQwen3Moe)
      fail("{}: {} is missing or 0, but {} is a mixture-of-experts architecture", file.name(),
           k.full("expert_count"), c.arch_name);
    return;
  }
  e.n_expert_used = k.required_int("expert_used_count", 1, std::min(e.n_expert, kMaxExpertsUsed));
  e.n_ff_expert = k.optional_int("expert_feed_forward_length", c.n_ff, 1, kMaxFf);
  // Qwen2-MoE's shared expert is gated; its routed weights are the plain softmax. Qwen3-MoE
  // and Mixtral renormalise the chosen experts' weights.
  if (c.arch == Arch::kQwen2Moe) {
    e.n_ff_shared = k.required_int("expert_shared_feed_forward_length", 1, kMaxFf);
    e.shared_gate = true;
  }
  e.norm_top_k = c.arch != Arch::kQwen2Moe;
  e.n_leading_dense = k.optional_int("leading_dense_block_count", 0, 0, c.n_layer);
}

}  // namespace

const char* arch_display_name(Arch arch) {
  for (const Family& f : kFamilies)
    if (f.arch == arch) return f.name;
  return "?";
}

const char* activation_name(Activation activation) {
  return activation == Activation::kGeluTanh ? "gelu-tanh" : "silu";
}

ModelConfig read_config(const gguf::File& file) {
  ModelConfig c;
  c.arch_name = file.require("general.architecture").as_string("general.architecture");
  const Family* family = nullptr;
  for (const Family& f : kFamilies)
    if (c.arch_name == f.name) family = &f;
  if (family == nullptr)
    fail("{}: architecture '{}' is not supported (general.architecture; supported: {})",
         file.name(), escape_for_terminal(c.arch_name, '\'', 80), supported_names());
  c.arch = family->arch;
  c.rope_style = family->rope_style;
  c.qkv_bias = family->qkv_bias;
  c.qk_norm = family->qk_norm;
  if (const gguf::Value* v = file.find("general.name")) c.name = v->as_string("general.name");

  // Checked in dependency order (each value only against values already checked), so the
  // message names the key that is actually wrong.
  const KeyReader k(file, c.arch_name + ".");
  c.n_embd = k.required_int("embedding_length", 1, kMaxEmbd);
  c.n_layer = k.required_int("block_count", 1, kMaxLayers);
  c.n_ff = k.required_int("feed_forward_length", 1, kMaxFf);
  c.n_head = k.required_int("attention.head_count", 1, kMaxHeads);
  c.n_head_kv = k.optional_int("attention.head_count_kv", c.n_head, 1, c.n_head);
  if (c.n_head % c.n_head_kv != 0)
    fail("{}: {} = {} is not a multiple of {} = {}", file.name(), k.full("attention.head_count"),
         c.n_head, k.full("attention.head_count_kv"), c.n_head_kv);
  // The head dimension is attention.key_length, or else embedding_length / head_count as in
  // llama.cpp (then the division must be exact); messages say which one it came from.
  std::string head_dim_source;
  if (k.find("attention.key_length") == nullptr) {
    if (c.n_embd % c.n_head != 0)
      fail("{}: {} = {} is not a multiple of {} = {}", file.name(), k.full("embedding_length"),
           c.n_embd, k.full("attention.head_count"), c.n_head);
    c.head_dim = c.n_embd / c.n_head;
    head_dim_source = fmt::format("{} / {} = {} / {} = {}", k.full("embedding_length"),
                                  k.full("attention.head_count"), c.n_embd, c.n_head, c.head_dim);
    if (c.head_dim < 2 || c.head_dim > 4096)
      fail("{}: the head dimension {} is out of range [2, 4096]", file.name(), head_dim_source);
  } else {
    c.head_dim = k.optional_int("attention.key_length", 0, 2, 4096);
    head_dim_source = fmt::format("{} = {}", k.full("attention.key_length"), c.head_dim);
  }
  const int32_t value_dim = k.optional_int("attention.value_length", c.head_dim, 2, 4096);
  if (value_dim != c.head_dim)
    fail("{}: {} = {} differs from the head dimension {}; not supported", file.name(),
         k.full("attention.value_length"), value_dim, head_dim_source);
  if (k.find("rope.dimension_count") == nullptr) {
    // Then the whole head is rotated, in pairs.
    if (c.head_dim % 2 != 0)
      fail("{}: the head dimension {} is odd, and without {} all of it is rotated in pairs",
           file.name(), head_dim_source, k.full("rope.dimension_count"));
    c.n_rot = c.head_dim;
  } else {
    c.n_rot = k.optional_int("rope.dimension_count", 0, 2, c.head_dim);
    if (c.n_rot % 2 != 0)
      fail("{}: {} = {} is odd (rotations work on pairs)", file.name(),
           k.full("rope.dimension_count"), c.n_rot);
  }
  c.n_ctx_train = k.optional_int("context_length", 4096, 1, 1 << 24);
  c.rms_eps = k.optional_float("attention.layer_norm_rms_epsilon", 1e-5f, 0.0, 1.0, true);
  c.rope_freq_base = k.optional_float("rope.freq_base", 10000.0f, 1.0, 1e12, true);

  // Linear position scaling, if declared; other scaling kinds change the
  // angles in ways this engine does not compute yet, so they are refused
  // rather than silently ignored.
  if (k.find("rope.scaling.type") != nullptr) {
    const std::string& kind = k.optional_string("rope.scaling.type", "none");
    if (kind == "linear") {
      c.rope_freq_scale = 1.0f / k.optional_float("rope.scaling.factor", 1.0f, 1.0, 1024.0, false);
    } else if (kind != "none") {
      fail("{}: {} = '{}' is not supported (supported: none, linear)", file.name(),
           k.full("rope.scaling.type"), escape_for_terminal(kind, '\'', 80));
    }
  } else if (k.find("rope.scale_linear") != nullptr) {
    c.rope_freq_scale = 1.0f / k.optional_float("rope.scale_linear", 1.0f, 1.0, 1024.0, false);
  }
  // LongRoPE (Phi-3's long-context files): per-dimension factors in rope_factors_long/short
  // tensors, chosen by the context size, and an attention factor on cos and sin.
  c.rope_attn_factor = k.optional_float("rope.scaling.attn_factor", 1.0f, 0.0, 100.0, true);
  c.rope_n_ctx_orig =
      k.optional_int("rope.scaling.original_context_length", c.n_ctx_train, 1, 1 << 24);

  read_attention_layout(file, k, c);
  read_residual_stream(k, c);
  read_experts(file, k, c);

  // The vocabulary size is taken from the embedding tensor, which is what
  // the forward pass indexes; metadata only has to agree with it.
  const gguf::TensorInfo& embd = file.require_tensor("token_embd.weight");
  if (embd.shape.size() != 2) fail("{}: token_embd.weight must be 2-D", file.name());
  if (embd.shape[1] > kMaxVocab)
    fail("{}: vocabulary of {} tokens is too large", file.name(), embd.shape[1]);
  c.n_vocab = static_cast<int32_t>(embd.shape[1]);
  if (k.find("vocab_size") != nullptr) {
    const int32_t declared = k.optional_int("vocab_size", 0, 1, kMaxVocab);
    if (declared != c.n_vocab)
      fail("{}: {} = {} but token_embd.weight has {} rows", file.name(), k.full("vocab_size"),
           declared, c.n_vocab);
  }
  c.tied_output = file.find_tensor("output.weight") == nullptr;
  return c;
}

}  // namespace yak::model
