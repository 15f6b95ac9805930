// yak::Architecture (yak/architecture.h): model::ModelConfig as the public API shows it.
#include "yak/architecture.h"

#include "format/gguf_file.h"
#include "model/config.h"
#include "runtime/architecture_info.h"

namespace yak {

Architecture describe_architecture(const model::ModelConfig& c) {
  Architecture a;
  a.name = c.arch_name;
  a.n_vocab = c.n_vocab;
  a.n_ctx_train = c.n_ctx_train;
  a.n_embd = c.n_embd;
  a.n_layer = c.n_layer;
  a.n_head = c.n_head;
  a.n_head_kv = c.n_head_kv;
  a.head_dim = c.head_dim;
  a.n_ff = c.n_ff;
  a.rms_eps = c.rms_eps;
  a.positions = c.alibi_max_bias > 0 ? "alibi" : "rope";
  a.rope_style = c.rope_style == kernels::RopeStyle::kNeox ? "neox" : "interleaved";
  a.n_rot = c.n_rot;
  a.rope_freq_base = c.rope_freq_base;
  a.rope_freq_scale = c.rope_freq_scale;
  a.alibi_max_bias = c.alibi_max_bias;
  a.qkv_bias = c.qkv_bias;
  a.qk_norm = c.qk_norm;
  a.attention_scale = c.attention_scale;
  a.sliding_window = c.sliding_window;
  for (int32_t layer = 0; layer < c.n_layer; ++layer) a.layer_sliding.push_back(c.is_sliding(layer));
  a.rope_freq_base_sliding = c.rope_freq_base_sliding;
  a.rope_freq_scale_sliding = c.rope_freq_scale_sliding;
  a.activation = model::activation_name(c.activation);
  a.post_norms = c.post_norms;
  a.embedding_scale = c.embedding_scale;
  a.final_logit_softcap = c.final_logit_softcap;
  a.tied_output = c.tied_output;
  a.n_expert = c.experts.n_expert;
  a.n_expert_used = c.experts.n_expert_used;
  a.n_ff_expert = c.experts.n_ff_expert;
  a.n_ff_shared_expert = c.experts.n_ff_shared;
  a.shared_expert_gate = c.experts.shared_gate;
  a.expert_weights_renormalised = c.experts.norm_top_k;
  a.n_leading_dense = c.experts.n_leading_dense;
  return a;
}

Architecture read_architecture(const std::string& path) {
  return describe_architecture(model::read_config(gguf::File::open(path)));
}

}  // namespace yak
