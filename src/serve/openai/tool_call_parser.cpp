#include "serve/openai/tool_call_parser.h"

#include <algorithm>
#include <utility>

#include "serve/openai/json_body.h"
#include "serve/openai/tool_call_format.h"

namespace yak::serve {
namespace {

constexpr std::string_view kSpace = " \t\r\n";
constexpr std::string_view kHermesClose = "</tool_call>";

bool is_space(char c) { return kSpace.find(c) != std::string_view::npos; }

size_t skip_space(std::string_view s, size_t i) {
  while (i < s.size() && is_space(s[i])) ++i;
  return i;
}

// Where the JSON object or array starting at s[start] ends (one past its closing bracket);
// nullopt while it is still open. Only brackets and strings are tracked: whether the text in
// between is JSON is for the parser to say.
std::optional<size_t> json_end(std::string_view s, size_t start) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = start; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::nullopt;
}

// {"name": "f", "arguments" (or "parameters"): {...}}; arguments may also be a string that
// holds an object (some models write them so).
std::optional<ParsedToolCall> call_of(const Json& value) {
  if (!value.is_object()) return std::nullopt;
  const auto name = value.find("name");
  if (name == value.end() || !name->is_string()) return std::nullopt;
  Json arguments = Json::object();
  for (const char* key : {"arguments", "parameters"}) {
    const auto it = value.find(key);
    if (it == value.end()) continue;
    arguments = *it;
    if (arguments.is_string()) {
      const std::optional<Json> parsed = parse_arguments_object(arguments.get<std::string>());
      if (!parsed) return std::nullopt;
      arguments = *parsed;
    }
    break;
  }
  if (!arguments.is_object()) return std::nullopt;
  return ParsedToolCall{name->get<std::string>(), dump_json(arguments)};
}

std::optional<std::vector<ParsedToolCall>> calls_of(const Json& list) {
  if (!list.is_array() || list.empty()) return std::nullopt;
  std::vector<ParsedToolCall> calls;
  for (const Json& item : list) {
    std::optional<ParsedToolCall> call = call_of(item);
    if (!call) return std::nullopt;
    calls.push_back(std::move(*call));
  }
  return calls;
}

// The calls a family's payload (the JSON after its opener) holds.
std::optional<std::vector<ParsedToolCall>> payload_calls(ToolCallFormat format,
                                                         std::string_view text) {
  const Json value = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return std::nullopt;
  switch (format) {
    case ToolCallFormat::kMistral:
      if (value.is_object()) {
        if (auto call = call_of(value)) return std::vector<ParsedToolCall>{std::move(*call)};
        return std::nullopt;
      }
      return calls_of(value);
    case ToolCallFormat::kGeneric:
    case ToolCallFormat::kAuto: {
      if (!value.is_object() || value.size() != 1 || !value.contains("tool_calls"))
        return std::nullopt;
      return calls_of(value["tool_calls"]);
    }
    case ToolCallFormat::kHermes:
    case ToolCallFormat::kLlama3:
      if (auto call = call_of(value)) return std::vector<ParsedToolCall>{std::move(*call)};
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

ToolCallParser::ToolCallParser(ToolCallFormat format, std::vector<std::string> tool_names)
    : format_(format == ToolCallFormat::kAuto ? ToolCallFormat::kGeneric : format),
      names_(std::move(tool_names)),
      openers_(tool_call_openers(format_)) {}

std::vector<ToolCallEvent> ToolCallParser::push(std::string_view text) {
  buffer_.append(text);
  return drain(false);
}

std::vector<ToolCallEvent> ToolCallParser::finish() { return drain(true); }

bool ToolCallParser::known(const std::vector<ParsedToolCall>& calls) const {
  return std::all_of(calls.begin(), calls.end(), [&](const ParsedToolCall& call) {
    return std::find(names_.begin(), names_.end(), call.name) != names_.end();
  });
}

ToolCallParser::ScanResult ToolCallParser::scan_call(bool at_end) const {
  const std::string_view s = buffer_;
  ScanResult broken_all{Scan::kBroken, s.size(), {}};
  if (format_ == ToolCallFormat::kHermes) {
    const size_t body = std::string_view("<tool_call>").size();
    const size_t close = s.find(kHermesClose, body);
    if (close == std::string_view::npos) {
      if (!at_end) return {};
      // A model that ends without the closing tag still made its call when the rest parses.
      if (auto calls = payload_calls(format_, s.substr(body)))
        return {Scan::kCalls, s.size(), std::move(*calls)};
      return broken_all;
    }
    const size_t length = close + kHermesClose.size();
    if (auto calls = payload_calls(format_, s.substr(body, close - body)))
      return {Scan::kCalls, length, std::move(*calls)};
    return {Scan::kBroken, length, {}};
  }
  // The JSON families: the payload starts at the opener ({"name", {"tool_calls") or after it
  // ([TOOL_CALLS], <|python_tag|>).
  size_t opener_length = 0;
  for (const std::string& opener : openers_)
    if (opener[0] != '{' && s.starts_with(opener)) opener_length = opener.size();
  const size_t start = skip_space(s, opener_length);
  if (start == s.size()) return at_end ? broken_all : ScanResult{};
  if (s[start] != '{' && s[start] != '[')  // not JSON (a Llama 3 python call, say)
    return {Scan::kBroken, opener_length, {}};
  const std::optional<size_t> end = json_end(s, start);
  if (!end) return at_end ? broken_all : ScanResult{};
  if (auto calls = payload_calls(format_, s.substr(start, *end - start)))
    return {Scan::kCalls, *end, std::move(*calls)};
  return {Scan::kBroken, *end, {}};
}

std::vector<ToolCallEvent> ToolCallParser::drain(bool at_end) {
  std::vector<ToolCallEvent> events;
  const auto text = [&](std::string t) {
    if (t.empty()) return;
    if (!events.empty() && !events.back().call) {
      events.back().text += t;
    } else {
      events.push_back({std::move(t), std::nullopt});
    }
  };
  const std::string_view separators =
      format_ == ToolCallFormat::kLlama3 ? std::string_view(" \t\r\n;") : kSpace;
  for (;;) {
    if (after_call_) {
      const size_t kept = buffer_.find_first_not_of(separators);
      if (kept == std::string::npos) {
        buffer_.clear();
        break;  // separators may go on; the next push decides
      }
      buffer_.erase(0, kept);
      after_call_ = false;
    }
    if (in_call_) {
      ScanResult r = scan_call(at_end);
      if (r.scan == Scan::kIncomplete) break;
      if (r.scan == Scan::kCalls && known(r.calls)) {
        for (ParsedToolCall& call : r.calls) events.push_back({{}, std::move(call)});
        after_call_ = true;
      } else {
        text(space_before_ + buffer_.substr(0, r.length));
      }
      space_before_.clear();
      buffer_.erase(0, r.length);
      in_call_ = false;
      continue;
    }
    // Text: up to the first opener, holding back what may begin one.
    size_t first = std::string::npos;
    for (const std::string& opener : openers_) first = std::min(first, buffer_.find(opener));
    if (first != std::string::npos) {
      size_t content_end = first;
      while (content_end > 0 && is_space(buffer_[content_end - 1])) --content_end;
      text(buffer_.substr(0, content_end));
      space_before_ = buffer_.substr(content_end, first - content_end);
      buffer_.erase(0, first);
      in_call_ = true;
      continue;
    }
    if (at_end) {
      text(std::move(buffer_));
      buffer_.clear();
      break;
    }
    size_t held = buffer_.size();
    for (const std::string& opener : openers_)
      for (size_t n = std::min(opener.size() - 1, buffer_.size()); n > 0; --n)
        if (buffer_.compare(buffer_.size() - n, n, opener, 0, n) == 0) {
          held = std::min(held, buffer_.size() - n);
          break;
        }
    while (held > 0 && is_space(buffer_[held - 1])) --held;
    text(buffer_.substr(0, held));
    buffer_.erase(0, held);
    break;
  }
  return events;
}

ParsedToolOutput parse_tool_output(ToolCallFormat format, std::vector<std::string> tool_names,
                                   std::string_view text) {
  ToolCallParser parser(format, std::move(tool_names));
  ParsedToolOutput out;
  const auto gather = [&](std::vector<ToolCallEvent> events) {
    for (ToolCallEvent& e : events) {
      if (e.call) {
        out.calls.push_back(std::move(*e.call));
      } else {
        out.content += e.text;
      }
    }
  };
  gather(parser.push(text));
  gather(parser.finish());
  return out;
}

}  // namespace yak::serve
