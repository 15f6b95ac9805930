// Chat templates: a sandboxed interpreter for the Jinja subset that Hugging Face chat
// templates use, rendering byte-identically to transformers' apply_chat_template
// (jinja2 with trim_blocks, lstrip_blocks, loop controls, raise_exception, strftime_now,
// namespace, dict, and transformers' own tojson). See docs/chat-templates.md.
//
// The template sees nothing but the context it is given: there is no file, environment or
// object-internals access, and every render is bounded in steps, output size and macro
// recursion (RenderLimits). Every syntax error, runtime error and limit violation throws
// ChatTemplateError, which names the template line and column.
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "yak/error.h"

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
};

struct RenderOptions {
  RenderLimits limits;
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
  std::string render(const nlohmann::ordered_json& context,
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
