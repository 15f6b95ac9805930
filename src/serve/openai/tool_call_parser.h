// Finding tool calls in a model's output, whole or as it streams. The output is text and
// calls: each call begins at one of its family's openers (tool_call_openers, and for the JSON
// families the same JSON bare or in a ```json block, which small models often write; for
// hermes also a bare {"name": ...} object) and is complete when its closing tag or bracket
// arrives; it becomes a call only when it parses, names an
// offered function and has an object for arguments. Anything else that began like a call is
// given back as text, byte for byte, so nothing is lost and no half call is ever reported.
// Whitespace around calls (and ';' between Llama 3 calls) is dropped.
//
// Streaming holds back text that may be the start of an opener (and whitespace that may
// precede one) until it is known, and a call until it is complete. Feeding the output in any
// pieces gives the same events, in the same order, as parsing it whole.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yak/server.h"

namespace yak::serve {

// An opener: parts in a row, with optional whitespace between them.
struct OpenerPattern {
  std::vector<std::string_view> parts;
  size_t payload_part = 0;  // the part the JSON payload starts at; parts.size(): after them
  bool tag = false;         // <tool_call>: the payload ends at </tool_call>
  bool fenced = false;      // in a ``` block: its closing ``` is dropped with the call
};

struct ParsedToolCall {
  std::string name;
  std::string arguments;  // the arguments object as compact JSON text
  bool operator==(const ParsedToolCall&) const = default;
};

// One step of the output: text that is final, or a complete call.
struct ToolCallEvent {
  std::string text;
  std::optional<ParsedToolCall> call;
};

class ToolCallParser {
 public:
  // `format` is not kAuto; `tool_names` are the functions offered.
  ToolCallParser(ToolCallFormat format, std::vector<std::string> tool_names);
  // The events that this text completes.
  std::vector<ToolCallEvent> push(std::string_view text);
  // The output has ended: what was held back (a call cut short becomes text).
  std::vector<ToolCallEvent> finish();

 private:
  enum class Scan { kIncomplete, kCalls, kBroken };
  struct ScanResult {
    Scan scan = Scan::kIncomplete;
    size_t length = 0;  // bytes of buffer_ the call (or broken call) takes
    std::vector<ParsedToolCall> calls;
  };
  struct OpenerFound {
    bool full = false;  // an opener at `at`; else text may go up to `at`
    size_t at = 0;
    size_t pattern = 0;  // which opener
    size_t payload = 0;  // where its payload starts, from `at`
  };
  std::vector<ToolCallEvent> drain(bool at_end);
  OpenerFound find_opener(bool at_end) const;
  ScanResult scan_call(bool at_end);
  struct JsonScan {
    size_t pos = 0;  // the next byte to look at
    int depth = 0;
    bool in_string = false;
    bool escape = false;
    std::optional<size_t> end_in(std::string_view s);
  };
  bool known(const std::vector<ParsedToolCall>& calls) const;

  ToolCallFormat format_;
  std::vector<std::string> names_;
  std::vector<OpenerPattern> patterns_;
  std::string buffer_;            // text not yet given out
  bool in_call_ = false;          // buffer_ starts with an opener
  size_t pattern_ = 0;            // which (in_call_)
  size_t payload_ = 0;            // where in buffer_ its payload starts
  std::string space_before_;      // whitespace before the call (given back if it is broken)
  std::string separators_;        // after a call: what is dropped before the text goes on
  std::optional<JsonScan> json_;  // the call's JSON payload, as far as it has been scanned
  size_t searched_ = 0;           // buffer_ bytes searched for </tool_call>
};

struct ParsedToolOutput {
  std::string content;
  std::vector<ParsedToolCall> calls;
};

// The whole output at once (the same events a ToolCallParser gives, gathered).
ParsedToolOutput parse_tool_output(ToolCallFormat format, std::vector<std::string> tool_names,
                                   std::string_view text);

}  // namespace yak::serve
