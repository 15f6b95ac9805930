// Repetition, frequency and presence penalties over a sliding window of the
// tokens a sequence has accepted. Counts are kept up to date on accept(), so
// applying them costs O(distinct tokens in the window), not O(window) or O(vocab).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace yak::sampling {

struct PenaltyParams {
  float repeat = 1.0f;     // logit > 0 ? logit / repeat : logit * repeat
  float frequency = 0.0f;  // logit -= count * frequency
  float presence = 0.0f;   // logit -= presence, once, for any token in the window
  int32_t window = 64;     // -1: every accepted token; 0: penalties off
};

class PenaltyWindow {
 public:
  PenaltyWindow(const PenaltyParams& params, int32_t n_vocab);

  // False when the params make every penalty a no-op.
  bool enabled() const { return enabled_; }
  void accept(int32_t token);
  void clear();
  // Penalises logits[n_vocab] in place.
  void apply(float* logits) const;
  // How often `token` occurs in the window.
  int32_t count(int32_t token) const;

 private:
  void add(int32_t token);
  void remove(int32_t token);

  PenaltyParams params_;
  int32_t n_vocab_;
  bool enabled_;
  std::vector<int32_t> ring_;  // the window's tokens, oldest at ring_head_ once full
  size_t ring_head_ = 0;
  std::vector<int32_t> counts_;       // [n_vocab], allocated on first accept
  std::vector<int32_t> present_;      // distinct tokens with a count > 0
  std::vector<int32_t> present_pos_;  // [n_vocab]: index into present_, or -1
};

}  // namespace yak::sampling
