// Operators, attribute access, filters, tests, methods and globals: the behaviour of the
// Python objects jinja2 would be working with, limited to what the immutable sandbox allows.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/chat_template/value.h"

namespace yak::chat_template {

class Interpreter;

using FilterFn = Value (*)(Interpreter&, const Value& input, CallArgs& args);
using TestFn = bool (*)(Interpreter&, const Value& input, CallArgs& args);

const FilterFn* find_filter(std::string_view name);
const TestFn* find_test(std::string_view name);

// Binds call arguments to parameter names as Python would; unknown keywords or too many
// positional arguments are errors. Missing ones are nullopt.
std::vector<std::optional<Value>> bind_args(std::string_view what, CallArgs& args,
                                            std::initializer_list<std::string_view> names);

// Throws jinja2's UndefinedError for a misused undefined value.
[[noreturn]] void undefined_error(const Value& v);

Value binary_op(Interpreter& in, const std::string& op, const Value& a, const Value& b);
bool contains(const Value& container, const Value& item);
Value get_attr(Interpreter& in, const Value& obj, const std::string& name);
Value get_item(Interpreter& in, const Value& obj, const Value& key);
Value slice(Interpreter& in, const Value& obj, const Value& start, const Value& stop,
            const Value& step);

// A bound method of a str, dict or list (unset when `name` is none of its methods).
// Methods that would mutate give an undefined value that refuses use, as the immutable
// sandbox does.
std::optional<Value> find_method(const Value& obj, const std::string& name);

// Global functions: range, namespace, dict, raise_exception, strftime_now.
void add_globals(std::vector<std::pair<std::string, Value>>& vars);

// `text` (the string form of `from`) mapped whole by a case mapping such as py::upper:
// charged for the bytes it reads, its result bounded like any value built, and all data
// when `from` holds any (a case mapping moves bytes, so its taint cannot follow per byte).
Value case_mapped(Interpreter& in, const Value& from, std::string_view text,
                  std::string (*map)(std::string_view));

// Integers as Python sees them: bools count; anything else is an error naming `what`.
int64_t to_int(const Value& v, std::string_view what);

}  // namespace yak::chat_template
