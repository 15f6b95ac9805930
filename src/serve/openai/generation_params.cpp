#include "serve/openai/generation_params.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <string>

#include "serve/openai/api_error.h"
#include "serve/openai/fields.h"
#include "serve/openai/output_constraint.h"
#include "yak/sampler.h"
#include "yak/text.h"

namespace yak::serve {
namespace {

constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();

std::vector<std::string> parse_stop(const Json& body, const ServerLimits& limits) {
  const Json* stop = field(body, "stop");
  if (stop == nullptr) return {};
  std::vector<std::string> stops;
  const auto add = [&](const Json& value, const std::string& param) {
    if (!value.is_string())
      throw invalid_field(param,
                          fmt::format("'{}' must be a string, got {}", param, json_kind(value)),
                          "invalid_type");
    std::string text = value.get<std::string>();
    if (text.empty()) throw invalid_field(param, fmt::format("'{}' must not be empty", param));
    if (text.size() > static_cast<size_t>(limits.max_stop_bytes))
      throw invalid_field(param, fmt::format("'{}' is {} bytes long; stop strings may have at "
                                             "most {}",
                                             param, text.size(), limits.max_stop_bytes));
    stops.push_back(std::move(text));
  };
  if (stop->is_string()) {
    add(*stop, "stop");
  } else if (stop->is_array()) {
    if (stop->size() > static_cast<size_t>(limits.max_stop_strings))
      throw invalid_field("stop", fmt::format("'stop' holds {} strings; at most {} are allowed",
                                              stop->size(), limits.max_stop_strings));
    for (size_t i = 0; i < stop->size(); ++i) add((*stop)[i], indexed("stop", i));
  } else {
    throw invalid_field(
        "stop",
        fmt::format("'stop' must be a string or an array of strings, got {}", json_kind(*stop)),
        "invalid_type");
  }
  return stops;
}

// {"50256": -100, "15043": 5}: token ids as decimal strings, biases in [-100, 100].
std::vector<std::pair<int32_t, float>> parse_logit_bias(const Json& body, int32_t n_vocab) {
  const Json* bias = field(body, "logit_bias");
  if (bias == nullptr) return {};
  if (!bias->is_object())
    throw invalid_field("logit_bias",
                        fmt::format("'logit_bias' must be an object mapping token ids to biases, "
                                    "got {}",
                                    json_kind(*bias)),
                        "invalid_type");
  std::vector<std::pair<int32_t, float>> out;
  for (const auto& [key, value] : bias->items()) {
    const bool digits =
        !key.empty() && key.size() <= 10 &&
        std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; });
    const int64_t id = digits ? std::stoll(key) : -1;
    if (id < 0 || id >= n_vocab)
      throw invalid_field(
          "logit_bias", fmt::format("'logit_bias' keys must be token ids from 0 to {}, got \"{}\"",
                                    n_vocab - 1, escape_for_terminal(key, '"', 40)));
    if (!value.is_number())
      throw invalid_field(
          "logit_bias",
          fmt::format("'logit_bias' of token {} must be a number, got {}", id, json_kind(value)),
          "invalid_type");
    const double v = value.get<double>();
    if (!(v >= -100 && v <= 100))
      throw invalid_field(
          "logit_bias",
          fmt::format("'logit_bias' of token {} must be from -100 to 100, got {}", id, v));
    out.emplace_back(static_cast<int32_t>(id), static_cast<float>(v));
  }
  return out;
}

}  // namespace

GenerationParams parse_generation_params(const Json& body, const RequestBounds& bounds,
                                         int32_t default_max_tokens, int32_t min_max_tokens) {
  GenerationParams p;
  SamplingParams& s = p.options.sampling;
  // OpenAI's defaults, not llama.cpp's: what a client of this API expects.
  s.temperature = 1.0f;
  s.top_p = 1.0f;
  s.top_k = 0;
  s.min_p = 0.0f;
  s.repeat_penalty = 1.0f;
  s.repeat_last_n = -1;  // OpenAI's penalties look at the whole text so far
  s.seed = kRandomSeed;

  if (auto v = read_number(body, "temperature", "temperature", 0, 2)) s.temperature = *v;
  if (auto v = read_number(body, "top_p", "top_p", 0, 1)) s.top_p = *v;
  if (auto v = read_int(body, "top_k", "top_k", -1, kInt32Max))
    s.top_k = static_cast<int32_t>(std::max<int64_t>(*v, 0));
  if (auto v = read_number(body, "min_p", "min_p", 0, 1)) s.min_p = *v;
  if (auto v = read_number(body, "repeat_penalty", "repeat_penalty", 0, 100)) {
    if (*v <= 0)
      throw invalid_field("repeat_penalty", "'repeat_penalty' must be above 0 (1 = off), got 0");
    s.repeat_penalty = *v;
  }
  if (auto v = read_int(body, "repeat_last_n", "repeat_last_n", -1, kInt32Max))
    s.repeat_last_n = static_cast<int32_t>(*v);
  if (auto v = read_number(body, "frequency_penalty", "frequency_penalty", -2, 2))
    s.frequency_penalty = *v;
  if (auto v = read_number(body, "presence_penalty", "presence_penalty", -2, 2))
    s.presence_penalty = *v;
  // -1 asks for a random seed, as in llama.cpp; so does 2^32-1, llama.cpp's own "random".
  if (auto v = read_int(body, "seed", "seed", -1, std::numeric_limits<int64_t>::max()))
    s.seed = *v == -1 ? kRandomSeed : static_cast<uint64_t>(*v);
  // llama.cpp's extension: generate past end-of-generation tokens (benchmarks use it to
  // make every request the same length).
  if (auto v = read_bool(body, "ignore_eos", "ignore_eos"))
    p.options.stop_at_end_of_generation = !*v;
  s.logit_bias = parse_logit_bias(body, bounds.n_vocab);
  p.options.stop = parse_stop(body, bounds.limits);
  p.options.grammar = parse_output_constraint(body);

  // max_completion_tokens is the newer name; it wins when both are given.
  p.options.max_new_tokens = default_max_tokens;
  for (const char* name : {"max_tokens", "max_completion_tokens"})
    if (auto v = read_int(body, name, name, min_max_tokens, bounds.context_size))
      p.options.max_new_tokens = static_cast<int32_t>(*v);

  const int32_t max_n = std::min(bounds.limits.max_n, bounds.parallel);
  if (auto v = read_int(body, "n", "n", 1, kInt32Max)) {
    if (*v > max_n)
      throw invalid_field(
          "n", fmt::format("'n' must be from 1 to {} (the most choices this server runs at once "
                           "for one request), got {}",
                           max_n, *v));
    p.n = static_cast<int32_t>(*v);
  }

  p.stream = read_bool(body, "stream", "stream").value_or(false);
  if (const Json* options = field(body, "stream_options")) {
    if (!options->is_object())
      throw invalid_field(
          "stream_options",
          fmt::format("'stream_options' must be an object, got {}", json_kind(*options)),
          "invalid_type");
    if (!p.stream)
      throw invalid_field("stream_options",
                          "'stream_options' is only allowed when 'stream' is true");
    p.include_usage =
        read_bool(*options, "include_usage", "stream_options.include_usage").value_or(false);
  }
  return p;
}

void reject_unsupported_fields(const Json& body) {
  const auto not_yet = [](const std::string& param, const std::string& what) {
    throw unsupported_field(param, fmt::format("'{}' is not supported yet: {}", param, what));
  };
  if (field(body, "audio") != nullptr) not_yet("audio", "this server produces text only");
  if (const Json* modalities = field(body, "modalities")) {
    if (!modalities->is_array() || !std::all_of(modalities->begin(), modalities->end(),
                                                [](const Json& m) { return m == "text"; }))
      not_yet("modalities", "this server produces text only");
  }
}

void check_informational_fields(const Json& body) {
  read_string(body, "model", "model");
  read_string(body, "user", "user");
}

}  // namespace yak::serve
