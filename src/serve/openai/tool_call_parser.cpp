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

}  // namespace

// Where the JSON object or array being scanned ends (one past its closing bracket); nullopt
// while it is still open, with the scan's state kept so that the next call goes on from
// where this one stopped (a long call streamed token by token costs linear time). Only
// brackets and strings are tracked: whether the text in between is JSON is for the parser.
std::optional<size_t> ToolCallParser::JsonScan::end_in(std::string_view s) {
  for (; pos < s.size(); ++pos) {
    const char c = s[pos];
    if (escape) {
      escape = false;
    } else if (in_string) {
      if (c == '\\') {
        escape = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return ++pos;
    }
  }
  return std::nullopt;
}

namespace {

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

// A JSON opener, bare and in a ```json (or ```) block, as small models often write calls.
void add_json_opener(std::vector<OpenerPattern>& out, std::string_view key) {
  out.push_back({{"```json", "{", key}, 1, false, true});
  out.push_back({{"```", "{", key}, 1, false, true});
  out.push_back({{"{", key}, 0, false, false});
}

std::vector<OpenerPattern> opener_patterns(ToolCallFormat format) {
  std::vector<OpenerPattern> out;
  switch (format) {
    case ToolCallFormat::kHermes:
      out.push_back({{"<tool_call>"}, 1, true, false});
      add_json_opener(out, "\"name\"");
      break;
    case ToolCallFormat::kLlama3:
      out.push_back({{"<|python_tag|>"}, 1, false, false});
      add_json_opener(out, "\"name\"");
      break;
    case ToolCallFormat::kMistral:
      out.push_back({{"[TOOL_CALLS]"}, 1, false, false});
      break;
    case ToolCallFormat::kGeneric:
    case ToolCallFormat::kAuto:
      add_json_opener(out, "\"tool_calls\"");
      break;
  }
  return out;
}

enum class Match { kNone, kPartial, kFull };

// Whether pattern `p` matches s from `at`; kPartial when s ends first. `payload`: where the
// payload starts (kFull).
Match match_at(std::string_view s, size_t at, const OpenerPattern& p, size_t* payload) {
  for (size_t k = 0; k < p.parts.size(); ++k) {
    if (k > 0) at = skip_space(s, at);
    if (at == s.size()) return Match::kPartial;
    if (k == p.payload_part) *payload = at;
    const std::string_view part = p.parts[k];
    const size_t n = std::min(part.size(), s.size() - at);
    if (s.compare(at, n, part.substr(0, n)) != 0) return Match::kNone;
    if (n < part.size()) return Match::kPartial;
    at += part.size();
  }
  if (p.payload_part == p.parts.size()) *payload = at;
  return Match::kFull;
}

}  // namespace

ToolCallParser::ToolCallParser(ToolCallFormat format, std::vector<std::string> tool_names)
    : format_(format == ToolCallFormat::kAuto ? ToolCallFormat::kGeneric : format),
      names_(std::move(tool_names)),
      patterns_(opener_patterns(format_)) {}

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

ToolCallParser::OpenerFound ToolCallParser::find_opener(bool at_end) const {
  OpenerFound found;
  const std::string_view s = buffer_;
  for (size_t at = 0; at < s.size(); ++at) {
    for (size_t k = 0; k < patterns_.size(); ++k) {
      size_t payload = 0;
      const Match m = match_at(s, at, patterns_[k], &payload);
      if (m == Match::kFull) {
        found.full = true;
        found.at = at;
        found.pattern = k;
        found.payload = payload - at;
        return found;
      }
      // What may still become an opener keeps everything from here back (not at the end).
      if (m == Match::kPartial && !at_end) {
        found.at = at;
        return found;
      }
    }
  }
  found.at = s.size();
  return found;
}

ToolCallParser::ScanResult ToolCallParser::scan_call(bool at_end) {
  const std::string_view s = buffer_;
  const OpenerPattern& pattern = patterns_[pattern_];
  const ScanResult broken_all{Scan::kBroken, s.size(), {}};
  if (pattern.tag) {
    const size_t body = payload_;
    // Where the closing tag may begin, given what earlier scans did not find.
    const size_t from =
        std::max(body, searched_ < kHermesClose.size() ? 0 : searched_ - kHermesClose.size() + 1);
    const size_t close = s.find(kHermesClose, from);
    if (close == std::string_view::npos) {
      searched_ = s.size();
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
  const size_t start = skip_space(s, payload_);
  if (start == s.size()) return at_end ? broken_all : ScanResult{};
  if (s[start] != '{' && s[start] != '[')  // not JSON (a Llama 3 python call, say)
    return {Scan::kBroken, payload_, {}};
  if (!json_) json_ = JsonScan{start};
  const std::optional<size_t> end = json_->end_in(s);
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
  for (;;) {
    if (!separators_.empty()) {
      const size_t kept = buffer_.find_first_not_of(separators_);
      if (kept == std::string::npos) {
        buffer_.clear();
        break;  // separators may go on; the next push decides
      }
      buffer_.erase(0, kept);
      separators_.clear();
    }
    if (in_call_) {
      ScanResult r = scan_call(at_end);
      if (r.scan == Scan::kIncomplete) break;
      if (r.scan == Scan::kCalls && known(r.calls)) {
        for (ParsedToolCall& call : r.calls) events.push_back({{}, std::move(call)});
        // What may follow a call before the next: whitespace, ';' between Llama 3 calls, the
        // end of a ``` block.
        separators_ = " \t\r\n";
        if (format_ == ToolCallFormat::kLlama3) separators_ += ';';
        if (patterns_[pattern_].fenced) separators_ += '`';
      } else {
        text(space_before_ + buffer_.substr(0, r.length));
      }
      space_before_.clear();
      buffer_.erase(0, r.length);
      in_call_ = false;
      continue;
    }
    // Text, up to the first opener; what may begin one (and the whitespace before it) waits.
    const OpenerFound found = find_opener(at_end);
    size_t content_end = found.at;
    while (content_end > 0 && is_space(buffer_[content_end - 1])) --content_end;
    if (at_end && !found.full) content_end = buffer_.size();
    text(buffer_.substr(0, content_end));
    if (!found.full) {
      buffer_.erase(0, content_end);
      if (at_end) buffer_.clear();
      break;
    }
    space_before_ = buffer_.substr(content_end, found.at - content_end);
    buffer_.erase(0, found.at);
    in_call_ = true;
    json_.reset();
    searched_ = 0;
    pattern_ = found.pattern;
    payload_ = found.payload;
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
