#include "tokenizer/chat_template/taint.h"

#include <algorithm>

namespace yak::chat_template {

void add_span(Spans& spans, size_t begin, size_t end) {
  if (begin >= end) return;
  if (!spans.empty() && spans.back().end >= begin) {
    if (end > spans.back().end) spans.back().end = end;
    return;
  }
  spans.push_back({begin, end});
}

Spans sub_spans(const Spans& spans, size_t begin, size_t end) {
  Spans out;
  if (spans.empty() || begin >= end) return out;
  // Spans are sorted: skip those that end before the range by binary search, as slices
  // of a long string with many spans are taken one code point at a time.
  auto it = std::lower_bound(spans.begin(), spans.end(), begin,
                             [](const TextSpan& s, size_t b) { return s.end <= b; });
  for (; it != spans.end() && it->begin < end; ++it)
    add_span(out, std::max(it->begin, begin) - begin, std::min(it->end, end) - begin);
  return out;
}

void TaintedText::append(std::string_view text, const Spans& spans) {
  size_t base = text_.size();
  text_.append(text);
  for (const auto& s : spans) add_span(spans_, base + s.begin, base + s.end);
}

void TaintedText::append_data(std::string_view text) {
  size_t base = text_.size();
  text_.append(text);
  add_span(spans_, base, text_.size());
}

void TaintedText::append_value(const Value& v) {
  if (v.is_string()) {
    append(v.str(), v.spans());
  } else if (deep_tainted(v)) {
    append_data(to_str(v));
  } else {
    append(to_str(v));
  }
}

void TaintedText::append_slice(const Value& s, size_t begin, size_t end) {
  size_t base = text_.size();
  text_.append(std::string_view(s.str()).substr(begin, end - begin));
  if (s.spans().empty()) return;
  for (const auto& sp : sub_spans(s.spans(), begin, end))
    add_span(spans_, base + sp.begin, base + sp.end);
}

Value TaintedText::take(bool markup) {
  // The value is charged its capacity: do not keep the slack of a doubling buffer.
  if (text_.capacity() > 64 && text_.capacity() - text_.size() > text_.size() / 4)
    text_.shrink_to_fit();
  return markup ? Value::markup(std::move(text_), std::move(spans_))
                : Value::string(std::move(text_), std::move(spans_));
}

Value derived_string(std::string s, std::initializer_list<const Value*> inputs) {
  for (const Value* v : inputs)
    if (v && deep_tainted(*v)) return Value::string_from(std::move(s), true);
  return Value::string(std::move(s));
}

}  // namespace yak::chat_template
