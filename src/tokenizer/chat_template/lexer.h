// Splits a template into text and tag tokens the way jinja2's lexer does with
// trim_blocks=True and lstrip_blocks=True, including the '-' and '+' whitespace controls,
// comments and {% raw %} blocks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/chat_template/errors.h"

namespace yak::chat_template {

enum class TokenType {
  kText,
  kVarBegin,
  kVarEnd,
  kBlockBegin,
  kBlockEnd,
  kName,
  kString,
  kInt,
  kFloat,
  kOperator,
  kEof,
};

struct Token {
  TokenType type;
  std::string text;  // text data, name, decoded string literal, or operator
  int64_t int_value = 0;
  double float_value = 0;
  Pos pos;
};

// jinja2 turns \r\n and \r into \n and drops one trailing newline
// (keep_trailing_newline=False) before lexing.
std::string normalize_source(std::string_view source);

// Throws ChatTemplateError (kSyntax) for unterminated tags, comments and strings, and for
// characters that start no token.
std::vector<Token> tokenize(std::string_view source);

}  // namespace yak::chat_template
