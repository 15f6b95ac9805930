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

  bool has(const std::string& name) const { return file_.find_tensor(name) != nullptr; }

  // A matrix stored with ggml shape [cols, rows].
  kernels::Linear matrix(const std::string& name, int64_t cols, int64_t rows) const {
    return rows_of(name, cols, rows, 0, rows);
  }

  // Rows [first, first + n) of a [cols, total_rows] matrix: one part of a fused
  // projection (Phi-3's QKV and gate-up), a view into the file like any other.
  kernels::Linear rows_of(const std::string& name, int64_t cols, int64_t total_rows, int64_t first,
                          int64_t n) const {
    const gguf::TensorInfo& t = file_.require_tensor(name);
    expect_shape(t, {cols, total_rows});
    return slice(t, cols, first, n);
  }

  // Expert e of a [cols, rows, n_expert] stack.
  kernels::Linear expert(const std::string& name, int64_t cols, int64_t rows, int64_t n_expert,
                         int64_t e) const {
    const gguf::TensorInfo& t = file_.require_tensor(name);
    expect_shape(t, {cols, rows, n_expert});
    return slice(t, cols, e * rows, rows);
  }

  // An F32 vector of n values; `or_row` also accepts it stored as a [n, 1] matrix (the
  // converter writes Qwen2-MoE's shared-expert gate, a 1-output projection, that way).
  const float* vector(const std::string& name, int64_t n, bool required = true,
                      bool or_row = false) const {
    const gguf::TensorInfo* t = file_.find_tensor(name);
    if (t == nullptr) {
      if (required) fail("{}: missing tensor {}", file_.name(), name);
      return nullptr;
    }
    if (!or_row || t->shape != std::vector<int64_t>{n, 1}) expect_shape(*t, {n});
    if (t->type != DType::F32)
      fail("{}: tensor {} has type {}, expected F32", file_.name(), name, dtype_name(t->type));
    if (reinterpret_cast<uintptr_t>(t->data) % alignof(float) != 0)
      fail("{}: tensor {} is not aligned for float access", file_.name(), name);
    return reinterpret_cast<const float*>(t->data);
  }

 private:
  kernels::Linear slice(const gguf::TensorInfo& t, int64_t cols, int64_t first, int64_t n) const {
    if (!traits(t.type).supported)
      fail("{}: tensor {} has type {}, which Yak cannot compute with", file_.name(), t.name,
           dtype_name(t.type));
    const auto* base = static_cast<const uint8_t*>(t.data);
    return kernels::Linear(kernels::MatrixView{
        t.type, n, cols, base + static_cast<uint64_t>(first) * row_bytes(t.type, cols)});
  }

  void expect_shape(const gguf::TensorInfo& t, const std::vector<int64_t>& want) const {
    if (t.shape != want)
      fail("{}: tensor {} has shape {}, expected {}", file_.name(), t.name, shape_string(t.shape),
           shape_string(want));
  }

  const gguf::File& file_;
};

// Q, K and V as three tensors, or as one fused attn_qkv (Phi-3) whose rows are Q's, then K's,
// then V's.
void bind_qkv(const Binder& b, const std::string& p, const ModelConfig& c, LayerWeights& l) {
  if (!b.has(p + "attn_qkv.weight")) {
    l.wq = b.matrix(p + "attn_q.weight", c.n_embd, c.q_dim());
    l.wk = b.matrix(p + "attn_k.weight", c.n_embd, c.kv_dim());
    l.wv = b.matrix(p + "attn_v.weight", c.n_embd, c.kv_dim());
    return;
  }
  l.fused_qkv = true;
  const std::string name = p + "attn_qkv.weight";
  const int64_t total = c.q_dim() + 2 * static_cast<int64_t>(c.kv_dim());
  l.wq = b.rows_of(name, c.n_embd, total, 0, c.q_dim());
  l.wk = b.rows_of(name, c.n_embd, total, c.q_dim(), c.kv_dim());
  l.wv = b.rows_of(name, c.n_embd, total, c.q_dim() + c.kv_dim(), c.kv_dim());
}

// Gate and up as two tensors, or fused in ffn_up (Phi-3): the gate's rows first.
void bind_dense_ffn(const Binder& b, const std::string& p, const ModelConfig& c,
                    LayerWeights& l) {
  if (b.has(p + "ffn_gate.weight")) {
    l.w_gate = b.matrix(p + "ffn_gate.weight", c.n_embd, c.n_ff);
    l.w_up = b.matrix(p + "ffn_up.weight", c.n_embd, c.n_ff);
  } else {
    l.fused_gate_up = true;
    l.w_gate = b.rows_of(p + "ffn_up.weight", c.n_embd, 2 * int64_t{c.n_ff}, 0, c.n_ff);
    l.w_up = b.rows_of(p + "ffn_up.weight", c.n_embd, 2 * int64_t{c.n_ff}, c.n_ff, c.n_ff);
  }
  l.w_down = b.matrix(p + "ffn_down.weight", c.n_ff, c.n_embd);
}

void bind_experts(const Binder& b, const std::string& p, const ModelConfig& c, LayerWeights& l) {
  const ExpertConfig& x = c.experts;
  ExpertWeights& e = l.experts;
  e.router = b.matrix(p + "ffn_gate_inp.weight", c.n_embd, x.n_expert);
  for (int32_t i = 0; i < x.n_expert; ++i) {
    e.gate.push_back(b.expert(p + "ffn_gate_exps.weight", c.n_embd, x.n_ff_expert, x.n_expert, i));
    e.up.push_back(b.expert(p + "ffn_up_exps.weight", c.n_embd, x.n_ff_expert, x.n_expert, i));
    e.down.push_back(b.expert(p + "ffn_down_exps.weight", x.n_ff_expert, c.n_embd, x.n_expert, i));
  }
  if (x.n_ff_shared > 0) {
    e.shared_gate_proj = b.matrix(p + "ffn_gate_shexp.weight", c.n_embd, x.n_ff_shared);
    e.shared_up = b.matrix(p + "ffn_up_shexp.weight", c.n_embd, x.n_ff_shared);
    e.shared_down = b.matrix(p + "ffn_down_shexp.weight", x.n_ff_shared, c.n_embd);
  }
  if (x.shared_gate) e.shared_gate = b.vector(p + "ffn_gate_inp_shexp.weight", c.n_embd, true, true);
}

}  // namespace

ModelWeights bind_weights(const gguf::File& file, const ModelConfig& c) {
  const Binder b(file);
  ModelWeights w;
  w.token_embd = b.matrix("token_embd.weight", c.n_embd, c.n_vocab);
  w.output_norm = b.vector("output_norm.weight", c.n_embd);
  w.output = c.tied_output ? w.token_embd : b.matrix("output.weight", c.n_embd, c.n_vocab);
  if (c.n_rot > 0) {
    w.rope_freqs = b.vector("rope_freqs.weight", c.n_rot / 2, /*required=*/false);
    w.rope_factors_long = b.vector("rope_factors_long.weight", c.n_rot / 2, false);
    w.rope_factors_short =
        b.vector("rope_factors_short.weight", c.n_rot / 2, w.rope_factors_long != nullptr);
    if (w.rope_factors_short != nullptr && w.rope_factors_long == nullptr)
      fail("{}: rope_factors_short.weight without rope_factors_long.weight", file.name());
  }
  w.layers.resize(static_cast<size_t>(c.n_layer));
  for (int32_t i = 0; i < c.n_layer; ++i) {
    const std::string p = fmt::format("blk.{}.", i);
    LayerWeights& l = w.layers[static_cast<size_t>(i)];
    l.attn_norm = b.vector(p + "attn_norm.weight", c.n_embd);
    bind_qkv(b, p, c, l);
    l.bq = b.vector(p + "attn_q.bias", c.q_dim(), c.qkv_bias);
    l.bk = b.vector(p + "attn_k.bias", c.kv_dim(), c.qkv_bias);
    l.bv = b.vector(p + "attn_v.bias", c.kv_dim(), c.qkv_bias);
    l.q_norm = b.vector(p + "attn_q_norm.weight", c.head_dim, c.qk_norm);
    l.k_norm = b.vector(p + "attn_k_norm.weight", c.head_dim, c.qk_norm);
    l.wo = b.matrix(p + "attn_output.weight", c.q_dim(), c.n_embd);
    l.attn_post_norm = b.vector(p + "post_attention_norm.weight", c.n_embd, c.post_norms);
    l.ffn_norm = b.vector(p + "ffn_norm.weight", c.n_embd);
    if (c.is_moe(i))
      bind_experts(b, p, c, l);
    else
      bind_dense_ffn(b, p, c, l);
    l.ffn_post_norm = b.vector(p + "post_ffw_norm.weight", c.n_embd, c.post_norms);
  }
  return w;
}

}  // namespace yak::model
