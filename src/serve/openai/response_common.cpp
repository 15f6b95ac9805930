#include "serve/openai/response_common.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

#include "yak/text.h"

namespace yak::serve {

Json response_head(const ResponseMeta& meta, std::string_view object) {
  Json head = Json::object();
  head["id"] = meta.id;
  head["object"] = object;
  head["created"] = meta.created;
  head["model"] = meta.model;
  head["system_fingerprint"] = meta.system_fingerprint;
  return head;
}

Json usage_json(const UsageCounts& usage) {
  Json json = Json::object();
  json["prompt_tokens"] = usage.prompt_tokens;
  json["completion_tokens"] = usage.completion_tokens;
  json["total_tokens"] = usage.prompt_tokens + usage.completion_tokens;
  json["prompt_tokens_details"] = Json{{"cached_tokens", usage.cached_tokens}};
  return json;
}

const char* finish_reason(StopReason reason) {
  switch (reason) {
    case StopReason::kEndOfGeneration:
    case StopReason::kStopString:
      return "stop";
    case StopReason::kMaxTokens:
    case StopReason::kContextFull:
    case StopReason::kCallback:
      return "length";
  }
  return "length";
}

double logprob_json(float logprob) {
  if (std::isnan(logprob) || logprob == -INFINITY) return -9999.0;
  // fmt writes the shortest text that reads back as this float; as a double that text is what
  // the JSON shows, so -0.1f is -0.1 rather than -0.10000000149011612.
  return std::strtod(fmt::format("{}", logprob).c_str(), nullptr);
}

std::string token_display(std::string_view piece) {
  std::string out;
  out.reserve(piece.size());
  for (size_t pos = 0; pos < piece.size();) {
    const size_t length = utf8_sequence_length(piece, pos);
    if (length == 0) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(piece[pos]));
      ++pos;
    } else {
      out.append(piece, pos, length);
      pos += length;
    }
  }
  return out;
}

Json token_bytes(std::string_view piece) {
  Json bytes = Json::array();
  for (const char c : piece) bytes.push_back(static_cast<int>(static_cast<unsigned char>(c)));
  return bytes;
}

size_t utf8_length(std::string_view text) {
  size_t n = 0;
  for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace yak::serve
