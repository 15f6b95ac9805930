// The forward pass against logits that Hugging Face transformers computed for
// the same GGUF files (tests/golden/models/*.json, made by
// tools/golden/make_model_golden.py); tolerances in golden_check.cpp.
#include <gtest/gtest.h>

#include "unit/model/golden_check.h"

namespace yak {
namespace {

using test::check_against_golden;
using test::fast_path_against_golden;
using test::FastPathStats;

TEST(ModelGolden, SmolLM2MatchesTransformers) {
  check_against_golden("tests/golden/models/smollm2-135m-q4_1.json", {});
}

// A real Qwen2-family model (QKV bias, NeoX rope, separate output matrix,
// Q5_0/Q4_K/Q6_K/Q8_0 weights), with a Chinese prompt.
TEST(ModelGolden, Qwen25CoderMatchesTransformers) {
  check_against_golden("tests/golden/models/qwen2.5-coder-0.5b-instruct-q4_k_m.json", {});
}

// A real Gemma 3 (scaled embedding, Q/K norms, four norms per layer, GELU, 5 sliding layers
// per global one with their own RoPE base, head dim 256, a 262k SentencePiece vocabulary)
// in Q4_K_M, with a Chinese prompt: the tokenizer and the logits against transformers.
TEST(ModelGolden, Gemma3MatchesTransformers) {
  check_against_golden("tests/golden/models/gemma-3-270m-it-q4_k_m.json", {});
}

TEST(ModelGolden, Gemma3FastPathStaysClose) {
  const FastPathStats st =
      fast_path_against_golden("tests/golden/models/gemma-3-270m-it-q4_k_m.json");
  EXPECT_LE(st.mean_kl, 0.01);
  EXPECT_LE(st.max_kl, 0.1);
  EXPECT_GE(st.top1_agree, st.positions * 9 / 10);
}

// Random weights of Qwen2.5-0.5B's exact shape (tied embeddings). Its logits
// are small and close together, so greedy paths fork on rounding noise: only
// the logits are compared.
TEST(ModelGolden, RandomQwen2ShapeMatchesTransformers) {
  check_against_golden("tests/golden/models/qwen2-0.5b-random-q8_0.json",
                       {.check_tokenizer = true, .check_greedy = false});
}

TEST(ModelGolden, SmolLM2FastPathStaysClose) {
  const FastPathStats st = fast_path_against_golden("tests/golden/models/smollm2-135m-q4_1.json");
  EXPECT_LE(st.mean_kl, 0.01);
  EXPECT_LE(st.max_kl, 0.1);
  EXPECT_GE(st.top1_agree, st.positions * 9 / 10);
}

TEST(ModelGolden, Qwen25CoderFastPathStaysClose) {
  const FastPathStats st =
      fast_path_against_golden("tests/golden/models/qwen2.5-coder-0.5b-instruct-q4_k_m.json");
  EXPECT_LE(st.mean_kl, 0.01);
  EXPECT_LE(st.max_kl, 0.1);
  EXPECT_GE(st.top1_agree, st.positions * 9 / 10);
}

}  // namespace
}  // namespace yak
