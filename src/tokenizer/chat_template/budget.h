// What one render may spend: steps of work and bytes of live values. Values, strings and the
// builtins that make them are free functions with no interpreter at hand, so the render
// installs its budget for the current thread and they charge it from there.
#pragma once

#include <cstdint>

#include "yak/chat_template.h"

namespace yak::chat_template {

class RenderBudget {
 public:
  // Installs this budget as the thread's current one until it is destroyed.
  explicit RenderBudget(const RenderLimits& limits);
  ~RenderBudget();
  RenderBudget(const RenderBudget&) = delete;
  RenderBudget& operator=(const RenderBudget&) = delete;

  // The budget of the render running on this thread, or null outside a render.
  static RenderBudget* current();

  // While alive, values made on this thread belong to no render (shared constants).
  class Suspend {
   public:
    Suspend();
    ~Suspend();
    Suspend(const Suspend&) = delete;
    Suspend& operator=(const Suspend&) = delete;

   private:
    RenderBudget* saved_;
  };

  void charge(uint64_t steps);
  // Bytes that builtins read or write: 1 step per 256, at least 1 per call so that work on
  // empty values still counts.
  void charge_bytes(uint64_t bytes) { charge(bytes / 256 + 1); }
  // Bytes decoded or mapped one code point at a time (strip, case mapping, repr, ...),
  // several times slower than copying or searching them: 1 step per 32.
  void charge_text(uint64_t bytes) { charge(bytes / 32 + 1); }
  void check_value_bytes(uint64_t bytes) const;
  // Live heap of the values this render made (see Tracked in value.h).
  void add_live(uint64_t bytes);
  void release_live(uint64_t bytes) { live_ -= bytes < live_ ? bytes : live_; }
  uint64_t live_bytes() const { return live_; }
  uint64_t peak_live_bytes() const { return peak_; }
  // Tells this render's values from those of an earlier one on the same thread.
  uint32_t epoch() const { return epoch_; }
  const RenderLimits& limits() const { return limits_; }

 private:
  RenderLimits limits_;
  uint64_t steps_ = 0;
  uint64_t live_ = 0;
  uint64_t peak_ = 0;
  uint32_t epoch_;
  RenderBudget* previous_;
};

// Free-function forms that do nothing outside a render (parsing builds literals too).
void charge_steps(uint64_t steps);
void charge_bytes(uint64_t bytes);
void charge_text(uint64_t bytes);
void check_value_bytes(uint64_t bytes);

}  // namespace yak::chat_template
