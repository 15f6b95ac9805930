// The steps of the sampling chain after the penalties, over a list of
// candidate tokens. Each step keeps the list's invariant: when `sorted` is
// set, data[0..size) is in descending logit order (ties: lower id first).
// The list never contains -inf or NaN logits and is never left empty.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "runtime/sampling_rng.h"

namespace yak::sampling {

struct Candidate {
  float logit;
  int32_t id;
};

struct Candidates {
  std::vector<Candidate> data;  // capacity n_vocab; only [0, size) is live
  size_t size = 0;
  bool sorted = false;

  std::span<Candidate> live() { return {data.data(), size}; }
};

// Index of the largest logit (lowest id on ties), ignoring NaN; -1 if every
// logit is NaN or -inf.
int32_t argmax(std::span<const float> logits);

// Fills `out` with the tokens that can be chosen: those with a finite logit,
// or, when some logits are +inf, only those (at logit 0). Returns false if none.
bool gather(std::span<const float> logits, Candidates& out);

// gather() and top_k() in one pass, for a small k: a heap of the k best seen
// so far, which most tokens fail to enter after one comparison. Same result as
// gather() then top_k(). k must be in [1, kMaxHeapTopK].
inline constexpr int32_t kMaxHeapTopK = 1024;
bool gather_top_k(std::span<const float> logits, int32_t k, Candidates& out);

// Keeps the k best (sorting them); k <= 0 is off.
void top_k(Candidates& c, int32_t k);
// Keeps the shortest best-first prefix whose probability reaches p (at least
// one token); p >= 1 is off. Sorts only as far as it needs to.
void top_p(Candidates& c, float p);
// Keeps tokens with probability >= m * (largest probability); m <= 0 is off.
void min_p(Candidates& c, float m);
// Draws from softmax(logit / temperature) over the candidates; `weights` is
// scratch with capacity for them. temperature must be > 0.
int32_t draw(const Candidates& c, float temperature, Rng& rng, std::vector<float>& weights);

}  // namespace yak::sampling
