// Renders a parsed template against a context: jinja2's scoping (loops and macros get
// their own scope, if-blocks do not), Undefined semantics, loop controls, macros, and the
// sandbox's step, output, value-size and recursion bounds.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/chat_template/ast.h"
#include "tokenizer/chat_template/budget.h"
#include "tokenizer/chat_template/taint.h"
#include "tokenizer/chat_template/value.h"
#include "yak/chat_template.h"

namespace yak::chat_template {

// Nested statement/expression evaluations at once, macro calls included; with the
// parser's nesting bound this keeps hostile templates well inside the C++ stack.
inline constexpr int kMaxEvalDepth = 400;

struct Scope {
  std::shared_ptr<Scope> parent;
  std::vector<std::pair<std::string, Value>> vars;
  const Value* lookup(std::string_view name) const;
  void set(const std::string& name, Value value);
};

class Interpreter {
 public:
  explicit Interpreter(const RenderOptions& options);
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // context: a dict of the template's variables (its strings already carry their taint).
  RenderedPrompt render(const Template& tmpl, const Value& context);

  // Bulk work done by builtins counts toward max_steps.
  void charge(uint64_t steps) { budget_.charge(steps); }
  void charge_bytes(uint64_t bytes) { budget_.charge_bytes(bytes); }
  void charge_text(uint64_t bytes) { budget_.charge_text(bytes); }
  // Throws a limit error when a string or list of `bytes` would be too large.
  void check_value_bytes(uint64_t bytes) const { budget_.check_value_bytes(bytes); }
  const RenderBudget& budget() const { return budget_; }
  const RenderOptions& options() const { return options_; }

  Value call(const Value& fn, CallArgs& args);
  // A namespace() object; the interpreter unlinks them all when done, so that a
  // namespace stored in itself does not leak.
  Value make_namespace();

 private:
  enum class Flow { kNormal, kBreak, kContinue };

  Flow exec_body(const Body& body);
  Flow exec(const Stmt& s);
  Flow exec_for(const Stmt& s);
  void exec_set(const Stmt& s);
  void define_macro(const Stmt& s);
  Value call_macro(const Stmt& s, const std::shared_ptr<Scope>& def_scope, CallArgs& args);
  Value capture(const Body& body);
  void assign(const std::vector<std::string>& targets, const Value& v);

  Value eval(const Expr& e);
  Value eval_inner(const Expr& e);
  Value eval_call(const Expr& e);
  Value eval_filter(const Expr& e);
  bool eval_test(const Expr& e);
  Value eval_compare(const Expr& e);
  CallArgs eval_args(const std::vector<Arg>& args);
  Value lookup(const std::string& name) const;

  void write(std::string_view s, const Spans& spans = {});
  void write_value(const Value& v);
  template <typename T>
  void remember(std::vector<std::weak_ptr<T>>& list, const std::shared_ptr<T>& p);

  // First, so that it outlives every value the render made (they refund it when freed).
  RenderBudget budget_;
  RenderOptions options_;
  int depth_ = 0;  // nested exec/eval calls, across macro calls: bounds the C++ stack
  int macro_depth_ = 0;
  TaintedText* out_ = nullptr;
  std::shared_ptr<Scope> scope_;
  Value block_input_;
  // Weak, so that a namespace or scope no longer used is freed during the render; what is
  // still alive at the end may be in a cycle (a namespace stored in itself, a macro in the
  // scope it closes over) and is unlinked then.
  std::vector<std::weak_ptr<DictObj>> namespaces_;
  std::vector<std::weak_ptr<Scope>> macro_scopes_;
};

}  // namespace yak::chat_template
