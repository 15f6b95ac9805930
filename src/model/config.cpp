#include "model/config.h"

#include <string>

#include "core/error.h"

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
  float optional_float(const std::string& key, float fallback) const {
    const std::string full = prefix_ + key;
    const gguf::Value* v = file_.find(full);
    return v ? static_cast<float>(v->as_f64(full)) : fallback;
  }
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

}  // namespace

const char* arch_display_name(Arch arch) {
  switch (arch) {
    case Arch::kLlama:
      return "llama";
    case Arch::kQwen2:
      return "qwen2";
  }
  return "?";
}

ModelConfig read_config(const gguf::File& file) {
  ModelConfig c;
  c.arch_name = file.require("general.architecture").as_string("general.architecture");
  if (c.arch_name == "llama") {
    c.arch = Arch::kLlama;
    c.rope_style = kernels::RopeStyle::kInterleaved;
  } else if (c.arch_name == "qwen2") {
    c.arch = Arch::kQwen2;
    c.rope_style = kernels::RopeStyle::kNeox;
    c.qkv_bias = true;
  } else {
    fail("{}: architecture '{}' is not supported (supported: llama, qwen2)", file.name(),
         c.arch_name);
  }
  if (const gguf::Value* v = file.find("general.name")) c.name = v->as_string("general.name");

  const KeyReader k(file, c.arch_name + ".");
  c.n_embd = k.required_int("embedding_length", 1, kMaxEmbd);
  c.n_layer = k.required_int("block_count", 1, kMaxLayers);
  c.n_ff = k.required_int("feed_forward_length", 1, kMaxFf);
  c.n_head = k.required_int("attention.head_count", 1, kMaxHeads);
  c.n_head_kv = k.optional_int("attention.head_count_kv", c.n_head, 1, c.n_head);
  if (c.n_head % c.n_head_kv != 0)
    fail("{}: attention.head_count {} is not a multiple of head_count_kv {}", file.name(), c.n_head,
         c.n_head_kv);
  const int64_t default_head_dim = c.n_embd / c.n_head;
  c.head_dim = k.optional_int("attention.key_length", default_head_dim, 2, 4096);
  const int32_t value_dim = k.optional_int("attention.value_length", c.head_dim, 2, 4096);
  if (value_dim != c.head_dim)
    fail("{}: attention.value_length {} differs from key_length {}; not supported", file.name(),
         value_dim, c.head_dim);
  c.n_rot = k.optional_int("rope.dimension_count", c.head_dim, 2, c.head_dim);
  if (c.n_rot % 2 != 0) fail("{}: rope.dimension_count {} is odd", file.name(), c.n_rot);
  c.n_ctx_train = k.optional_int("context_length", 4096, 1, 1 << 24);
  c.rms_eps = k.optional_float("attention.layer_norm_rms_epsilon", 1e-5f);
  if (!(c.rms_eps > 0.0f && c.rms_eps < 1.0f))
    fail("{}: attention.layer_norm_rms_epsilon {} is out of range", file.name(), c.rms_eps);
  c.rope_freq_base = k.optional_float("rope.freq_base", 10000.0f);
  if (!(c.rope_freq_base > 1.0f))
    fail("{}: rope.freq_base {} is out of range", file.name(), c.rope_freq_base);

  // Linear position scaling, if declared; other scaling kinds change the
  // angles in ways this engine does not compute yet, so they are refused
  // rather than silently ignored.
  if (const gguf::Value* type = k.find("rope.scaling.type")) {
    const std::string kind = type->as_string("rope.scaling.type");
    const float factor = k.optional_float("rope.scaling.factor", 1.0f);
    if (kind == "linear") {
      if (!(factor >= 1.0f && factor <= 1024.0f))
        fail("{}: rope.scaling.factor {} is out of range", file.name(), factor);
      c.rope_freq_scale = 1.0f / factor;
    } else if (kind != "none") {
      fail("{}: rope scaling '{}' is not supported", file.name(), kind);
    }
  } else if (const gguf::Value* scale = k.find("rope.scale_linear")) {
    const double factor = scale->as_f64("rope.scale_linear");
    if (!(factor >= 1.0 && factor <= 1024.0))
      fail("{}: rope.scale_linear {} is out of range", file.name(), factor);
    c.rope_freq_scale = static_cast<float>(1.0 / factor);
  }

  // The vocabulary size is taken from the embedding tensor, which is what
  // the forward pass indexes; metadata only has to agree with it.
  const gguf::TensorInfo& embd = file.require_tensor("token_embd.weight");
  if (embd.shape.size() != 2) fail("{}: token_embd.weight must be 2-D", file.name());
  if (embd.shape[1] > kMaxVocab)
    fail("{}: vocabulary of {} tokens is too large", file.name(), embd.shape[1]);
  c.n_vocab = static_cast<int32_t>(embd.shape[1]);
  c.tied_output = file.find_tensor("output.weight") == nullptr;
  return c;
}

}  // namespace yak::model
