#include "tokenizer/chat_template/value.h"

#include "tokenizer/chat_template/budget.h"
#include "tokenizer/chat_template/errors.h"
#include "tokenizer/chat_template/pystr.h"
#include "tokenizer/chat_template/taint.h"

namespace yak::chat_template {

namespace {

const std::string kEmpty;

void check_depth(int depth) {
  if (depth > kMaxValueDepth) limit_error("values nested more than {} deep", kMaxValueDepth);
}

// Freeing a value frees what it holds; done recursively, a list nested 100000 deep would
// take 100000 stack frames. Containers instead hand the members they solely own to this
// thread's graveyard, which the outermost destructor empties in a loop.
struct Graveyard {
  std::vector<Value> values;
  std::vector<NativeFn> fns;
  bool draining = false;
};
thread_local Graveyard g_grave;

void drain() {
  if (g_grave.draining) return;
  g_grave.draining = true;
  while (!g_grave.values.empty() || !g_grave.fns.empty()) {
    if (!g_grave.values.empty()) {
      Value v = std::move(g_grave.values.back());
      g_grave.values.pop_back();
    } else {
      NativeFn f = std::move(g_grave.fns.back());
      g_grave.fns.pop_back();
    }
  }
  g_grave.draining = false;
}

uint64_t string_bytes(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; }

}  // namespace

void bury(Value& v) {
  bool holds = v.is_list() || v.is_dict() || v.is_function();
  if (holds && v.ptr_.use_count() == 1) g_grave.values.push_back(std::move(v));
}

Tracked::~Tracked() {
  if (charged_ == 0) return;
  RenderBudget* b = RenderBudget::current();
  if (b && b->epoch() == epoch_) b->release_live(charged_);
}

void Tracked::account(uint64_t bytes) {
  RenderBudget* b = RenderBudget::current();
  if (!b) return;
  if (epoch_ == 0) epoch_ = b->epoch();
  if (epoch_ != b->epoch()) return;
  if (bytes >= charged_) {
    uint64_t more = bytes - charged_;
    charged_ = bytes;
    b->add_live(more);
  } else {
    b->release_live(charged_ - bytes);
    charged_ = bytes;
  }
}

ListObj::~ListObj() {
  for (auto& v : items) bury(v);
  items.clear();
  drain();
}

DictObj::DictObj(const DictObj& other)
    : Tracked(other), items(other.items), kind(other.kind), depth(other.depth) {
  track();
}

DictObj::~DictObj() {
  for (auto& [k, v] : items) {
    bury(k);
    bury(v);
  }
  items.clear();
  drain();
}

FunctionObj::~FunctionObj() {
  g_grave.fns.push_back(std::move(fn));
  drain();
}

const Value* DictObj::find(std::string_view key) const {
  charge_steps(items.size() / 16);
  for (const auto& [k, v] : items)
    if (k.is_string() && k.str() == key) return &v;
  return nullptr;
}

const Value* DictObj::find(const Value& key) const {
  if (key.is_string()) return find(std::string_view(key.str()));
  charge_steps(items.size() / 16);
  for (const auto& [k, v] : items)
    if (equals(k, key)) return &v;
  return nullptr;
}

void DictObj::set(const std::string& key, Value value) {
  set(Value::string(key), std::move(value));
}

void DictObj::set(const Value& key, Value value) {
  charge_steps(items.size() / 16);
  for (auto& [k, v] : items) {
    if (equals(k, key)) {
      note_depth(value);
      v = std::move(value);
      return;
    }
  }
  append(key, std::move(value));
}

void DictObj::append(Value key, Value value) {
  note_depth(key);
  note_depth(value);
  items.emplace_back(std::move(key), std::move(value));
  account(sizeof(DictObj) + 16 + items.capacity() * sizeof(items[0]));
}

void DictObj::note_depth(const Value& member) {
  // Only grows: replacing a deep member leaves an over-estimate, which is safe.
  if (member.depth() + 1 > kMaxValueDepth)
    limit_error("values nested more than {} deep", kMaxValueDepth);
  depth = std::max(depth, member.depth() + 1);
}

void DictObj::track() {
  for (const auto& [k, v] : items) {
    note_depth(k);
    note_depth(v);
  }
  account(sizeof(DictObj) + 16 + items.capacity() * sizeof(items[0]));
}

bool is_hashable(const Value& v, int depth) {
  check_depth(depth);
  if (v.is_list()) {
    if (!v.is_tuple()) return false;
    for (const auto& e : v.items())
      if (!is_hashable(e, depth + 1)) return false;
    return true;
  }
  return v.is_none() || v.is_number() || v.is_string() || v.is_function();
}

Value Value::undefined(std::string hint) {
  Value v;
  auto s = std::make_shared<StrObj>();
  s->text = std::move(hint);
  v.ptr_ = std::move(s);
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

Value Value::string(std::string s, Spans spans) {
  Value v;
  v.type_ = Type::kString;
  auto obj = std::make_shared<StrObj>();
  obj->text = std::move(s);
  obj->spans = std::move(spans);
  StrObj& o = *obj;
  v.ptr_ = std::move(obj);
  o.account(sizeof(StrObj) + 16 + string_bytes(o.text) + o.spans.capacity() * sizeof(TextSpan));
  return v;
}

Value Value::string_from(std::string s, bool data) {
  Spans spans;
  if (data && !s.empty()) spans.push_back({0, s.size()});
  return string(std::move(s), std::move(spans));
}

Value Value::markup(std::string s, Spans spans) {
  Value v = string(std::move(s), std::move(spans));
  v.b_ = true;
  return v;
}

Value Value::list(std::vector<Value> items, bool tuple) {
  int depth = 1;
  for (const auto& e : items) depth = std::max(depth, e.depth() + 1);
  if (depth > kMaxValueDepth) limit_error("values nested more than {} deep", kMaxValueDepth);
  Value v;
  v.type_ = Type::kList;
  auto obj = std::make_shared<ListObj>();
  obj->items = std::move(items);
  obj->tuple = tuple;
  obj->depth = depth;
  ListObj& o = *obj;
  v.ptr_ = std::move(obj);
  o.account(sizeof(ListObj) + 16 + o.items.capacity() * sizeof(Value));
  return v;
}

Value Value::generator(std::vector<Value> items) {
  Value v = list(std::move(items));
  static_cast<ListObj*>(v.ptr_.get())->generator = true;
  return v;
}

Value Value::dict(std::shared_ptr<DictObj> d) {
  Value v;
  v.type_ = Type::kDict;
  v.ptr_ = std::move(d);
  return v;
}

Value Value::dict() { return dict(std::make_shared<DictObj>()); }

Value Value::function(std::string name, NativeFn fn, int captured_depth) {
  if (captured_depth + 1 > kMaxValueDepth)
    limit_error("values nested more than {} deep", kMaxValueDepth);
  Value v;
  v.type_ = Type::kFunction;
  auto obj = std::make_shared<FunctionObj>();
  obj->name = std::move(name);
  obj->fn = std::move(fn);
  obj->depth = captured_depth + 1;
  FunctionObj& o = *obj;
  v.ptr_ = std::move(obj);
  o.account(sizeof(FunctionObj) + 64 + string_bytes(o.name));
  return v;
}

Value Value::from_json(const nlohmann::ordered_json& j, bool data, int depth) {
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
      return string_from(j.get<std::string>(), data);
    case nlohmann::ordered_json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(from_json(e, data, depth + 1));
      return list(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      auto d = std::make_shared<DictObj>();
      d->items.reserve(j.size());
      for (const auto& [k, e] : j.items())
        d->items.emplace_back(string_from(k, data), from_json(e, data, depth + 1));
      d->track();
      return dict(std::move(d));
    }
    default:
      return none();  // binary / discarded: nothing a template can use
  }
}

const std::string& Value::undefined_hint() const { return ptr_ ? str() : kEmpty; }

int Value::depth() const {
  switch (type_) {
    case Type::kList:
      return obj<ListObj>().depth;
    case Type::kDict:
      return obj<DictObj>().depth;
    case Type::kFunction:
      return obj<FunctionObj>().depth;
    default:
      return 0;
  }
}

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
      return !str().empty();
    case Type::kList:
      return obj<ListObj>().generator || !items().empty();
    case Type::kDict:
      return dict_obj().kind != DictKind::kDict || !dict_obj().items.empty();
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
      return is_generator() ? "generator" : is_tuple() ? "tuple" : "list";
    case Type::kDict:
      return dict_obj().kind == DictKind::kDict        ? "dict"
             : dict_obj().kind == DictKind::kNamespace ? "Namespace"
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

namespace {

// repr() into one buffer, charged per member and held to max_value_bytes as it grows: a
// list of 100000 references to one long string is small, its repr is not.
void repr_into(std::string& out, const Value& v, int depth) {
  check_depth(depth);
  charge_steps(1);
  switch (v.type()) {
    case Value::Type::kUndefined:
      out += "Undefined";
      break;
    case Value::Type::kNone:
      out += "None";
      break;
    case Value::Type::kBool:
      out += v.as_bool() ? "True" : "False";
      break;
    case Value::Type::kInt:
      out += std::to_string(v.as_int());
      break;
    case Value::Type::kFloat:
      out += py::float_repr(v.as_double());
      break;
    case Value::Type::kString:
      check_value_bytes(out.size() + v.str().size());
      charge_text(v.str().size());
      out += py::repr(v.str());
      break;
    case Value::Type::kList: {
      if (v.is_generator()) {
        out += "<generator object>";
        break;
      }
      out += v.is_tuple() ? "(" : "[";
      const auto& items = v.items();
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += ", ";
        repr_into(out, items[i], depth + 1);
      }
      if (v.is_tuple() && items.size() == 1) out += ",";
      out += v.is_tuple() ? ")" : "]";
      break;
    }
    case Value::Type::kDict: {
      const DictObj& d = v.dict_obj();
      if (d.kind == DictKind::kLoop) {
        out += "<LoopContext>";
        break;
      }
      if (d.kind == DictKind::kNamespace) out += "<Namespace ";
      out += "{";
      for (size_t i = 0; i < d.items.size(); ++i) {
        if (i) out += ", ";
        repr_into(out, d.items[i].first, depth + 1);
        out += ": ";
        repr_into(out, d.items[i].second, depth + 1);
      }
      out += "}";
      if (d.kind == DictKind::kNamespace) out += ">";
      break;
    }
    case Value::Type::kFunction:
      out += "<function " + v.function_obj().name + ">";
      break;
  }
  check_value_bytes(out.size());
}

}  // namespace

std::string to_repr(const Value& v, int depth) {
  std::string out;
  repr_into(out, v, depth);
  return out;
}

bool equals(const Value& a, const Value& b, int depth) {
  check_depth(depth);
  charge_steps(1);
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
      if (a.str().size() != b.str().size()) return false;
      charge_bytes(a.str().size());
      return a.str() == b.str();
    case Value::Type::kList: {
      if (a.is_generator() || b.is_generator()) return a.identity() == b.identity();
      if (a.is_tuple() != b.is_tuple() || a.items().size() != b.items().size()) return false;
      if (a.identity() == b.identity()) return true;
      for (size_t i = 0; i < a.items().size(); ++i)
        if (!equals(a.items()[i], b.items()[i], depth + 1)) return false;
      return true;
    }
    case Value::Type::kDict: {
      const DictObj& x = a.dict_obj();
      const DictObj& y = b.dict_obj();
      if (x.kind != DictKind::kDict || y.kind != DictKind::kDict) return &x == &y;
      if (x.items.size() != y.items.size()) return false;
      if (&x == &y) return true;
      for (const auto& [k, v] : x.items) {
        const Value* other = y.find(k);
        if (!other || !equals(v, *other, depth + 1)) return false;
      }
      return true;
    }
    case Value::Type::kFunction:
      return a.identity() == b.identity();
    default:
      return false;
  }
}

bool less_than(const Value& a, const Value& b, int depth) {
  check_depth(depth);
  charge_steps(1);
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_double() < b.as_double();
    return a.as_int() < b.as_int();
  }
  if (a.is_string() && b.is_string()) {  // UTF-8 keeps code point order
    charge_bytes(std::min(a.str().size(), b.str().size()));
    return a.str() < b.str();
  }
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

bool deep_tainted(const Value& v, int depth) {
  check_depth(depth);
  if (v.is_string()) return v.tainted();
  charge_steps(1);
  if (v.is_list()) {
    for (const auto& e : v.items())
      if (deep_tainted(e, depth + 1)) return true;
  } else if (v.is_dict()) {
    for (const auto& [k, e] : v.dict_obj().items)
      if (deep_tainted(k, depth + 1) || deep_tainted(e, depth + 1)) return true;
  }
  return false;
}

namespace {

// One-character strings of template text and of data, so that iterating an ASCII string
// costs a Value per character and no allocation.
const Value& ascii_char(unsigned char c, bool data) {
  static const auto table = [] {
    RenderBudget::Suspend shared;  // made once, outlives every render: charged to none
    std::vector<Value> t;
    for (int d = 0; d < 2; ++d)
      for (int i = 0; i < 128; ++i) t.push_back(Value::string_from(std::string(1, char(i)), d));
    return t;
  }();
  return table[(data ? 128 : 0) + c];
}

}  // namespace

Value iterate(const Value& v) {
  switch (v.type()) {
    case Value::Type::kUndefined:
      return Value::list({});
    case Value::Type::kList:
      charge_steps(v.items().size());
      return v;
    case Value::Type::kString: {
      const std::string& s = v.str();
      charge_bytes(s.size());
      std::vector<Value> out;
      size_t i = 0;
      while (i < s.size()) {
        size_t n = py::code_point_bytes(s, i);
        Spans taint = sub_spans(v.spans(), i, i + n);
        if (n == 1 && static_cast<unsigned char>(s[i]) < 0x80 &&
            (taint.empty() || taint[0].end - taint[0].begin == 1)) {
          out.push_back(ascii_char(static_cast<unsigned char>(s[i]), !taint.empty()));
        } else {
          out.push_back(Value::string(s.substr(i, n), std::move(taint)));
        }
        i += n;
        // The vector itself is not tracked until it becomes a list: bound it as it grows.
        if ((out.size() & 4095) == 0) {
          charge_steps(4096);
          check_value_bytes(out.size() * sizeof(Value));
          if (RenderBudget* b = RenderBudget::current();
              b && b->live_bytes() + out.size() * sizeof(Value) > b->limits().max_live_bytes)
            limit_error("render holds more than {} bytes of values at once",
                        b->limits().max_live_bytes);
        }
      }
      return Value::list(std::move(out));
    }
    case Value::Type::kDict:
      if (v.dict_obj().kind == DictKind::kDict) {
        std::vector<Value> out;
        out.reserve(v.dict_obj().items.size());
        for (const auto& kv : v.dict_obj().items) out.push_back(kv.first);
        charge_steps(out.size());
        return Value::list(std::move(out));
      }
      break;
    default:
      break;
  }
  runtime_error("'{}' object is not iterable", v.type_name());
}

}  // namespace yak::chat_template
