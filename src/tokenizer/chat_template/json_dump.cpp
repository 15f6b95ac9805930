#include "tokenizer/chat_template/json_dump.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "tokenizer/chat_template/budget.h"
#include "tokenizer/chat_template/errors.h"
#include "tokenizer/chat_template/pystr.h"

namespace yak::chat_template {

namespace {

class Dumper {
 public:
  Dumper(const JsonDumpOptions& options, size_t max_bytes)
      : options_(options), max_bytes_(max_bytes) {}

  void dump(const Value& v, int depth) {
    if (depth > kMaxValueDepth) limit_error("tojson: values nested more than {} deep", depth - 1);
    check_size();
    charge_steps(1);
    switch (v.type()) {
      case Value::Type::kNone:
        out_ += "null";
        return;
      case Value::Type::kBool:
        out_ += v.as_bool() ? "true" : "false";
        return;
      case Value::Type::kInt:
        out_ += std::to_string(v.as_int());
        return;
      case Value::Type::kFloat: {
        double d = v.as_double();
        if (std::isnan(d)) {
          out_ += "NaN";
        } else if (std::isinf(d)) {
          out_ += d < 0 ? "-Infinity" : "Infinity";
        } else {
          out_ += py::float_repr(d);
        }
        return;
      }
      case Value::Type::kString:
        dump_string(v.str());
        return;
      case Value::Type::kList: {
        if (v.is_generator()) break;
        const auto& items = v.items();
        if (items.empty()) {
          out_ += "[]";
          return;
        }
        out_ += "[";
        for (size_t i = 0; i < items.size(); ++i) {
          if (i) out_ += item_sep();
          newline(depth + 1);
          dump(items[i], depth + 1);
        }
        newline(depth);
        out_ += "]";
        return;
      }
      case Value::Type::kDict: {
        if (v.dict_obj().kind != DictKind::kDict) break;
        std::vector<const std::pair<Value, Value>*> items;
        for (const auto& kv : v.dict_obj().items) items.push_back(&kv);
        if (items.empty()) {
          out_ += "{}";
          return;
        }
        if (options_.sort_keys) charge_steps(items.size() * 20);
        if (options_.sort_keys)
          std::stable_sort(items.begin(), items.end(),
                           [](auto* a, auto* b) { return less_than(a->first, b->first); });
        out_ += "{";
        for (size_t i = 0; i < items.size(); ++i) {
          if (i) out_ += item_sep();
          newline(depth + 1);
          dump_key(items[i]->first);
          out_ += options_.key_separator;
          dump(items[i]->second, depth + 1);
        }
        newline(depth);
        out_ += "}";
        return;
      }
      default:
        break;
    }
    runtime_error("Object of type {} is not JSON serializable", v.type_name());
  }

  std::string take() {
    check_size();
    return std::move(out_);
  }

 private:
  const std::string& item_sep() const { return options_.item_separator; }

  void newline(int depth) {
    if (!options_.indent) return;
    out_ += '\n';
    for (int i = 0; i < depth; ++i) {
      out_ += *options_.indent;
      check_size();
    }
  }

  void check_size() {
    if (out_.size() > max_bytes_) limit_error("tojson result exceeds {} bytes", max_bytes_);
  }

  void dump_string(const std::string& s) {
    // Escaping only grows a string: refuse before writing one that cannot fit.
    if (out_.size() + s.size() > max_bytes_)
      limit_error("tojson result exceeds {} bytes", max_bytes_);
    charge_bytes(s.size());
    out_ += '"';
    if (!options_.ensure_ascii) {
      for (char ch : s) {
        unsigned char c = static_cast<unsigned char>(ch);
        escape_ascii(c);
      }
    } else {
      for (char32_t c : py::decode(s)) {
        if (c < 0x7f) {
          escape_ascii(static_cast<unsigned char>(c));
        } else if (c < 0x10000) {
          append_u(c);
        } else {
          char32_t v = c - 0x10000;
          append_u(0xd800 + (v >> 10));
          append_u(0xdc00 + (v & 0x3ff));
        }
      }
    }
    out_ += '"';
  }

  // json.dumps turns int, float, bool and None keys into strings.
  void dump_key(const Value& k) {
    if (k.is_string()) {
      dump_string(k.str());
    } else if (k.is_bool()) {
      dump_string(k.as_bool() ? "true" : "false");
    } else if (k.is_int()) {
      dump_string(std::to_string(k.as_int()));
    } else if (k.is_float()) {
      dump_string(py::float_repr(k.as_double()));
    } else if (k.is_none()) {
      dump_string("null");
    } else {
      runtime_error("keys must be str, int, float, bool or None, not {}", k.type_name());
    }
  }

  void escape_ascii(unsigned char c) {
    switch (c) {
      case '"':
        out_ += "\\\"";
        return;
      case '\\':
        out_ += "\\\\";
        return;
      case '\n':
        out_ += "\\n";
        return;
      case '\r':
        out_ += "\\r";
        return;
      case '\t':
        out_ += "\\t";
        return;
      case '\b':
        out_ += "\\b";
        return;
      case '\f':
        out_ += "\\f";
        return;
      default:
        if (c < 0x20) {
          append_u(c);
        } else {
          out_ += static_cast<char>(c);
        }
    }
  }

  void append_u(char32_t c) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
    out_ += buf;
  }

  const JsonDumpOptions& options_;
  size_t max_bytes_;
  std::string out_;
};

}  // namespace

std::string json_dumps(const Value& v, const JsonDumpOptions& options, size_t max_bytes) {
  Dumper d(options, max_bytes);
  d.dump(v, 0);
  return d.take();
}

}  // namespace yak::chat_template
