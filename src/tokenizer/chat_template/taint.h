// Taint tracking: which bytes of a string came from the context's data. Strings keep
// their data ranges as Spans (sorted, merged; empty for template text), and TaintedText
// builds a string piece by piece while keeping each piece's ranges at its new offset, so
// that concatenation, join, formatting, slicing and output stay precise per byte.
#pragma once

#include <string>
#include <string_view>

#include "tokenizer/chat_template/value.h"

namespace yak::chat_template {

// Adds [begin, end) to spans that all end at or before begin, merging when adjacent.
void add_span(Spans& spans, size_t begin, size_t end);
// The parts of `spans` inside [begin, end), shifted to start at 0.
Spans sub_spans(const Spans& spans, size_t begin, size_t end);

class TaintedText {
 public:
  void append(std::string_view text) { text_.append(text); }
  void append(std::string_view text, const Spans& spans);
  void append_data(std::string_view text);
  // A string value with its taint; anything else as str() prints it, all data when it
  // holds any data (conservative: repr of a container does not map back to its strings).
  void append_value(const Value& v);
  // Bytes [begin, end) of a string value, with their taint.
  void append_slice(const Value& s, size_t begin, size_t end);
  size_t size() const { return text_.size(); }
  const std::string& text() const { return text_; }
  const Spans& spans() const { return spans_; }
  Value take(bool markup = false);
  std::string& mutable_text() { return text_; }
  Spans& mutable_spans() { return spans_; }

 private:
  std::string text_;
  Spans spans_;
};

// A string computed from `inputs` by an operation that does not track bytes: all data if
// any input holds data.
Value derived_string(std::string s, std::initializer_list<const Value*> inputs);

}  // namespace yak::chat_template
