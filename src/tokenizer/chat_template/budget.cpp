#include "tokenizer/chat_template/budget.h"

#include <atomic>

#include "tokenizer/chat_template/errors.h"

namespace yak::chat_template {

namespace {

thread_local RenderBudget* g_current = nullptr;
// Shared by all threads, so that no two live renders have the same epoch.
std::atomic<uint32_t> g_next_epoch{1};

}  // namespace

RenderBudget::RenderBudget(const RenderLimits& limits)
    : limits_(limits), epoch_(g_next_epoch.fetch_add(1)), previous_(g_current) {
  if (epoch_ == 0) epoch_ = g_next_epoch.fetch_add(1);  // 0 marks values made outside renders
  g_current = this;
}

RenderBudget::~RenderBudget() { g_current = previous_; }

RenderBudget::Suspend::Suspend() : saved_(g_current) { g_current = nullptr; }

RenderBudget::Suspend::~Suspend() { g_current = saved_; }

RenderBudget* RenderBudget::current() { return g_current; }

void RenderBudget::charge(uint64_t steps) {
  steps_ += steps;
  if (steps_ > limits_.max_steps || steps_ < steps)
    limit_error("render exceeded {} steps", limits_.max_steps);
}

void RenderBudget::check_value_bytes(uint64_t bytes) const {
  if (bytes > limits_.max_value_bytes)
    limit_error("value of {} bytes exceeds the limit of {} bytes", bytes, limits_.max_value_bytes);
}

void RenderBudget::add_live(uint64_t bytes) {
  live_ += bytes;
  if (live_ > peak_) peak_ = live_;
  if (live_ > limits_.max_live_bytes)
    limit_error("render holds more than {} bytes of values at once", limits_.max_live_bytes);
}

void charge_steps(uint64_t steps) {
  if (g_current) g_current->charge(steps);
}

void charge_bytes(uint64_t bytes) {
  if (g_current) g_current->charge_bytes(bytes);
}

void charge_text(uint64_t bytes) {
  if (g_current) g_current->charge_text(bytes);
}

void check_value_bytes(uint64_t bytes) {
  if (g_current) g_current->check_value_bytes(bytes);
}

}  // namespace yak::chat_template
