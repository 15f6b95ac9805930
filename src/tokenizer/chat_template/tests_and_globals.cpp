// jinja2's tests (`x is defined`, `x is string`, ...) and the global functions that
// transformers gives chat templates.
#include <ctime>

#include "tokenizer/chat_template/budget.h"
#include "tokenizer/chat_template/builtins.h"
#include "tokenizer/chat_template/errors.h"
#include "tokenizer/chat_template/interpreter.h"
#include "tokenizer/chat_template/pystr.h"
#include "tokenizer/chat_template/taint.h"

namespace yak::chat_template {

namespace {

bool no_args(const char* name, CallArgs& args) {
  bind_args(name, args, {});
  return true;
}

const Value& one_arg(const char* name, CallArgs& args) {
  if (args.positional.size() != 1 || !args.keyword.empty())
    runtime_error("test '{}' takes exactly one argument", name);
  return args.positional[0];
}

bool t_defined(Interpreter&, const Value& v, CallArgs& a) {
  return no_args("defined", a) && !v.is_undefined();
}
bool t_undefined(Interpreter&, const Value& v, CallArgs& a) {
  return no_args("undefined", a) && v.is_undefined();
}
bool t_none(Interpreter&, const Value& v, CallArgs& a) { return no_args("none", a) && v.is_none(); }
bool t_boolean(Interpreter&, const Value& v, CallArgs& a) {
  return no_args("boolean", a) && v.is_bool();
}
bool t_true(Interpreter&, const Value& v, CallArgs& a) {
  return no_args("true", a) && v.is_bool() && v.as_bool();
}
bool t_false(Interpreter&, const Value& v, CallArgs& a) {
  return no_args("false", a) && v.is_bool() && !v.as_bool();
}
bool t_integer(Interpreter&, const Value& v, CallArgs& a) {
  return no_args("integer", a) && v.is_int();
}
bool t_float(Interpreter&, const Value& v, CallArgs& a) {
  return no_args("float", a) && v.is_float();
}
bool t_number(Interpreter&, const Value& v, CallArgs& a) {
  return no_args("number", a) && v.is_number();
}
bool t_string(Interpreter&, const Value& v, CallArgs& a) {
  return no_args("string", a) && v.is_string();
}
bool t_mapping(Interpreter&, const Value& v, CallArgs& a) {
  return no_args("mapping", a) && v.is_mapping();
}
bool t_callable(Interpreter&, const Value& v, CallArgs& a) {
  return no_args("callable", a) && v.is_function();
}
bool t_escaped(Interpreter&, const Value&, CallArgs& a) { return !no_args("escaped", a); }

// Undefined counts as iterable and as a sequence: jinja2's Undefined has __iter__,
// __len__ and __getitem__.
bool t_iterable(Interpreter&, const Value& v, CallArgs& a) {
  no_args("iterable", a);
  return v.is_undefined() || v.is_string() || v.is_list() || v.is_mapping();
}
bool t_sequence(Interpreter&, const Value& v, CallArgs& a) {
  no_args("sequence", a);
  return v.is_undefined() || v.is_string() || v.is_sequence() || v.is_mapping();
}

bool t_eq(Interpreter&, const Value& v, CallArgs& a) { return equals(v, one_arg("eq", a)); }
bool t_ne(Interpreter&, const Value& v, CallArgs& a) { return !equals(v, one_arg("ne", a)); }
bool t_lt(Interpreter&, const Value& v, CallArgs& a) { return less_than(v, one_arg("lt", a)); }
bool t_gt(Interpreter&, const Value& v, CallArgs& a) { return less_than(one_arg("gt", a), v); }
bool t_le(Interpreter&, const Value& v, CallArgs& a) { return !less_than(one_arg("le", a), v); }
bool t_ge(Interpreter&, const Value& v, CallArgs& a) { return !less_than(v, one_arg("ge", a)); }
bool t_in(Interpreter&, const Value& v, CallArgs& a) { return contains(one_arg("in", a), v); }
bool t_sameas(Interpreter&, const Value& v, CallArgs& a) {
  const Value& o = one_arg("sameas", a);
  if (v.type() != o.type()) return false;
  if (v.is_list()) return &v.items() == &o.items();
  if (v.is_dict()) return &v.dict_obj() == &o.dict_obj();
  return equals(v, o);
}

bool t_odd(Interpreter&, const Value& v, CallArgs& a) {
  no_args("odd", a);
  return to_int(v, "odd test") % 2 != 0;
}
bool t_even(Interpreter&, const Value& v, CallArgs& a) {
  no_args("even", a);
  return to_int(v, "even test") % 2 == 0;
}
bool t_divisibleby(Interpreter&, const Value& v, CallArgs& a) {
  int64_t d = to_int(one_arg("divisibleby", a), "divisibleby");
  if (d == 0) runtime_error("integer division or modulo by zero");
  if (d == -1) return true;
  return to_int(v, "divisibleby test") % d == 0;
}
bool t_lower(Interpreter&, const Value& v, CallArgs& a) {
  no_args("lower", a);
  std::string s = to_str(v);
  charge_bytes(s.size());
  return py::lower(s) == s;
}
bool t_upper(Interpreter&, const Value& v, CallArgs& a) {
  no_args("upper", a);
  std::string s = to_str(v);
  charge_bytes(s.size());
  return py::upper(s) == s;
}

struct Entry {
  std::string_view name;
  TestFn fn;
};

constexpr Entry kTests[] = {
    {"boolean", t_boolean},
    {"callable", t_callable},
    {"defined", t_defined},
    {"divisibleby", t_divisibleby},
    {"eq", t_eq},
    {"equalto", t_eq},
    {"==", t_eq},
    {"escaped", t_escaped},
    {"even", t_even},
    {"false", t_false},
    {"float", t_float},
    {"ge", t_ge},
    {">=", t_ge},
    {"gt", t_gt},
    {"greaterthan", t_gt},
    {">", t_gt},
    {"in", t_in},
    {"integer", t_integer},
    {"iterable", t_iterable},
    {"le", t_le},
    {"<=", t_le},
    {"lower", t_lower},
    {"lt", t_lt},
    {"lessthan", t_lt},
    {"<", t_lt},
    {"mapping", t_mapping},
    {"ne", t_ne},
    {"!=", t_ne},
    {"none", t_none},
    {"number", t_number},
    {"odd", t_odd},
    {"sameas", t_sameas},
    {"sequence", t_sequence},
    {"string", t_string},
    {"true", t_true},
    {"undefined", t_undefined},
    {"upper", t_upper},
};

Value g_raise_exception(Interpreter&, CallArgs& args) {
  auto a = bind_args("raise_exception", args, {"message"});
  throw UnplacedError(ChatTemplateError::Kind::kRaised, a[0] ? to_str(*a[0]) : "");
}

// range() with the sandbox's cap of 100000 items (jinja2's MAX_RANGE).
Value g_range(Interpreter& in, CallArgs& args) {
  if (!args.keyword.empty()) runtime_error("range() takes no keyword arguments");
  const auto& p = args.positional;
  if (p.empty() || p.size() > 3) runtime_error("range expected 1 to 3 arguments, got {}", p.size());
  int64_t start = 0, stop, step = 1;
  if (p.size() == 1) {
    stop = to_int(p[0], "range() argument");
  } else {
    start = to_int(p[0], "range() argument");
    stop = to_int(p[1], "range() argument");
    if (p.size() == 3) step = to_int(p[2], "range() argument");
  }
  if (step == 0) runtime_error("range() arg 3 must not be zero");
  __int128 count = step > 0 ? (static_cast<__int128>(stop) - start + step - 1) / step
                            : (static_cast<__int128>(start) - stop - step - 1) / -step;
  if (count < 0) count = 0;
  if (count > 100000)
    runtime_error("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
  in.charge(static_cast<uint64_t>(count) + 1);
  std::vector<Value> items;
  items.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < static_cast<int64_t>(count); ++i)
    items.push_back(Value::integer(start + i * step));
  return Value::list(std::move(items));
}

// dict(mapping_or_pairs, **kwargs) into `d`.
void fill_dict(DictObj& d, CallArgs& args, const char* what) {
  if (args.positional.size() > 1) runtime_error("{} expected at most 1 argument", what);
  if (!args.positional.empty()) {
    const Value& src = args.positional[0];
    if (src.is_dict()) {
      charge_steps(src.dict_obj().items.size());
      for (const auto& [k, v] : src.dict_obj().items) d.set(k, v);
    } else if (src.is_list()) {
      charge_steps(src.items().size());
      for (const auto& pair : src.items()) {
        if (!pair.is_list() || pair.items().size() != 2 || !is_hashable(pair.items()[0]))
          runtime_error("{}: sequence elements must be (key, value) pairs", what);
        d.set(pair.items()[0], pair.items()[1]);
      }
    } else {
      runtime_error("'{}' object is not iterable", src.type_name());
    }
  }
  for (auto& [k, v] : args.keyword) d.set(k, v);
}

Value g_namespace(Interpreter& in, CallArgs& args) {
  Value ns = in.make_namespace();
  fill_dict(ns.mutable_dict(), args, "namespace");
  for (const auto& kv : ns.dict_obj().items)
    if (kv.first.is_string() && !kv.first.str().empty() && kv.first.str()[0] == '_')
      runtime_error(
          "chat templates cannot store underscore-prefixed attributes on a namespace, "
          "but got '{}'",
          kv.first.str());
  return ns;
}

Value g_dict(Interpreter&, CallArgs& args) {
  auto d = std::make_shared<DictObj>();
  fill_dict(*d, args, "dict");
  return Value::dict(std::move(d));
}

Value g_strftime_now(Interpreter& in, CallArgs& args) {
  auto a = bind_args("strftime_now", args, {"format"});
  if (!a[0] || !a[0]->is_string()) runtime_error("strftime_now() needs a format string");
  std::tm tm{};
  if (in.options().now) {
    tm = *in.options().now;
  } else {
    std::time_t t = std::time(nullptr);
    localtime_r(&t, &tm);
  }
  const std::string& f = a[0]->str();
  if (f.empty()) return Value::string("");
  in.check_value_bytes(f.size() * 16);
  in.charge_bytes(f.size() * 16);
  std::string buf(f.size() * 16 + 64, '\0');
  size_t n = std::strftime(buf.data(), buf.size(), f.c_str(), &tm);
  buf.resize(n);
  return derived_string(std::move(buf), {&*a[0]});
}

}  // namespace

const TestFn* find_test(std::string_view name) {
  for (const auto& e : kTests)
    if (e.name == name) return &e.fn;
  return nullptr;
}

void add_globals(std::vector<std::pair<std::string, Value>>& vars) {
  vars.emplace_back("raise_exception", Value::function("raise_exception", g_raise_exception));
  vars.emplace_back("range", Value::function("range", g_range));
  vars.emplace_back("namespace", Value::function("namespace", g_namespace));
  vars.emplace_back("dict", Value::function("dict", g_dict));
  vars.emplace_back("strftime_now", Value::function("strftime_now", g_strftime_now));
}

}  // namespace yak::chat_template
