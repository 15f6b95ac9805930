// Runs the windows of a text through a model and hands over the logits of every scored
// position, the one loop that perplexity, the base log-probabilities and the KL divergence
// share.
#pragma once

#include <functional>
#include <memory>
#include <span>

#include "yak/engine.h"
#include "yak/eval.h"

namespace yak::eval {

// For each scored position: the window, the position j in it (the logits predict token
// j + 1), and the logits. Positions of a window come in order; windows in order too.
using ScoredPositionFn =
    std::function<void(int32_t window, int32_t j, std::span<const float> logits)>;
// After all positions of a window were handed over.
using WindowDoneFn = std::function<void(const Progress&)>;

// Returns the seconds spent (decoding and scoring). Throws yak::Error for a bad batch size
// or tokens outside the model's vocabulary.
double run_windows(std::shared_ptr<const Model> model, const Windows& windows,
                   const RunOptions& options, const ScoredPositionFn& on_position,
                   const WindowDoneFn& on_window);

}  // namespace yak::eval
