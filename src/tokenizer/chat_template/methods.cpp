// Methods of str, dict and list that templates call, e.g. message.content.strip() or
// message.get('tool_calls'). Mutating methods are refused, as in jinja2's
// ImmutableSandboxedEnvironment.
#include <algorithm>

#include "tokenizer/chat_template/budget.h"
#include "tokenizer/chat_template/builtins.h"
#include "tokenizer/chat_template/errors.h"
#include "tokenizer/chat_template/interpreter.h"
#include "tokenizer/chat_template/pystr.h"
#include "tokenizer/chat_template/taint.h"

namespace yak::chat_template {

namespace {

using Method = Value (*)(Interpreter&, const Value& self, CallArgs& args);

std::optional<std::string> opt_str(const std::optional<Value>& v, std::string_view what) {
  if (!v || v->is_none()) return std::nullopt;
  if (!v->is_string()) runtime_error("{} must be a string or None, not {}", what, v->type_name());
  return v->str();
}

const std::string& need_str(const std::optional<Value>& v, std::string_view what) {
  if (!v) runtime_error("{}() missing a required argument", what);
  if (!v->is_string()) runtime_error("{}() argument must be str, not {}", what, v->type_name());
  return v->str();
}

// A split piece costs a Value and a string object (~128 bytes) of live memory, and a step.
size_t max_pieces(Interpreter& in) {
  const RenderBudget& b = in.budget();
  uint64_t room = b.limits().max_live_bytes - std::min(b.live_bytes(), b.limits().max_live_bytes);
  return static_cast<size_t>(std::min<uint64_t>(room / 128, b.limits().max_steps));
}

[[noreturn]] void piece_limit(Interpreter& in) {
  limit_error("split would make more pieces than {} bytes of live values hold",
              in.budget().limits().max_live_bytes);
}

// The pieces of a split, each all data when the split string holds any (conservative).
Value strings(Interpreter& in, std::vector<std::string> parts, const Value& source) {
  in.charge(parts.size());
  bool data = source.tainted();
  std::vector<Value> items;
  items.reserve(parts.size());
  for (auto& p : parts) items.push_back(Value::string_from(std::move(p), data));
  return Value::list(std::move(items));
}

Value str_strip_impl(Interpreter& in, const Value& self, CallArgs& args, bool l, bool r,
                     const char* name) {
  auto a = bind_args(name, args, {"chars"});
  in.charge_text(self.str().size());
  auto [b, e] = py::strip_range(self.str(), opt_str(a[0], "chars"), l, r);
  TaintedText out;
  out.append_slice(self, b, e);
  return out.take();
}
Value str_strip(Interpreter& in, const Value& s, CallArgs& a) {
  return str_strip_impl(in, s, a, 1, 1, "strip");
}
Value str_lstrip(Interpreter& in, const Value& s, CallArgs& a) {
  return str_strip_impl(in, s, a, 1, 0, "lstrip");
}
Value str_rstrip(Interpreter& in, const Value& s, CallArgs& a) {
  return str_strip_impl(in, s, a, 0, 1, "rstrip");
}

Value str_split_impl(Interpreter& in, const Value& self, CallArgs& args, bool right) {
  auto a = bind_args(right ? "rsplit" : "split", args, {"sep", "maxsplit"});
  auto sep = opt_str(a[0], "sep");
  if (sep && sep->empty()) runtime_error("empty separator");
  int64_t maxsplit = a[1] ? to_int(*a[1], "maxsplit") : -1;
  in.charge_text(self.str().size());
  size_t cap = max_pieces(in);
  auto parts = py::split(self.str(), sep, maxsplit, right, cap);
  if (parts.size() > cap) piece_limit(in);
  return strings(in, std::move(parts), self);
}
Value str_split(Interpreter& in, const Value& s, CallArgs& a) {
  return str_split_impl(in, s, a, false);
}
Value str_rsplit(Interpreter& in, const Value& s, CallArgs& a) {
  return str_split_impl(in, s, a, true);
}

Value str_splitlines(Interpreter& in, const Value& self, CallArgs& args) {
  auto a = bind_args("splitlines", args, {"keepends"});
  in.charge_text(self.str().size());
  size_t cap = max_pieces(in);
  auto parts = py::splitlines(self.str(), a[0] && a[0]->truthy(), cap);
  if (parts.size() > cap) piece_limit(in);
  return strings(in, std::move(parts), self);
}

Value str_affix(Interpreter& in, const Value& self, CallArgs& args, bool start, const char* name) {
  auto a = bind_args(name, args, {"prefix"});
  if (!a[0]) runtime_error("{}() takes at least 1 argument (0 given)", name);
  std::vector<Value> options =
      a[0]->is_list() && a[0]->is_tuple() ? a[0]->items() : std::vector<Value>{*a[0]};
  const std::string& s = self.str();
  for (const auto& o : options) {
    if (!o.is_string())
      runtime_error("{} first arg must be str or a tuple of str, not {}", name, o.type_name());
    const std::string& p = o.str();
    in.charge_bytes(std::min(p.size(), s.size()));
    if (p.size() <= s.size() &&
        (start ? s.compare(0, p.size(), p) == 0 : s.compare(s.size() - p.size(), p.size(), p) == 0))
      return Value::boolean(true);
  }
  return Value::boolean(false);
}
Value str_startswith(Interpreter& in, const Value& s, CallArgs& a) {
  return str_affix(in, s, a, true, "startswith");
}
Value str_endswith(Interpreter& in, const Value& s, CallArgs& a) {
  return str_affix(in, s, a, false, "endswith");
}

Value no_args(const char* name, CallArgs& args) {
  bind_args(name, args, {});
  return Value();
}
Value str_upper(Interpreter& in, const Value& s, CallArgs& a) {
  no_args("upper", a);
  return case_mapped(in, s, s.str(), py::upper);
}
Value str_lower(Interpreter& in, const Value& s, CallArgs& a) {
  no_args("lower", a);
  return case_mapped(in, s, s.str(), py::lower);
}
Value str_title(Interpreter& in, const Value& s, CallArgs& a) {
  no_args("title", a);
  return case_mapped(in, s, s.str(), py::title);
}
Value str_capitalize(Interpreter& in, const Value& s, CallArgs& a) {
  no_args("capitalize", a);
  return case_mapped(in, s, s.str(), py::capitalize);
}

Value str_replace(Interpreter& in, const Value& self, CallArgs& args) {
  auto a = bind_args("replace", args, {"old", "new", "count"});
  const std::string& old = need_str(a[0], "replace");
  const std::string& with = need_str(a[1], "replace");
  int64_t count = a[2] ? to_int(*a[2], "count") : -1;
  const std::string& s = self.str();
  uint64_t hits = 0;
  in.charge_bytes(s.size() + old.size());
  if (old.empty()) {
    hits = py::length(s) + 1;
  } else {
    for (size_t p = py::find(s, old); p != std::string::npos; p = py::find(s, old, p + old.size()))
      ++hits;
  }
  if (count >= 0) hits = std::min<uint64_t>(hits, static_cast<uint64_t>(count));
  in.charge(hits);
  if (with.size() > 0 && hits > (UINT64_MAX - s.size()) / with.size())
    limit_error("value too large");
  uint64_t size = s.size() - hits * old.size() + hits * with.size();
  in.check_value_bytes(size);
  in.charge_bytes(size);
  // Conservative: all data when the string or either argument holds data.
  return derived_string(py::replace(s, old, with, count), {&self, &*a[0], &*a[1]});
}

// The format string's own bytes keep their taint, each field brings its argument's.
Value str_format(Interpreter& in, const Value& self, CallArgs& args) {
  const std::string& f = self.str();
  TaintedText out;
  in.charge_bytes(f.size());
  size_t auto_index = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    char c = f[i];
    if (c == '}') {
      if (i + 1 < f.size() && f[i + 1] == '}')
        ++i;
      else
        runtime_error("single '}}' encountered in format string");
      out.append_slice(self, i, i + 1);
      continue;
    }
    if (c != '{') {
      size_t run = i;
      while (i + 1 < f.size() && f[i + 1] != '{' && f[i + 1] != '}') ++i;
      out.append_slice(self, run, i + 1);
      continue;
    }
    if (i + 1 < f.size() && f[i + 1] == '{') {
      out.append_slice(self, i, i + 1);
      ++i;
      continue;
    }
    size_t close = f.find('}', i);
    if (close == std::string::npos) runtime_error("single '{{' encountered in format string");
    std::string field = f.substr(i + 1, close - i - 1);
    i = close;
    char conv = 0;
    size_t bang = field.find('!');
    if (field.find(':') != std::string::npos) runtime_error("format specs are not supported");
    if (bang != std::string::npos) {
      if (bang + 2 != field.size()) runtime_error("invalid conversion in format string");
      conv = field[bang + 1];
      field.resize(bang);
    }
    const Value* v = nullptr;
    if (field.empty() || std::all_of(field.begin(), field.end(), ::isdigit)) {
      size_t idx = field.empty() ? auto_index++ : std::stoul(field.substr(0, 9));
      if (idx >= args.positional.size())
        runtime_error("Replacement index {} out of range for positional args tuple", idx);
      v = &args.positional[idx];
    } else {
      for (const auto& [k, kv] : args.keyword)
        if (k == field) v = &kv;
      if (!v) runtime_error("KeyError: '{}'", field);
    }
    if (conv == 'r') {
      std::string r = to_repr(*v);
      if (deep_tainted(*v))
        out.append_data(r);
      else
        out.append(r);
    } else {
      out.append_value(*v);
    }
    in.check_value_bytes(out.size());
    in.charge(1);
  }
  return out.take();
}

Value str_find_impl(Interpreter& in, const Value& self, CallArgs& args, bool right, bool count) {
  auto a = bind_args(count ? "count" : right ? "rfind" : "find", args, {"sub"});
  const std::string& sub = need_str(a[0], "find");
  const std::string& s = self.str();
  in.charge_bytes(s.size() + sub.size());
  if (count) {
    if (sub.empty()) return Value::integer(static_cast<int64_t>(py::length(s) + 1));
    int64_t n = 0;
    for (size_t p = py::find(s, sub); p != std::string::npos; p = py::find(s, sub, p + sub.size()))
      ++n;
    return Value::integer(n);
  }
  size_t p = right ? py::rfind(s, sub) : py::find(s, sub);
  if (p == std::string::npos) return Value::integer(-1);
  return Value::integer(static_cast<int64_t>(py::length(std::string_view(s).substr(0, p))));
}
Value str_find(Interpreter& in, const Value& s, CallArgs& a) {
  return str_find_impl(in, s, a, false, false);
}
Value str_rfind(Interpreter& in, const Value& s, CallArgs& a) {
  return str_find_impl(in, s, a, true, false);
}
Value str_count(Interpreter& in, const Value& s, CallArgs& a) {
  return str_find_impl(in, s, a, false, true);
}

Value str_join(Interpreter& in, const Value& self, CallArgs& args) {
  auto a = bind_args("join", args, {"iterable"});
  if (!a[0]) runtime_error("join() takes exactly one argument");
  TaintedText out;
  bool first = true;
  Value items = iterate(*a[0]);
  for (const auto& v : items.items()) {
    if (!v.is_string())
      runtime_error("sequence item: expected str instance, {} found", v.type_name());
    if (!first) out.append_value(self);
    out.append_value(v);
    first = false;
    in.check_value_bytes(out.size());
    in.charge(1);
  }
  in.charge_bytes(out.size());
  return out.take();
}

template <bool (*Pred)(char32_t)>
Value str_is(Interpreter& in, const Value& self, CallArgs& args) {
  bind_args("is", args, {});
  in.charge_text(self.str().size());
  std::u32string u = py::decode(self.str());
  if (u.empty()) return Value::boolean(false);
  for (char32_t c : u)
    if (!Pred(c)) return Value::boolean(false);
  return Value::boolean(true);
}
bool digit_cp(char32_t c) { return c >= '0' && c <= '9'; }
bool alpha_cp(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c > 0x7f && py::is_cased(c));
}
bool alnum_cp(char32_t c) { return digit_cp(c) || alpha_cp(c); }
bool space_cp(char32_t c) { return py::is_space(c); }

Value str_case_is(Interpreter& in, const Value& self, bool upper) {
  const std::string& s = self.str();
  in.charge_text(s.size() * 4);
  bool any_cased = false;
  for (char32_t c : py::decode(s)) {
    if (!py::is_cased(c)) continue;
    any_cased = true;
    std::string one;
    py::append_utf8(one, c);
    if ((upper ? py::upper(one) : py::lower(one)) != one) return Value::boolean(false);
  }
  return Value::boolean(any_cased);
}
Value str_isupper(Interpreter& in, const Value& s, CallArgs& a) {
  no_args("isupper", a);
  return str_case_is(in, s, true);
}
Value str_islower(Interpreter& in, const Value& s, CallArgs& a) {
  no_args("islower", a);
  return str_case_is(in, s, false);
}

Value str_removeaffix(const Value& self, CallArgs& args, bool prefix) {
  auto a = bind_args(prefix ? "removeprefix" : "removesuffix", args, {"affix"});
  const std::string& p = need_str(a[0], prefix ? "removeprefix" : "removesuffix");
  const std::string& s = self.str();
  charge_bytes(s.size());
  TaintedText out;
  if (p.size() <= s.size()) {
    if (prefix && s.compare(0, p.size(), p) == 0) {
      out.append_slice(self, p.size(), s.size());
      return out.take();
    }
    if (!prefix && s.compare(s.size() - p.size(), p.size(), p) == 0) {
      out.append_slice(self, 0, s.size() - p.size());
      return out.take();
    }
  }
  return self;
}
Value str_removeprefix(Interpreter&, const Value& s, CallArgs& a) {
  return str_removeaffix(s, a, true);
}
Value str_removesuffix(Interpreter&, const Value& s, CallArgs& a) {
  return str_removeaffix(s, a, false);
}

Value dict_get(Interpreter&, const Value& self, CallArgs& args) {
  auto a = bind_args("get", args, {"key", "default"});
  if (!a[0]) runtime_error("get expected at least 1 argument, got 0");
  if (const Value* v = self.dict_obj().find(*a[0])) return *v;
  return a[1] ? *a[1] : Value::none();
}

Value dict_items(Interpreter& in, const Value& self, CallArgs& args) {
  no_args("items", args);
  in.charge(self.dict_obj().items.size());
  std::vector<Value> out;
  for (const auto& [k, v] : self.dict_obj().items) out.push_back(Value::list({k, v}, true));
  return Value::list(std::move(out));
}

Value dict_keys(Interpreter& in, const Value& self, CallArgs& args) {
  no_args("keys", args);
  in.charge(self.dict_obj().items.size());
  return iterate(self);
}

Value dict_values(Interpreter& in, const Value& self, CallArgs& args) {
  no_args("values", args);
  in.charge(self.dict_obj().items.size());
  std::vector<Value> out;
  for (const auto& kv : self.dict_obj().items) out.push_back(kv.second);
  return Value::list(std::move(out));
}

Value dict_copy(Interpreter&, const Value& self, CallArgs& args) {
  no_args("copy", args);
  charge_steps(self.dict_obj().items.size());
  auto copy = std::make_shared<DictObj>(self.dict_obj());
  copy->kind = DictKind::kDict;
  return Value::dict(std::move(copy));
}

Value list_count(Interpreter&, const Value& self, CallArgs& args) {
  auto a = bind_args("count", args, {"value"});
  if (!a[0]) runtime_error("count() takes exactly one argument");
  int64_t n = 0;
  charge_steps(self.items().size());
  for (const auto& v : self.items()) n += equals(v, *a[0]);
  return Value::integer(n);
}

Value list_index(Interpreter&, const Value& self, CallArgs& args) {
  auto a = bind_args("index", args, {"value"});
  if (!a[0]) runtime_error("index() takes exactly one argument");
  for (size_t i = 0; i < self.items().size(); ++i)
    if (equals(self.items()[i], *a[0])) return Value::integer(static_cast<int64_t>(i));
  runtime_error("{} is not in list", to_repr(*a[0]));
}

Value list_copy(Interpreter&, const Value& self, CallArgs& args) {
  no_args("copy", args);
  charge_steps(self.items().size());
  return Value::list(self.items(), self.is_tuple());
}

struct Entry {
  std::string_view name;
  Method fn;
};

constexpr Entry kStrMethods[] = {
    {"strip", str_strip},
    {"lstrip", str_lstrip},
    {"rstrip", str_rstrip},
    {"split", str_split},
    {"rsplit", str_rsplit},
    {"splitlines", str_splitlines},
    {"startswith", str_startswith},
    {"endswith", str_endswith},
    {"upper", str_upper},
    {"lower", str_lower},
    {"title", str_title},
    {"capitalize", str_capitalize},
    {"replace", str_replace},
    {"format", str_format},
    {"find", str_find},
    {"rfind", str_rfind},
    {"count", str_count},
    {"join", str_join},
    {"isdigit", str_is<digit_cp>},
    {"isalpha", str_is<alpha_cp>},
    {"isalnum", str_is<alnum_cp>},
    {"isspace", str_is<space_cp>},
    {"isupper", str_isupper},
    {"islower", str_islower},
    {"removeprefix", str_removeprefix},
    {"removesuffix", str_removesuffix},
};
constexpr Entry kDictMethods[] = {
    {"get", dict_get},       {"items", dict_items}, {"keys", dict_keys},
    {"values", dict_values}, {"copy", dict_copy},
};
constexpr Entry kListMethods[] = {
    {"count", list_count},
    {"index", list_index},
    {"copy", list_copy},
};
constexpr std::string_view kDictMutators[] = {"pop", "popitem", "setdefault", "update", "clear"};
constexpr std::string_view kListMutators[] = {"append", "extend",  "insert", "pop",
                                              "remove", "reverse", "sort",   "clear"};

template <size_t N>
std::optional<Value> lookup_in(const Entry (&table)[N], const Value& obj, const std::string& name) {
  for (const auto& e : table) {
    if (e.name != name) continue;
    Method fn = e.fn;
    return Value::function(
        name, [obj, fn](Interpreter& in, CallArgs& args) { return fn(in, obj, args); },
        obj.depth());
  }
  return std::nullopt;
}

}  // namespace

std::optional<Value> find_method(const Value& obj, const std::string& name) {
  if (obj.is_string()) return lookup_in(kStrMethods, obj, name);
  auto unsafe = [&](const auto& mutators) -> std::optional<Value> {
    for (auto m : mutators)
      if (m == name)
        return Value::undefined("access to attribute '" + name + "' of '" + obj.type_name() +
                                "' object is unsafe.");
    return std::nullopt;
  };
  if (obj.is_mapping()) {
    if (auto m = lookup_in(kDictMethods, obj, name)) return m;
    return unsafe(kDictMutators);
  }
  if (obj.is_sequence()) {
    if (auto m = lookup_in(kListMethods, obj, name)) return m;
    if (!obj.is_tuple()) return unsafe(kListMutators);
  }
  return std::nullopt;
}

}  // namespace yak::chat_template
