// Finding tool calls in a model's output, whole or as it streams. The output is text and
// calls: each call begins at one of its family's openers (tool_call_openers) and is complete
// when its closing tag or bracket arrives; it becomes a call only when it parses, names an
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
  std::vector<ToolCallEvent> drain(bool at_end);
  ScanResult scan_call(bool at_end) const;
  bool known(const std::vector<ParsedToolCall>& calls) const;

  ToolCallFormat format_;
  std::vector<std::string> names_;
  std::vector<std::string> openers_;
  std::string buffer_;        // text not yet given out
  bool in_call_ = false;      // buffer_ starts with an opener
  std::string space_before_;  // whitespace before the call in buffer_ (given back if broken)
  bool after_call_ = false;   // separators after a call are dropped
};

struct ParsedToolOutput {
  std::string content;
  std::vector<ParsedToolCall> calls;
};

// The whole output at once (the same events a ToolCallParser gives, gathered).
ParsedToolOutput parse_tool_output(ToolCallFormat format, std::vector<std::string> tool_names,
                                   std::string_view text);

}  // namespace yak::serve
