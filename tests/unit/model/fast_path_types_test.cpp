// The fast path on weight types the bundled model does not use: F16 and BF16
// (packed as bf16 pairs where the CPU has AVX512_BF16, weights and
// activations rounded to bf16; else float FMA), and the quantized types
// whose packed layouts nothing else runs end to end (Q5_1, Q2_K, Q3_K, Q5_K,
// IQ4_NL, IQ4_XS).
// No real model of these types is small enough for the test suite, so the
// test writes them: the default model with its matrices converted (K types
// and IQ4_XS only where a row is whole 256-value super-blocks: SmolLM2's ffn_down). The
// fast path's next-token distributions must stay close to the exact path's
// on the same file.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "core/half.h"
#include "format/gguf_file.h"
#include "format/gguf_writer.h"
#include "kernels/cpu/ref/quant_ref.h"
#include "unit/model/logits_math.h"
#include "unit/test_paths.h"
#include "yak/engine.h"
#include "yak/tokenizer.h"

namespace yak {
namespace {

std::string write_copy(const std::string& source, DType type) {
  const gguf::File in = gguf::File::open(source);
  gguf::Writer out;
  for (const auto& [key, value] : in.metadata())
    if (key != "general.alignment") out.set(key, value);
  for (const gguf::TensorInfo& t : in.tensors()) {
    const int64_t cols = t.shape.empty() ? 0 : t.shape[0];
    if (t.shape.size() != 2 || t.type == DType::F32 || cols % traits(type).block_size != 0) {
      out.add_tensor(t.name, t.type, t.shape, {t.data, t.size_bytes});
      continue;
    }
    const int64_t rows = t.rows();
    const uint64_t rb = row_bytes(type, cols);
    std::vector<float> row(static_cast<size_t>(cols));
    std::vector<uint8_t> converted(static_cast<size_t>(rows) * rb);
    for (int64_t r = 0; r < rows; ++r) {
      kernels::ref::dequantize_row(t.type, t.data + r * row_bytes(t.type, cols), row.data(), cols);
      kernels::ref::quantize_row(type, row.data(), converted.data() + r * rb, cols);
    }
    out.add_tensor(t.name, type, t.shape, converted);
  }
  const std::string path =
      ::testing::TempDir() + "/yak-smollm2-" + std::string(dtype_name(type)) + ".gguf";
  out.write(path);
  return path;
}

class FastPathTypes : public ::testing::TestWithParam<DType> {};

TEST_P(FastPathTypes, StaysCloseToExact) {
  const DType type = GetParam();
  const std::string path = write_copy(test::model_path("SmolLM2-135M-Instruct.Q4_1.gguf"), type);
  const auto exact = Model::load(path, {.precision = Precision::kExact});
  const auto fast = Model::load(path, {.precision = Precision::kFast});
  const std::vector<std::string> prompts = {
      "The capital of France is",
      "def fibonacci(n):\n    if n < 2:", "Once upon a time, in a small village by the sea,",
      "人工智能是"};
  double kl_sum = 0, kl_max = 0;
  int positions = 0, top1 = 0;
  for (const std::string& prompt : prompts) {
    const std::vector<int32_t> tokens = exact->tokenizer().encode(prompt, true, true);
    Context ce(exact, {.n_threads = 2, .context_size = 128});
    Context cf(fast, {.n_threads = 2, .context_size = 128});
    Batch exact_batch, fast_batch;
    const SequenceId se = ce.add_sequence(), sf = cf.add_sequence();
    for (size_t i = 0; i < tokens.size(); ++i) {
      exact_batch.add(tokens[i], static_cast<int32_t>(i), se, true);
      fast_batch.add(tokens[i], static_cast<int32_t>(i), sf, true);
    }
    ce.decode(exact_batch);
    cf.decode(fast_batch);
    for (size_t p = 0; p < tokens.size(); ++p) {
      const auto le = ce.logits(static_cast<int32_t>(p));
      const auto lf = cf.logits(static_cast<int32_t>(p));
      const double lse_e = test::logsumexp(le), lse_f = test::logsumexp(lf);
      double kl = 0;
      size_t best_e = 0, best_f = 0;
      for (size_t i = 0; i < le.size(); ++i) {
        const double lp = le[i] - lse_e, lq = lf[i] - lse_f;
        kl += std::exp(lp) * (lp - lq);
        if (le[i] > le[best_e]) best_e = i;
        if (lf[i] > lf[best_f]) best_f = i;
      }
      kl_sum += kl;
      kl_max = std::max(kl_max, kl);
      top1 += best_e == best_f ? 1 : 0;
      ++positions;
    }
  }
  std::filesystem::remove(path);
  const double kl_mean = kl_sum / positions;
  const std::string name(dtype_name(type));
  std::printf("[ %s ] fast vs exact on a %s SmolLM2: mean KL %.3g, max KL %.3g, top-1 %d/%d\n",
              name.c_str(), name.c_str(), kl_mean, kl_max, top1, positions);
  // The 8-bit activations' error shows more against 2-bit weights: the row
  // kernels (before Q2_K had a packed layout) measured mean 0.029, max 0.14.
  const bool two_bit = type == DType::Q2_K;
  EXPECT_LE(kl_mean, two_bit ? 0.05 : 0.01);
  EXPECT_LE(kl_max, two_bit ? 0.3 : 0.1);
  EXPECT_GE(top1, positions * 9 / 10);
}

INSTANTIATE_TEST_SUITE_P(Types, FastPathTypes,
                         ::testing::Values(DType::F16, DType::BF16, DType::Q5_1, DType::Q2_K,
                                           DType::Q3_K, DType::Q5_K, DType::IQ4_NL, DType::IQ4_XS),
                         [](const ::testing::TestParamInfo<DType>& info) {
                           return std::string(dtype_name(info.param));
                         });

}  // namespace
}  // namespace yak
