#include "cli/inspect_architecture.h"

#include <fmt/format.h>

#include "yak/architecture.h"
#include "yak/error.h"
#include "yak/text.h"

namespace yak::cli {
namespace {

// "SSSSSG SSSSSG ..." in groups of six (Gemma 3's period): S sliding, G global.
std::string layer_pattern(const std::vector<bool>& sliding) {
  std::string s;
  for (size_t i = 0; i < sliding.size(); ++i) {
    if (i > 0 && i % 6 == 0) s += ' ';
    s += sliding[i] ? 'S' : 'G';
  }
  return s;
}

std::string positions_text(const Architecture& a) {
  if (a.positions == "alibi") return fmt::format("ALiBi, max bias {:g}", a.alibi_max_bias);
  std::string s = fmt::format("RoPE ({}), {} of {} dims, base {:g}", a.rope_style, a.n_rot,
                              a.head_dim, a.rope_freq_base);
  if (a.rope_freq_scale != 1.0f) s += fmt::format(", linear scale 1/{:g}", 1.0f / a.rope_freq_scale);
  return s;
}

}  // namespace

void print_architecture(const std::string& path) {
  fmt::print("\narchitecture (as Yak runs it):\n");
  Architecture a;
  try {
    a = read_architecture(path);
  } catch (const Error& e) {
    fmt::print("  not runnable by Yak: {}\n", escape_for_terminal(e.what()));
    return;
  }
  auto row = [](std::string_view name, const std::string& value) {
    fmt::print("  {:<18} {}\n", name, value);
  };
  row("family", escape_for_terminal(a.name));
  row("layers", fmt::format("{}, width {}, vocabulary {}, trained context {}", a.n_layer,
                            a.n_embd, a.n_vocab, a.n_ctx_train));
  row("attention", fmt::format("{} query heads, {} key/value heads, head dim {}, scale {:.6g}{}{}",
                               a.n_head, a.n_head_kv, a.head_dim, a.attention_scale,
                               a.qkv_bias ? ", QKV bias" : "", a.qk_norm ? ", Q/K norm" : ""));
  row("positions", positions_text(a));
  if (a.sliding_window > 0) {
    row("sliding window", fmt::format("{} keys on {} of {} layers: {}", a.sliding_window,
                                      std::count(a.layer_sliding.begin(), a.layer_sliding.end(), true),
                                      a.n_layer, layer_pattern(a.layer_sliding)));
    if (a.positions == "rope" && (a.rope_freq_base_sliding != a.rope_freq_base ||
                                  a.rope_freq_scale_sliding != a.rope_freq_scale))
      row("sliding RoPE", fmt::format("base {:g}, scale {:g}", a.rope_freq_base_sliding,
                                      a.rope_freq_scale_sliding));
  }
  row("norms", fmt::format("RMSNorm eps {:g}, {}", a.rms_eps,
                           a.post_norms ? "before and after each block" : "before each block"));
  if (a.n_expert == 0) {
    row("feed-forward", fmt::format("dense, width {}, {} gated", a.n_ff, a.activation));
  } else {
    std::string experts = fmt::format("{} of {} experts per token, width {}, {} gated, weights {}",
                                      a.n_expert_used, a.n_expert, a.n_ff_expert, a.activation,
                                      a.expert_weights_renormalised ? "renormalised" : "softmax");
    if (a.n_ff_shared_expert > 0)
      experts += fmt::format("; shared expert width {}{}", a.n_ff_shared_expert,
                             a.shared_expert_gate ? " (gated)" : "");
    if (a.n_leading_dense > 0)
      experts += fmt::format("; first {} layers dense, width {}", a.n_leading_dense, a.n_ff);
    row("feed-forward", experts);
  }
  std::string stream;
  if (a.embedding_scale != 1.0f) stream += fmt::format("embedding x {:.6g}; ", a.embedding_scale);
  if (a.final_logit_softcap > 0) stream += fmt::format("logit softcap {:g}; ", a.final_logit_softcap);
  stream += a.tied_output ? "output tied to the embedding" : "separate output matrix";
  row("residual stream", stream);
}

nlohmann::json architecture_json(const std::string& path) {
  Architecture a;
  try {
    a = read_architecture(path);
  } catch (const Error& e) {
    return {{"runnable", false}, {"error", e.what()}};
  }
  return {{"runnable", true},
          {"name", a.name},
          {"n_vocab", a.n_vocab},
          {"n_ctx_train", a.n_ctx_train},
          {"n_embd", a.n_embd},
          {"n_layer", a.n_layer},
          {"n_head", a.n_head},
          {"n_head_kv", a.n_head_kv},
          {"head_dim", a.head_dim},
          {"n_ff", a.n_ff},
          {"rms_eps", a.rms_eps},
          {"positions", a.positions},
          {"rope_style", a.rope_style},
          {"n_rot", a.n_rot},
          {"rope_freq_base", a.rope_freq_base},
          {"rope_freq_scale", a.rope_freq_scale},
          {"alibi_max_bias", a.alibi_max_bias},
          {"qkv_bias", a.qkv_bias},
          {"qk_norm", a.qk_norm},
          {"attention_scale", a.attention_scale},
          {"sliding_window", a.sliding_window},
          {"layer_sliding", a.layer_sliding},
          {"rope_freq_base_sliding", a.rope_freq_base_sliding},
          {"rope_freq_scale_sliding", a.rope_freq_scale_sliding},
          {"activation", a.activation},
          {"post_norms", a.post_norms},
          {"embedding_scale", a.embedding_scale},
          {"final_logit_softcap", a.final_logit_softcap},
          {"tied_output", a.tied_output},
          {"n_expert", a.n_expert},
          {"n_expert_used", a.n_expert_used},
          {"n_ff_expert", a.n_ff_expert},
          {"n_ff_shared_expert", a.n_ff_shared_expert},
          {"shared_expert_gate", a.shared_expert_gate},
          {"expert_weights_renormalised", a.expert_weights_renormalised},
          {"n_leading_dense", a.n_leading_dense}};
}

}  // namespace yak::cli
