// Renders a parsed template against a context: jinja2's scoping (loops and macros get
// their own scope, if-blocks do not), Undefined semantics, loop controls, macros, and the
// sandbox's step, output, value-size and recursion bounds.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/chat_template/ast.h"
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

  std::string render(const Template& tmpl, const Value& context);

  // Bulk work done by builtins counts toward max_steps.
  void charge(uint64_t steps);
  void charge_bytes(uint64_t bytes) { charge(bytes / 256); }
  // Throws a limit error when a string or list of `bytes` would be too large.
  void check_value_bytes(uint64_t bytes) const;
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
  std::string capture(const Body& body);
  void assign(const std::vector<std::string>& targets, const Value& v);

  Value eval(const Expr& e);
  Value eval_inner(const Expr& e);
  Value eval_call(const Expr& e);
  Value eval_filter(const Expr& e);
  bool eval_test(const Expr& e);
  Value eval_compare(const Expr& e);
  CallArgs eval_args(const std::vector<Arg>& args);
  Value lookup(const std::string& name) const;

  void write(std::string_view s);

  RenderOptions options_;
  uint64_t steps_ = 0;
  int depth_ = 0;  // nested exec/eval calls, across macro calls: bounds the C++ stack
  int macro_depth_ = 0;
  std::string* out_ = nullptr;
  std::shared_ptr<Scope> scope_;
  Value block_input_;
  std::vector<std::shared_ptr<DictObj>> namespaces_;
  std::vector<std::shared_ptr<Scope>> macro_scopes_;
};

}  // namespace yak::chat_template
