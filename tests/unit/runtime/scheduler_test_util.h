// Running requests through a yak::Scheduler in tests: collect each request's updates and
// wait for its end.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "yak/generate.h"
#include "yak/scheduler.h"

namespace yak::test {

struct Outcome {
  std::vector<std::vector<int32_t>> tokens;  // by choice
  std::vector<std::string> text;
  std::vector<std::optional<StopReason>> finished;
  std::vector<std::vector<Logprobs>> logprobs;
  std::vector<std::optional<Logprobs>> prompt_logprobs;
  int32_t prompt_tokens = 0;
  int32_t cached_tokens = 0;
  int32_t completion_tokens = 0;
  int32_t preemptions = 0;
  int32_t updates = 0;
  bool first_was_first = true;  // `first` set on the first update only
  std::string error;
};

class Collector {
 public:
  explicit Collector(int32_t n_choices = 1) : state_(std::make_shared<State>()) {
    Outcome& o = state_->outcome;
    o.tokens.resize(static_cast<size_t>(n_choices));
    o.text.resize(static_cast<size_t>(n_choices));
    o.finished.resize(static_cast<size_t>(n_choices));
    o.logprobs.resize(static_cast<size_t>(n_choices));
  }

  UpdateCallback callback() const {
    return [state = state_](const RequestUpdate& u) {
      const std::lock_guard<std::mutex> lock(state->mu);
      Outcome& o = state->outcome;
      if (u.first != (o.updates == 0)) o.first_was_first = false;
      ++o.updates;
      for (const ChoiceUpdate& c : u.choices) {
        const auto i = static_cast<size_t>(c.index);
        if (i >= o.tokens.size()) {
          o.error = "update for an unknown choice";
          continue;
        }
        o.tokens[i].insert(o.tokens[i].end(), c.tokens.begin(), c.tokens.end());
        o.text[i] += c.text;
        o.logprobs[i].insert(o.logprobs[i].end(), c.logprobs.begin(), c.logprobs.end());
        if (c.finished) o.finished[i] = c.finished;
      }
      if (!u.prompt_logprobs.empty()) o.prompt_logprobs = u.prompt_logprobs;
      o.prompt_tokens = u.prompt_tokens;
      o.cached_tokens = u.cached_tokens;
      o.completion_tokens = u.completion_tokens;
      o.preemptions = u.preemptions;
      if (!u.error.empty()) o.error = u.error;
      if (u.done) {
        state->done = true;
        state->cv.notify_all();
      }
    };
  }

  // The outcome once the request is done; fails the test after `timeout`.
  Outcome wait(std::chrono::seconds timeout = std::chrono::seconds(120)) const {
    std::unique_lock<std::mutex> lock(state_->mu);
    if (!state_->cv.wait_for(lock, timeout, [&] { return state_->done; }))
      ADD_FAILURE() << "the request did not finish within " << timeout.count() << " s";
    return state_->outcome;
  }

  bool done() const {
    const std::lock_guard<std::mutex> lock(state_->mu);
    return state_->done;
  }

 private:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    Outcome outcome;
  };
  std::shared_ptr<State> state_;
};

inline CompletionRequest greedy_request(std::vector<int32_t> prompt, int32_t max_new_tokens) {
  CompletionRequest r;
  r.prompt = std::move(prompt);
  r.options.sampling.temperature = 0.0f;
  r.options.max_new_tokens = max_new_tokens;
  r.options.stop_at_end_of_generation = false;
  return r;
}

}  // namespace yak::test
