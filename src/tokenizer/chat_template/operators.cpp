// Arithmetic, membership, attribute and item access with Python's and jinja2's rules.
#include <cmath>

#include "tokenizer/chat_template/builtins.h"
#include "tokenizer/chat_template/errors.h"
#include "tokenizer/chat_template/interpreter.h"
#include "tokenizer/chat_template/pystr.h"

namespace yak::chat_template {

void undefined_error(const Value& v) {
  const std::string& hint = v.undefined_hint();
  runtime_error("{}", hint.empty() ? std::string("value is undefined") : hint);
}

int64_t to_int(const Value& v, std::string_view what) {
  if (v.is_int() || v.is_bool()) return v.as_int();
  if (v.is_undefined()) undefined_error(v);
  runtime_error("{} must be an integer, not '{}'", what, v.type_name());
}

std::vector<std::optional<Value>> bind_args(std::string_view what, CallArgs& args,
                                            std::initializer_list<std::string_view> names) {
  std::vector<std::optional<Value>> out(names.size());
  if (args.positional.size() > names.size())
    runtime_error("{}() takes at most {} arguments ({} given)", what, names.size(),
                  args.positional.size());
  for (size_t i = 0; i < args.positional.size(); ++i) out[i] = args.positional[i];
  for (auto& [name, v] : args.keyword) {
    size_t i = 0;
    for (auto n : names) {
      if (n == name) break;
      ++i;
    }
    if (i == names.size())
      runtime_error("{}() got an unexpected keyword argument '{}'", what, name);
    if (out[i]) runtime_error("{}() got multiple values for argument '{}'", what, name);
    out[i] = v;
  }
  return out;
}

namespace {

template <typename Op>
int64_t checked(Op op, int64_t a, int64_t b) {
  int64_t r = 0;
  if (op(a, b, &r)) runtime_error("integer overflow");
  return r;
}
bool add_ovf(int64_t a, int64_t b, int64_t* r) { return __builtin_add_overflow(a, b, r); }
bool sub_ovf(int64_t a, int64_t b, int64_t* r) { return __builtin_sub_overflow(a, b, r); }
bool mul_ovf(int64_t a, int64_t b, int64_t* r) { return __builtin_mul_overflow(a, b, r); }

double floor_mod(double a, double b) {
  double m = std::fmod(a, b);
  if (m != 0 && ((m < 0) != (b < 0))) m += b;
  return m;
}

// printf-style `str % args`, for %s %r %d %i %f %%.
std::string percent_format(Interpreter& in, const std::string& fmt, const Value& args) {
  std::vector<Value> values =
      args.is_list() && args.is_tuple() ? args.items() : std::vector<Value>{args};
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out.push_back(fmt[i]);
      continue;
    }
    if (++i >= fmt.size()) runtime_error("incomplete format");
    char c = fmt[i];
    if (c == '%') {
      out.push_back('%');
      continue;
    }
    if (next >= values.size()) runtime_error("not enough arguments for format string");
    const Value& v = values[next++];
    switch (c) {
      case 's':
        out += to_str(v);
        break;
      case 'r':
        out += to_repr(v);
        break;
      case 'd':
      case 'i':
        if (!v.is_number()) runtime_error("%{} format: a real number is required", c);
        out += std::to_string(v.is_float() ? static_cast<int64_t>(v.as_double()) : v.as_int());
        break;
      case 'f': {
        if (!v.is_number()) runtime_error("%f format: a real number is required");
        char buf[64];
        std::snprintf(buf, sizeof buf, "%f", v.as_double());
        out += buf;
        break;
      }
      default:
        runtime_error("unsupported format character '{}'", std::string(1, c));
    }
    in.check_value_bytes(out.size());
  }
  if (next < values.size()) runtime_error("not all arguments converted during string formatting");
  return out;
}

}  // namespace

Value binary_op(Interpreter& in, const std::string& op, const Value& a, const Value& b) {
  if (op == "~") {
    std::string l = to_str(a), r = to_str(b);
    in.check_value_bytes(l.size() + r.size());
    in.charge_bytes(l.size() + r.size());
    return Value::string(l + r);
  }
  if (a.is_undefined()) undefined_error(a);
  if (b.is_undefined()) undefined_error(b);
  bool nums = a.is_number() && b.is_number();
  bool fl = nums && (a.is_float() || b.is_float());
  if (op == "+") {
    if (nums) {
      if (fl) return Value::number(a.as_double() + b.as_double());
      return Value::integer(checked(add_ovf, a.as_int(), b.as_int()));
    }
    if (a.is_string() && b.is_string()) {
      in.check_value_bytes(a.str().size() + b.str().size());
      in.charge_bytes(a.str().size() + b.str().size());
      if (a.is_markup() != b.is_markup()) {  // Markup escapes the plain side
        std::string l = a.is_markup() ? a.str() : py::html_escape(a.str());
        std::string r = b.is_markup() ? b.str() : py::html_escape(b.str());
        in.check_value_bytes(l.size() + r.size());
        return Value::markup(l + r);
      }
      if (a.is_markup()) return Value::markup(a.str() + b.str());
      return Value::string(a.str() + b.str());
    }
    if (a.is_sequence() && b.is_sequence() && a.is_tuple() == b.is_tuple()) {
      in.charge(a.items().size() + b.items().size());
      std::vector<Value> items = a.items();
      items.insert(items.end(), b.items().begin(), b.items().end());
      return Value::list(std::move(items), a.is_tuple());
    }
    if (a.is_string() || a.is_list())
      runtime_error("can only concatenate {} (not \"{}\") to {}", a.type_name(), b.type_name(),
                    a.type_name());
  } else if (op == "-") {
    if (fl) return Value::number(a.as_double() - b.as_double());
    if (nums) return Value::integer(checked(sub_ovf, a.as_int(), b.as_int()));
  } else if (op == "*") {
    if (fl) return Value::number(a.as_double() * b.as_double());
    if (nums) return Value::integer(checked(mul_ovf, a.as_int(), b.as_int()));
    const Value* seq = (a.is_string() || a.is_list()) ? &a : &b;
    const Value* count = seq == &a ? &b : &a;
    if ((seq->is_string() || seq->is_sequence()) && (count->is_int() || count->is_bool())) {
      int64_t n = std::max<int64_t>(0, count->as_int());
      uint64_t unit = seq->is_string() ? seq->str().size() : seq->items().size() * 16;
      if (unit > 0 && static_cast<uint64_t>(n) > (UINT64_MAX / unit))
        limit_error("value too large");
      in.check_value_bytes(unit * static_cast<uint64_t>(n));
      in.charge_bytes(unit * static_cast<uint64_t>(n));
      if (seq->is_string()) {
        std::string out;
        out.reserve(seq->str().size() * static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i) out += seq->str();
        return Value::string(std::move(out));
      }
      std::vector<Value> items;
      for (int64_t i = 0; i < n; ++i)
        items.insert(items.end(), seq->items().begin(), seq->items().end());
      return Value::list(std::move(items), seq->is_tuple());
    }
  } else if (op == "/") {
    if (nums) {
      if (b.as_double() == 0) runtime_error("division by zero");
      return Value::number(a.as_double() / b.as_double());
    }
  } else if (op == "//") {
    if (nums) {
      if (b.as_double() == 0) runtime_error("integer division or modulo by zero");
      if (fl) return Value::number(std::floor(a.as_double() / b.as_double()));
      int64_t x = a.as_int(), y = b.as_int();
      if (x == INT64_MIN && y == -1) runtime_error("integer overflow");
      int64_t q = x / y;
      if ((x % y != 0) && ((x < 0) != (y < 0))) --q;
      return Value::integer(q);
    }
  } else if (op == "%") {
    if (a.is_string()) return Value::string(percent_format(in, a.str(), b));
    if (nums) {
      if (b.as_double() == 0) runtime_error("integer division or modulo by zero");
      if (fl) return Value::number(floor_mod(a.as_double(), b.as_double()));
      int64_t x = a.as_int(), y = b.as_int();
      if (y == -1) return Value::integer(0);
      int64_t m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) m += y;
      return Value::integer(m);
    }
  } else if (op == "**") {
    if (nums) {
      if (fl || b.as_int() < 0) return Value::number(std::pow(a.as_double(), b.as_double()));
      int64_t base = a.as_int(), e = b.as_int(), acc = 1;
      while (e > 0) {
        if (e & 1) acc = checked(mul_ovf, acc, base);
        e >>= 1;
        if (e > 0) base = checked(mul_ovf, base, base);
      }
      return Value::integer(acc);
    }
  }
  runtime_error("unsupported operand type(s) for {}: '{}' and '{}'", op, a.type_name(),
                b.type_name());
}

bool contains(const Value& container, const Value& item) {
  switch (container.type()) {
    case Value::Type::kUndefined:
      return false;
    case Value::Type::kString:
      if (!item.is_string())
        runtime_error("'in <string>' requires string as left operand, not {}", item.type_name());
      return container.str().find(item.str()) != std::string::npos;
    case Value::Type::kList:
      for (const auto& v : container.items())
        if (equals(v, item)) return true;
      return false;
    case Value::Type::kDict:
      if (container.dict_obj().kind == DictKind::kDict)
        return is_hashable(item) && container.dict_obj().find(item) != nullptr;
      break;
    default:
      break;
  }
  runtime_error("argument of type '{}' is not iterable", container.type_name());
}

namespace {

std::string owner_name(const Value& obj) {
  return obj.is_none() ? "'None'" : "'" + obj.type_name() + " object'";
}

}  // namespace

Value get_attr(Interpreter& in, const Value& obj, const std::string& name) {
  if (obj.is_undefined()) undefined_error(obj);
  if (obj.is_string() || obj.is_list() || obj.is_mapping()) {
    if (auto m = find_method(obj, name)) return *m;
  }
  if (obj.is_dict()) {
    if (const Value* v = obj.dict_obj().find(name)) return *v;
  }
  return Value::undefined(owner_name(obj) + " has no attribute '" + name + "'");
}

namespace {

bool index_of(int64_t i, size_t size, size_t* out) {
  if (i < 0) i += static_cast<int64_t>(size);
  if (i < 0 || i >= static_cast<int64_t>(size)) return false;
  *out = static_cast<size_t>(i);
  return true;
}

}  // namespace

Value get_item(Interpreter& in, const Value& obj, const Value& key) {
  if (obj.is_undefined()) undefined_error(obj);
  bool int_key = key.is_int() || key.is_bool();
  size_t idx = 0;
  if (obj.is_generator()) return Value::undefined("'generator' object is not subscriptable");
  if (obj.is_list() && int_key) {
    if (index_of(key.as_int(), obj.items().size(), &idx)) return obj.items()[idx];
    return Value::undefined(owner_name(obj) + " has no element " + std::to_string(key.as_int()));
  }
  if (obj.is_string() && int_key) {
    std::u32string u = py::decode(obj.str());
    if (index_of(key.as_int(), u.size(), &idx)) return Value::string(py::encode(u.substr(idx, 1)));
    return Value::undefined(owner_name(obj) + " has no element " + std::to_string(key.as_int()));
  }
  if (obj.is_dict() && is_hashable(key)) {
    if (const Value* v = obj.dict_obj().find(key)) return *v;
  }
  if (key.is_string()) return get_attr(in, obj, key.str());
  return Value::undefined(owner_name(obj) + " has no element " + to_repr(key));
}

Value slice(Interpreter& in, const Value& obj, const Value& start, const Value& stop,
            const Value& step) {
  if (obj.is_undefined()) undefined_error(obj);
  if (!obj.is_sequence() && !obj.is_string())
    return Value::undefined(owner_name(obj) + " is not subscriptable");
  int64_t st = step.is_none() ? 1 : to_int(step, "slice step");
  if (st == 0) runtime_error("slice step cannot be zero");
  std::u32string u;
  int64_t len;
  if (obj.is_string()) {
    u = py::decode(obj.str());
    len = static_cast<int64_t>(u.size());
  } else {
    len = static_cast<int64_t>(obj.items().size());
  }
  in.charge(static_cast<uint64_t>(len));
  auto adjust = [&](const Value& v, int64_t dflt, bool is_start) {
    if (v.is_none()) return dflt;
    int64_t i = to_int(v, "slice index");
    if (i < 0) {
      i += len;
      if (i < 0) i = st < 0 ? -1 : 0;
    } else if (i >= len) {
      i = st < 0 ? len - 1 : len;
    }
    (void)is_start;
    return i;
  };
  int64_t b = adjust(start, st < 0 ? len - 1 : 0, true);
  int64_t e = adjust(stop, st < 0 ? -1 : len, false);
  std::vector<int64_t> picks;
  if (st > 0) {
    for (int64_t i = b; i < e; i += st) picks.push_back(i);
  } else {
    for (int64_t i = b; i > e; i += st) picks.push_back(i);
  }
  if (obj.is_string()) {
    std::u32string out;
    for (int64_t i : picks) out.push_back(u[static_cast<size_t>(i)]);
    return Value::string(py::encode(out));
  }
  std::vector<Value> items;
  for (int64_t i : picks) items.push_back(obj.items()[static_cast<size_t>(i)]);
  return Value::list(std::move(items), obj.is_tuple());
}

}  // namespace yak::chat_template
