#include "serve/openai/chat_response.h"

#include <algorithm>

#include "serve/openai/logprobs_json.h"
#include "yak/tokenizer.h"

namespace yak::serve {
namespace {

void record_usage(UsageCounts& usage, const RequestUpdate& update) {
  usage.prompt_tokens = update.prompt_tokens;
  usage.cached_tokens = update.cached_tokens;
  usage.completion_tokens = update.completion_tokens;
}

}  // namespace

ChatResponse::ChatResponse(const Tokenizer& tokenizer, ResponseMeta meta, int32_t n, bool logprobs,
                           int32_t prompt_tokens, std::optional<ToolOutputSpec> tools)
    : tokenizer_(tokenizer),
      meta_(std::move(meta)),
      logprobs_(logprobs),
      choices_(n),
      tools_(std::move(tools)),
      call_ids_(tools_ ? tools_->format : ToolCallFormat::kGeneric, std::random_device{}()) {
  usage_.prompt_tokens = prompt_tokens;
}

void ChatResponse::add(const RequestUpdate& update) {
  record_usage(usage_, update);
  for (const ChoiceUpdate& c : update.choices) {
    if (c.index < 0 || static_cast<size_t>(c.index) >= choices_.size()) continue;
    Choice& choice = choices_[c.index];
    choice.text += c.text;
    if (logprobs_)
      for (const Logprobs& lp : c.logprobs)
        choice.logprobs.push_back(chat_logprob_entry(tokenizer_, lp));
    if (c.finished) choice.finished = c.finished;
  }
}

Json ChatResponse::to_json() const {
  Json response = response_head(meta_, "chat.completion");
  Json choices = Json::array();
  for (size_t i = 0; i < choices_.size(); ++i) {
    const Choice& c = choices_[i];
    Json choice = Json::object();
    choice["index"] = i;
    bool called = false;
    choice["message"] = tools_ ? tool_message_json(*tools_, c.text, call_ids_, &called)
                               : Json{{"role", "assistant"}, {"content", c.text}};
    choice["logprobs"] = logprobs_ ? Json{{"content", c.logprobs}} : Json(nullptr);
    choice["finish_reason"] =
        chat_finish_reason(c.finished.value_or(StopReason::kCallback), called);
    choices.push_back(std::move(choice));
  }
  response["choices"] = std::move(choices);
  response["usage"] = usage_json(usage_);
  return response;
}

ChatStream::ChatStream(const Tokenizer& tokenizer, ResponseMeta meta, int32_t n, bool logprobs,
                       bool include_usage, int32_t prompt_tokens,
                       std::optional<ToolOutputSpec> tools)
    : tokenizer_(tokenizer),
      meta_(std::move(meta)),
      n_(n),
      logprobs_(logprobs),
      include_usage_(include_usage),
      finished_(n, false),
      tools_(std::move(tools)),
      call_ids_(tools_ ? tools_->format : ToolCallFormat::kGeneric, std::random_device{}()) {
  usage_.prompt_tokens = prompt_tokens;
  if (tools_)
    for (int32_t i = 0; i < n; ++i) tool_deltas_.emplace_back(*tools_, call_ids_);
}

std::vector<Json> ChatStream::text_deltas(int32_t index, const std::string& text, bool last) {
  if (!tools_)
    return text.empty() ? std::vector<Json>{} : std::vector<Json>{Json{{"content", text}}};
  std::vector<Json> deltas = tool_deltas_[index].push(text);
  if (last)
    for (Json& d : tool_deltas_[index].finish()) deltas.push_back(std::move(d));
  return deltas;
}

const char* ChatStream::finish_of(int32_t index, StopReason reason) const {
  return chat_finish_reason(reason, tools_ && tool_deltas_[index].called());
}

Json ChatStream::chunk(Json choices) const {
  Json chunk = response_head(meta_, "chat.completion.chunk");
  chunk["choices"] = std::move(choices);
  if (include_usage_) chunk["usage"] = nullptr;
  return chunk;
}

Json ChatStream::choice(int32_t index, Json delta, Json logprobs, const char* finish) const {
  Json choice = Json::object();
  choice["index"] = index;
  choice["delta"] = std::move(delta);
  choice["logprobs"] = std::move(logprobs);
  choice["finish_reason"] = finish == nullptr ? Json(nullptr) : Json(finish);
  return choice;
}

void ChatStream::start(std::vector<Json>& chunks) {
  if (started_) return;
  started_ = true;
  for (int32_t i = 0; i < n_; ++i)
    chunks.push_back(chunk(
        Json::array({choice(i, Json{{"role", "assistant"}, {"content", ""}}, nullptr, nullptr)})));
}

std::vector<Json> ChatStream::add(const RequestUpdate& update) {
  record_usage(usage_, update);
  std::vector<Json> chunks;
  start(chunks);
  for (const ChoiceUpdate& c : update.choices) {
    if (c.index < 0 || c.index >= n_ || finished_[c.index]) continue;
    Json logprobs = nullptr;
    if (logprobs_ && !c.logprobs.empty()) {
      Json content = Json::array();
      for (const Logprobs& lp : c.logprobs) content.push_back(chat_logprob_entry(tokenizer_, lp));
      logprobs = Json{{"content", std::move(content)}};
    }
    std::vector<Json> deltas = text_deltas(c.index, c.text, c.finished.has_value());
    // The tokens' logprobs go with the first delta of their step (or an empty one).
    if (deltas.empty() && !logprobs.is_null()) deltas.push_back(Json{{"content", ""}});
    for (Json& delta : deltas) {
      chunks.push_back(
          chunk(Json::array({choice(c.index, std::move(delta), std::move(logprobs), nullptr)})));
      logprobs = nullptr;
    }
    if (c.finished) {
      finished_[c.index] = true;
      chunks.push_back(chunk(Json::array(
          {choice(c.index, Json::object(), nullptr, finish_of(c.index, *c.finished))})));
    }
  }
  return chunks;
}

std::vector<Json> ChatStream::end() {
  std::vector<Json> chunks;
  // A request cut short while it waited still gets its role and a finish, so that every
  // choice ends the way clients expect.
  if (std::find(finished_.begin(), finished_.end(), false) != finished_.end()) start(chunks);
  for (int32_t i = 0; i < n_; ++i) {
    if (finished_[i]) continue;
    finished_[i] = true;
    for (Json& delta : text_deltas(i, "", /*last=*/true))
      chunks.push_back(chunk(Json::array({choice(i, std::move(delta), nullptr, nullptr)})));
    chunks.push_back(chunk(
        Json::array({choice(i, Json::object(), nullptr, finish_of(i, StopReason::kCallback))})));
  }
  if (include_usage_) {
    Json last = response_head(meta_, "chat.completion.chunk");
    last["choices"] = Json::array();
    last["usage"] = usage_json(usage_);
    chunks.push_back(std::move(last));
  }
  return chunks;
}

}  // namespace yak::serve
