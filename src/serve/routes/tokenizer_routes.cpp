#include "serve/routes/tokenizer_routes.h"

#include <fmt/format.h>

#include <optional>
#include <vector>

#include "serve/openai/api_error.h"
#include "serve/openai/chat_request.h"
#include "serve/openai/fields.h"
#include "yak/tokenizer.h"

namespace yak::serve {
namespace {

Json token_text_or_null(const Tokenizer& tokenizer, std::optional<int32_t> id) {
  if (!id) return nullptr;
  return tokenizer.token_to_piece(*id);
}

}  // namespace

Json tokenize_response(const Json& body, const Tokenizer& tokenizer, int32_t max_model_len) {
  const std::optional<std::string> prompt = read_string(body, "prompt", "prompt");
  const std::optional<std::string> content = read_string(body, "content", "content");
  if (!prompt && !content)
    throw invalid_field("prompt", "'prompt' (or llama.cpp's 'content') is required");
  bool add_special = prompt.has_value();
  for (const char* name : {"add_special_tokens", "add_special"})
    if (auto v = read_bool(body, name, name)) add_special = *v;
  return tokens_response(
      tokenizer.encode(prompt ? *prompt : *content, add_special, /*parse_special=*/true),
      max_model_len);
}

bool is_chat_tokenize_request(const Json& body) { return field(body, "messages") != nullptr; }

ChatTokenizeRequest parse_chat_tokenize_request(const Json& body, const RequestBounds& bounds) {
  for (const char* text_field : {"prompt", "content"})
    if (field(body, text_field) != nullptr)
      throw invalid_field(text_field,
                          fmt::format("give either 'messages' or '{}', not both", text_field));
  // The chat template writes the special tokens itself, as for /v1/chat/completions.
  for (const char* name : {"add_special_tokens", "add_special"})
    if (read_bool(body, name, name).value_or(false))
      throw unsupported_field(name, fmt::format("'{}' true is not supported with 'messages': "
                                                "the chat template adds the special tokens",
                                                name));
  ChatTokenizeRequest request;
  request.messages = parse_chat_messages(body, bounds);
  request.tools = parse_tool_request(body);
  request.add_generation_prompt =
      read_bool(body, "add_generation_prompt", "add_generation_prompt").value_or(true);
  return request;
}

Json tokens_response(const std::vector<int32_t>& tokens, int32_t max_model_len) {
  Json out = Json::object();
  out["count"] = tokens.size();
  out["max_model_len"] = max_model_len;
  out["tokens"] = tokens;
  return out;
}

Json detokenize_response(const Json& body, const Tokenizer& tokenizer) {
  const Json* tokens = field(body, "tokens");
  if (tokens == nullptr) throw invalid_field("tokens", "'tokens' is required");
  if (!tokens->is_array())
    throw invalid_field(
        "tokens", fmt::format("'tokens' must be an array of token ids, got {}", json_kind(*tokens)),
        "invalid_type");
  std::vector<int32_t> ids;
  ids.reserve(tokens->size());
  for (size_t i = 0; i < tokens->size(); ++i)
    ids.push_back(static_cast<int32_t>(
        int_value((*tokens)[i], indexed("tokens", i), 0, tokenizer.n_vocab() - 1)));
  Json out = Json::object();
  // Decoded text may end inside a character; JSON needs valid UTF-8, and dump_json writes
  // such bytes as U+FFFD.
  out["prompt"] = tokenizer.decode(ids);
  return out;
}

Json tokenizer_info_response(const Tokenizer& tokenizer, const std::string& chat_template,
                             int32_t max_model_len) {
  Json out = Json::object();
  out["tokenizer_class"] = tokenizer.model() == Tokenizer::Model::kBytePairGpt2
                               ? "yak:byte-level-bpe"
                               : "yak:sentencepiece-bpe";
  out["eos_token"] = token_text_or_null(tokenizer, tokenizer.eos());
  out["bos_token"] = token_text_or_null(tokenizer, tokenizer.bos());
  out["pad_token"] = token_text_or_null(tokenizer, tokenizer.pad());
  out["unk_token"] = token_text_or_null(tokenizer, tokenizer.unk());
  out["add_bos_token"] = tokenizer.add_bos();
  out["add_eos_token"] = tokenizer.add_eos();
  out["chat_template"] = chat_template.empty() ? Json(nullptr) : Json(chat_template);
  out["model_max_length"] = max_model_len;
  out["vocab_size"] = tokenizer.n_vocab();
  return out;
}

}  // namespace yak::serve
