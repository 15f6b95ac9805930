// Builds the statement tree from tokens, with jinja2's expression grammar and operator
// precedence. Nesting is bounded so that hostile input cannot exhaust the stack.
#pragma once

#include <memory>
#include <string_view>

#include "tokenizer/chat_template/ast.h"

namespace yak::chat_template {

inline constexpr int kMaxParseNesting = 100;

// Throws ChatTemplateError (kSyntax) naming line and column.
std::shared_ptr<const Template> parse_template(std::string_view normalized_source);

}  // namespace yak::chat_template
