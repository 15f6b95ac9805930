// The type mixes: llama.cpp's rules on a synthetic 32-layer model whose rows fit every type
// (so each rule shows without fallbacks), and on the default model's real tensor list
// (rows of 576: the K types fall back as llama-quantize's do; bench/compare-quantize checks
// the whole list against llama-quantize's output).
#include "derive/quant_mix.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "format/gguf_file.h"
#include "unit/test_paths.h"

namespace yak::derive {
namespace {

// llama-7B's layout: 32 layers, rows of 4096, an output matrix of its own.
std::vector<MixTensor> llama_like(int layers, bool with_output) {
  std::vector<MixTensor> t;
  t.push_back({"token_embd.weight", {4096, 32000}, DType::F16});
  for (int i = 0; i < layers; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".";
    t.push_back({b + "attn_norm.weight", {4096}, DType::F32});
    t.push_back({b + "attn_q.weight", {4096, 4096}, DType::F16});
    t.push_back({b + "attn_k.weight", {4096, 1024}, DType::F16});
    t.push_back({b + "attn_v.weight", {4096, 1024}, DType::F16});
    t.push_back({b + "attn_output.weight", {4096, 4096}, DType::F16});
    t.push_back({b + "ffn_norm.weight", {4096}, DType::F32});
    t.push_back({b + "ffn_gate.weight", {4096, 11008}, DType::F16});
    t.push_back({b + "ffn_up.weight", {4096, 11008}, DType::F16});
    t.push_back({b + "ffn_down.weight", {11008, 4096}, DType::F16});
  }
  t.push_back({"output_norm.weight", {4096}, DType::F32});
  if (with_output) t.push_back({"output.weight", {4096, 32000}, DType::F16});
  return t;
}

MixModel llama_model(int layers, int kv_heads) { return {"llama", layers, 32, kv_heads, 0}; }

std::map<std::string, std::string> types_by_name(const std::vector<MixTensor>& tensors,
                                                 const std::vector<MixChoice>& choices) {
  std::map<std::string, std::string> out;
  for (size_t i = 0; i < tensors.size(); ++i)
    out[tensors[i].name] = std::string(dtype_name(choices[i].type));
  return out;
}

std::map<std::string, std::string> mix(const std::string& type, int kv_heads = 32,
                                       bool with_output = true) {
  const auto tensors = llama_like(32, with_output);
  return types_by_name(tensors,
                       choose_types(llama_model(32, kv_heads), tensors, *find_file_type(type)));
}

std::string at(const std::map<std::string, std::string>& m, int layer, const std::string& t) {
  return m.at("blk." + std::to_string(layer) + "." + t + ".weight");
}

// llama.cpp's use_more_bits for 32 layers: the first and last 4, and every third between.
bool more_bits_layer(int i) { return i < 4 || i >= 28 || (i - 4) % 3 == 2; }

TEST(QuantMix, FileTypesHaveLlamaCppNumbers) {
  EXPECT_EQ(find_file_type("Q4_K_M")->id, 15u);
  EXPECT_EQ(find_file_type("q4_k_m")->id, 15u);
  EXPECT_EQ(find_file_type("F16")->id, 1u);
  EXPECT_EQ(find_file_type("BF16")->id, 32u);
  EXPECT_EQ(find_file_type("Q8_0")->id, 7u);
  EXPECT_EQ(find_file_type("Q5_1")->id, 9u);
  EXPECT_EQ(find_file_type("Q2_K")->id, 10u);
  EXPECT_EQ(find_file_type("Q6_K")->id, 18u);
  EXPECT_EQ(find_file_type("IQ4_NL")->id, 25u);
  EXPECT_EQ(find_file_type("iq4_xs")->id, 30u);
  EXPECT_FALSE(find_file_type("Q4_K"));
  EXPECT_FALSE(find_file_type("IQ2_XS"));
  EXPECT_FALSE(find_file_type(""));
  EXPECT_EQ(file_types().size(), 18u);
}

TEST(QuantMix, Q4KMGivesMoreBitsToSomeAttnVAndFfnDown) {
  const auto m = mix("Q4_K_M");
  for (int i = 0; i < 32; ++i) {
    const std::string want = more_bits_layer(i) ? "Q6_K" : "Q4_K";
    EXPECT_EQ(at(m, i, "attn_v"), want) << "layer " << i;
    EXPECT_EQ(at(m, i, "ffn_down"), want) << "layer " << i;
    EXPECT_EQ(at(m, i, "attn_q"), "Q4_K");
    EXPECT_EQ(at(m, i, "attn_output"), "Q4_K");
    EXPECT_EQ(at(m, i, "attn_norm"), "F32");
  }
  EXPECT_EQ(m.at("output.weight"), "Q6_K");
  EXPECT_EQ(m.at("token_embd.weight"), "Q4_K");
  EXPECT_EQ(m.at("output_norm.weight"), "F32");
}

TEST(QuantMix, Q5KMAndQ4KSAndQ3KL) {
  const auto m5 = mix("Q5_K_M");
  const auto s4 = mix("Q4_K_S");
  const auto l3 = mix("Q3_K_L");
  for (int i = 0; i < 32; ++i) {
    EXPECT_EQ(at(m5, i, "attn_v"), more_bits_layer(i) ? "Q6_K" : "Q5_K") << i;
    EXPECT_EQ(at(m5, i, "ffn_down"), more_bits_layer(i) ? "Q6_K" : "Q5_K") << i;
    EXPECT_EQ(at(s4, i, "attn_v"), i < 4 ? "Q5_K" : "Q4_K") << i;
    EXPECT_EQ(at(s4, i, "ffn_down"), i < 4 ? "Q5_K" : "Q4_K") << i;
    EXPECT_EQ(at(l3, i, "attn_v"), "Q5_K");
    EXPECT_EQ(at(l3, i, "ffn_down"), "Q5_K");
    EXPECT_EQ(at(l3, i, "attn_output"), "Q5_K");
    EXPECT_EQ(at(l3, i, "attn_q"), "Q3_K");
  }
}

TEST(QuantMix, Q3KMAndQ2KDependOnLayerAndGroupedQueries) {
  const auto m3 = mix("Q3_K_M");
  const auto q2 = mix("Q2_K", 32);    // no grouped-query attention
  const auto q2gqa = mix("Q2_K", 8);  // 4 query heads per key/value head
  for (int i = 0; i < 32; ++i) {
    EXPECT_EQ(at(m3, i, "attn_v"), i < 2 ? "Q5_K" : "Q4_K") << i;
    EXPECT_EQ(at(m3, i, "ffn_down"), i < 2 ? "Q5_K" : "Q4_K") << i;
    EXPECT_EQ(at(m3, i, "attn_output"), "Q4_K");
    EXPECT_EQ(at(m3, i, "ffn_up"), "Q3_K");
    EXPECT_EQ(at(q2, i, "attn_v"), "Q3_K");
    EXPECT_EQ(at(q2gqa, i, "attn_v"), "Q4_K");
    EXPECT_EQ(at(q2, i, "ffn_down"), "Q3_K");
    EXPECT_EQ(at(q2, i, "attn_output"), "Q3_K");
    EXPECT_EQ(at(q2, i, "attn_q"), "Q2_K");
  }
  EXPECT_EQ(q2.at("output.weight"), "Q6_K");
  EXPECT_EQ(q2.at("token_embd.weight"), "Q2_K");
}

TEST(QuantMix, IQ4TypesGiveMoreBitsToEarlyFfnDownAndGroupedAttnV) {
  const auto tensors = llama_like(32, true);
  for (const char* type : {"IQ4_NL", "IQ4_XS"}) {
    const FileType f = *find_file_type(type);
    const auto plain = types_by_name(tensors, choose_types(llama_model(32, 32), tensors, f));
    const auto gqa = types_by_name(tensors, choose_types(llama_model(32, 8), tensors, f));
    const auto im = types_by_name(tensors, choose_types(llama_model(32, 32), tensors, f, true));
    for (int i = 0; i < 32; ++i) {
      // Without an importance matrix the first eighth of ffn_down gets Q5_K.
      EXPECT_EQ(at(plain, i, "ffn_down"), i < 4 ? "Q5_K" : type) << type << " layer " << i;
      EXPECT_EQ(at(im, i, "ffn_down"), type) << type << " layer " << i;
      EXPECT_EQ(at(plain, i, "attn_v"), type) << type << " layer " << i;
      EXPECT_EQ(at(gqa, i, "attn_v"), "Q5_K") << type << " layer " << i;  // 4 heads per group
      EXPECT_EQ(at(plain, i, "attn_output"), type);
      EXPECT_EQ(at(plain, i, "ffn_up"), type);
    }
    EXPECT_EQ(plain.at("output.weight"), "Q6_K") << type;
    EXPECT_EQ(plain.at("token_embd.weight"), type) << type;
  }
}

TEST(QuantMix, UniformTypesKeepOnlyTheOutputHigher) {
  for (const char* type : {"Q3_K_S", "Q5_K_S", "Q6_K", "Q4_0", "Q4_1", "Q5_0", "Q5_1"}) {
    const auto m = mix(type);
    const std::string base = dtype_name(find_file_type(type)->base).data();
    for (int i = 0; i < 32; ++i)
      for (const char* t :
           {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"})
        EXPECT_EQ(at(m, i, t), base) << type << " layer " << i << " " << t;
    EXPECT_EQ(m.at("output.weight"), "Q6_K") << type;
    EXPECT_EQ(m.at("token_embd.weight"), base) << type;
  }
  const auto q8 = mix("Q8_0");
  EXPECT_EQ(q8.at("output.weight"), "Q8_0");
  EXPECT_EQ(at(q8, 7, "attn_v"), "Q8_0");
}

TEST(QuantMix, FloatTypesConvertEveryMatrixAndKeepVectors) {
  for (const char* type : {"F16", "BF16"}) {
    const auto m = mix(type);
    EXPECT_EQ(m.at("output.weight"), type);
    EXPECT_EQ(m.at("token_embd.weight"), type);
    EXPECT_EQ(at(m, 3, "attn_v"), type);
    EXPECT_EQ(at(m, 3, "ffn_norm"), "F32");
  }
}

TEST(QuantMix, TiedEmbeddingsGetTheOutputType) {
  const auto m = mix("Q4_K_M", 32, /*with_output=*/false);
  EXPECT_EQ(m.at("token_embd.weight"), "Q6_K");
}

TEST(QuantMix, TheCountersFollowLayersWhateverTheFileOrder) {
  auto tensors = llama_like(32, true);
  const auto want =
      types_by_name(tensors, choose_types(llama_model(32, 32), tensors, *find_file_type("Q3_K_M")));
  std::mt19937 rng(7);
  std::shuffle(tensors.begin(), tensors.end(), rng);
  EXPECT_EQ(
      types_by_name(tensors, choose_types(llama_model(32, 32), tensors, *find_file_type("Q3_K_M"))),
      want);
}

TEST(QuantMix, RowsThatDoNotFitFallBackAsLlamaCppDoes) {
  const MixModel model = llama_model(1, 32);
  auto choose = [&](int64_t row, const char* type) {
    const std::vector<MixTensor> t = {{"blk.0.attn_q.weight", {row, 64}, DType::F16}};
    return choose_types(model, t, *find_file_type(type))[0];
  };
  EXPECT_EQ(choose(576, "Q2_K").type, DType::Q4_0);
  EXPECT_EQ(choose(576, "Q3_K_S").type, DType::Q4_0);
  EXPECT_EQ(choose(576, "Q4_K_S").type, DType::Q5_0);
  EXPECT_EQ(choose(576, "Q5_K_S").type, DType::Q5_1);
  EXPECT_EQ(choose(576, "Q6_K").type, DType::Q8_0);
  EXPECT_EQ(choose(576, "IQ4_XS").type, DType::IQ4_NL);
  EXPECT_EQ(choose(100, "IQ4_NL").type, DType::F16);
  EXPECT_TRUE(choose(576, "Q6_K").fell_back);
  EXPECT_FALSE(choose(512, "Q6_K").fell_back);
  EXPECT_EQ(choose(100, "Q6_K").type, DType::F16);
  EXPECT_EQ(choose(100, "Q4_0").type, DType::F16);
  EXPECT_EQ(choose(100, "F16").type, DType::F16);
}

TEST(QuantMix, DefaultModelTensorList) {
  const std::string path = test::default_model_path();
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "model missing: " << path;
  const gguf::File file = gguf::File::open(path);
  std::vector<MixTensor> tensors;
  for (const auto& t : file.tensors()) tensors.push_back({t.name, t.shape, t.type});
  // SmolLM2-135M: 30 layers, 9 query heads over 3 key/value heads, tied embeddings.
  const MixModel model{"llama", 30, 9, 3, 0};
  const auto q4km = types_by_name(tensors, choose_types(model, tensors, *find_file_type("Q4_K_M")));
  const auto q2k = types_by_name(tensors, choose_types(model, tensors, *find_file_type("Q2_K")));
  const auto q3km = types_by_name(tensors, choose_types(model, tensors, *find_file_type("Q3_K_M")));
  // use_more_bits(i, 30): i < 3, i >= 26, (i - 3) % 3 == 2.
  for (int i = 0; i < 30; ++i) {
    const bool more = i < 3 || i >= 26 || (i - 3) % 3 == 2;
    // Rows of 576: Q6_K falls back to Q8_0, Q4_K to Q5_0; ffn_down's rows of 1536 fit.
    EXPECT_EQ(at(q4km, i, "attn_v"), more ? "Q8_0" : "Q5_0") << i;
    EXPECT_EQ(at(q4km, i, "ffn_down"), more ? "Q6_K" : "Q4_K") << i;
    EXPECT_EQ(at(q4km, i, "attn_q"), "Q5_0");
    EXPECT_EQ(at(q2k, i, "attn_v"), "Q4_0");  // Q3_K (fewer than 4 query heads per group)
    EXPECT_EQ(at(q2k, i, "ffn_down"), "Q3_K");
    EXPECT_EQ(at(q2k, i, "attn_output"), "Q4_0");
    EXPECT_EQ(at(q3km, i, "attn_v"), i < 2 ? "Q5_1" : "Q5_0") << i;
    EXPECT_EQ(at(q3km, i, "ffn_down"), i < 1 ? "Q5_K" : "Q4_K") << i;
    EXPECT_EQ(at(q4km, i, "attn_norm"), "F32");
  }
  EXPECT_EQ(q4km.at("token_embd.weight"), "Q8_0");  // tied: the output rule, then the row
  EXPECT_EQ(q2k.at("token_embd.weight"), "Q8_0");
  EXPECT_EQ(q4km.count("output.weight"), 0u);
}

}  // namespace
}  // namespace yak::derive
