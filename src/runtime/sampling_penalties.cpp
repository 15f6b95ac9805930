#include "runtime/sampling_penalties.h"

namespace yak::sampling {

PenaltyWindow::PenaltyWindow(const PenaltyParams& params, int32_t n_vocab)
    : params_(params),
      n_vocab_(n_vocab),
      enabled_(params.window != 0 &&
               (params.repeat != 1.0f || params.frequency != 0.0f || params.presence != 0.0f)) {}

void PenaltyWindow::accept(int32_t token) {
  if (!enabled_) return;
  if (counts_.empty()) {
    counts_.assign(n_vocab_, 0);
    present_pos_.assign(n_vocab_, -1);
  }
  if (params_.window < 0 || ring_.size() < static_cast<size_t>(params_.window)) {
    // With an unbounded window the ring only grows and is never read back.
    if (params_.window > 0) ring_.push_back(token);
  } else {
    remove(ring_[ring_head_]);
    ring_[ring_head_] = token;
    ring_head_ = (ring_head_ + 1) % ring_.size();
  }
  add(token);
}

void PenaltyWindow::add(int32_t token) {
  if (counts_[token]++ == 0) {
    present_pos_[token] = static_cast<int32_t>(present_.size());
    present_.push_back(token);
  }
}

void PenaltyWindow::remove(int32_t token) {
  if (--counts_[token] != 0) return;
  // Swap-remove keeps present_ dense.
  const int32_t pos = present_pos_[token];
  const int32_t last = present_.back();
  present_[pos] = last;
  present_pos_[last] = pos;
  present_.pop_back();
  present_pos_[token] = -1;
}

void PenaltyWindow::clear() {
  for (int32_t token : present_) {
    counts_[token] = 0;
    present_pos_[token] = -1;
  }
  present_.clear();
  ring_.clear();
  ring_head_ = 0;
}

int32_t PenaltyWindow::count(int32_t token) const { return counts_.empty() ? 0 : counts_[token]; }

void PenaltyWindow::apply(float* logits) const {
  if (!enabled_) return;
  for (int32_t token : present_) {
    float& logit = logits[token];
    logit = logit > 0.0f ? logit / params_.repeat : logit * params_.repeat;
    logit -= static_cast<float>(counts_[token]) * params_.frequency + params_.presence;
  }
}

}  // namespace yak::sampling
