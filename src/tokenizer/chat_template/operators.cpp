// Arithmetic, membership, attribute and item access with Python's and jinja2's rules.
#include <cmath>

#include "tokenizer/chat_template/budget.h"
#include "tokenizer/chat_template/builtins.h"
#include "tokenizer/chat_template/errors.h"
#include "tokenizer/chat_template/interpreter.h"
#include "tokenizer/chat_template/pystr.h"
#include "tokenizer/chat_template/taint.h"

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

// printf-style `str % args`, for %s %r %d %i %f %%. The format's own bytes keep their
// taint and %s arguments bring theirs; %r of data is all data.
Value percent_format(Interpreter& in, const Value& fmt_value, const Value& args) {
  const std::string& fmt = fmt_value.str();
  std::vector<Value> values =
      args.is_list() && args.is_tuple() ? args.items() : std::vector<Value>{args};
  TaintedText out;
  size_t next = 0;
  size_t run = 0;  // start of the literal run not yet copied
  auto flush = [&](size_t end) { out.append_slice(fmt_value, run, end); };
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') continue;
    flush(i);
    if (++i >= fmt.size()) runtime_error("incomplete format");
    run = i + 1;
    char c = fmt[i];
    if (c == '%') {
      out.append_slice(fmt_value, i, i + 1);
      continue;
    }
    if (next >= values.size()) runtime_error("not enough arguments for format string");
    const Value& v = values[next++];
    switch (c) {
      case 's':
        out.append_value(v);
        break;
      case 'r': {
        std::string r = to_repr(v);
        if (deep_tainted(v))
          out.append_data(r);
        else
          out.append(r);
        break;
      }
      case 'd':
      case 'i': {
        if (!v.is_number()) runtime_error("%{} format: a real number is required", c);
        if (v.is_float()) {
          double d = v.as_double();
          if (!std::isfinite(d)) runtime_error("cannot convert float {} to integer", d);
          char buf[400];
          std::snprintf(buf, sizeof buf, "%.0f", std::trunc(d));
          out.append(buf);
        } else {
          out.append(std::to_string(v.as_int()));
        }
        break;
      }
      case 'f': {
        if (!v.is_number()) runtime_error("%f format: a real number is required");
        char buf[400];
        std::snprintf(buf, sizeof buf, "%f", v.as_double());
        out.append(buf);
        break;
      }
      default:  // widths and precisions ('%1000000000s') included: refused, not padded
        runtime_error("unsupported format character '{}'", std::string(1, c));
    }
    in.check_value_bytes(out.size());
  }
  flush(fmt.size());
  in.check_value_bytes(out.size());
  in.charge_bytes(out.size());
  if (next < values.size()) runtime_error("not all arguments converted during string formatting");
  return out.take();
}

}  // namespace

namespace {

Value concat_strings(Interpreter& in, const Value& a, const Value& b) {
  in.check_value_bytes(a.str().size() + b.str().size());
  in.charge_bytes(a.str().size() + b.str().size());
  if (a.is_markup() != b.is_markup()) {  // Markup escapes the plain side
    TaintedText out;
    for (const Value* v : {&a, &b}) {
      if (v->is_markup()) {
        out.append_value(*v);
      } else {
        std::string e = py::html_escape(v->str());
        in.check_value_bytes(out.size() + e.size());
        if (v->tainted())
          out.append_data(e);
        else
          out.append(e);
      }
    }
    in.check_value_bytes(out.size());
    return out.take(/*markup=*/true);
  }
  TaintedText out;
  out.mutable_text().reserve(a.str().size() + b.str().size());
  out.append_value(a);
  out.append_value(b);
  return out.take(a.is_markup());
}

Value repeat(Interpreter& in, const Value& seq, int64_t count) {
  uint64_t n = static_cast<uint64_t>(std::max<int64_t>(0, count));
  // The count is charged like bytes even when the sequence is empty, so '' * 10**18 is
  // refused rather than free; an empty result is then made without looping.
  in.charge_bytes(n);
  uint64_t unit = seq.is_string() ? seq.str().size() : seq.items().size() * sizeof(Value);
  if (unit > 0 && n > UINT64_MAX / unit) limit_error("value too large");
  in.check_value_bytes(unit * n);
  in.charge_bytes(unit * n);
  if (unit == 0) return seq.is_string() ? Value::string("") : Value::list({}, seq.is_tuple());
  if (seq.is_string()) {
    TaintedText out;
    out.mutable_text().reserve(unit * n);
    for (uint64_t i = 0; i < n; ++i) out.append_value(seq);
    return out.take(seq.is_markup());
  }
  std::vector<Value> items;
  items.reserve(seq.items().size() * n);
  for (uint64_t i = 0; i < n; ++i)
    items.insert(items.end(), seq.items().begin(), seq.items().end());
  return Value::list(std::move(items), seq.is_tuple());
}

}  // namespace

Value binary_op(Interpreter& in, const std::string& op, const Value& a, const Value& b) {
  if (op == "~") {
    TaintedText out;
    if (a.is_string() && b.is_string()) {
      in.check_value_bytes(a.str().size() + b.str().size());
      out.mutable_text().reserve(a.str().size() + b.str().size());
    }
    out.append_value(a);
    in.check_value_bytes(out.size());
    out.append_value(b);
    in.check_value_bytes(out.size());
    in.charge_bytes(out.size());
    return out.take();
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
    if (a.is_string() && b.is_string()) return concat_strings(in, a, b);
    if (a.is_sequence() && b.is_sequence() && a.is_tuple() == b.is_tuple()) {
      in.charge(a.items().size() + b.items().size() + 1);
      in.check_value_bytes((a.items().size() + b.items().size()) * sizeof(Value));
      std::vector<Value> items;
      items.reserve(a.items().size() + b.items().size());
      items.insert(items.end(), a.items().begin(), a.items().end());
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
    if ((seq->is_string() || seq->is_sequence()) && (count->is_int() || count->is_bool()))
      return repeat(in, *seq, count->as_int());
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
    if (a.is_string()) return percent_format(in, a, b);
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
      if (fl || b.as_int() < 0) {
        if (a.as_double() == 0 && b.as_double() < 0)
          runtime_error("0.0 cannot be raised to a negative power");
        return Value::number(std::pow(a.as_double(), b.as_double()));
      }
      // Ints are 64-bit here (Python's are unbounded): a result that does not fit is an
      // error. Squaring at most 63 times keeps it cheap for any exponent.
      int64_t base = a.as_int(), e = b.as_int(), acc = 1;
      if (base == 0 || base == 1) return Value::integer(e == 0 ? 1 : base);
      if (base == -1) return Value::integer(e % 2 ? -1 : 1);
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
      charge_bytes(container.str().size() + item.str().size());
      return py::find(container.str(), item.str()) != std::string::npos;
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
    const std::string& s = obj.str();
    bool ascii = py::is_ascii(s);
    charge_bytes(s.size());
    if (!ascii) charge_text(s.size());
    if (index_of(key.as_int(), ascii ? s.size() : py::length(s), &idx)) {
      size_t b = 0;
      if (ascii) {
        b = idx;
      } else {
        for (size_t k = 0; k < idx; ++k) b += py::code_point_bytes(s, b);
      }
      TaintedText out;
      out.append_slice(obj, b, b + py::code_point_bytes(s, b));
      return out.take();
    }
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
  if (st < -INT64_MAX) st = -INT64_MAX;  // so that -st does not overflow; same slice
  // Code point i of a string starts at byte starts[i] (identity for ASCII, so no table).
  std::vector<uint32_t> starts;
  int64_t len;
  if (obj.is_string()) {
    const std::string& str = obj.str();
    if (!py::is_ascii(str)) {
      for (size_t i = 0; i < str.size(); i += py::code_point_bytes(str, i))
        starts.push_back(static_cast<uint32_t>(i));
      len = static_cast<int64_t>(starts.size());
    } else {
      len = static_cast<int64_t>(str.size());
    }
    starts.push_back(static_cast<uint32_t>(str.size()));  // the end, for the last one
    in.charge_bytes(str.size());
    if (starts.size() > 1) in.charge_text(str.size());
  } else {
    len = static_cast<int64_t>(obj.items().size());
  }
  in.charge(static_cast<uint64_t>(len));
  auto adjust = [&](const Value& v, int64_t dflt) {
    if (v.is_none()) return dflt;
    int64_t i = to_int(v, "slice index");
    if (i < 0) {
      i = i < -len ? (st < 0 ? -1 : 0) : i + len;
    } else if (i >= len) {
      i = st < 0 ? len - 1 : len;
    }
    return i;
  };
  int64_t b = adjust(start, st < 0 ? len - 1 : 0);
  int64_t e = adjust(stop, st < 0 ? -1 : len);
  auto each = [&](auto&& fn) {
    if (st > 0) {
      for (int64_t i = b; i < e; i += st) {
        fn(static_cast<size_t>(i));
        if (st > e - i) break;  // i + st would overflow or pass e anyway
      }
    } else {
      for (int64_t i = b; i > e; i += st) {
        fn(static_cast<size_t>(i));
        if (-st > i - e) break;
      }
    }
  };
  if (obj.is_string()) {
    bool ascii = starts.size() == 1;
    TaintedText out;
    if (st == 1 && b < e) {  // one contiguous run keeps spans cheaply
      size_t from = ascii ? static_cast<size_t>(b) : starts[static_cast<size_t>(b)];
      size_t to = ascii ? static_cast<size_t>(e) : starts[static_cast<size_t>(e)];
      out.append_slice(obj, from, to);
      return out.take();
    }
    each([&](size_t i) {
      size_t from = ascii ? i : starts[i];
      size_t to = ascii ? i + 1 : starts[i + 1];
      out.append_slice(obj, from, to);
    });
    return out.take();
  }
  std::vector<Value> items;
  each([&](size_t i) { items.push_back(obj.items()[i]); });
  return Value::list(std::move(items), obj.is_tuple());
}

}  // namespace yak::chat_template
