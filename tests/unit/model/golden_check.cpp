// The forward pass against reference logits computed for the same GGUF files.
//
// Tolerance: transformers dequantizes the same weights to float32 and runs
// the same arithmetic in another order (BLAS sgemm, its own softmax and norm
// reductions). Float32 rounding differences compound over the layers; on
// these models the largest difference seen is about 1e-4 (SmolLM2 7.7e-5,
// Qwen2.5-Coder 1.0e-4, random Qwen2 3.6e-6) in logits of magnitude 3-40.
// We allow 1e-3: ten times what rounding gives, and still hundreds of times
// below what a real bug produces (a wrong rope pairing, eps or bias moves
// logits by whole units). The argmax must agree wherever the reference's two
// best logits are further apart than the tolerance, and greedy continuations
// must be identical token for token.
#include "unit/model/golden_check.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "unit/model/logits_math.h"
#include "unit/test_paths.h"
#include "yak/engine.h"
#include "yak/tokenizer.h"

namespace yak::test {
namespace {

constexpr double kLogitTolerance = 1e-3;

struct GoldenCase {
  std::string prompt;
  std::vector<int32_t> tokens;
  nlohmann::json positions;
  std::vector<int32_t> greedy;
};

struct Golden {
  std::string model_file;
  std::vector<int32_t> sample_ids;
  std::vector<GoldenCase> cases;
};

Golden load_golden(const std::string& relative) {
  const std::string path = test::source_path(relative);
  std::ifstream in(path);
  if (!in) throw std::runtime_error("golden file missing: " + path);
  const nlohmann::json j = nlohmann::json::parse(in);
  Golden g;
  g.model_file = j.at("model_file").get<std::string>();
  g.sample_ids = j.at("sample_ids").get<std::vector<int32_t>>();
  for (const auto& c : j.at("cases")) {
    g.cases.push_back({c.at("prompt").get<std::string>(),
                       c.at("tokens").get<std::vector<int32_t>>(), c.at("positions"),
                       c.at("greedy").get<std::vector<int32_t>>()});
  }
  return g;
}

std::shared_ptr<const Model> load_model(const std::string& file,
                                        Precision precision = Precision::kExact) {
  const std::string path = test::model_path(file);
  // A missing model is a failure, not a skip: scripts/setup.sh installs it.
  if (!std::filesystem::exists(path))
    throw std::runtime_error("model file missing: " + path + " (run scripts/setup.sh)");
  return Model::load(path, {.precision = precision});
}

int32_t argmax(std::span<const float> v) {
  int32_t best = 0;
  for (size_t i = 1; i < v.size(); ++i)
    if (v[i] > v[static_cast<size_t>(best)]) best = static_cast<int32_t>(i);
  return best;
}

}  // namespace

void check_against_golden(const std::string& golden_file, const GoldenCheckOptions& options) {
  const Golden golden = load_golden(golden_file);
  const auto model = load_model(golden.model_file);
  ASSERT_GE(golden.cases.size(), 5u);

  double max_diff = 0;
  int top1_agree = 0, positions = 0, greedy_match = 0;
  for (const GoldenCase& c : golden.cases) {
    SCOPED_TRACE(c.prompt);
    if (options.check_tokenizer) {
      EXPECT_EQ(model->tokenizer().encode(c.prompt, true, true), c.tokens);
    }
    Context ctx(model, {.n_threads = 2, .context_size = 512});
    const SequenceId seq = ctx.add_sequence();
    Batch batch;
    for (size_t i = 0; i < c.tokens.size(); ++i)
      batch.add(c.tokens[i], static_cast<int32_t>(i), seq, true);
    ctx.decode(batch);
    ASSERT_EQ(c.positions.size(), c.tokens.size());
    for (size_t p = 0; p < c.tokens.size(); ++p) {
      const auto logits = ctx.logits(static_cast<int32_t>(p));
      const auto& ref = c.positions[p];
      const auto top_ids = ref.at("top_ids").get<std::vector<int32_t>>();
      const auto top_logits = ref.at("top_logits").get<std::vector<double>>();
      const auto sample_logits = ref.at("sample_logits").get<std::vector<double>>();
      for (size_t k = 0; k < top_ids.size(); ++k)
        max_diff =
            std::max(max_diff, std::abs(logits[static_cast<size_t>(top_ids[k])] - top_logits[k]));
      for (size_t k = 0; k < golden.sample_ids.size(); ++k)
        max_diff = std::max(max_diff, std::abs(logits[static_cast<size_t>(golden.sample_ids[k])] -
                                               sample_logits[k]));
      max_diff =
          std::max(max_diff, std::abs(logsumexp(logits) - ref.at("logsumexp").get<double>()));
      // Where the reference's two best logits are closer than the tolerance,
      // either may legitimately win; everywhere else the argmax must agree.
      const bool clear_winner = top_logits[0] - top_logits[1] > kLogitTolerance;
      const bool agree = argmax(logits) == top_ids[0];
      top1_agree += agree ? 1 : 0;
      if (clear_winner) {
        EXPECT_TRUE(agree) << "position " << p;
      }
      ++positions;
    }

    // Greedy continuation, one token at a time through the KV cache.
    std::vector<int32_t> generated;
    int32_t pos = static_cast<int32_t>(c.tokens.size());
    int32_t next = argmax(ctx.logits(static_cast<int32_t>(c.tokens.size()) - 1));
    for (size_t i = 0; i < c.greedy.size(); ++i) {
      generated.push_back(next);
      batch.clear();
      batch.add(next, pos++, seq, true);
      ctx.decode(batch);
      next = argmax(ctx.logits(0));
    }
    if (options.check_greedy) {
      EXPECT_EQ(generated, c.greedy);
    }
    greedy_match += generated == c.greedy ? 1 : 0;
  }
  std::printf(
      "[ golden ] %s: max |logit diff| %.3g over %d positions, top-1 agreement %d/%d, "
      "greedy 64-token continuations identical %d/%zu\n",
      golden_file.c_str(), max_diff, positions, top1_agree, positions, greedy_match,
      golden.cases.size());
  EXPECT_LE(max_diff, kLogitTolerance);
}

FastPathStats fast_path_against_golden(const std::string& golden_file,
                                       const std::string& model_path) {
  const Golden golden = load_golden(golden_file);
  const auto model = model_path.empty() ? load_model(golden.model_file, Precision::kFast)
                                        : Model::load(model_path, {.precision = Precision::kFast});
  FastPathStats st;
  for (const GoldenCase& c : golden.cases) {
    Context ctx(model, {.n_threads = 2, .context_size = 512});
    const SequenceId seq = ctx.add_sequence();
    Batch batch;
    for (size_t i = 0; i < c.tokens.size(); ++i)
      batch.add(c.tokens[i], static_cast<int32_t>(i), seq, true);
    ctx.decode(batch);
    for (size_t p = 0; p < c.tokens.size(); ++p) {
      const auto logits = ctx.logits(static_cast<int32_t>(p));
      const auto& ref = c.positions[p];
      const auto top_ids = ref.at("top_ids").get<std::vector<int32_t>>();
      const auto top_logits = ref.at("top_logits").get<std::vector<double>>();
      const double ref_lse = ref.at("logsumexp").get<double>();
      const double yak_lse = logsumexp(logits);
      double kl = 0, ref_rest = 1, yak_rest = 1;
      for (size_t k = 0; k < top_ids.size(); ++k) {
        const double lp = top_logits[k] - ref_lse;
        const double lq = logits[static_cast<size_t>(top_ids[k])] - yak_lse;
        kl += std::exp(lp) * (lp - lq);
        ref_rest -= std::exp(lp);
        yak_rest -= std::exp(lq);
      }
      if (ref_rest > 1e-12 && yak_rest > 1e-12) kl += ref_rest * std::log(ref_rest / yak_rest);
      st.mean_kl += kl;
      st.max_kl = std::max(st.max_kl, kl);
      st.top1_agree += argmax(logits) == top_ids[0] ? 1 : 0;
      ++st.positions;
    }
  }
  st.mean_kl /= std::max(1, st.positions);
  std::printf("[ golden ] %s, fast path: mean KL %.3g, max KL %.3g, top-1 agreement %d/%d\n",
              golden_file.c_str(), st.mean_kl, st.max_kl, st.top1_agree, st.positions);
  return st;
}


FastPathStats fast_path_against_exact(const std::string& golden_file,
                                      const std::string& model_path) {
  const Golden golden = load_golden(golden_file);
  const auto exact = Model::load(model_path, {.precision = Precision::kExact});
  const auto fast = Model::load(model_path, {.precision = Precision::kFast});
  FastPathStats st;
  for (const GoldenCase& c : golden.cases) {
    Context ce(exact, {.n_threads = 2, .context_size = 512});
    Context cf(fast, {.n_threads = 2, .context_size = 512});
    const SequenceId se = ce.add_sequence(), sf = cf.add_sequence();
    Batch be, bf;
    for (size_t i = 0; i < c.tokens.size(); ++i) {
      be.add(c.tokens[i], static_cast<int32_t>(i), se, true);
      bf.add(c.tokens[i], static_cast<int32_t>(i), sf, true);
    }
    ce.decode(be);
    cf.decode(bf);
    for (size_t p = 0; p < c.tokens.size(); ++p) {
      const auto le = ce.logits(static_cast<int32_t>(p)), lf = cf.logits(static_cast<int32_t>(p));
      const double lse_e = logsumexp(le), lse_f = logsumexp(lf);
      double kl = 0;
      for (size_t v = 0; v < le.size(); ++v) {
        const double lp = le[v] - lse_e, lq = lf[v] - lse_f;
        kl += std::exp(lp) * (lp - lq);
      }
      st.mean_kl += kl;
      st.max_kl = std::max(st.max_kl, kl);
      st.top1_agree += argmax(le) == argmax(lf) ? 1 : 0;
      ++st.positions;
    }
  }
  st.mean_kl /= std::max(1, st.positions);
  std::printf("[ golden ] %s, fast path against the exact path on %s: mean KL %.3g, max KL %.3g, "
              "top-1 agreement %d/%d\n",
              golden_file.c_str(), model_path.c_str(), st.mean_kl, st.max_kl, st.top1_agree,
              st.positions);
  return st;
}

}  // namespace yak::test
