// Checks a model's logits against a golden file of reference logits
// (tests/golden/models/*.json from tools/golden/make_model_golden.py,
// tests/golden/families/*.json from tools/golden/make_family_golden.py).
#pragma once

#include <string>

namespace yak::test {

struct GoldenCheckOptions {
  bool check_tokenizer = true;  // Yak's encoding of each prompt must equal the golden tokens
  bool check_greedy = true;     // the greedy continuation must be identical
};

// The exact path: every recorded logit within kLogitTolerance, argmax agreement wherever the
// reference has a clear winner, identical greedy continuations (golden_check.cpp says why).
void check_against_golden(const std::string& golden_file, const GoldenCheckOptions& options);

// The fast path (8-bit activations, integer kernels) cannot meet the exact path's
// tolerance, so it is held to what matters for generation: the KL divergence of its
// next-token distribution from the reference's, and top-1 agreement. KL is computed over the
// reference's 32 most likely tokens plus the rest of the mass as one outcome (a lower bound
// of the full KL that misses only the far tail).
struct FastPathStats {
  double mean_kl = 0, max_kl = 0;
  int top1_agree = 0, positions = 0;
};
// `model_path`, when given, replaces the golden's own model file (e.g. a quantized copy).
FastPathStats fast_path_against_golden(const std::string& golden_file,
                                       const std::string& model_path = "");

// The fast path against Yak's own exact path on the same file and the golden's prompts, KL
// over the whole vocabulary: what the 8-bit kernels alone change, with the weights fixed.
FastPathStats fast_path_against_exact(const std::string& golden_file, const std::string& model_path);

}  // namespace yak::test
