// Chat templates: a sandboxed interpreter for the Jinja subset that Hugging Face chat
// templates use, rendering byte-identically to transformers' apply_chat_template
// (jinja2 with trim_blocks, lstrip_blocks, loop controls, raise_exception, strftime_now,
// namespace, dict, and transformers' own tojson). See docs/chat-templates.md.
//
// The template sees nothing but the context it is given: there is no file, environment or
// object-internals access, and every render is bounded in steps, output size, live memory,
// value nesting and macro recursion (RenderLimits). Every syntax error, runtime error and
// limit violation throws ChatTemplateError, which names the template line and column.
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yak/error.h"
#include "yak/text_span.h"

namespace yak {

namespace chat_template {
struct Template;
}

class ChatTemplateError : public Error {
 public:
  enum class Kind {
    kSyntax,   // the template text does not parse
    kRuntime,  // a type error, undefined misuse, unknown filter, ...
    kRaised,   // the template called raise_exception(message)
    kLimit,    // a RenderLimits bound was reached
  };
  ChatTemplateError(Kind kind, int line, int column, std::string detail);
  Kind kind() const { return kind_; }
  int line() const { return line_; }
  int column() const { return column_; }
  // The message without the position prefix (for kRaised: the template's own text).
  const std::string& detail() const { return detail_; }

 private:
  Kind kind_;
  int line_;
  int column_;
  std::string detail_;
};

struct RenderLimits {
  uint64_t max_steps = 1'000'000;        // statements + expression nodes + bulk work
  uint64_t max_output_bytes = 1u << 20;  // the result and every captured block
  uint64_t max_value_bytes = 4u << 20;   // any one string or list built while rendering
  int max_recursion_depth = 64;          // nested macro calls
  // Heap held by the values a render has made (strings, lists, dicts, taint spans) at any
  // one moment; with max_value_bytes this bounds a render's peak memory.
  uint64_t max_live_bytes = 8u << 20;
};

// A rendered prompt and the parts of it that came from the context's data (message contents,
// tool definitions, any variable not in RenderOptions::trusted_variables) rather than from the
// template's own text. data_spans are sorted, disjoint and non-adjacent (merged).
struct RenderedPrompt {
  std::string text;
  std::vector<TextSpan> data_spans;
};

struct RenderOptions {
  RenderLimits limits;
  // Top-level context variables whose strings count as template text; every other string
  // that comes from the context (at any depth, dict keys included) is data.
  std::vector<std::string> trusted_variables = {"bos_token", "eos_token"};
  // Values of messages[i]["role"] that count as template text when they are exactly one of
  // these (templates splice the role into control tokens: <|{{ role }}|>); other roles are data.
  std::vector<std::string> trusted_roles = {"system",  "user",      "assistant", "tool",
                                            "ipython", "developer", "function"};
  // The local time strftime_now() formats; the current local time when unset.
  std::optional<std::tm> now;
};

class ChatTemplate {
 public:
  // Throws ChatTemplateError (kSyntax) naming line:column. The source is normalised as
  // jinja2 does: \r\n and \r become \n, and one trailing newline is dropped.
  static ChatTemplate parse(std::string_view source);

  // context: a JSON object whose members become the template's variables. Key order is
  // kept (it shows in tojson and items()), hence ordered_json.
  // The same bytes as render_prompt(...).text.
  std::string render(const nlohmann::ordered_json& context,
                     const RenderOptions& options = {}) const;
  // The prompt and which of its bytes came from the context's data: string literals and the
  // template's raw text are trusted; see docs/chat-templates.md for how operations carry it.
  RenderedPrompt render_prompt(const nlohmann::ordered_json& context,
                               const RenderOptions& options = {}) const;

 private:
  std::shared_ptr<const chat_template::Template> template_;
};

// What transformers' apply_chat_template(messages, tools=..., add_generation_prompt=...,
// tokenize=False) passes to a template: messages (reasoning fields aliased as transformers
// does), tools (null when absent), documents (null), add_generation_prompt, bos_token,
// eos_token, plus every member of extra_context.
nlohmann::ordered_json chat_template_context(
    const nlohmann::ordered_json& messages, bool add_generation_prompt, std::string_view bos_token,
    std::string_view eos_token, const nlohmann::ordered_json& tools = nullptr,
    const nlohmann::ordered_json& extra_context = nlohmann::ordered_json::object());

std::string apply_chat_template(std::string_view source, const nlohmann::ordered_json& messages,
                                bool add_generation_prompt, std::string_view bos_token,
                                std::string_view eos_token,
                                const nlohmann::ordered_json& tools = nullptr,
                                const RenderOptions& options = {});

}  // namespace yak
