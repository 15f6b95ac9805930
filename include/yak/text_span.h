// A byte range of a text. Chat templates report with it which parts of a rendered prompt came
// from messages rather than from the template, and the tokenizer reads those parts as plain
// text (yak/chat_template.h, yak/tokenizer.h).
#pragma once

#include <cstddef>

namespace yak {

struct TextSpan {
  size_t begin = 0;  // first byte
  size_t end = 0;    // one past the last byte

  bool operator==(const TextSpan&) const = default;
};

}  // namespace yak
