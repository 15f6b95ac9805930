// The values a template computes with: Python's None, bool, int, float, str, list/tuple
// and dict, jinja2's Undefined, namespaces, and callables. Lists and dicts are shared by
// reference as in Python; only namespaces are ever mutated (the sandbox is immutable).
//
// Three render-wide guarantees live here rather than in each builtin:
// * every heap object a render makes counts toward its live bytes (Tracked), so no
//   sequence of operations holds more than RenderLimits::max_live_bytes;
// * containers record how deeply they nest and refuse to be built deeper than
//   kMaxValueDepth, and freeing them is iterative, so depth never reaches the C++ stack;
// * strings carry the byte ranges that came from the context's data (taint), empty (no
//   allocation) for the template's own text.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "yak/chat_template.h"

namespace yak::chat_template {

class Value;
class Interpreter;

inline constexpr int kMaxValueDepth = 200;

// Sorted, disjoint, non-adjacent data byte ranges of one string.
using Spans = std::vector<TextSpan>;

// A heap object charged to the render that made it for as long as it lives. Objects made
// outside a render (parsed literals, the context) are free. The epoch keeps an object from
// an earlier render on this thread from refunding the current one.
class Tracked {
 public:
  Tracked() = default;
  Tracked(const Tracked&) {}  // a copy is a new object with its own charge
  Tracked& operator=(const Tracked&) { return *this; }
  ~Tracked();
  // States the object's current heap size; throws a limit error past the live budget.
  void account(uint64_t bytes);

 private:
  uint64_t charged_ = 0;
  uint32_t epoch_ = 0;
};

struct StrObj : Tracked {
  std::string text;
  Spans spans;  // the bytes of text that are data
};

struct ListObj : Tracked {
  ~ListObj();
  std::vector<Value> items;
  bool tuple = false;
  bool generator = false;  // what jinja2's select/map/items filters return: single-use
  int depth = 1;
};

enum class DictKind { kDict, kNamespace, kLoop };

// Keys are any hashable value (str, int, float, bool, None, tuple), in insertion order.
struct DictObj : Tracked {
  DictObj() = default;
  DictObj(const DictObj& other);
  ~DictObj();
  std::vector<std::pair<Value, Value>> items;
  DictKind kind = DictKind::kDict;
  int depth = 1;
  const Value* find(std::string_view key) const;
  const Value* find(const Value& key) const;
  void set(const std::string& key, Value value);
  void set(const Value& key, Value value);
  // Adds without looking for an existing key (the caller knows it is new).
  void append(Value key, Value value);
  // Re-states the heap size and depth after items were added directly; throws past the
  // limits.
  void track();
  // Raises depth for a new member; throws when it would pass kMaxValueDepth.
  void note_depth(const Value& member);
};

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

using NativeFn = std::function<Value(Interpreter&, CallArgs&)>;

struct FunctionObj : Tracked {
  ~FunctionObj();
  std::string name;
  NativeFn fn;
  int depth = 1;  // a bound method nests the object it is bound to
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
  static Value string(std::string s, Spans spans = {});
  // A string all of whose bytes are data when `data`, none otherwise.
  static Value string_from(std::string s, bool data);
  // markupsafe.Markup: text marked safe by |safe; `+` HTML-escapes a plain operand.
  static Value markup(std::string s, Spans spans = {});
  static Value list(std::vector<Value> items, bool tuple = false);
  static Value generator(std::vector<Value> items);
  static Value dict(std::shared_ptr<DictObj> d);
  static Value dict();
  // `captured_depth`: the depth of the values the function holds (a bound method's object).
  static Value function(std::string name, NativeFn fn, int captured_depth = 0);
  // `data`: whether its strings (dict keys too) are data rather than trusted text.
  static Value from_json(const nlohmann::ordered_json& j, bool data = false, int depth = 0);

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
  bool is_mapping() const { return is_dict() && dict_obj().kind == DictKind::kDict; }
  bool is_namespace() const { return is_dict() && dict_obj().kind == DictKind::kNamespace; }
  bool is_function() const { return type_ == Type::kFunction; }

  bool as_bool() const { return b_; }
  int64_t as_int() const { return is_bool() ? (b_ ? 1 : 0) : i_; }  // bools are ints
  double as_double() const { return is_float() ? f_ : static_cast<double>(as_int()); }
  const std::string& str() const { return obj<StrObj>().text; }  // or undefined's hint
  // The data byte ranges of a string (empty for trusted text).
  const Spans& spans() const { return obj<StrObj>().spans; }
  bool tainted() const { return is_string() && !spans().empty(); }
  const std::vector<Value>& items() const { return obj<ListObj>().items; }
  bool is_tuple() const { return obj<ListObj>().tuple; }
  bool is_generator() const { return is_list() && obj<ListObj>().generator; }
  // A list, tuple or other sized sequence (generators have no len()).
  bool is_sequence() const { return is_list() && !obj<ListObj>().generator; }
  const DictObj& dict_obj() const { return obj<DictObj>(); }
  DictObj& mutable_dict() const { return *static_cast<DictObj*>(ptr_.get()); }
  const FunctionObj& function_obj() const { return obj<FunctionObj>(); }
  const std::string& undefined_hint() const;
  // Identity of a list, dict or function (Python's `is`).
  const void* identity() const { return ptr_.get(); }
  // How deeply containers nest in this value: 0 for scalars and strings.
  int depth() const;

  bool truthy() const;
  // The Python type name used in error messages: 'str', 'int', 'NoneType', ...
  std::string type_name() const;

 private:
  friend void bury(Value& v);
  template <typename T>
  const T& obj() const {
    return *static_cast<const T*>(ptr_.get());
  }

  Type type_ = Type::kUndefined;
  bool b_ = false;  // the bool, or whether a string is Markup
  union {
    int64_t i_ = 0;
    double f_;
  };
  // StrObj (strings, undefined's hint), ListObj, DictObj or FunctionObj by type_.
  std::shared_ptr<void> ptr_;
};

// str(value) as jinja2 prints it (Undefined prints nothing).
std::string to_str(const Value& v, int depth = 0);
// repr(value), as str() of a container shows its members.
std::string to_repr(const Value& v, int depth = 0);
bool equals(const Value& a, const Value& b, int depth = 0);
// Python's a < b; throws for unorderable types.
bool less_than(const Value& a, const Value& b, int depth = 0);
// Python's hash() must accept it to be a dict key.
bool is_hashable(const Value& v, int depth = 0);
// Whether any string in the value (dict keys included) holds data.
bool deep_tainted(const Value& v, int depth = 0);
// The members `for` iterates over, as a list: list items (the list itself), dict keys,
// string code points (each keeping its bytes' taint). Undefined iterates as empty, as
// jinja2's default Undefined does. Charged to the render's steps and live bytes.
Value iterate(const Value& v);

}  // namespace yak::chat_template
