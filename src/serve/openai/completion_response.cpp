#include "serve/openai/completion_response.h"

#include <algorithm>

#include "yak/tokenizer.h"

namespace yak::serve {

CompletionsProgress::CompletionsProgress(const Tokenizer& tokenizer, ResponseMeta meta,
                                         std::vector<CompletionPrompt> prompts,
                                         CompletionsShape shape)
    : tokenizer_(tokenizer),
      meta_(std::move(meta)),
      prompts_(std::move(prompts)),
      shape_(shape),
      choices_(prompts_.size() * shape.n),
      prompt_started_(prompts_.size(), false),
      usage_(prompts_.size()) {
  // What a prompt that never ran (cut short while it waited) still counts.
  for (size_t p = 0; p < prompts_.size(); ++p)
    usage_[p].prompt_tokens = static_cast<int64_t>(prompts_[p].tokens.size());
}

UsageCounts CompletionsProgress::usage() const {
  UsageCounts total;
  for (const UsageCounts& u : usage_) {
    total.prompt_tokens += u.prompt_tokens;
    total.completion_tokens += u.completion_tokens;
    total.cached_tokens += u.cached_tokens;
  }
  return total;
}

void CompletionsProgress::start_prompt(size_t p, const RequestUpdate& update) {
  prompt_started_[p] = true;
  if (!shape_.echo) return;
  const CompletionPrompt& prompt = prompts_[p];
  for (int32_t j = 0; j < shape_.n; ++j) {
    Choice& choice = choices_[p * shape_.n + j];
    choice.text += prompt.text;
    if (shape_.logprobs < 0) continue;
    for (size_t t = 0; t < prompt.tokens.size(); ++t) {
      // The first token has no context, hence no log-probability; so has any the scheduler
      // did not report.
      const Logprobs* lp =
          t > 0 && t < update.prompt_logprobs.size() && update.prompt_logprobs[t].has_value()
              ? &*update.prompt_logprobs[t]
              : nullptr;
      choice.logprobs.add(tokenizer_, prompt.tokens[t], lp);
    }
    // Offsets of generated tokens count from the end of the text as shown.
    choice.logprobs.set_offset(utf8_length(prompt.text));
    choice.has_logprobs = true;
  }
}

std::vector<size_t> CompletionsProgress::apply(size_t p, const RequestUpdate& update) {
  usage_[p] = {update.prompt_tokens, update.completion_tokens, update.cached_tokens};
  std::vector<size_t> touched;
  if (!prompt_started_[p]) {
    start_prompt(p, update);
    for (int32_t j = 0; j < shape_.n; ++j) touched.push_back(p * shape_.n + j);
  }
  for (const ChoiceUpdate& c : update.choices) {
    if (c.index < 0 || c.index >= shape_.n) continue;
    const size_t index = p * shape_.n + c.index;
    Choice& choice = choices_[index];
    if (choice.finished) continue;
    choice.text += c.text;
    if (shape_.logprobs >= 0) {
      for (size_t t = 0; t < c.tokens.size(); ++t)
        choice.logprobs.add(tokenizer_, c.tokens[t],
                            t < c.logprobs.size() ? &c.logprobs[t] : nullptr);
      choice.has_logprobs |= !c.tokens.empty();
    }
    if (c.finished) choice.finished = c.finished;
    if (std::find(touched.begin(), touched.end(), index) == touched.end()) touched.push_back(index);
  }
  return touched;
}

Json CompletionsResponse::to_json() {
  Json response = response_head(meta_, "text_completion");
  Json choices = Json::array();
  for (size_t i = 0; i < choices_.size(); ++i) {
    Choice& c = choices_[i];
    Json choice = Json::object();
    choice["text"] = c.text;
    choice["index"] = i;
    choice["logprobs"] = shape_.logprobs >= 0 ? c.logprobs.take() : Json(nullptr);
    choice["finish_reason"] = finish_reason(c.finished.value_or(StopReason::kCallback));
    choices.push_back(std::move(choice));
  }
  response["choices"] = std::move(choices);
  response["usage"] = usage_json(usage());
  return response;
}

CompletionsStream::CompletionsStream(const Tokenizer& tokenizer, ResponseMeta meta,
                                     std::vector<CompletionPrompt> prompts, CompletionsShape shape,
                                     bool include_usage)
    : CompletionsProgress(tokenizer, std::move(meta), std::move(prompts), shape),
      include_usage_(include_usage) {}

// The piece of choice `index` since its last chunk, and its finish when it has one.
Json CompletionsStream::chunk_for(size_t index) {
  Choice& c = choices_[index];
  Json choice = Json::object();
  choice["text"] = std::exchange(c.text, std::string());
  choice["index"] = index;
  choice["logprobs"] = c.has_logprobs ? c.logprobs.take() : Json(nullptr);
  c.has_logprobs = false;
  choice["finish_reason"] = c.finished ? Json(finish_reason(*c.finished)) : Json(nullptr);
  if (c.finished) c.done_sending = true;
  Json chunk = response_head(meta_, "text_completion");
  chunk["choices"] = Json::array({std::move(choice)});
  if (include_usage_) chunk["usage"] = nullptr;
  return chunk;
}

std::vector<Json> CompletionsStream::add(size_t prompt, const RequestUpdate& update) {
  std::vector<Json> chunks;
  for (const size_t index : apply(prompt, update)) {
    const Choice& c = choices_[index];
    if (c.done_sending) continue;
    if (c.text.empty() && !c.has_logprobs && !c.finished) continue;
    chunks.push_back(chunk_for(index));
  }
  return chunks;
}

std::vector<Json> CompletionsStream::end() {
  std::vector<Json> chunks;
  for (size_t i = 0; i < choices_.size(); ++i) {
    Choice& c = choices_[i];
    if (c.done_sending) continue;
    if (!c.finished) c.finished = StopReason::kCallback;  // cut short by the server
    chunks.push_back(chunk_for(i));
  }
  if (include_usage_) {
    Json last = response_head(meta_, "text_completion");
    last["choices"] = Json::array();
    last["usage"] = usage_json(usage());
    chunks.push_back(std::move(last));
  }
  return chunks;
}

}  // namespace yak::serve
