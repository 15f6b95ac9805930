#include "model/weights.h"

#include <fmt/format.h>

#include "core/error.h"

namespace yak::model {
namespace {

std::string shape_string(const std::vector<int64_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

class Binder {
 public:
  explicit Binder(const gguf::File& file) : file_(file) {}

  // A matrix stored with ggml shape [cols, rows].
  kernels::Linear matrix(const std::string& name, int64_t cols, int64_t rows) const {
    const gguf::TensorInfo& t = file_.require_tensor(name);
    expect_shape(t, {cols, rows});
    if (!traits(t.type).supported)
      fail("{}: tensor {} has type {}, which Yak cannot compute with", file_.name(), name,
           dtype_name(t.type));
    return kernels::Linear(kernels::MatrixView{t.type, rows, cols, t.data});
  }

  const float* vector(const std::string& name, int64_t n, bool required = true) const {
    const gguf::TensorInfo* t = file_.find_tensor(name);
    if (t == nullptr) {
      if (required) fail("{}: missing tensor {}", file_.name(), name);
      return nullptr;
    }
    expect_shape(*t, {n});
    if (t->type != DType::F32)
      fail("{}: tensor {} has type {}, expected F32", file_.name(), name, dtype_name(t->type));
    if (reinterpret_cast<uintptr_t>(t->data) % alignof(float) != 0)
      fail("{}: tensor {} is not aligned for float access", file_.name(), name);
    return reinterpret_cast<const float*>(t->data);
  }

 private:
  void expect_shape(const gguf::TensorInfo& t, const std::vector<int64_t>& want) const {
    if (t.shape != want)
      fail("{}: tensor {} has shape {}, expected {}", file_.name(), t.name, shape_string(t.shape),
           shape_string(want));
  }

  const gguf::File& file_;
};

}  // namespace

ModelWeights bind_weights(const gguf::File& file, const ModelConfig& c) {
  const Binder b(file);
  ModelWeights w;
  w.token_embd = b.matrix("token_embd.weight", c.n_embd, c.n_vocab);
  w.output_norm = b.vector("output_norm.weight", c.n_embd);
  w.output = c.tied_output ? w.token_embd : b.matrix("output.weight", c.n_embd, c.n_vocab);
  w.rope_freqs = b.vector("rope_freqs.weight", c.n_rot / 2, /*required=*/false);
  w.layers.resize(static_cast<size_t>(c.n_layer));
  for (int32_t i = 0; i < c.n_layer; ++i) {
    const std::string p = fmt::format("blk.{}.", i);
    LayerWeights& l = w.layers[static_cast<size_t>(i)];
    l.attn_norm = b.vector(p + "attn_norm.weight", c.n_embd);
    l.wq = b.matrix(p + "attn_q.weight", c.n_embd, c.q_dim());
    l.wk = b.matrix(p + "attn_k.weight", c.n_embd, c.kv_dim());
    l.wv = b.matrix(p + "attn_v.weight", c.n_embd, c.kv_dim());
    l.bq = b.vector(p + "attn_q.bias", c.q_dim(), c.qkv_bias);
    l.bk = b.vector(p + "attn_k.bias", c.kv_dim(), c.qkv_bias);
    l.bv = b.vector(p + "attn_v.bias", c.kv_dim(), c.qkv_bias);
    l.wo = b.matrix(p + "attn_output.weight", c.q_dim(), c.n_embd);
    l.ffn_norm = b.vector(p + "ffn_norm.weight", c.n_embd);
    l.w_gate = b.matrix(p + "ffn_gate.weight", c.n_embd, c.n_ff);
    l.w_up = b.matrix(p + "ffn_up.weight", c.n_embd, c.n_ff);
    l.w_down = b.matrix(p + "ffn_down.weight", c.n_ff, c.n_embd);
  }
  return w;
}

}  // namespace yak::model
