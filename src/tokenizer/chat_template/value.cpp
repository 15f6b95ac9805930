#include "tokenizer/chat_template/value.h"

#include "tokenizer/chat_template/errors.h"
#include "tokenizer/chat_template/pystr.h"

namespace yak::chat_template {

namespace {

const std::string kEmpty;

void check_depth(int depth) {
  if (depth > kMaxValueDepth) limit_error("values nested more than {} deep", kMaxValueDepth);
}

}  // namespace

const Value* DictObj::find(std::string_view key) const {
  for (const auto& [k, v] : items)
    if (k.is_string() && k.str() == key) return &v;
  return nullptr;
}

const Value* DictObj::find(const Value& key) const {
  if (key.is_string()) return find(std::string_view(key.str()));
  for (const auto& [k, v] : items)
    if (equals(k, key)) return &v;
  return nullptr;
}

void DictObj::set(const std::string& key, Value value) {
  set(Value::string(key), std::move(value));
}

void DictObj::set(const Value& key, Value value) {
  for (auto& [k, v] : items) {
    if (equals(k, key)) {
      v = std::move(value);
      return;
    }
  }
  items.emplace_back(key, std::move(value));
}

bool is_hashable(const Value& v) {
  if (v.is_list()) {
    if (!v.is_tuple()) return false;
    for (const auto& e : v.items())
      if (!is_hashable(e)) return false;
    return true;
  }
  return v.is_none() || v.is_number() || v.is_string() || v.is_function();
}

Value Value::undefined(std::string hint) {
  Value v;
  v.str_ = std::make_shared<const std::string>(std::move(hint));
  return v;
}

Value Value::none() {
  Value v;
  v.type_ = Type::kNone;
  return v;
}

Value Value::boolean(bool b) {
  Value v;
  v.type_ = Type::kBool;
  v.b_ = b;
  return v;
}

Value Value::integer(int64_t i) {
  Value v;
  v.type_ = Type::kInt;
  v.i_ = i;
  return v;
}

Value Value::number(double d) {
  Value v;
  v.type_ = Type::kFloat;
  v.f_ = d;
  return v;
}

Value Value::string(std::string s) {
  Value v;
  v.type_ = Type::kString;
  v.str_ = std::make_shared<const std::string>(std::move(s));
  return v;
}

Value Value::markup(std::string s) {
  Value v = string(std::move(s));
  v.b_ = true;
  return v;
}

Value Value::list(std::vector<Value> items, bool tuple) {
  Value v;
  v.type_ = Type::kList;
  v.list_ = std::make_shared<ListObj>();
  v.list_->items = std::move(items);
  v.list_->tuple = tuple;
  return v;
}

Value Value::generator(std::vector<Value> items) {
  Value v = list(std::move(items));
  v.list_->generator = true;
  return v;
}

Value Value::dict(std::shared_ptr<DictObj> d) {
  Value v;
  v.type_ = Type::kDict;
  v.dict_ = std::move(d);
  return v;
}

Value Value::dict() { return dict(std::make_shared<DictObj>()); }

Value Value::function(std::string name, NativeFn fn) {
  Value v;
  v.type_ = Type::kFunction;
  v.fn_ = std::make_shared<FunctionObj>(FunctionObj{std::move(name), std::move(fn)});
  return v;
}

Value Value::from_json(const nlohmann::ordered_json& j, int depth) {
  check_depth(depth);
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::null:
      return none();
    case nlohmann::ordered_json::value_t::boolean:
      return boolean(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
      return integer(j.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      uint64_t u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) return number(static_cast<double>(u));
      return integer(static_cast<int64_t>(u));
    }
    case nlohmann::ordered_json::value_t::number_float:
      return number(j.get<double>());
    case nlohmann::ordered_json::value_t::string:
      return string(j.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(from_json(e, depth + 1));
      return list(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      auto d = std::make_shared<DictObj>();
      d->items.reserve(j.size());
      for (const auto& [k, e] : j.items())
        d->items.emplace_back(string(k), from_json(e, depth + 1));
      return dict(std::move(d));
    }
    default:
      return none();  // binary / discarded: nothing a template can use
  }
}

const std::string& Value::undefined_hint() const { return str_ ? *str_ : kEmpty; }

bool Value::truthy() const {
  switch (type_) {
    case Type::kUndefined:
    case Type::kNone:
      return false;
    case Type::kBool:
      return b_;
    case Type::kInt:
      return i_ != 0;
    case Type::kFloat:
      return f_ != 0;
    case Type::kString:
      return !str_->empty();
    case Type::kList:
      return list_->generator || !list_->items.empty();
    case Type::kDict:
      return dict_->kind != DictKind::kDict || !dict_->items.empty();
    case Type::kFunction:
      return true;
  }
  return false;
}

std::string Value::type_name() const {
  switch (type_) {
    case Type::kUndefined:
      return "Undefined";
    case Type::kNone:
      return "NoneType";
    case Type::kBool:
      return "bool";
    case Type::kInt:
      return "int";
    case Type::kFloat:
      return "float";
    case Type::kString:
      return "str";
    case Type::kList:
      return list_->generator ? "generator" : list_->tuple ? "tuple" : "list";
    case Type::kDict:
      return dict_->kind == DictKind::kDict        ? "dict"
             : dict_->kind == DictKind::kNamespace ? "Namespace"
                                                   : "LoopContext";
    case Type::kFunction:
      return "function";
  }
  return "object";
}

std::string to_str(const Value& v, int depth) {
  switch (v.type()) {
    case Value::Type::kUndefined:
      return "";
    case Value::Type::kString:
      return v.str();
    default:
      return to_repr(v, depth);
  }
}

std::string to_repr(const Value& v, int depth) {
  check_depth(depth);
  switch (v.type()) {
    case Value::Type::kUndefined:
      return "Undefined";
    case Value::Type::kNone:
      return "None";
    case Value::Type::kBool:
      return v.as_bool() ? "True" : "False";
    case Value::Type::kInt:
      return std::to_string(v.as_int());
    case Value::Type::kFloat:
      return py::float_repr(v.as_double());
    case Value::Type::kString:
      return py::repr(v.str());
    case Value::Type::kList: {
      if (v.is_generator()) return "<generator object>";
      std::string out = v.is_tuple() ? "(" : "[";
      const auto& items = v.items();
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += ", ";
        out += to_repr(items[i], depth + 1);
      }
      if (v.is_tuple() && items.size() == 1) out += ",";
      return out + (v.is_tuple() ? ")" : "]");
    }
    case Value::Type::kDict: {
      const DictObj& d = v.dict_obj();
      std::string out = "{";
      for (size_t i = 0; i < d.items.size(); ++i) {
        if (i) out += ", ";
        out += to_repr(d.items[i].first, depth + 1) + ": " + to_repr(d.items[i].second, depth + 1);
      }
      out += "}";
      if (d.kind == DictKind::kNamespace) return "<Namespace " + out + ">";
      if (d.kind == DictKind::kLoop) return "<LoopContext>";
      return out;
    }
    case Value::Type::kFunction:
      return "<function " + v.function_obj().name + ">";
  }
  return "";
}

bool equals(const Value& a, const Value& b, int depth) {
  check_depth(depth);
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_double() == b.as_double();
    return a.as_int() == b.as_int();
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Value::Type::kUndefined:
    case Value::Type::kNone:
      return true;
    case Value::Type::kString:
      return a.str() == b.str();
    case Value::Type::kList: {
      if (a.is_generator() || b.is_generator()) return &a.items() == &b.items();
      if (a.is_tuple() != b.is_tuple() || a.items().size() != b.items().size()) return false;
      for (size_t i = 0; i < a.items().size(); ++i)
        if (!equals(a.items()[i], b.items()[i], depth + 1)) return false;
      return true;
    }
    case Value::Type::kDict: {
      const DictObj& x = a.dict_obj();
      const DictObj& y = b.dict_obj();
      if (x.kind != DictKind::kDict || y.kind != DictKind::kDict) return &x == &y;
      if (x.items.size() != y.items.size()) return false;
      for (const auto& [k, v] : x.items) {
        const Value* other = y.find(k);
        if (!other || !equals(v, *other, depth + 1)) return false;
      }
      return true;
    }
    case Value::Type::kFunction:
      return &a.function_obj() == &b.function_obj();
    default:
      return false;
  }
}

bool less_than(const Value& a, const Value& b, int depth) {
  check_depth(depth);
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_double() < b.as_double();
    return a.as_int() < b.as_int();
  }
  if (a.is_string() && b.is_string()) return a.str() < b.str();  // UTF-8 keeps code point order
  if (a.is_sequence() && b.is_sequence() && a.is_tuple() == b.is_tuple()) {
    const auto& x = a.items();
    const auto& y = b.items();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!equals(x[i], y[i], depth + 1)) return less_than(x[i], y[i], depth + 1);
    }
    return x.size() < y.size();
  }
  runtime_error("'<' not supported between instances of '{}' and '{}'", a.type_name(),
                b.type_name());
}

std::vector<Value> iterate(const Value& v) {
  switch (v.type()) {
    case Value::Type::kUndefined:
      return {};
    case Value::Type::kList:
      return v.items();
    case Value::Type::kString: {
      std::vector<Value> out;
      for (char32_t c : py::decode(v.str())) {
        std::string s;
        py::append_utf8(s, c);
        out.push_back(Value::string(std::move(s)));
      }
      return out;
    }
    case Value::Type::kDict:
      if (v.dict_obj().kind == DictKind::kDict) {
        std::vector<Value> out;
        out.reserve(v.dict_obj().items.size());
        for (const auto& kv : v.dict_obj().items) out.push_back(kv.first);
        return out;
      }
      break;
    default:
      break;
  }
  runtime_error("'{}' object is not iterable", v.type_name());
}

}  // namespace yak::chat_template
