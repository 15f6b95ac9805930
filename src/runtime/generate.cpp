#include "yak/generate.h"

#include <chrono>
#include <optional>

#include "core/error.h"
#include "runtime/constrained_output.h"
#include "yak/grammar.h"
#include "yak/stop_strings.h"
#include "yak/tokenizer.h"

namespace yak {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

const char* stop_reason_name(StopReason reason) {
  switch (reason) {
    case StopReason::kMaxTokens:
      return "length";
    case StopReason::kEndOfGeneration:
      return "stop";
    case StopReason::kStopString:
      return "stop_string";
    case StopReason::kContextFull:
      return "context_full";
    case StopReason::kCallback:
      return "cancelled";
  }
  return "?";
}

GenerateResult generate(Context& ctx, int32_t seq_id, std::span<const int32_t> prompt,
                        const GenerateOptions& options,
                        const std::function<bool(std::string_view)>& on_text) {
  if (prompt.empty()) fail("generate: the prompt has no tokens");
  const Tokenizer& tokenizer = ctx.model().tokenizer();
  Sampler sampler(options.sampling, ctx.model().info().n_vocab);
  for (int32_t t : prompt) sampler.accept(t);
  StreamDecoder stream(tokenizer);
  StopStrings stops(options.stop);  // before anything runs: a bad stop string changes nothing
  if (!options.grammar_triggers.empty() && !options.grammar)
    fail("generate: grammar triggers were given without a grammar");
  std::optional<runtime::ConstrainedOutput> constraint;
  if (options.grammar)
    constraint.emplace(std::make_shared<const TokenGrammar>(
                           *options.grammar, std::make_shared<const GrammarVocabulary>(tokenizer)),
                       options.grammar_triggers, tokenizer);

  GenerateResult result;
  result.prompt_tokens = static_cast<int32_t>(prompt.size());
  result.seed = sampler.seed();

  Batch batch;
  int32_t pos = ctx.sequence_length(seq_id);
  for (size_t i = 0; i < prompt.size(); ++i)
    batch.add(prompt[i], pos++, seq_id, i + 1 == prompt.size());
  auto start = std::chrono::steady_clock::now();
  ctx.decode(batch);
  result.prefill_seconds = seconds_since(start);

  // Streams what the stop strings let through; says why generation must end, if it must.
  auto forward = [&](std::string_view text) -> std::optional<StopReason> {
    if (text.empty()) return std::nullopt;
    result.text += text;
    if (on_text && !on_text(text)) return StopReason::kCallback;
    return std::nullopt;
  };
  auto emit = [&](std::string_view text) -> std::optional<StopReason> {
    if (text.empty()) return std::nullopt;
    StopStrings::Result passed = stops.push(text);
    const std::optional<StopReason> cancelled = forward(passed.text);
    if (passed.stopped) return StopReason::kStopString;
    return cancelled;
  };

  start = std::chrono::steady_clock::now();
  const int32_t limit = options.max_new_tokens;
  auto reached_limit = [&] {
    return limit >= 0 && static_cast<int32_t>(result.tokens.size()) >= limit;
  };
  result.stop_reason = StopReason::kMaxTokens;
  while (!reached_limit()) {
    const bool constrained = constraint && constraint->active();
    const int32_t token =
        sampler.sample(constraint ? constraint->choosable(ctx.logits(0)) : ctx.logits(0));
    sampler.accept(token);
    if (constraint) constraint->accept(token);
    result.tokens.push_back(token);
    if (options.top_logprobs >= 0)
      result.logprobs.push_back(token_logprobs(ctx.logits(0), token, options.top_logprobs));
    // Under a grammar an end token comes only where the output is complete, and ends it.
    if ((options.stop_at_end_of_generation || constrained) &&
        tokenizer.is_end_of_generation(token)) {
      result.stop_reason = StopReason::kEndOfGeneration;
      break;
    }
    if (const std::optional<StopReason> reason = emit(stream.push(token))) {
      result.stop_reason = *reason;
      break;
    }
    if (constraint && constraint->must_end()) {
      result.stop_reason = StopReason::kEndOfGeneration;
      break;
    }
    if (reached_limit()) break;  // the last token needs no forward pass
    if (!ctx.has_room(seq_id, 1)) {
      result.stop_reason = StopReason::kContextFull;
      break;
    }
    batch.clear();
    batch.add(token, pos, seq_id, true);
    ctx.decode(batch);
    ++pos;
    ++result.decoded_tokens;
  }
  if (result.stop_reason != StopReason::kStopString &&
      result.stop_reason != StopReason::kCallback) {
    // A character cut short at the end, then what was held back for a stop string that
    // never came.
    if (const std::optional<StopReason> reason = emit(stream.flush())) result.stop_reason = *reason;
    if (result.stop_reason != StopReason::kStopString) forward(stops.flush());
  }
  result.decode_seconds = seconds_since(start);
  return result;
}

}  // namespace yak
