#include "yak/chat_template.h"

#include <fmt/format.h>

#include <algorithm>

#include "tokenizer/chat_template/interpreter.h"
#include "tokenizer/chat_template/lexer.h"
#include "tokenizer/chat_template/parser.h"

namespace yak {

namespace {

std::string describe(ChatTemplateError::Kind kind, int line, int column, const std::string& d) {
  const char* what = kind == ChatTemplateError::Kind::kSyntax   ? "syntax error"
                     : kind == ChatTemplateError::Kind::kRaised ? "raised exception"
                     : kind == ChatTemplateError::Kind::kLimit  ? "limit exceeded"
                                                                : "error";
  return fmt::format("chat template {} at line {}, column {}: {}", what, line, column, d);
}

}  // namespace

ChatTemplateError::ChatTemplateError(Kind kind, int line, int column, std::string detail)
    : Error(describe(kind, line, column, detail)),
      kind_(kind),
      line_(line),
      column_(column),
      detail_(std::move(detail)) {}

ChatTemplate ChatTemplate::parse(std::string_view source) {
  ChatTemplate t;
  t.template_ = chat_template::parse_template(chat_template::normalize_source(source));
  return t;
}

std::string ChatTemplate::render(const nlohmann::ordered_json& context,
                                 const RenderOptions& options) const {
  return render_prompt(context, options).text;
}

namespace {

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// `messages` as the template sees it: data throughout, except role values named in
// RenderOptions::trusted_roles. Templates such as ChatGLM's build control tokens around the
// role (<|{{ item['role'] }}|>), and a known role name cannot forge a turn; any other role
// (say "user|><|system") stays data.
chat_template::Value messages_value(const nlohmann::ordered_json& messages,
                                    const RenderOptions& options) {
  if (!messages.is_array() || options.trusted_roles.empty())
    return chat_template::Value::from_json(messages, true, 1);
  std::vector<chat_template::Value> items;
  items.reserve(messages.size());
  for (const auto& m : messages) {
    if (!m.is_object()) {
      items.push_back(chat_template::Value::from_json(m, true, 2));
      continue;
    }
    auto d = std::make_shared<chat_template::DictObj>();
    d->items.reserve(m.size());
    for (const auto& [k, e] : m.items()) {
      const bool trusted_role = k == "role" && e.is_string() &&
                                contains(options.trusted_roles, e.get_ref<const std::string&>());
      d->items.emplace_back(chat_template::Value::string_from(k, true),
                            chat_template::Value::from_json(e, !trusted_role, 3));
    }
    d->track();
    items.push_back(chat_template::Value::dict(std::move(d)));
  }
  return chat_template::Value::list(std::move(items));
}

}  // namespace

RenderedPrompt ChatTemplate::render_prompt(const nlohmann::ordered_json& context,
                                           const RenderOptions& options) const {
  if (!template_)
    throw ChatTemplateError(ChatTemplateError::Kind::kRuntime, 1, 1,
                            "render called on a ChatTemplate that was never parsed");
  if (!context.is_object() && !context.is_null())
    throw ChatTemplateError(ChatTemplateError::Kind::kRuntime, 1, 1,
                            "the render context must be a JSON object");
  chat_template::Value ctx = chat_template::Value::dict();
  try {
    // Every string of a variable is data unless the variable is named trusted.
    if (context.is_object()) {
      for (const auto& [k, v] : context.items()) {
        const bool trusted = contains(options.trusted_variables, k);
        ctx.mutable_dict().append(chat_template::Value::string(k),
                                  k == "messages" && !trusted
                                      ? messages_value(v, options)
                                      : chat_template::Value::from_json(v, !trusted, 1));
      }
    }
  } catch (const chat_template::UnplacedError& e) {
    throw ChatTemplateError(e.kind(), 1, 1, e.what());
  }
  chat_template::Interpreter interpreter(options);
  try {
    return interpreter.render(*template_, ctx);
  } catch (const chat_template::UnplacedError& e) {
    throw ChatTemplateError(e.kind(), 1, 1, e.what());
  }
}

nlohmann::ordered_json chat_template_context(const nlohmann::ordered_json& messages,
                                             bool add_generation_prompt, std::string_view bos_token,
                                             std::string_view eos_token,
                                             const nlohmann::ordered_json& tools,
                                             const nlohmann::ordered_json& extra_context) {
  if (!messages.is_array()) fail("chat messages must be a JSON array");
  nlohmann::ordered_json chat = nlohmann::ordered_json::array();
  for (const auto& m : messages) {
    if (!m.is_object())
      fail("each chat message must be a JSON object, got {}",
           m.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    // apply_chat_template drops None-valued keys, then copies the reasoning under the
    // names templates read (transformers' _alias_reasoning_fields).
    nlohmann::ordered_json msg = nlohmann::ordered_json::object();
    for (const auto& [k, v] : m.items())
      if (!v.is_null()) msg[k] = v;
    const nlohmann::ordered_json* reasoning = nullptr;
    for (const char* key : {"reasoning_content", "thinking", "reasoning"}) {
      auto it = msg.find(key);
      if (it != msg.end() && !it->is_null()) {
        reasoning = &*it;
        break;
      }
    }
    if (reasoning) {
      nlohmann::ordered_json r = *reasoning;
      nlohmann::ordered_json aliased = nlohmann::ordered_json::object();
      aliased["thinking"] = r;
      for (const auto& [k, v] : msg.items()) aliased[k] = v;
      aliased["reasoning_content"] = r;
      msg = std::move(aliased);
    }
    chat.push_back(std::move(msg));
  }
  nlohmann::ordered_json ctx = nlohmann::ordered_json::object();
  ctx["bos_token"] = std::string(bos_token);
  ctx["eos_token"] = std::string(eos_token);
  if (extra_context.is_object())
    for (const auto& [k, v] : extra_context.items()) ctx[k] = v;
  ctx["messages"] = std::move(chat);
  ctx["tools"] = tools;
  ctx["documents"] = nullptr;
  ctx["add_generation_prompt"] = add_generation_prompt;
  return ctx;
}

std::string apply_chat_template(std::string_view source, const nlohmann::ordered_json& messages,
                                bool add_generation_prompt, std::string_view bos_token,
                                std::string_view eos_token, const nlohmann::ordered_json& tools,
                                const RenderOptions& options) {
  return ChatTemplate::parse(source).render(
      chat_template_context(messages, add_generation_prompt, bos_token, eos_token, tools), options);
}

}  // namespace yak
