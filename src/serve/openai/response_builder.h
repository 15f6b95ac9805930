// One request's output, whole or streamed, chat or completions, behind one interface: the
// route feeds it the scheduler's updates and sends what it returns.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "serve/openai/chat_request.h"
#include "serve/openai/completion_request.h"
#include "serve/openai/completion_response.h"
#include "serve/openai/json_body.h"
#include "serve/openai/response_common.h"
#include "yak/scheduler.h"

namespace yak {
class Tokenizer;
}

namespace yak::serve {

class ResponseBuilder {
 public:
  virtual ~ResponseBuilder() = default;
  // An update of prompt `prompt` (0 for chat). Streamed: the chunks to send now. Whole:
  // nothing (it accumulates).
  virtual std::vector<Json> add(size_t prompt, const RequestUpdate& update) = 0;
  // Streamed: the last chunks (finishes of choices cut short, usage), before [DONE]. Whole:
  // the one response object. Choices that never finished end as "length".
  virtual std::vector<Json> finish() = 0;
  virtual UsageCounts usage() const = 0;
  virtual bool streamed() const = 0;
};

// The tokenizer must outlive the builder.
std::unique_ptr<ResponseBuilder> make_chat_builder(const Tokenizer& tokenizer, ResponseMeta meta,
                                                   const ChatRequest& request,
                                                   int32_t prompt_tokens);
std::unique_ptr<ResponseBuilder> make_completions_builder(const Tokenizer& tokenizer,
                                                          ResponseMeta meta,
                                                          const CompletionsRequest& request,
                                                          std::vector<CompletionPrompt> prompts);

}  // namespace yak::serve
