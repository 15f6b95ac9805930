#include "serve/openai/completion_request.h"

#include <fmt/format.h>

#include "serve/openai/api_error.h"
#include "serve/openai/fields.h"
#include "serve/openai/tool_request.h"
#include "yak/tokenizer.h"

namespace yak::serve {
namespace {

PromptInput text_prompt(std::string text) {
  PromptInput prompt;
  prompt.text = std::move(text);
  return prompt;
}

PromptInput id_prompt(std::vector<int32_t> ids) {
  PromptInput prompt;
  prompt.is_text = false;
  prompt.ids = std::move(ids);
  return prompt;
}

std::vector<int32_t> token_ids(const Json& list, const std::string& param, int32_t n_vocab) {
  if (list.empty()) throw invalid_field(param, fmt::format("'{}' is an empty prompt", param));
  std::vector<int32_t> ids;
  ids.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i)
    ids.push_back(static_cast<int32_t>(int_value(list[i], indexed(param, i), 0, n_vocab - 1)));
  return ids;
}

std::vector<PromptInput> parse_prompts(const Json& body, const RequestBounds& bounds) {
  const Json* prompt = field(body, "prompt");
  if (prompt == nullptr) throw invalid_field("prompt", "'prompt' is required");
  const auto wrong = [&] {
    return invalid_field("prompt",
                         fmt::format("'prompt' must be a string, an array of strings, an array of "
                                     "token ids or an array of arrays of token ids, got {}",
                                     json_kind(*prompt)),
                         "invalid_type");
  };
  if (prompt->is_string()) return {text_prompt(prompt->get<std::string>())};
  if (!prompt->is_array()) throw wrong();
  if (prompt->empty()) throw invalid_field("prompt", "'prompt' is an empty array");
  const Json& first = prompt->front();
  if (first.is_number())  // one prompt of token ids
    return {id_prompt(token_ids(*prompt, "prompt", bounds.n_vocab))};
  if (!first.is_string() && !first.is_array()) throw wrong();

  if (prompt->size() > static_cast<size_t>(bounds.limits.max_prompts))
    throw invalid_field("prompt", fmt::format("'prompt' holds {} prompts; at most {} are allowed",
                                              prompt->size(), bounds.limits.max_prompts));
  std::vector<PromptInput> prompts;
  for (size_t i = 0; i < prompt->size(); ++i) {
    const Json& item = (*prompt)[i];
    const std::string param = indexed("prompt", i);
    // All of one kind, as OpenAI's schema has it: strings or id lists.
    if (first.is_string() && item.is_string()) {
      prompts.push_back(text_prompt(item.get<std::string>()));
    } else if (first.is_array() && item.is_array()) {
      prompts.push_back(id_prompt(token_ids(item, param, bounds.n_vocab)));
    } else {
      throw invalid_field(
          param,
          fmt::format("'{}' must be {} like the first prompt, got {}", param,
                      first.is_string() ? "a string" : "an array of token ids", json_kind(item)),
          "invalid_type");
    }
  }
  return prompts;
}

}  // namespace

CompletionsRequest parse_completions_request(const Json& body, const RequestBounds& bounds) {
  reject_unsupported_fields(body);
  reject_tool_fields(body, "/v1/completions");
  check_informational_fields(body);
  CompletionsRequest request;
  request.prompts = parse_prompts(body, bounds);
  request.params = parse_generation_params(body, bounds, /*default_max_tokens=*/16,
                                           /*min_max_tokens=*/0);
  request.echo = read_bool(body, "echo", "echo").value_or(false);
  if (auto v = read_int(body, "logprobs", "logprobs", 0, bounds.limits.max_top_logprobs))
    request.logprobs = static_cast<int32_t>(*v);
  request.params.options.top_logprobs = request.logprobs;
  if (const Json* suffix = field(body, "suffix"); suffix != nullptr && *suffix != "")
    throw unsupported_field("suffix", "'suffix' is not supported yet: this server only appends");
  if (auto best_of = read_int(body, "best_of", "best_of", 1, 1 << 20);
      best_of && *best_of != request.params.n)
    throw unsupported_field("best_of",
                            "'best_of' is not supported yet unless it equals 'n' (no ranking of "
                            "choices)");
  return request;
}

std::vector<int32_t> completion_prompt_tokens(const Tokenizer& tokenizer, const PromptInput& prompt,
                                              size_t index) {
  if (!prompt.is_text) return prompt.ids;
  std::vector<int32_t> ids =
      tokenizer.encode(prompt.text, /*add_special=*/true, /*parse_special=*/true);
  if (ids.empty())
    throw invalid_field(index == 0 ? "prompt" : indexed("prompt", index),
                        "the prompt is empty (it has no tokens)");
  return ids;
}

}  // namespace yak::serve
