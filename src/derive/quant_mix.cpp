#include "derive/quant_mix.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <numeric>

#include "core/error.h"

namespace yak::derive {
namespace {

enum class Category {
  kTokenEmbd,
  kAttnQ,
  kAttnV,
  kAttnK,
  kAttnQkv,
  kAttnKvB,
  kAttnOutput,
  kFfnUp,
  kFfnGate,
  kFfnDown,
  kOutput,
  kOther,
};

bool contains(std::string_view s, std::string_view part) { return s.find(part) != s.npos; }

Category category_of(std::string_view name) {
  if (name == "output.weight") return Category::kOutput;
  if (name == "token_embd.weight" || name == "per_layer_token_embd.weight")
    return Category::kTokenEmbd;
  if (contains(name, "attn_qkv.weight")) return Category::kAttnQkv;
  if (contains(name, "attn_kv_b.weight")) return Category::kAttnKvB;
  if (contains(name, "attn_v.weight")) return Category::kAttnV;
  if (contains(name, "attn_k.weight")) return Category::kAttnK;
  if (contains(name, "attn_q.weight")) return Category::kAttnQ;
  if (contains(name, "attn_output.weight")) return Category::kAttnOutput;
  if (contains(name, "ffn_up")) return Category::kFfnUp;
  if (contains(name, "ffn_gate")) return Category::kFfnGate;
  if (contains(name, "ffn_down")) return Category::kFfnDown;
  return Category::kOther;
}

// The value projection (and tensors that hold it) is the most sensitive to rounding.
bool is_attn_v_like(Category c) {
  return c == Category::kAttnV || c == Category::kAttnQkv || c == Category::kAttnKvB;
}

// Dimensions as ggml counts them: trailing dimensions of 1 do not count.
int dims_of(const std::vector<int64_t>& shape) {
  int n = 1;
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] > 1) n = static_cast<int>(i) + 1;
  return n;
}

// Tensors that stay as they are in every mix: vectors (norms, biases), and small or
// index-like matrices that llama.cpp names one by one.
bool may_quantize(const MixTensor& t) {
  if (dims_of(t.shape) < 2) return false;
  const std::string_view name = t.name;
  if (name.size() < 6 || name.substr(name.size() - 6) != "weight") return false;
  static constexpr std::string_view kKeptParts[] = {"_norm.weight",
                                                    "ffn_gate_inp.weight",
                                                    "ffn_gate_tid2eid.weight",
                                                    "altup",
                                                    "laurel",
                                                    "per_layer_model_proj",
                                                    "ssm_conv1d",
                                                    "shortconv.conv.weight",
                                                    "indexer.k_proj.weight",
                                                    "indexer.q_proj.weight",
                                                    "time_mix_first.weight",
                                                    "time_mix_w0.weight",
                                                    "time_mix_w1.weight",
                                                    "time_mix_w2.weight",
                                                    "time_mix_v0.weight",
                                                    "time_mix_v1.weight",
                                                    "time_mix_v2.weight",
                                                    "time_mix_a0.weight",
                                                    "time_mix_a1.weight",
                                                    "time_mix_a2.weight",
                                                    "time_mix_g1.weight",
                                                    "time_mix_g2.weight",
                                                    "time_mix_decay_w1.weight",
                                                    "time_mix_decay_w2.weight",
                                                    "time_mix_lerp_fused.weight",
                                                    "attn_rel_b.weight",
                                                    ".position_embd",
                                                    "sam.pos_embd",
                                                    "sam.neck.",
                                                    "sam.net_",
                                                    ".rel_pos",
                                                    ".patch_embd",
                                                    ".patch_merger",
                                                    "a.rvq.codebook",
                                                    "mm.a.code_embd"};
  for (std::string_view part : kKeptParts)
    if (contains(name, part)) return false;
  return name != "position_embd.weight" && name != "token_types.weight";
}

bool is_quantized(DType t) { return t != DType::F32 && t != DType::F16 && t != DType::BF16; }

// The layer a blk.N. tensor belongs to; -1 for the others.
int layer_of(const std::string& name) {
  int layer = -1;
  if (std::sscanf(name.c_str(), "blk.%d.", &layer) != 1) return -1;
  return layer;
}

// Which layers get more bits in the mixes that spend them unevenly: the first and last
// eighth, and every third layer between.
bool use_more_bits(int64_t i, int64_t n) {
  return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

// A row length that is not a multiple of the chosen type's block: the nearest type with
// 32-element blocks, else F16.
MixChoice fit_row_length(const MixTensor& t, DType chosen) {
  const int64_t row = t.shape[0];
  if (row % traits(chosen).block_size == 0) return {chosen, false};
  DType fallback = chosen;
  switch (chosen) {
    case DType::Q2_K:
    case DType::Q3_K:
      fallback = DType::Q4_0;
      break;
    case DType::Q4_K:
      fallback = DType::Q5_0;
      break;
    case DType::Q5_K:
      fallback = DType::Q5_1;
      break;
    case DType::Q6_K:
      fallback = DType::Q8_0;
      break;
    case DType::IQ4_XS:
      fallback = DType::IQ4_NL;
      break;
    default:
      break;
  }
  if (row % traits(fallback).block_size != 0) fallback = DType::F16;
  return {fallback, true};
}

struct Counters {
  int64_t n_attn_v = 0;
  int64_t i_attn_v = 0;
  int64_t n_ffn_down = 0;
  int64_t i_ffn_down = 0;
  bool tied_embeddings = true;  // until output.weight is seen
};

class MixRules {
 public:
  MixRules(const MixModel& model, std::string_view ftype, bool has_imatrix)
      : m_(model), f_(ftype), imatrix_(has_imatrix), falcon_(model.arch == "falcon") {}

  DType choose(const MixTensor& t, Category c, DType type, Counters& n) const {
    if (c == Category::kOutput || (n.tied_embeddings && c == Category::kTokenEmbd)) {
      if (falcon_ || t.shape[0] % traits(type).block_size != 0) return DType::Q8_0;
      return type == DType::Q8_0 ? type : DType::Q6_K;
    }
    if (c == Category::kTokenEmbd) return type;
    if (is_attn_v_like(c)) {
      type = attn_v(type, n);
      ++n.i_attn_v;
      return type;
    }
    if (c == Category::kAttnK) return m_.n_expert == 8 ? DType::Q8_0 : type;
    if (c == Category::kFfnDown) {
      int64_t layer = n.i_ffn_down;
      int64_t layers = n.n_ffn_down;
      if (m_.n_expert > 1) {
        // Expert tensors are not stored in layer order, so the layer comes from the name.
        layer = layer_of(t.name);
        if (layer < 0 || layer >= layers)
          fail("{}: cannot tell which of the {} layers it belongs to", t.name, layers);
      }
      type = ffn_down(type, layer, layers);
      ++n.i_ffn_down;
      return type;
    }
    if (c == Category::kAttnOutput) return attn_output(type);
    return type;
  }

 private:
  bool is(std::string_view name) const { return f_ == name; }
  bool is_iq4() const { return is("IQ4_NL") || is("IQ4_XS"); }
  int64_t gqa() const { return m_.n_head_kv > 0 ? m_.n_head / m_.n_head_kv : 0; }

  DType attn_v(DType type, const Counters& n) const {
    if (is("Q2_K"))
      type = gqa() >= 4 ? DType::Q4_K : DType::Q3_K;
    else if (is("Q3_K_M"))
      type = n.i_attn_v < 2 ? DType::Q5_K : DType::Q4_K;
    else if (is("Q3_K_L"))
      type = DType::Q5_K;
    else if (is_iq4() && gqa() >= 4)
      type = DType::Q5_K;
    else if ((is("Q4_K_M") || is("Q5_K_M")) && use_more_bits(n.i_attn_v, n.n_attn_v))
      type = DType::Q6_K;
    else if (is("Q4_K_S") && n.i_attn_v < 4)
      type = DType::Q5_K;
    if (m_.n_expert == 8) type = DType::Q8_0;
    return type;
  }

  DType ffn_down(DType type, int64_t i, int64_t n) const {
    if (is("Q2_K")) return DType::Q3_K;
    if (is("Q3_K_M")) {
      if (i < n / 16) return DType::Q5_K;
      return !falcon_ || use_more_bits(i, n) ? DType::Q4_K : DType::Q3_K;
    }
    if (is("Q3_K_L")) return falcon_ ? DType::Q4_K : DType::Q5_K;
    if (is("Q4_K_M")) {
      if (falcon_)
        return i < n / 16 ? DType::Q6_K : use_more_bits(i, n) ? DType::Q5_K : DType::Q4_K;
      return use_more_bits(i, n) ? DType::Q6_K : type;
    }
    if (is("Q5_K_M")) return use_more_bits(i, n) ? DType::Q6_K : type;
    if (is_iq4() && i < n / 8 && !imatrix_) return DType::Q5_K;
    if (is("Q4_K_S")) return !falcon_ && i < n / 8 ? DType::Q5_K : type;
    // With an importance matrix the first eighth of ffn_down gets the type with a minimum.
    if ((is("Q4_0") || is("Q5_0")) && imatrix_ && i < n / 8)
      return is("Q4_0") ? DType::Q4_1 : DType::Q5_1;
    return type;
  }

  DType attn_output(DType type) const {
    if (falcon_) return is("Q3_K_L") ? DType::Q4_K : type;
    if (m_.n_expert == 8) {
      for (std::string_view f :
           {"Q2_K", "Q3_K_S", "Q3_K_M", "Q4_K_S", "Q4_K_M", "IQ4_NL", "IQ4_XS"})
        if (is(f)) return DType::Q5_K;
      return type;
    }
    if (is("Q2_K")) return DType::Q3_K;
    if (is("Q3_K_M")) return DType::Q4_K;
    if (is("Q3_K_L")) return DType::Q5_K;
    return type;
  }

  const MixModel& m_;
  std::string_view f_;
  bool imatrix_;
  bool falcon_;
};

}  // namespace

const std::vector<FileType>& file_types() {
  static const std::vector<FileType> kTypes = {
      {"F16", 1, DType::F16},      {"BF16", 32, DType::BF16},     {"Q8_0", 7, DType::Q8_0},
      {"Q4_0", 2, DType::Q4_0},    {"Q4_1", 3, DType::Q4_1},      {"Q5_0", 8, DType::Q5_0},
      {"Q5_1", 9, DType::Q5_1},    {"Q2_K", 10, DType::Q2_K},     {"Q3_K_S", 11, DType::Q3_K},
      {"Q3_K_M", 12, DType::Q3_K}, {"Q3_K_L", 13, DType::Q3_K},   {"Q4_K_S", 14, DType::Q4_K},
      {"Q4_K_M", 15, DType::Q4_K}, {"Q5_K_S", 16, DType::Q5_K},   {"Q5_K_M", 17, DType::Q5_K},
      {"Q6_K", 18, DType::Q6_K},   {"IQ4_NL", 25, DType::IQ4_NL}, {"IQ4_XS", 30, DType::IQ4_XS},
  };
  return kTypes;
}

std::optional<FileType> find_file_type(std::string_view name) {
  for (const FileType& f : file_types()) {
    if (f.name.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i)
      same = std::toupper(static_cast<unsigned char>(name[i])) == f.name[i];
    if (same) return f;
  }
  return std::nullopt;
}

std::vector<MixChoice> choose_types(const MixModel& model, const std::vector<MixTensor>& tensors,
                                    const FileType& file_type, bool has_imatrix) {
  Counters counters;
  counters.n_ffn_down = model.n_layer;
  for (const MixTensor& t : tensors) {
    if (t.shape.empty()) fail("tensor {} has no dimensions", t.name);
    const Category c = category_of(t.name);
    if (is_attn_v_like(c)) ++counters.n_attn_v;
    if (c == Category::kOutput) counters.tied_embeddings = false;
  }
  // The rules count attn_v and ffn_down tensors as they meet them, in llama.cpp's order:
  // by layer (tensors outside the blocks first), then by name.
  std::vector<size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const int la = layer_of(tensors[a].name), lb = layer_of(tensors[b].name);
    if (la != lb) return la < lb;
    return tensors[a].name < tensors[b].name;
  });

  const MixRules rules(model, file_type.name, has_imatrix);
  std::vector<MixChoice> out(tensors.size(), MixChoice{DType::F32, false});
  for (size_t i : order) {
    const MixTensor& t = tensors[i];
    if (!may_quantize(t)) {
      out[i] = {t.type, false};
    } else if (!is_quantized(file_type.base)) {
      out[i] = {file_type.base, false};
    } else {
      const DType chosen = rules.choose(t, category_of(t.name), file_type.base, counters);
      out[i] = fit_row_length(t, chosen);
    }
  }
  return out;
}

}  // namespace yak::derive
