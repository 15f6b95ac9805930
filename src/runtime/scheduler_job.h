// A request inside the scheduler: its choices, what each has computed, and how the logits
// of a forward pass turn into its next tokens and text. Owned by the engine thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "runtime/constrained_output.h"
#include "yak/scheduler.h"
#include "yak/stop_strings.h"
#include "yak/tokenizer.h"

namespace yak::runtime {

// One choice of a request: the tokens its sequence must hold, and the state that samples
// its continuation. `tokens` is the prompt and every token sampled so far; the sequence
// holds the first `computed` of them. While decoding only the last sampled token is not
// computed yet; after a preemption none is, and they are all run again (a prefill).
struct Choice {
  Choice(int32_t index, const CompletionRequest& request, const Tokenizer& tokenizer,
         int32_t n_vocab, const std::shared_ptr<const TokenGrammar>& grammar);

  int32_t index;
  std::optional<SequenceId> seq;
  std::vector<int32_t> tokens;
  int32_t computed = 0;
  int32_t generated = 0;
  Sampler sampler;
  StreamDecoder stream;
  StopStrings stops;
  std::optional<ConstrainedOutput> constraint;  // under a grammar
  std::optional<StopReason> finished;
  ChoiceUpdate pending;  // what the current step added, sent at its end

  int32_t remaining() const { return static_cast<int32_t>(tokens.size()) - computed; }
  bool active() const { return !finished.has_value(); }
};

class Job final : public RequestHandle {
 public:
  // `grammar`: request.options.grammar bound to the model's vocabulary (null without one).
  Job(uint64_t id, CompletionRequest request, UpdateCallback on_update, const Model& model,
      int32_t context_size, std::shared_ptr<const TokenGrammar> grammar = nullptr);

  void cancel() override { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }
  bool past_deadline(std::chrono::steady_clock::time_point now) const {
    return now >= request_.deadline;
  }

  const CompletionRequest& request() const { return request_; }
  std::vector<Choice>& choices() { return choices_; }
  int32_t prompt_size() const { return static_cast<int32_t>(request_.prompt.size()); }
  // Sequences the request needs while it runs.
  int32_t width() const { return request_.n; }
  // Whether choice 0 alone runs the prompt and the others fork from it afterwards.
  bool forks_pending() const { return !forked_; }
  void mark_forked() { forked_ = true; }
  bool wants_prompt_logprobs() const { return request_.prompt_logprobs >= 0; }

  // The logits after choice c's last token: samples its next token (or ends it), and
  // records what the step produced for the update.
  void advance(Choice& c, std::span<const float> logits, int32_t context_size);
  // Log-probabilities of prompt token `pos` (>= 1) from the logits at pos - 1.
  void add_prompt_logprob(int32_t pos, std::span<const float> logits);
  // Ends every active choice.
  void finish_all(StopReason reason);
  bool done() const;

  // Sends what this step produced, if anything (one callback at most).
  void flush_update(std::string error = {});

  // Scheduler bookkeeping.
  std::chrono::steady_clock::time_point admitted_at{};
  uint64_t admission = 0;  // order of (the latest) admission: larger is more recent
  int32_t cached_tokens = 0;
  int32_t preemptions = 0;
  bool admitted_once = false;

 private:
  void emit(Choice& c, std::string_view text);
  void finish(Choice& c, StopReason reason);

  CompletionRequest request_;
  UpdateCallback on_update_;
  const Tokenizer& tokenizer_;
  std::vector<Choice> choices_;
  std::vector<std::optional<Logprobs>> prompt_logprobs_;
  bool prompt_logprobs_sent_ = false;
  bool first_sent_ = false;
  bool forked_ = false;
  bool changed_ = false;
  int32_t max_new_tokens_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace yak::runtime
