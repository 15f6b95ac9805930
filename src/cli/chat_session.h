// One conversation of `yak chat`: the messages so far, and which of their tokens sequence 0 of
// the context already holds.
//
// Each turn re-renders the whole conversation with the template, tokenizes it, and runs only
// the tokens after the longest prefix the KV cache already holds. That stays correct for
// templates that rewrite earlier turns, and costs nothing extra for the usual ones that only
// append. A turn is a transaction: one that fails (too long for the context, a template
// error, an empty prompt, an engine error) leaves the messages exactly as they were, and the
// record of cached tokens always equals what the cache holds.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "yak/chat_template.h"
#include "yak/engine.h"
#include "yak/generate.h"
#include "yak/sampler.h"
#include "yak/threads.h"

namespace yak::cli {

struct ChatOptions {
  std::string system;                // system prompt ("" for none)
  std::string template_source;       // the Jinja chat template
  int32_t n_predict = -1;            // most tokens per reply; -1: until the end of generation
  std::vector<std::string> stop;     // a reply ends before the first of these (not included)
  std::shared_ptr<Threads> threads;  // the workers, shared with the model's load
  int32_t context_size = 4096;
  SamplingParams sampling;  // its seed must be resolved (not kRandomSeed)
};

class ChatSession {
 public:
  // Throws ChatTemplateError for a template that does not parse.
  ChatSession(std::shared_ptr<const Model> model, ChatOptions options);

  // Starts over with `system` as the system prompt.
  void reset(const std::string& system);
  // Replaces (or removes, when empty) the system prompt, keeping the turns.
  void set_system(const std::string& system);

  // Runs one user turn, streaming the reply through `on_text`. Throws yak::Error (or
  // ChatTemplateError) with the conversation unchanged.
  GenerateResult reply(const std::string& user_text,
                       const std::function<bool(std::string_view)>& on_text);

  const nlohmann::ordered_json& messages() const { return messages_; }

 private:
  // The prompt for `messages` with the generation prompt appended, as token ids in which only
  // the template's own text may produce control tokens.
  std::vector<int32_t> prompt_tokens(const nlohmann::ordered_json& messages) const;
  // Drops cached tokens past `length`, in the record and in the KV cache alike.
  void keep_cached(size_t length);

  std::shared_ptr<const Model> model_;
  ChatOptions options_;
  Context ctx_;
  SequenceId seq_;  // the conversation's sequence in ctx_
  ChatTemplate template_;
  std::string bos_text_;
  std::string eos_text_;
  nlohmann::ordered_json messages_;
  std::vector<int32_t> cached_;  // the tokens seq_ holds, in order
  uint64_t turns_ = 0;           // replies generated, to vary the seed from turn to turn
};

}  // namespace yak::cli
