#include "yak/generate.h"

#include <chrono>

#include "core/error.h"
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

  auto emit = [&](std::string_view text) {
    if (text.empty()) return true;
    result.text += text;
    return !on_text || on_text(text);
  };

  start = std::chrono::steady_clock::now();
  const int32_t limit = options.max_new_tokens;
  auto reached_limit = [&] {
    return limit >= 0 && static_cast<int32_t>(result.tokens.size()) >= limit;
  };
  result.stop_reason = StopReason::kMaxTokens;
  while (!reached_limit()) {
    const int32_t token = sampler.sample(ctx.logits(0));
    sampler.accept(token);
    result.tokens.push_back(token);
    if (options.stop_at_end_of_generation && tokenizer.is_end_of_generation(token)) {
      result.stop_reason = StopReason::kEndOfGeneration;
      break;
    }
    if (!emit(stream.push(token))) {
      result.stop_reason = StopReason::kCallback;
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
  emit(stream.flush());
  result.decode_seconds = seconds_since(start);
  return result;
}

}  // namespace yak
