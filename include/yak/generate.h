// Generating text for one sequence of a context: prefill the prompt, then
// sample one token at a time, streaming text as it becomes complete UTF-8.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "yak/engine.h"
#include "yak/logprobs.h"
#include "yak/sampler.h"

namespace yak {

class Grammar;  // yak/grammar.h

struct GenerateOptions {
  SamplingParams sampling;
  int32_t max_new_tokens = 128;           // -1: until end of generation or the context is full
  bool stop_at_end_of_generation = true;  // stop at EOS/EOT tokens (they are not printed)
  // Generation ends where the text first contains one of these; the text returned and
  // streamed ends just before it, and text that may begin one is held back until it cannot
  // (yak/stop_strings.h). Each must be non-empty, valid UTF-8.
  std::vector<std::string> stop;
  // -1: none; n >= 0: each generated token's log-probability and the n most likely tokens
  // at its position, under the model's own distribution (yak/logprobs.h).
  int32_t top_logprobs = -1;
  // Constrained decoding (yak/grammar.h); null: none. Only tokens that keep the output
  // inside the grammar are sampled (the mask comes before every other sampling step), and
  // generation ends when the grammar is complete and the model ends it, or when nothing more
  // can follow (StopReason::kEndOfGeneration).
  std::shared_ptr<const Grammar> grammar;
  // With triggers the constraint is lazy: the output is free until it contains one of these
  // strings, and from the first byte of that string on it must match the grammar (tool
  // calls under tool_choice "auto": the model may answer in prose or start a call).
  std::vector<std::string> grammar_triggers;
};

enum class StopReason { kMaxTokens, kEndOfGeneration, kStopString, kContextFull, kCallback };
const char* stop_reason_name(StopReason reason);

struct GenerateResult {
  std::vector<int32_t> tokens;     // generated tokens (an end-of-generation token included)
  std::string text;                // their text, as streamed (up to a stop string)
  std::vector<Logprobs> logprobs;  // one per token when GenerateOptions::top_logprobs >= 0
  StopReason stop_reason = StopReason::kMaxTokens;
  int32_t prompt_tokens = 0;
  double prefill_seconds = 0;  // running the prompt, up to the first logits
  int32_t decoded_tokens = 0;  // tokens run one at a time after the prompt
  double decode_seconds = 0;
  uint64_t seed = 0;  // the sampler's seed, for reproducing a run
};

// Appends `prompt` to sequence `seq_id` of `ctx` (which may already hold
// earlier turns) and generates. `on_text` receives each complete piece of
// text; returning false stops generation.
//
// Afterwards the sequence holds the prompt and every generated token but the last, whatever
// the stop reason: the last sampled token has not been run through the model (its logits
// were never needed). A caller continuing the sequence runs that token first, or re-derives
// the cached length from ctx.sequence_length(). On an exception the sequence may hold part of
// the prompt; truncate it back to what it held before.
GenerateResult generate(Context& ctx, int32_t seq_id, std::span<const int32_t> prompt,
                        const GenerateOptions& options,
                        const std::function<bool(std::string_view)>& on_text = {});

}  // namespace yak
