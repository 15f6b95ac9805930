// The parsed form of a template: statements holding expressions, each node with the
// line and column that errors name.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tokenizer/chat_template/errors.h"
#include "tokenizer/chat_template/value.h"

namespace yak::chat_template {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class ExprKind {
  kLiteral,     // literal
  kName,        // name
  kBlockInput,  // the captured body a {% filter %} or {% set x | f %} block filters
  kList,        // children: items
  kTuple,       // children: items
  kDict,        // children: key0, value0, key1, value1, ...
  kGetAttr,     // children[0].name
  kGetItem,     // children[0][children[1]]
  kSlice,       // children[0][children[1]:children[2]:children[3]], each may be null
  kCall,        // children[0](args)
  kFilter,      // children[0] | name(args)
  kTest,        // children[0] is [not] name(args)
  kNot,         // not children[0]
  kNeg,         // -children[0]
  kPos,         // +children[0]
  kBinary,      // children[0] op children[1]: + - * / // % ** ~
  kAnd,         // children[0] and children[1]
  kOr,          // children[0] or children[1]
  kCompare,     // children[0] ops[0] children[1] ops[1] children[2] ...
  kCondExpr,    // children[1] if children[0] else children[2] (may be null)
};

struct Arg {
  std::string name;  // empty for a positional argument
  ExprPtr value;
};

struct Expr {
  ExprKind kind;
  Pos pos;
  Value literal;
  std::string name;  // variable, attribute, filter, test, or operator
  std::vector<ExprPtr> children;
  std::vector<Arg> args;         // call, filter and test arguments
  std::vector<std::string> ops;  // comparison operators
  bool negated = false;          // `is not`
};

struct Stmt;
using Body = std::vector<std::unique_ptr<Stmt>>;

enum class StmtKind {
  kText,         // text
  kOutput,       // {{ expr }}
  kIf,           // branches; else_body
  kFor,          // targets in expr [if cond]; body; else_body
  kSet,          // targets (or namespace target.attr) = expr
  kSetBlock,     // {% set target | filters %} body {% endset %}
  kMacro,        // name(params) body
  kFilterBlock,  // {% filter expr %} body
  kBreak,
  kContinue,
  kScope,  // body rendered as is ({% generation %})
};

struct Branch {
  ExprPtr condition;
  Body body;
};

struct Param {
  std::string name;
  ExprPtr default_value;  // may be null
};

struct Stmt {
  StmtKind kind;
  Pos pos;
  std::string text;
  ExprPtr expr;                      // output / set value / for iterable / filter chain
  ExprPtr condition;                 // for ... if condition
  std::vector<std::string> targets;  // set / for names
  std::string attribute;             // set ns.attribute
  std::vector<Branch> branches;      // if / elif
  std::vector<Param> params;         // macro
  Body body;
  Body else_body;
};

struct Template {
  Body body;
};

}  // namespace yak::chat_template
