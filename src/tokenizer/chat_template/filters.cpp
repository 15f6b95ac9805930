// jinja2's built-in filters that chat templates use, plus transformers' tojson.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "tokenizer/chat_template/budget.h"
#include "tokenizer/chat_template/builtins.h"
#include "tokenizer/chat_template/errors.h"
#include "tokenizer/chat_template/interpreter.h"
#include "tokenizer/chat_template/json_dump.h"
#include "tokenizer/chat_template/pystr.h"
#include "tokenizer/chat_template/taint.h"

namespace yak::chat_template {

Value case_mapped(Interpreter& in, const Value& from, std::string_view text,
                  std::string (*map)(std::string_view)) {
  in.charge_text(text.size());
  std::string r = map(text);
  in.check_value_bytes(r.size());
  return derived_string(std::move(r), {&from});
}

namespace {

bool opt_truthy(const std::optional<Value>& v) { return v && v->truthy(); }

Value f_default(Interpreter&, const Value& in, CallArgs& args) {
  auto a = bind_args("default", args, {"default_value", "boolean"});
  bool use_default = in.is_undefined() || (opt_truthy(a[1]) && !in.truthy());
  if (!use_default) return in;
  return a[0] ? *a[0] : Value::string("");
}

Value f_length(Interpreter& it, const Value& in, CallArgs& args) {
  bind_args("length", args, {});
  switch (in.type()) {
    case Value::Type::kUndefined:
      return Value::integer(0);
    case Value::Type::kString:
      it.charge_bytes(in.str().size());
      return Value::integer(static_cast<int64_t>(py::length(in.str())));
    case Value::Type::kList:
      if (in.is_generator()) break;
      return Value::integer(static_cast<int64_t>(in.items().size()));
    case Value::Type::kDict:
      if (in.is_mapping()) return Value::integer(static_cast<int64_t>(in.dict_obj().items.size()));
      break;
    default:
      break;
  }
  runtime_error("object of type '{}' has no len()", in.type_name());
}

Value f_tojson(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = bind_args("tojson", args, {"ensure_ascii", "indent", "separators", "sort_keys"});
  JsonDumpOptions o;
  o.ensure_ascii = opt_truthy(a[0]);
  if (a[1] && !a[1]->is_none()) {
    if (a[1]->is_string()) {
      o.indent = a[1]->str();
    } else {
      int64_t n = to_int(*a[1], "indent");
      if (n > 1024) runtime_error("indent too large");
      o.indent = std::string(static_cast<size_t>(std::max<int64_t>(0, n)), ' ');
    }
    o.item_separator = ",";
  }
  if (a[2] && !a[2]->is_none()) {
    if (!a[2]->is_list() || a[2]->items().size() != 2 || !a[2]->items()[0].is_string() ||
        !a[2]->items()[1].is_string())
      runtime_error("separators must be a pair of strings");
    o.item_separator = a[2]->items()[0].str();
    o.key_separator = a[2]->items()[1].str();
  }
  o.sort_keys = opt_truthy(a[3]);
  std::string s = json_dumps(v, o, in.options().limits.max_value_bytes);
  in.charge_bytes(s.size());
  // Conservative: all data when any string in v is, since escaping moves bytes.
  return derived_string(std::move(s), {&v});
}

Value f_trim(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = bind_args("trim", args, {"chars"});
  std::optional<std::string> chars;
  if (a[0] && !a[0]->is_none()) chars = to_str(*a[0]);
  Value s = v.is_string() ? v : derived_string(to_str(v), {&v});
  in.charge_text(s.str().size());
  auto [b, e] = py::strip_range(s.str(), chars, true, true);
  TaintedText out;
  out.append_slice(s, b, e);
  return out.take();
}

Value f_string(Interpreter&, const Value& in, CallArgs& args) {
  bind_args("string", args, {});
  return in.is_string() ? in : derived_string(to_str(in), {&in});
}

Value f_upper(Interpreter& it, const Value& in, CallArgs& args) {
  bind_args("upper", args, {});
  return case_mapped(it, in, to_str(in), py::upper);
}

Value f_lower(Interpreter& it, const Value& in, CallArgs& args) {
  bind_args("lower", args, {});
  return case_mapped(it, in, to_str(in), py::lower);
}

Value f_capitalize(Interpreter& it, const Value& in, CallArgs& args) {
  bind_args("capitalize", args, {});
  return case_mapped(it, in, to_str(in), py::capitalize);
}

// jinja2's title filter: words start after whitespace or one of -({[<.
Value f_title(Interpreter& it, const Value& in, CallArgs& args) {
  bind_args("title", args, {});
  std::string src = to_str(in);
  it.charge_text(src.size() * 4);
  std::u32string u = py::decode(src);
  std::string out;
  bool start = true;
  for (char32_t c : u) {
    bool sep = py::is_space(c) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<';
    std::string one;
    py::append_utf8(one, c);
    out += sep ? one : start ? py::upper(one) : py::lower(one);
    start = sep;
  }
  it.check_value_bytes(out.size());
  return derived_string(std::move(out), {&in});
}

Value f_replace(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = bind_args("replace", args, {"old", "new", "count"});
  if (!a[0] || !a[1]) runtime_error("replace() missing required arguments");
  CallArgs inner;
  inner.positional = {a[0]->is_string() ? *a[0] : derived_string(to_str(*a[0]), {&*a[0]}),
                      a[1]->is_string() ? *a[1] : derived_string(to_str(*a[1]), {&*a[1]})};
  if (a[2] && !a[2]->is_none()) inner.positional.push_back(*a[2]);
  auto m = find_method(v.is_string() ? v : derived_string(to_str(v), {&v}), "replace");
  return in.call(*m, inner);
}

// The items of `in`, or of attribute `attr` of each (a dotted path), for map/sort/...
Value attribute_of(Interpreter& in, const Value& item, const std::string& attr) {
  Value v = item;
  size_t start = 0;
  while (true) {
    size_t dot = attr.find('.', start);
    std::string part =
        attr.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool numeric = !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit);
    v = numeric ? get_item(in, v, Value::integer(std::atoll(part.substr(0, 18).c_str())))
                : get_item(in, v, Value::string(part));
    if (dot == std::string::npos) return v;
    start = dot + 1;
  }
}

Value f_join(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = bind_args("join", args, {"d", "attribute"});
  Value sep = a[0] ? *a[0] : Value::string("");
  TaintedText out;
  bool first = true;
  Value items = iterate(v);
  for (const auto& item : items.items()) {
    if (!first) out.append_value(sep);
    out.append_value(a[1] && !a[1]->is_none() ? attribute_of(in, item, to_str(*a[1])) : item);
    first = false;
    in.check_value_bytes(out.size());
    in.charge(1);
  }
  in.charge_bytes(out.size());
  return out.take();
}

Value f_first(Interpreter&, const Value& v, CallArgs& args) {
  bind_args("first", args, {});
  if (v.is_list())
    return v.items().empty() ? Value::undefined("No first item, sequence was empty.")
                             : v.items().front();
  if (v.is_string()) {  // without splitting the whole string into characters
    if (v.str().empty()) return Value::undefined("No first item, sequence was empty.");
    TaintedText out;
    out.append_slice(v, 0, py::code_point_bytes(v.str(), 0));
    return out.take();
  }
  Value items = iterate(v);
  return items.items().empty() ? Value::undefined("No first item, sequence was empty.")
                               : items.items().front();
}

Value f_last(Interpreter&, const Value& v, CallArgs& args) {
  bind_args("last", args, {});
  if (v.is_generator()) runtime_error("'generator' object is not reversible");
  Value items = iterate(v);
  return items.items().empty() ? Value::undefined("No last item, sequence was empty.")
                               : items.items().back();
}

Value f_list(Interpreter& in, const Value& v, CallArgs& args) {
  bind_args("list", args, {});
  Value items = iterate(v);
  in.charge(items.items().size());
  if (items.identity() != v.identity()) return items;
  return Value::list(items.items());  // list(x) is a new list, also of a tuple or generator
}

Value f_items(Interpreter& in, const Value& v, CallArgs& args) {
  bind_args("items", args, {});
  if (v.is_undefined()) return Value::list({});
  if (!v.is_mapping()) runtime_error("can only get item pairs from a mapping");
  CallArgs none;
  return Value::generator(in.call(*find_method(v, "items"), none).items());
}

int compare_keys(const Value& a, const Value& b, bool case_sensitive) {
  if (!case_sensitive && a.is_string() && b.is_string()) {
    std::string x = py::lower(a.str()), y = py::lower(b.str());
    return x < y ? -1 : (y < x ? 1 : 0);
  }
  if (less_than(a, b)) return -1;
  if (less_than(b, a)) return 1;
  return 0;
}

void charge_sort(Interpreter& in, size_t n) {
  in.charge(n * static_cast<uint64_t>(std::log2(static_cast<double>(n) + 2.0) + 1));
}

Value f_dictsort(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = bind_args("dictsort", args, {"case_sensitive", "by", "reverse"});
  if (!v.is_mapping()) runtime_error("dictsort: expected a mapping, got {}", v.type_name());
  bool cs = opt_truthy(a[0]);
  bool by_value = a[1] && to_str(*a[1]) == "value";
  if (a[1] && !by_value && to_str(*a[1]) != "key")
    runtime_error("You can only sort by either \"key\" or \"value\"");
  bool rev = opt_truthy(a[2]);
  std::vector<Value> pairs;
  in.charge(v.dict_obj().items.size());
  for (const auto& [k, val] : v.dict_obj().items) pairs.push_back(Value::list({k, val}, true));
  charge_sort(in, pairs.size());
  std::stable_sort(pairs.begin(), pairs.end(), [&](const Value& x, const Value& y) {
    int c = compare_keys(x.items()[by_value], y.items()[by_value], cs);
    return rev ? c > 0 : c < 0;
  });
  return Value::list(std::move(pairs));
}

Value f_sort(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = bind_args("sort", args, {"reverse", "case_sensitive", "attribute"});
  bool rev = opt_truthy(a[0]);
  bool cs = opt_truthy(a[1]);
  Value list = iterate(v);
  const std::vector<Value>& items = list.items();
  std::vector<std::pair<Value, Value>> keyed;
  for (auto& it : items)
    keyed.emplace_back(a[2] && !a[2]->is_none() ? attribute_of(in, it, to_str(*a[2])) : it, it);
  charge_sort(in, keyed.size());
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    int c = compare_keys(x.first, y.first, cs);
    return rev ? c > 0 : c < 0;
  });
  std::vector<Value> out;
  for (auto& kv : keyed) out.push_back(kv.second);
  return Value::list(std::move(out));
}

Value f_unique(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = bind_args("unique", args, {"case_sensitive", "attribute"});
  bool cs = opt_truthy(a[0]);
  std::vector<Value> out, seen;
  Value items = iterate(v);
  for (const auto& it : items.items()) {
    Value key = a[1] && !a[1]->is_none() ? attribute_of(in, it, to_str(*a[1])) : it;
    if (!cs && key.is_string()) key = Value::string(py::lower(key.str()));
    in.charge(seen.size() + 1);
    bool dup =
        std::any_of(seen.begin(), seen.end(), [&](const Value& s) { return equals(s, key); });
    if (!dup) {
      seen.push_back(key);
      out.push_back(it);
    }
  }
  return Value::generator(std::move(out));
}

Value min_max(Interpreter& in, const Value& v, CallArgs& args, bool want_max) {
  auto a = bind_args(want_max ? "max" : "min", args, {"case_sensitive", "attribute"});
  bool cs = opt_truthy(a[0]);
  Value list = iterate(v);
  const std::vector<Value>& items = list.items();
  in.charge(items.size());
  if (items.empty())
    return Value::undefined(std::string("No aggregated item, sequence was empty."));
  const Value* best = nullptr;
  Value best_key;
  for (const auto& it : items) {
    Value key = a[1] && !a[1]->is_none() ? attribute_of(in, it, to_str(*a[1])) : it;
    if (!best ||
        (want_max ? compare_keys(key, best_key, cs) > 0 : compare_keys(key, best_key, cs) < 0)) {
      best = &it;
      best_key = key;
    }
  }
  return *best;
}
Value f_min(Interpreter& in, const Value& v, CallArgs& a) { return min_max(in, v, a, false); }
Value f_max(Interpreter& in, const Value& v, CallArgs& a) { return min_max(in, v, a, true); }

Value f_sum(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = bind_args("sum", args, {"attribute", "start"});
  Value total = a[1] ? *a[1] : Value::integer(0);
  Value items = iterate(v);
  for (const auto& it : items.items()) {
    in.charge(1);
    total = binary_op(in, "+", total,
                      a[0] && !a[0]->is_none() ? attribute_of(in, it, to_str(*a[0])) : it);
  }
  return total;
}

// select/reject/selectattr/rejectattr: keep items whose test (or truthiness) matches.
Value select_impl(Interpreter& in, const Value& v, CallArgs& args, bool by_attr, bool keep) {
  size_t skip = by_attr ? 1 : 0;
  if (by_attr && args.positional.empty()) runtime_error("selectattr/rejectattr need an attribute");
  std::string attr = by_attr ? to_str(args.positional[0]) : "";
  const TestFn* test = nullptr;
  CallArgs test_args;
  if (args.positional.size() > skip) {
    std::string name = to_str(args.positional[skip]);
    test = find_test(name);
    if (!test) runtime_error("no test named '{}'", name);
    test_args.positional.assign(args.positional.begin() + static_cast<long>(skip) + 1,
                                args.positional.end());
    test_args.keyword = args.keyword;
  }
  std::vector<Value> out;
  if (!v.truthy()) return Value::generator({});
  Value items = iterate(v);
  for (const auto& it : items.items()) {
    in.charge(1);
    Value subject = by_attr ? attribute_of(in, it, attr) : it;
    CallArgs ta = test_args;
    bool r = test ? (*test)(in, subject, ta) : subject.truthy();
    if (r == keep) out.push_back(it);
  }
  return Value::generator(std::move(out));
}
Value f_select(Interpreter& in, const Value& v, CallArgs& a) {
  return select_impl(in, v, a, false, true);
}
Value f_reject(Interpreter& in, const Value& v, CallArgs& a) {
  return select_impl(in, v, a, false, false);
}
Value f_selectattr(Interpreter& in, const Value& v, CallArgs& a) {
  return select_impl(in, v, a, true, true);
}
Value f_rejectattr(Interpreter& in, const Value& v, CallArgs& a) {
  return select_impl(in, v, a, true, false);
}

Value f_map(Interpreter& in, const Value& v, CallArgs& args) {
  std::vector<Value> out;
  if (!v.truthy()) return Value::generator({});
  const Value* attr = nullptr;
  const Value* dflt = nullptr;
  for (const auto& [k, kv] : args.keyword) {
    if (k == "attribute")
      attr = &kv;
    else if (k == "default")
      dflt = &kv;
  }
  Value items = iterate(v);
  if (attr) {
    for (const auto& it : items.items()) {
      in.charge(1);
      Value r = attribute_of(in, it, to_str(*attr));
      out.push_back(r.is_undefined() && dflt ? *dflt : r);
    }
    return Value::generator(std::move(out));
  }
  if (args.positional.empty()) runtime_error("map requires a filter name or attribute=");
  std::string name = to_str(args.positional[0]);
  const FilterFn* f = find_filter(name);
  if (!f) runtime_error("no filter named '{}'", name);
  for (const auto& it : items.items()) {
    in.charge(1);
    CallArgs fa;
    fa.positional.assign(args.positional.begin() + 1, args.positional.end());
    fa.keyword = args.keyword;
    out.push_back((*f)(in, it, fa));
  }
  return Value::generator(std::move(out));
}

Value f_int(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = bind_args("int", args, {"default", "base"});
  Value dflt = a[0] ? *a[0] : Value::integer(0);
  if (v.is_int() || v.is_bool()) return Value::integer(v.as_int());
  if (v.is_float()) {
    double d = v.as_double();
    if (!std::isfinite(d) || std::fabs(d) >= 9.2e18) return dflt;
    return Value::integer(static_cast<int64_t>(d));
  }
  if (v.is_string()) {
    in.charge_text(v.str().size());
    std::string s = py::strip(v.str(), std::nullopt, true, true);
    s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
    int base = a[1] ? static_cast<int>(to_int(*a[1], "base")) : 10;
    if (base < 2 || base > 36) return dflt;
    errno = 0;
    char* end = nullptr;
    long long r = std::strtoll(s.c_str(), &end, base);
    if (!s.empty() && end == s.c_str() + s.size() && errno == 0) return Value::integer(r);
    double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size() && std::isfinite(d) && std::fabs(d) < 9.2e18)
      return Value::integer(static_cast<int64_t>(d));
  }
  return dflt;
}

Value f_float(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = bind_args("float", args, {"default"});
  Value dflt = a[0] ? *a[0] : Value::number(0.0);
  if (v.is_number()) return Value::number(v.as_double());
  if (v.is_string()) {
    in.charge_text(v.str().size());
    std::string s = py::strip(v.str(), std::nullopt, true, true);
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size()) return Value::number(d);
  }
  return dflt;
}

Value f_abs(Interpreter&, const Value& v, CallArgs& args) {
  bind_args("abs", args, {});
  if (v.is_float()) return Value::number(std::fabs(v.as_double()));
  if (v.is_int() || v.is_bool()) {
    if (v.as_int() == INT64_MIN) runtime_error("integer overflow");
    return Value::integer(std::llabs(v.as_int()));
  }
  runtime_error("bad operand type for abs(): '{}'", v.type_name());
}

Value f_round(Interpreter&, const Value& v, CallArgs& args) {
  auto a = bind_args("round", args, {"precision", "method"});
  if (!v.is_number()) runtime_error("round: expected a number, got {}", v.type_name());
  int64_t p = a[0] ? to_int(*a[0], "precision") : 0;
  if (p < 0 || p > 15) runtime_error("round: precision must be between 0 and 15");
  std::string method = a[1] ? to_str(*a[1]) : "common";
  double scale = std::pow(10.0, static_cast<double>(p));
  double x = v.as_double() * scale;
  double r;
  if (method == "common")
    r = std::nearbyint(x);
  else if (method == "ceil")
    r = std::ceil(x);
  else if (method == "floor")
    r = std::floor(x);
  else
    runtime_error("method must be common, ceil or floor");
  return Value::number(r / scale);
}

Value f_safe(Interpreter&, const Value& v, CallArgs& args) {
  bind_args("safe", args, {});
  if (v.is_markup()) return v;
  if (v.is_string()) return Value::markup(v.str(), v.spans());
  Value s = derived_string(to_str(v), {&v});
  return Value::markup(s.str(), s.spans());
}

Value escaped(Interpreter& in, const Value& v) {
  std::string src = v.is_none() ? "None" : to_str(v);
  in.charge_text(src.size());
  in.check_value_bytes(src.size() * 5);  // '&' becomes "&amp;" at most
  Value s = derived_string(py::html_escape(src), {&v});
  return Value::markup(s.str(), s.spans());
}

Value f_escape(Interpreter& in, const Value& v, CallArgs& args) {
  bind_args("escape", args, {});
  if (v.is_markup()) return v;
  return escaped(in, v);
}

Value f_forceescape(Interpreter& in, const Value& v, CallArgs& args) {
  bind_args("forceescape", args, {});
  return escaped(in, v.is_none() ? Value::string("None") : v);
}

Value f_attr(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = bind_args("attr", args, {"name"});
  if (!a[0]) runtime_error("attr() missing the attribute name");
  return get_attr(in, v, to_str(*a[0]));
}

Value f_reverse(Interpreter& in, const Value& v, CallArgs& args) {
  bind_args("reverse", args, {});
  if (v.is_string()) {
    in.charge_text(v.str().size());
    std::u32string u = py::decode(v.str());
    std::reverse(u.begin(), u.end());
    return derived_string(py::encode(u), {&v});
  }
  Value list = iterate(v);
  std::vector<Value> items = list.items();
  in.charge(items.size());
  std::reverse(items.begin(), items.end());
  return Value::list(std::move(items));
}

// jinja2's indent: every line but the first (unless first=True) gets the indent; blank
// lines only with blank=True.
Value f_indent(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = bind_args("indent", args, {"width", "first", "blank"});
  std::string ind;
  if (a[0] && a[0]->is_string()) {
    ind = a[0]->str();
  } else {
    int64_t w = a[0] ? to_int(*a[0], "width") : 4;
    if (w > 1024) runtime_error("indent width too large");
    ind = std::string(static_cast<size_t>(std::max<int64_t>(0, w)), ' ');
  }
  bool first = opt_truthy(a[1]);
  bool blank = opt_truthy(a[2]);
  std::string s = to_str(v) + "\n";
  in.charge_text(s.size());
  std::string out;
  size_t i = 0;
  py::each_line(s, false, [&](std::string_view line) {
    if (i > 0) out += "\n";
    if (i > 0 ? (blank || !line.empty()) : first) out += ind;
    out += line;
    in.check_value_bytes(out.size());
    in.charge(1);
    ++i;
    return true;
  });
  in.charge_bytes(out.size());
  return derived_string(std::move(out), {&v, a[0] ? &*a[0] : nullptr});
}

Value f_center(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = bind_args("center", args, {"width"});
  std::string s = to_str(v);
  int64_t w = a[0] ? to_int(*a[0], "width") : 80;
  int64_t len = static_cast<int64_t>(py::length(s));
  in.charge_text(s.size());
  if (w > 1 << 20) runtime_error("center width too large");
  Value text = v.is_string() ? v : derived_string(s, {&v});
  if (w <= len) return text;
  int64_t pad = w - len;
  int64_t left = pad / 2 + (pad & w & 1);
  in.check_value_bytes(s.size() + static_cast<uint64_t>(pad));
  in.charge_bytes(s.size() + static_cast<uint64_t>(pad));
  TaintedText out;  // the padding is the template's; the text keeps its own taint
  out.append(std::string(static_cast<size_t>(left), ' '));
  out.append_value(text);
  out.append(std::string(static_cast<size_t>(pad - left), ' '));
  return out.take();
}

Value f_wordcount(Interpreter& in, const Value& v, CallArgs& args) {
  bind_args("wordcount", args, {});
  std::string s = to_str(v);
  in.charge_text(s.size());
  int64_t words = 0;  // counted in place: splitting would make a string per word
  bool in_word = false;
  for (size_t i = 0; i < s.size();) {
    size_t n = py::code_point_bytes(s, i);
    bool space = py::is_space(py::code_point_at(s, i, n));
    if (!space && !in_word) ++words;
    in_word = !space;
    i += n;
  }
  return Value::integer(words);
}

struct Entry {
  std::string_view name;
  FilterFn fn;
};

constexpr Entry kFilters[] = {
    {"abs", f_abs},
    {"attr", f_attr},
    {"capitalize", f_capitalize},
    {"center", f_center},
    {"count", f_length},
    {"d", f_default},
    {"default", f_default},
    {"dictsort", f_dictsort},
    {"e", f_escape},
    {"escape", f_escape},
    {"first", f_first},
    {"float", f_float},
    {"forceescape", f_forceescape},
    {"indent", f_indent},
    {"int", f_int},
    {"items", f_items},
    {"join", f_join},
    {"last", f_last},
    {"length", f_length},
    {"list", f_list},
    {"lower", f_lower},
    {"map", f_map},
    {"max", f_max},
    {"min", f_min},
    {"reject", f_reject},
    {"rejectattr", f_rejectattr},
    {"replace", f_replace},
    {"reverse", f_reverse},
    {"round", f_round},
    {"safe", f_safe},
    {"select", f_select},
    {"selectattr", f_selectattr},
    {"sort", f_sort},
    {"string", f_string},
    {"sum", f_sum},
    {"title", f_title},
    {"tojson", f_tojson},
    {"trim", f_trim},
    {"unique", f_unique},
    {"upper", f_upper},
    {"wordcount", f_wordcount},
};

}  // namespace

const FilterFn* find_filter(std::string_view name) {
  for (const auto& e : kFilters)
    if (e.name == name) return &e.fn;
  return nullptr;
}

}  // namespace yak::chat_template
