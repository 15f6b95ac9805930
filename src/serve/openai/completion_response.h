// Completions responses (text_completion), from the scheduler's updates of each prompt.
//
// Whole: {id, object: "text_completion", created, model, system_fingerprint, choices: [{text,
// index, logprobs: {tokens, token_logprobs, top_logprobs, text_offset} | null, finish_reason}],
// usage}. Choice index = prompt * n + choice, OpenAI's order.
// Streamed: chunks of the same object, each choice's text in pieces (the echoed prompt first),
// its finish_reason on its last piece; with include_usage "usage": null on each and a last
// chunk with "choices": [] and the usage.
// With echo the prompt's text leads the text, and with logprobs its tokens lead the
// log-probabilities, the first with null (what lm-evaluation-harness reads to score a choice).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "serve/openai/json_body.h"
#include "serve/openai/logprobs_json.h"
#include "serve/openai/response_common.h"
#include "yak/scheduler.h"

namespace yak {
class Tokenizer;
}

namespace yak::serve {

struct CompletionPrompt {
  std::vector<int32_t> tokens;
  std::string text;  // the prompt as the client gave it (decoded, for token ids): what echo shows
};

struct CompletionsShape {
  int32_t n = 1;
  bool echo = false;
  int32_t logprobs = -1;  // -1: none
};

// What whole and streamed responses both track: each choice's progress and the usage.
class CompletionsProgress {
 public:
  CompletionsProgress(const Tokenizer& tokenizer, ResponseMeta meta,
                      std::vector<CompletionPrompt> prompts, CompletionsShape shape);
  UsageCounts usage() const;

 protected:
  struct Choice {
    std::string text;  // since the last take (streamed) or in all (whole)
    CompletionLogprobs logprobs;
    bool has_logprobs = false;  // anything added since the last take
    std::optional<StopReason> finished;
    bool done_sending = false;
  };
  // Applies an update of prompt `p`; returns the global indices of the choices it touched, in
  // order (each prompt's choices are all touched by its first update, for the echo).
  std::vector<size_t> apply(size_t p, const RequestUpdate& update);

  const Tokenizer& tokenizer_;
  ResponseMeta meta_;
  std::vector<CompletionPrompt> prompts_;
  CompletionsShape shape_;
  std::vector<Choice> choices_;

 private:
  void start_prompt(size_t p, const RequestUpdate& update);
  std::vector<bool> prompt_started_;
  std::vector<UsageCounts> usage_;
};

class CompletionsResponse : public CompletionsProgress {
 public:
  using CompletionsProgress::CompletionsProgress;
  void add(size_t prompt, const RequestUpdate& update) { apply(prompt, update); }
  // Choices without a finish reason end as "length" (the server cut the request short).
  Json to_json();
};

class CompletionsStream : public CompletionsProgress {
 public:
  CompletionsStream(const Tokenizer& tokenizer, ResponseMeta meta,
                    std::vector<CompletionPrompt> prompts, CompletionsShape shape,
                    bool include_usage);
  std::vector<Json> add(size_t prompt, const RequestUpdate& update);
  // A last piece ("length") for each choice that has not finished, then the usage chunk.
  std::vector<Json> end();

 private:
  Json chunk_for(size_t index);
  bool include_usage_;
};

}  // namespace yak::serve
