#include "runtime/scheduler_job.h"

#include <utility>

#include "core/error.h"

namespace yak::runtime {
namespace {

SamplingParams choice_sampling(const CompletionRequest& request, int32_t index) {
  SamplingParams p = request.options.sampling;
  p.seed += static_cast<uint64_t>(index);
  return p;
}

}  // namespace

Choice::Choice(int32_t i, const CompletionRequest& request, const Tokenizer& tokenizer,
               int32_t n_vocab, const std::shared_ptr<const TokenGrammar>& grammar)
    : index(i),
      tokens(request.prompt),
      sampler(choice_sampling(request, i), n_vocab),
      stream(tokenizer),
      stops(request.options.stop) {
  if (grammar) constraint.emplace(grammar, request.options.grammar_triggers, tokenizer);
  for (int32_t t : request.prompt) sampler.accept(t);
  pending.index = i;
}

Job::Job(uint64_t id, CompletionRequest request, UpdateCallback on_update, const Model& model,
         int32_t context_size, std::shared_ptr<const TokenGrammar> grammar)
    : RequestHandle(id),
      request_(std::move(request)),
      on_update_(std::move(on_update)),
      tokenizer_(model.tokenizer()) {
  // One seed for the request, resolved now, so that choice i draws with seed + i whether
  // the client gave a seed or not.
  request_.options.sampling.seed = resolve_seed(request_.options.sampling.seed);
  const int32_t n_vocab = model.info().n_vocab;
  choices_.reserve(static_cast<size_t>(request_.n));
  for (int32_t i = 0; i < request_.n; ++i)
    choices_.emplace_back(i, request_, tokenizer_, n_vocab, grammar);
  max_new_tokens_ = request_.options.max_new_tokens >= 0 ? request_.options.max_new_tokens
                                                         : context_size - prompt_size();
  forked_ = request_.n == 1;
  if (wants_prompt_logprobs()) prompt_logprobs_.resize(request_.prompt.size());
}

void Job::emit(Choice& c, std::string_view text) {
  if (text.empty() || c.finished) return;
  StopStrings::Result passed = c.stops.push(text);
  c.pending.text += passed.text;
  changed_ = true;
  if (passed.stopped) {
    c.finished = StopReason::kStopString;
    c.pending.finished = StopReason::kStopString;
  }
}

void Job::finish(Choice& c, StopReason reason) {
  if (c.finished) return;
  if (reason != StopReason::kCallback) {
    // A character cut short at the end, then what was held back for a stop string that
    // never came.
    emit(c, c.stream.flush());
    if (c.finished) return;  // the flushed text completed a stop string
    c.pending.text += c.stops.flush();
  }
  c.finished = reason;
  c.pending.finished = reason;
  changed_ = true;
}

void Job::advance(Choice& c, std::span<const float> logits, int32_t context_size) {
  if (c.finished) return;
  if (c.generated >= max_new_tokens_) {
    finish(c, StopReason::kMaxTokens);
    return;
  }
  const bool constrained = c.constraint && c.constraint->active();
  const int32_t token = c.sampler.sample(c.constraint ? c.constraint->choosable(logits) : logits);
  c.sampler.accept(token);
  if (c.constraint) c.constraint->accept(token);
  c.tokens.push_back(token);
  ++c.generated;
  c.pending.tokens.push_back(token);
  // Under the model's own distribution, the mask not applied (docs/structured-output.md).
  if (request_.options.top_logprobs >= 0)
    c.pending.logprobs.push_back(token_logprobs(logits, token, request_.options.top_logprobs));
  changed_ = true;
  // A grammar allows an end token only where its output is complete: that ends it even
  // when the request ignores end tokens.
  if ((request_.options.stop_at_end_of_generation || constrained) &&
      tokenizer_.is_end_of_generation(token)) {
    finish(c, StopReason::kEndOfGeneration);
    return;
  }
  emit(c, c.stream.push(token));
  if (c.finished) return;
  if (c.constraint && c.constraint->must_end()) {
    finish(c, StopReason::kEndOfGeneration);
  } else if (c.generated >= max_new_tokens_) {
    finish(c, StopReason::kMaxTokens);
  } else if (static_cast<int64_t>(c.tokens.size()) > context_size) {
    // Running the token just sampled would take the sequence past its context.
    finish(c, StopReason::kContextFull);
  }
}

void Job::add_prompt_logprob(int32_t pos, std::span<const float> logits) {
  YAK_CHECK(pos >= 1 && pos < prompt_size());
  prompt_logprobs_[static_cast<size_t>(pos)] =
      token_logprobs(logits, request_.prompt[static_cast<size_t>(pos)], request_.prompt_logprobs);
}

void Job::finish_all(StopReason reason) {
  for (Choice& c : choices_) finish(c, reason);
}

bool Job::done() const {
  for (const Choice& c : choices_)
    if (c.active()) return false;
  return true;
}

void Job::flush_update(std::string error) {
  if (!changed_ && error.empty()) return;
  RequestUpdate u;
  u.request_id = id();
  for (Choice& c : choices_) {
    ChoiceUpdate& p = c.pending;
    if (p.tokens.empty() && p.text.empty() && !p.finished) continue;
    u.choices.push_back(std::move(p));
    p = ChoiceUpdate{};
    p.index = c.index;
  }
  if (wants_prompt_logprobs() && !prompt_logprobs_sent_) {
    u.prompt_logprobs = std::move(prompt_logprobs_);
    prompt_logprobs_sent_ = true;
  }
  u.prompt_tokens = prompt_size();
  u.cached_tokens = cached_tokens;
  for (const Choice& c : choices_) u.completion_tokens += c.generated;
  u.first = !first_sent_;
  first_sent_ = true;
  u.error = std::move(error);
  u.done = done() || !u.error.empty();
  u.admitted_at = admitted_at;
  u.preemptions = preemptions;
  changed_ = false;
  if (on_update_) on_update_(u);
}

}  // namespace yak::runtime
