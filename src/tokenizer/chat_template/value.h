// The values a template computes with: Python's None, bool, int, float, str, list/tuple
// and dict, jinja2's Undefined, namespaces, and callables. Lists and dicts are shared by
// reference as in Python; only namespaces are ever mutated (the sandbox is immutable).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace yak::chat_template {

class Value;
class Interpreter;

struct ListObj {
  std::vector<Value> items;
  bool tuple = false;
  bool generator = false;  // what jinja2's select/map/items filters return: single-use
};

enum class DictKind { kDict, kNamespace, kLoop };

// Keys are any hashable value (str, int, float, bool, None, tuple), in insertion order.
struct DictObj {
  std::vector<std::pair<Value, Value>> items;
  DictKind kind = DictKind::kDict;
  const Value* find(std::string_view key) const;
  const Value* find(const Value& key) const;
  void set(const std::string& key, Value value);
  void set(const Value& key, Value value);
};

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

using NativeFn = std::function<Value(Interpreter&, CallArgs&)>;

struct FunctionObj {
  std::string name;
  NativeFn fn;
};

class Value {
 public:
  enum class Type : uint8_t {
    kUndefined,
    kNone,
    kBool,
    kInt,
    kFloat,
    kString,
    kList,
    kDict,
    kFunction
  };

  Value() = default;  // undefined, with no hint
  static Value undefined(std::string hint);
  static Value none();
  static Value boolean(bool b);
  static Value integer(int64_t i);
  static Value number(double d);
  static Value string(std::string s);
  // markupsafe.Markup: text marked safe by |safe; `+` HTML-escapes a plain operand.
  static Value markup(std::string s);
  static Value list(std::vector<Value> items, bool tuple = false);
  static Value generator(std::vector<Value> items);
  static Value dict(std::shared_ptr<DictObj> d);
  static Value dict();
  static Value function(std::string name, NativeFn fn);
  static Value from_json(const nlohmann::ordered_json& j, int depth = 0);

  Type type() const { return type_; }
  bool is_undefined() const { return type_ == Type::kUndefined; }
  bool is_none() const { return type_ == Type::kNone; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_int() const { return type_ == Type::kInt; }
  bool is_float() const { return type_ == Type::kFloat; }
  bool is_number() const { return is_bool() || is_int() || is_float(); }
  bool is_string() const { return type_ == Type::kString; }
  bool is_markup() const { return is_string() && b_; }
  bool is_list() const { return type_ == Type::kList; }
  bool is_dict() const { return type_ == Type::kDict; }
  bool is_mapping() const { return is_dict() && dict_->kind == DictKind::kDict; }
  bool is_namespace() const { return is_dict() && dict_->kind == DictKind::kNamespace; }
  bool is_function() const { return type_ == Type::kFunction; }

  bool as_bool() const { return b_; }
  int64_t as_int() const { return is_bool() ? (b_ ? 1 : 0) : i_; }  // bools are ints
  double as_double() const { return is_float() ? f_ : static_cast<double>(as_int()); }
  const std::string& str() const { return *str_; }  // the string, or undefined's hint
  const std::vector<Value>& items() const { return list_->items; }
  bool is_tuple() const { return list_->tuple; }
  bool is_generator() const { return is_list() && list_->generator; }
  // A list, tuple or other sized sequence (generators have no len()).
  bool is_sequence() const { return is_list() && !list_->generator; }
  const DictObj& dict_obj() const { return *dict_; }
  DictObj& mutable_dict() const { return *dict_; }
  const std::shared_ptr<DictObj>& dict_ptr() const { return dict_; }
  const FunctionObj& function_obj() const { return *fn_; }
  const std::string& undefined_hint() const;

  bool truthy() const;
  // The Python type name used in error messages: 'str', 'int', 'NoneType', ...
  std::string type_name() const;

 private:
  Type type_ = Type::kUndefined;
  bool b_ = false;
  int64_t i_ = 0;
  double f_ = 0;
  std::shared_ptr<const std::string> str_;
  std::shared_ptr<ListObj> list_;
  std::shared_ptr<DictObj> dict_;
  std::shared_ptr<FunctionObj> fn_;
};

// str(value) as jinja2 prints it (Undefined prints nothing).
std::string to_str(const Value& v, int depth = 0);
// repr(value), as str() of a container shows its members.
std::string to_repr(const Value& v, int depth = 0);
bool equals(const Value& a, const Value& b, int depth = 0);
// Python's a < b; throws for unorderable types.
bool less_than(const Value& a, const Value& b, int depth = 0);
// Python's hash() must accept it to be a dict key.
bool is_hashable(const Value& v);
// The members `for` iterates over: list items, dict keys, string code points.
// Undefined iterates as empty, as jinja2's default Undefined does.
std::vector<Value> iterate(const Value& v);

inline constexpr int kMaxValueDepth = 200;

}  // namespace yak::chat_template
