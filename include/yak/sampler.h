// Turning logits into the next token. Parameters and defaults follow llama.cpp,
// so that flags mean what llama.cpp users expect.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

namespace yak {

// Seed value that asks for a fresh random seed (llama.cpp's LLAMA_DEFAULT_SEED).
inline constexpr uint64_t kRandomSeed = 0xFFFFFFFFu;

// `seed` itself, or a fresh random seed for kRandomSeed (what a Sampler does on reseeding).
uint64_t resolve_seed(uint64_t seed);

// The chain runs in llama.cpp's default order: logit bias, penalties, top_k, top_p, min_p,
// temperature, then a draw from the softmax of the surviving tokens.
struct SamplingParams {
  // Added to the logits of these tokens before anything else (OpenAI's logit_bias): +100
  // all but forces a token, -100 or -inf bans it. Ids must be in the vocabulary, values
  // finite or -inf; a token listed twice gets both.
  std::vector<std::pair<int32_t, float>> logit_bias;
  float temperature = 0.8f;        // <= 0: greedy (argmax of the penalised logits, lowest id on
                                   // ties); top_k, top_p and min_p are then ignored
  int32_t top_k = 40;              // <= 0: off
  float top_p = 0.95f;             // >= 1: off
  float min_p = 0.05f;             // <= 0: off
  float repeat_penalty = 1.0f;     // 1: off; divides positive logits of recent tokens,
                                   // multiplies the others; must be > 0
  int32_t repeat_last_n = 64;      // window of recent tokens the penalties look at; -1: all, 0: off
  float frequency_penalty = 0.0f;  // subtracts count * value
  float presence_penalty = 0.0f;   // subtracts value once for any token present
  uint64_t seed = kRandomSeed;     // kRandomSeed: a random seed
};

// A stateful sampler for one sequence: it remembers the tokens it has seen
// (for the penalties) and owns its random number generator (same seed, same
// params, same logits: same tokens).
// Tokens whose logit is -inf or NaN are never chosen; if some logits are +inf,
// the choice is among those tokens only. Bad params or input throw yak::Error.
class Sampler {
 public:
  Sampler(const SamplingParams& params, int32_t n_vocab);
  ~Sampler();
  Sampler(Sampler&&) noexcept;
  Sampler& operator=(Sampler&&) noexcept;

  // Picks a token from logits[n_vocab]. Does not record it: call accept().
  int32_t sample(std::span<const float> logits);
  // Records a token of the sequence (prompt tokens too) for the penalties.
  void accept(int32_t token);
  // Forgets recorded tokens and reseeds: with a fixed seed the same sequence
  // follows again; with kRandomSeed a new random seed is drawn.
  void reset();

  const SamplingParams& params() const;
  uint64_t seed() const;  // the seed actually in use

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace yak
