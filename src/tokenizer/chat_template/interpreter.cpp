#include "tokenizer/chat_template/interpreter.h"

#include "tokenizer/chat_template/builtins.h"
#include "tokenizer/chat_template/errors.h"

namespace yak::chat_template {

const Value* Scope::lookup(std::string_view name) const {
  for (const Scope* s = this; s; s = s->parent.get())
    for (const auto& [k, v] : s->vars)
      if (k == name) return &v;
  return nullptr;
}

void Scope::set(const std::string& name, Value value) {
  for (auto& [k, v] : vars) {
    if (k == name) {
      v = std::move(value);
      return;
    }
  }
  vars.emplace_back(name, std::move(value));
}

Interpreter::Interpreter(const RenderOptions& options)
    : budget_(options.limits), options_(options) {}

Interpreter::~Interpreter() {
  // Macros hold their defining scope and namespaces may hold themselves; unlink both.
  for (auto& w : namespaces_)
    if (auto ns = w.lock()) ns->items.clear();
  for (auto& w : macro_scopes_)
    if (auto s = w.lock()) s->vars.clear();
  scope_.reset();
  block_input_ = Value();
}

template <typename T>
void Interpreter::remember(std::vector<std::weak_ptr<T>>& list, const std::shared_ptr<T>& p) {
  // Drop the expired entries whenever the list doubles, so that it stays proportional to
  // what is alive (a loop making a namespace per iteration frees each one).
  if (list.size() >= 64 && list.size() == list.capacity())
    std::erase_if(list, [](const std::weak_ptr<T>& w) { return w.expired(); });
  list.push_back(p);
}

Value Interpreter::make_namespace() {
  auto d = std::make_shared<DictObj>();
  d->kind = DictKind::kNamespace;
  remember(namespaces_, d);
  d->track();
  return Value::dict(std::move(d));
}

RenderedPrompt Interpreter::render(const Template& tmpl, const Value& context) {
  auto globals = std::make_shared<Scope>();
  add_globals(globals->vars);
  if (context.is_dict())
    for (const auto& [k, v] : context.dict_obj().items)
      if (k.is_string()) globals->set(k.str(), v);
  scope_ = std::make_shared<Scope>();
  scope_->parent = globals;
  TaintedText out;
  out_ = &out;
  exec_body(tmpl.body);
  out_ = nullptr;
  return RenderedPrompt{std::move(out.mutable_text()), std::move(out.mutable_spans())};
}

void Interpreter::write(std::string_view s, const Spans& spans) {
  if (out_->size() + s.size() > options_.limits.max_output_bytes)
    limit_error("output exceeds {} bytes", options_.limits.max_output_bytes);
  size_t spans_before = out_->spans().size();
  out_->append(s, spans);
  // Output buffers are live memory too (captures nest through macro calls).
  budget_.add_live(s.size() + (out_->spans().size() - spans_before) * sizeof(TextSpan));
}

void Interpreter::write_value(const Value& v) {
  if (v.is_string()) {
    write(v.str(), v.spans());
  } else if (deep_tainted(v)) {
    std::string s = to_str(v);
    write(s, Spans{{0, s.size()}});
  } else {
    write(to_str(v));
  }
}

Value Interpreter::capture(const Body& body) {
  TaintedText buffer;
  TaintedText* saved = out_;
  out_ = &buffer;
  struct Restore {
    Interpreter& in;
    TaintedText& buffer;
    TaintedText* value;
    ~Restore() {
      in.out_ = value;
      in.budget_.release_live(buffer.size() + buffer.spans().size() * sizeof(TextSpan));
    }
  };
  {
    Restore restore{*this, buffer, saved};
    exec_body(body);
  }
  return buffer.take();
}

Interpreter::Flow Interpreter::exec_body(const Body& body) {
  for (const auto& s : body) {
    Flow f = exec(*s);
    if (f != Flow::kNormal) return f;
  }
  return Flow::kNormal;
}

namespace {

struct DepthGuard {
  explicit DepthGuard(int& depth) : depth_(depth) {
    if (++depth_ > kMaxEvalDepth) {
      --depth_;
      limit_error("template evaluation nested more than {} deep", kMaxEvalDepth);
    }
  }
  ~DepthGuard() { --depth_; }
  int& depth_;
};

}  // namespace

Interpreter::Flow Interpreter::exec(const Stmt& s) {
  try {
    DepthGuard guard(depth_);
    charge(1);
    switch (s.kind) {
      case StmtKind::kText:
        write(s.text);
        return Flow::kNormal;
      case StmtKind::kOutput:
        write_value(eval(*s.expr));
        return Flow::kNormal;
      case StmtKind::kIf:
        for (const auto& b : s.branches)
          if (eval(*b.condition).truthy()) return exec_body(b.body);
        return exec_body(s.else_body);
      case StmtKind::kFor:
        return exec_for(s);
      case StmtKind::kSet:
        exec_set(s);
        return Flow::kNormal;
      case StmtKind::kSetBlock: {
        Value v = capture(s.body);
        if (s.expr) {
          Value saved = block_input_;
          block_input_ = v;
          v = eval(*s.expr);
          block_input_ = saved;
        }
        scope_->set(s.targets[0], v);
        return Flow::kNormal;
      }
      case StmtKind::kMacro:
        define_macro(s);
        return Flow::kNormal;
      case StmtKind::kFilterBlock: {
        Value saved = block_input_;
        block_input_ = capture(s.body);
        Value v = eval(*s.expr);
        block_input_ = saved;
        write_value(v);
        return Flow::kNormal;
      }
      case StmtKind::kBreak:
        return Flow::kBreak;
      case StmtKind::kContinue:
        return Flow::kContinue;
      case StmtKind::kScope:
        return exec_body(s.body);
    }
  } catch (const UnplacedError& e) {
    throw ChatTemplateError(e.kind(), s.pos.line, s.pos.column, e.what());
  }
  return Flow::kNormal;
}

void Interpreter::assign(const std::vector<std::string>& targets, const Value& v) {
  if (targets.size() == 1) {
    scope_->set(targets[0], v);
    return;
  }
  std::vector<Value> items;
  if (v.is_list()) {
    items = v.items();
  } else if (v.is_string() || v.is_mapping() || v.is_generator()) {
    items = iterate(v).items();
  } else {
    runtime_error("cannot unpack non-iterable {} object", v.type_name());
  }
  if (items.size() != targets.size())
    runtime_error("cannot unpack {} values into {} names", items.size(), targets.size());
  for (size_t i = 0; i < targets.size(); ++i) scope_->set(targets[i], items[i]);
}

Interpreter::Flow Interpreter::exec_for(const Stmt& s) {
  Value iterable = eval(*s.expr);
  Value list = iterate(iterable);
  std::vector<Value> items = list.items();
  auto outer = scope_;
  struct Restore {
    std::shared_ptr<Scope>& slot;
    std::shared_ptr<Scope> value;
    ~Restore() { slot = value; }
  } restore{scope_, outer};

  if (s.condition) {
    std::vector<Value> kept;
    for (const auto& item : items) {
      scope_ = std::make_shared<Scope>();
      scope_->parent = outer;
      assign(s.targets, item);
      if (eval(*s.condition).truthy()) kept.push_back(item);
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    scope_ = std::make_shared<Scope>();
    scope_->parent = outer;
    exec_body(s.else_body);
    return Flow::kNormal;
  }
  const int64_t n = static_cast<int64_t>(items.size());
  for (int64_t i = 0; i < n; ++i) {
    scope_ = std::make_shared<Scope>();
    scope_->parent = outer;
    assign(s.targets, items[i]);
    auto loop = std::make_shared<DictObj>();
    loop->kind = DictKind::kLoop;
    auto put = [&](const char* k, Value v) { loop->items.emplace_back(Value::string(k), v); };
    loop->items.reserve(12);
    put("index", Value::integer(i + 1));
    put("index0", Value::integer(i));
    put("revindex", Value::integer(n - i));
    put("revindex0", Value::integer(n - i - 1));
    put("first", Value::boolean(i == 0));
    put("last", Value::boolean(i == n - 1));
    put("length", Value::integer(n));
    put("depth", Value::integer(1));
    put("depth0", Value::integer(0));
    if (i > 0) put("previtem", items[i - 1]);
    if (i + 1 < n) put("nextitem", items[i + 1]);
    put("cycle", Value::function("loop.cycle", [i](Interpreter&, CallArgs& args) -> Value {
          if (args.positional.empty()) runtime_error("no items for cycling given");
          return args.positional[static_cast<size_t>(i) % args.positional.size()];
        }));
    loop->track();
    scope_->set("loop", Value::dict(std::move(loop)));
    Flow f = exec_body(s.body);
    if (f == Flow::kBreak) break;
  }
  return Flow::kNormal;
}

void Interpreter::exec_set(const Stmt& s) {
  Value v = eval(*s.expr);
  if (s.attribute.empty()) {
    assign(s.targets, v);
    return;
  }
  Value target = lookup(s.targets[0]);
  if (!target.is_namespace()) runtime_error("cannot assign attribute on non-namespace object");
  if (!s.attribute.empty() && s.attribute[0] == '_')
    runtime_error(
        "chat templates cannot store underscore-prefixed attributes on a namespace, "
        "but got '{}'",
        s.attribute);
  target.mutable_dict().set(s.attribute, v);
}

void Interpreter::define_macro(const Stmt& s) {
  auto def_scope = scope_;
  remember(macro_scopes_, def_scope);
  const Stmt* stmt = &s;
  scope_->set(s.text, Value::function(s.text, [stmt, def_scope](Interpreter& in, CallArgs& args) {
                return in.call_macro(*stmt, def_scope, args);
              }));
}

Value Interpreter::call_macro(const Stmt& s, const std::shared_ptr<Scope>& def_scope,
                              CallArgs& args) {
  if (macro_depth_ >= options_.limits.max_recursion_depth)
    limit_error("macro calls nested more than {} deep", options_.limits.max_recursion_depth);
  ++macro_depth_;
  auto saved_scope = scope_;
  struct Restore {
    Interpreter& in;
    std::shared_ptr<Scope> scope;
    ~Restore() {
      in.scope_ = scope;
      --in.macro_depth_;
    }
  } restore{*this, saved_scope};

  scope_ = std::make_shared<Scope>();
  scope_->parent = def_scope;
  std::vector<bool> bound(s.params.size(), false);
  std::vector<Value> varargs;
  for (size_t i = 0; i < args.positional.size(); ++i) {
    if (i < s.params.size()) {
      scope_->set(s.params[i].name, args.positional[i]);
      bound[i] = true;
    } else {
      varargs.push_back(args.positional[i]);
    }
  }
  auto kwargs = std::make_shared<DictObj>();
  for (auto& [name, v] : args.keyword) {
    bool found = false;
    for (size_t i = 0; i < s.params.size(); ++i) {
      if (s.params[i].name == name) {
        if (bound[i])
          runtime_error("macro '{}' got multiple values for argument '{}'", s.text, name);
        scope_->set(name, v);
        bound[i] = found = true;
      }
    }
    if (!found) kwargs->set(name, v);
  }
  for (size_t i = 0; i < s.params.size(); ++i) {
    if (bound[i]) continue;
    if (s.params[i].default_value) {
      scope_->set(s.params[i].name, eval(*s.params[i].default_value));
    } else {
      scope_->set(s.params[i].name,
                  Value::undefined("parameter '" + s.params[i].name + "' was not provided"));
    }
  }
  scope_->set("varargs", Value::list(std::move(varargs), /*tuple=*/true));
  kwargs->track();
  scope_->set("kwargs", Value::dict(std::move(kwargs)));
  return capture(s.body);
}

Value Interpreter::call(const Value& fn, CallArgs& args) {
  if (fn.is_function()) return fn.function_obj().fn(*this, args);
  if (fn.is_undefined()) undefined_error(fn);
  runtime_error("'{}' object is not callable", fn.type_name());
}

Value Interpreter::lookup(const std::string& name) const {
  if (const Value* v = scope_->lookup(name)) return *v;
  return Value::undefined("'" + name + "' is undefined");
}

Value Interpreter::eval(const Expr& e) {
  try {
    DepthGuard guard(depth_);
    charge(1);
    return eval_inner(e);
  } catch (const UnplacedError& err) {
    throw ChatTemplateError(err.kind(), e.pos.line, e.pos.column, err.what());
  }
}

CallArgs Interpreter::eval_args(const std::vector<Arg>& args) {
  CallArgs out;
  for (const auto& a : args) {
    if (a.name.empty()) {
      out.positional.push_back(eval(*a.value));
    } else {
      out.keyword.emplace_back(a.name, eval(*a.value));
    }
  }
  return out;
}

Value Interpreter::eval_inner(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kLiteral:
      return e.literal;
    case ExprKind::kName:
      return lookup(e.name);
    case ExprKind::kBlockInput:
      return block_input_;
    case ExprKind::kList:
    case ExprKind::kTuple: {
      std::vector<Value> items;
      items.reserve(e.children.size());
      for (const auto& c : e.children) items.push_back(eval(*c));
      return Value::list(std::move(items), e.kind == ExprKind::kTuple);
    }
    case ExprKind::kDict: {
      auto d = std::make_shared<DictObj>();
      for (size_t i = 0; i + 1 < e.children.size(); i += 2) {
        Value k = eval(*e.children[i]);
        Value v = eval(*e.children[i + 1]);
        if (!is_hashable(k)) runtime_error("unhashable type: '{}'", k.type_name());
        d->set(k, std::move(v));
      }
      return Value::dict(std::move(d));
    }
    case ExprKind::kGetAttr:
      return get_attr(*this, eval(*e.children[0]), e.name);
    case ExprKind::kGetItem:
      return get_item(*this, eval(*e.children[0]), eval(*e.children[1]));
    case ExprKind::kSlice: {
      Value obj = eval(*e.children[0]);
      Value parts[3];
      for (int i = 0; i < 3; ++i)
        parts[i] = e.children[i + 1] ? eval(*e.children[i + 1]) : Value::none();
      return slice(*this, obj, parts[0], parts[1], parts[2]);
    }
    case ExprKind::kCall:
      return eval_call(e);
    case ExprKind::kFilter:
      return eval_filter(e);
    case ExprKind::kTest:
      return Value::boolean(eval_test(e) != e.negated);
    case ExprKind::kNot:
      return Value::boolean(!eval(*e.children[0]).truthy());
    case ExprKind::kNeg:
    case ExprKind::kPos: {
      Value v = eval(*e.children[0]);
      if (v.is_undefined()) undefined_error(v);
      if (!v.is_number())
        runtime_error("bad operand type for unary {}: '{}'", e.kind == ExprKind::kNeg ? "-" : "+",
                      v.type_name());
      if (e.kind == ExprKind::kPos) return v.is_float() ? v : Value::integer(v.as_int());
      if (v.is_float()) return Value::number(-v.as_double());
      if (v.as_int() == INT64_MIN) runtime_error("integer overflow");
      return Value::integer(-v.as_int());
    }
    case ExprKind::kBinary:
      return binary_op(*this, e.name, eval(*e.children[0]), eval(*e.children[1]));
    case ExprKind::kAnd: {
      Value a = eval(*e.children[0]);
      return a.truthy() ? eval(*e.children[1]) : a;
    }
    case ExprKind::kOr: {
      Value a = eval(*e.children[0]);
      return a.truthy() ? a : eval(*e.children[1]);
    }
    case ExprKind::kCompare:
      return eval_compare(e);
    case ExprKind::kCondExpr:
      if (eval(*e.children[0]).truthy()) return eval(*e.children[1]);
      if (e.children[2]) return eval(*e.children[2]);
      return Value::undefined("the inline if-expression on line " + std::to_string(e.pos.line) +
                              " evaluated to false and no else section was defined.");
  }
  return Value();
}

Value Interpreter::eval_call(const Expr& e) {
  Value fn = eval(*e.children[0]);
  CallArgs args = eval_args(e.args);
  return call(fn, args);
}

Value Interpreter::eval_filter(const Expr& e) {
  Value input = eval(*e.children[0]);
  CallArgs args = eval_args(e.args);
  const FilterFn* f = find_filter(e.name);
  if (!f) runtime_error("no filter named '{}'", e.name);
  return (*f)(*this, input, args);
}

bool Interpreter::eval_test(const Expr& e) {
  Value input = eval(*e.children[0]);
  CallArgs args = eval_args(e.args);
  const TestFn* t = find_test(e.name);
  if (!t) runtime_error("no test named '{}'", e.name);
  return (*t)(*this, input, args);
}

Value Interpreter::eval_compare(const Expr& e) {
  Value left = eval(*e.children[0]);
  for (size_t i = 0; i < e.ops.size(); ++i) {
    Value right = eval(*e.children[i + 1]);
    const std::string& op = e.ops[i];
    bool r;
    if (op == "==" || op == "!=") {
      r = equals(left, right) == (op == "==");
    } else if (op == "in" || op == "not in") {
      r = contains(right, left) == (op == "in");
    } else {
      if (left.is_undefined()) undefined_error(left);
      if (right.is_undefined()) undefined_error(right);
      if (op == "<") {
        r = less_than(left, right);
      } else if (op == ">") {
        r = less_than(right, left);
      } else if (op == "<=") {
        r = !less_than(right, left);
      } else {
        r = !less_than(left, right);
      }
    }
    if (!r) return Value::boolean(false);
    left = std::move(right);
  }
  return Value::boolean(true);
}

}  // namespace yak::chat_template
