#include "serve/openai/output_constraint.h"

#include <fmt/format.h>

#include <optional>
#include <string>
#include <utility>

#include "serve/openai/api_error.h"
#include "serve/openai/fields.h"

namespace yak::serve {
namespace {

// GBNF text in one request; a grammar compiles to far more than its text, so this stays
// well below the body limit.
constexpr size_t kMaxGrammarBytes = 256 * 1024;

bool valid_schema_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-'))
      return false;
  return true;
}

// Runs a grammar build, turning what it refuses into a 400 naming the field.
template <typename Build>
std::shared_ptr<const Grammar> build(const std::string& param, Build&& make) {
  try {
    return std::make_shared<const Grammar>(make());
  } catch (const GrammarError& e) {
    throw invalid_field(param, fmt::format("'{}': {}", param, e.what()));
  }
}

std::shared_ptr<const Grammar> schema_grammar(const Json& schema, const std::string& param) {
  if (!schema.is_object() && !schema.is_boolean())
    throw invalid_field(
        param, fmt::format("'{}' must be a JSON Schema object, got {}", param, json_kind(schema)),
        "invalid_type");
  return build(param, [&] { return Grammar::from_json_schema(schema); });
}

struct Constraint {
  std::string param;
  std::shared_ptr<const Grammar> grammar;
};

std::optional<Constraint> response_format(const Json& body) {
  const Json* format = field(body, "response_format");
  if (format == nullptr) return std::nullopt;
  if (!format->is_object())
    throw invalid_field(
        "response_format",
        fmt::format("'response_format' must be an object, got {}", json_kind(*format)),
        "invalid_type");
  const std::optional<std::string> type = read_string(*format, "type", "response_format.type");
  if (!type)
    throw invalid_field("response_format.type",
                        "'response_format.type' is required: \"text\", \"json_object\" or "
                        "\"json_schema\"");
  if (*type == "text") return std::nullopt;
  if (*type == "json_object")
    return Constraint{"response_format", std::make_shared<const Grammar>(Grammar::json_object())};
  if (*type != "json_schema")
    throw invalid_field("response_format.type",
                        fmt::format("'response_format.type' must be \"text\", \"json_object\" or "
                                    "\"json_schema\", got \"{}\"",
                                    *type));
  const Json* spec = field(*format, "json_schema");
  if (spec == nullptr || !spec->is_object())
    throw invalid_field("response_format.json_schema",
                        "'response_format.json_schema' must be an object with 'name' and "
                        "'schema' when the type is \"json_schema\"",
                        spec == nullptr ? "invalid_value" : "invalid_type");
  const std::optional<std::string> name =
      read_string(*spec, "name", "response_format.json_schema.name");
  if (!name || !valid_schema_name(*name))
    throw invalid_field("response_format.json_schema.name",
                        "'response_format.json_schema.name' is required: 1 to 64 letters, "
                        "digits, '_' or '-'");
  read_string(*spec, "description", "response_format.json_schema.description");
  read_bool(*spec, "strict", "response_format.json_schema.strict");
  const Json* schema = field(*spec, "schema");
  const std::string param = "response_format.json_schema.schema";
  // OpenAI lets the schema be left out; the output is then any JSON object.
  if (schema == nullptr)
    return Constraint{param, std::make_shared<const Grammar>(Grammar::json_object())};
  return Constraint{param, schema_grammar(*schema, param)};
}

}  // namespace

std::shared_ptr<const Grammar> parse_output_constraint(const Json& body) {
  std::optional<Constraint> chosen = response_format(body);
  const auto take = [&](Constraint c) {
    if (chosen)
      throw invalid_field(c.param, fmt::format("'{}' and '{}' both constrain the output; give "
                                               "one of them",
                                               chosen->param, c.param));
    chosen = std::move(c);
  };
  if (const std::optional<std::string> text = read_string(body, "grammar", "grammar")) {
    if (text->size() > kMaxGrammarBytes)
      throw invalid_field("grammar", fmt::format("'grammar' is {} bytes long; at most {} are "
                                                 "allowed",
                                                 text->size(), kMaxGrammarBytes));
    if (!text->empty())
      take({"grammar", build("grammar", [&] { return Grammar::from_gbnf(*text); })});
  }
  if (const Json* schema = field(body, "json_schema"))
    take({"json_schema", schema_grammar(*schema, "json_schema")});
  return chosen ? chosen->grammar : nullptr;
}

}  // namespace yak::serve
