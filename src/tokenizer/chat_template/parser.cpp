#include "tokenizer/chat_template/parser.h"

#include <algorithm>
#include <initializer_list>

#include "tokenizer/chat_template/lexer.h"

namespace yak::chat_template {

namespace {

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}

  std::shared_ptr<const Template> parse() {
    auto t = std::make_shared<Template>();
    std::string end;
    t->body = parse_body({}, &end);
    return t;
  }

 private:
  struct Guard {
    Guard(int& depth, Pos pos) : depth_(depth) {
      if (++depth_ > kMaxParseNesting) syntax_error(pos, "template nested too deeply");
    }
    ~Guard() { --depth_; }
    int& depth_;
  };

  const Token& cur() const { return toks_[i_]; }
  const Token& peek(size_t n = 1) const { return toks_[std::min(i_ + n, toks_.size() - 1)]; }
  void advance() {
    if (i_ + 1 < toks_.size()) ++i_;
  }
  bool is_op(std::string_view op) const {
    return cur().type == TokenType::kOperator && cur().text == op;
  }
  bool is_name(std::string_view name) const {
    return cur().type == TokenType::kName && cur().text == name;
  }
  bool accept_op(std::string_view op) {
    if (!is_op(op)) return false;
    advance();
    return true;
  }
  bool accept_name(std::string_view name) {
    if (!is_name(name)) return false;
    advance();
    return true;
  }
  [[noreturn]] void unexpected(std::string_view wanted) const {
    const Token& t = cur();
    std::string got;
    switch (t.type) {
      case TokenType::kEof:
        got = "end of template";
        break;
      case TokenType::kBlockEnd:
        got = "end of statement block";
        break;
      case TokenType::kVarEnd:
        got = "end of print statement";
        break;
      case TokenType::kText:
        got = "template text";
        break;
      case TokenType::kString:
        got = "string literal";
        break;
      default:
        got = "'" + t.text + "'";
    }
    syntax_error(t.pos, "expected {}, got {}", wanted, got);
  }
  void expect_op(std::string_view op) {
    if (!accept_op(op)) unexpected("'" + std::string(op) + "'");
  }
  std::string expect_name() {
    if (cur().type != TokenType::kName) unexpected("a name");
    std::string s = cur().text;
    advance();
    return s;
  }
  void expect_block_end() {
    if (cur().type != TokenType::kBlockEnd) unexpected("end of statement block");
    advance();
  }

  // Statements until one of `ends` (the tag name is consumed and stored in *found).
  Body parse_body(std::initializer_list<std::string_view> ends, std::string* found) {
    Body body;
    while (true) {
      const Token& t = cur();
      switch (t.type) {
        case TokenType::kText: {
          auto s = make_stmt(StmtKind::kText, t.pos);
          s->text = t.text;
          body.push_back(std::move(s));
          advance();
          break;
        }
        case TokenType::kVarBegin: {
          auto s = make_stmt(StmtKind::kOutput, t.pos);
          advance();
          s->expr = parse_tuple(true);
          if (cur().type != TokenType::kVarEnd) unexpected("end of print statement");
          advance();
          body.push_back(std::move(s));
          break;
        }
        case TokenType::kBlockBegin: {
          advance();
          if (cur().type != TokenType::kName) unexpected("a statement name");
          std::string name = cur().text;
          if (std::find(ends.begin(), ends.end(), name) != ends.end()) {
            advance();
            *found = name;
            return body;
          }
          body.push_back(parse_statement());
          break;
        }
        case TokenType::kEof:
          if (ends.size() != 0)
            syntax_error(t.pos, "unexpected end of template, expected '{}'", *(ends.end() - 1));
          return body;
        default:
          unexpected("a statement");
      }
    }
  }

  std::unique_ptr<Stmt> make_stmt(StmtKind kind, Pos pos) {
    auto s = std::make_unique<Stmt>();
    s->kind = kind;
    s->pos = pos;
    return s;
  }

  std::unique_ptr<Stmt> parse_statement() {
    Guard guard(depth_, cur().pos);
    const Token& t = cur();
    Pos pos = t.pos;
    std::string name = t.text;
    advance();
    if (name == "if") return parse_if(pos);
    if (name == "for") return parse_for(pos);
    if (name == "set") return parse_set(pos);
    if (name == "macro") return parse_macro(pos);
    if (name == "filter") {
      auto s = make_stmt(StmtKind::kFilterBlock, pos);
      s->expr = parse_filter_chain(pos);
      expect_block_end();
      std::string end;
      s->body = parse_body({"endfilter"}, &end);
      expect_block_end();
      return s;
    }
    if (name == "break" || name == "continue") {
      if (loop_depth_ == 0) syntax_error(pos, "'{}' outside of a loop", name);
      auto s = make_stmt(name == "break" ? StmtKind::kBreak : StmtKind::kContinue, pos);
      expect_block_end();
      return s;
    }
    if (name == "generation") {
      auto s = make_stmt(StmtKind::kScope, pos);
      expect_block_end();
      std::string end;
      s->body = parse_body({"endgeneration"}, &end);
      expect_block_end();
      return s;
    }
    syntax_error(pos, "unknown or unsupported tag '{}'", name);
  }

  std::unique_ptr<Stmt> parse_if(Pos pos) {
    auto s = make_stmt(StmtKind::kIf, pos);
    while (true) {
      Branch b;
      b.condition = parse_tuple(false);
      expect_block_end();
      std::string end;
      b.body = parse_body({"elif", "else", "endif"}, &end);
      s->branches.push_back(std::move(b));
      if (end == "elif") continue;
      if (end == "else") {
        expect_block_end();
        s->else_body = parse_body({"endif"}, &end);
      }
      expect_block_end();
      return s;
    }
  }

  std::unique_ptr<Stmt> parse_for(Pos pos) {
    auto s = make_stmt(StmtKind::kFor, pos);
    bool parens = accept_op("(");
    do {
      s->targets.push_back(expect_name());
    } while (accept_op(",") && cur().type == TokenType::kName);
    if (parens) expect_op(")");
    if (!accept_name("in")) unexpected("'in'");
    s->expr = parse_tuple(false, /*for_iter=*/true);
    if (accept_name("if")) s->condition = parse_expression(true);
    if (is_name("recursive")) syntax_error(cur().pos, "recursive loops are not supported");
    expect_block_end();
    std::string end;
    ++loop_depth_;
    s->body = parse_body({"else", "endfor"}, &end);
    --loop_depth_;
    if (end == "else") {
      expect_block_end();
      s->else_body = parse_body({"endfor"}, &end);
    }
    expect_block_end();
    return s;
  }

  std::unique_ptr<Stmt> parse_set(Pos pos) {
    auto s = make_stmt(StmtKind::kSet, pos);
    std::string first = expect_name();
    if (accept_op(".")) {
      s->targets.push_back(first);
      s->attribute = expect_name();
    } else {
      s->targets.push_back(first);
      while (accept_op(",")) s->targets.push_back(expect_name());
    }
    if (accept_op("=")) {
      s->expr = parse_tuple(true);
      expect_block_end();
      return s;
    }
    if (s->targets.size() != 1) unexpected("'='");
    s->kind = StmtKind::kSetBlock;
    if (is_op("|")) s->expr = parse_filter_chain(pos);
    expect_block_end();
    std::string end;
    int saved_loop = loop_depth_;
    loop_depth_ = 0;
    s->body = parse_body({"endset"}, &end);
    loop_depth_ = saved_loop;
    expect_block_end();
    return s;
  }

  std::unique_ptr<Stmt> parse_macro(Pos pos) {
    auto s = make_stmt(StmtKind::kMacro, pos);
    s->text = expect_name();
    expect_op("(");
    while (!is_op(")")) {
      Param p;
      p.name = expect_name();
      if (accept_op("=")) p.default_value = parse_expression(true);
      s->params.push_back(std::move(p));
      if (!accept_op(",")) break;
    }
    expect_op(")");
    expect_block_end();
    std::string end;
    int saved_loop = loop_depth_;
    loop_depth_ = 0;
    s->body = parse_body({"endmacro"}, &end);
    loop_depth_ = saved_loop;
    if (cur().type == TokenType::kName && cur().text == s->text) advance();
    expect_block_end();
    return s;
  }

  // `| f(args) | g` applied to the captured block, or `f(args) | g` after {% filter %}.
  ExprPtr parse_filter_chain(Pos pos) {
    auto input = make_expr(ExprKind::kBlockInput, pos);
    if (is_op("|")) return parse_filter_expr(std::move(input));
    auto first = parse_filter(std::move(input));
    return parse_filter_expr(std::move(first));
  }

  ExprPtr make_expr(ExprKind kind, Pos pos) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->pos = pos;
    return e;
  }

  // A comma-separated list becomes a tuple. In a for loop's iterable, `if` ends it.
  ExprPtr parse_tuple(bool with_condexpr, bool for_iter = false) {
    Pos pos = cur().pos;
    auto first = parse_expression(with_condexpr && !for_iter);
    if (!is_op(",")) return first;
    auto t = make_expr(ExprKind::kTuple, pos);
    t->children.push_back(std::move(first));
    while (accept_op(",")) {
      if (cur().type == TokenType::kBlockEnd || cur().type == TokenType::kVarEnd || is_name("if") ||
          is_op(")"))
        break;
      t->children.push_back(parse_expression(with_condexpr && !for_iter));
    }
    return t;
  }

  ExprPtr parse_expression(bool with_condexpr) {
    Guard guard(depth_, cur().pos);
    if (!with_condexpr) return parse_or();
    auto expr = parse_or();
    while (is_name("if")) {
      Pos pos = cur().pos;
      advance();
      auto cond = make_expr(ExprKind::kCondExpr, pos);
      cond->children.push_back(parse_or());
      cond->children.push_back(std::move(expr));
      if (accept_name("else")) {
        cond->children.push_back(parse_expression(true));
      } else {
        cond->children.push_back(nullptr);
      }
      expr = std::move(cond);
    }
    return expr;
  }

  ExprPtr binary(ExprKind kind, Pos pos, ExprPtr a, ExprPtr b, std::string op = "") {
    auto e = make_expr(kind, pos);
    e->name = std::move(op);
    e->children.push_back(std::move(a));
    e->children.push_back(std::move(b));
    return e;
  }

  ExprPtr parse_or() {
    auto left = parse_and();
    while (is_name("or")) {
      Pos pos = cur().pos;
      advance();
      left = binary(ExprKind::kOr, pos, std::move(left), parse_and());
    }
    return left;
  }

  ExprPtr parse_and() {
    auto left = parse_not();
    while (is_name("and")) {
      Pos pos = cur().pos;
      advance();
      left = binary(ExprKind::kAnd, pos, std::move(left), parse_not());
    }
    return left;
  }

  ExprPtr parse_not() {
    if (is_name("not")) {
      Guard guard(depth_, cur().pos);
      auto e = make_expr(ExprKind::kNot, cur().pos);
      advance();
      e->children.push_back(parse_not());
      return e;
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    Pos pos = cur().pos;
    auto first = parse_math1();
    ExprPtr cmp;
    while (true) {
      std::string op;
      if (cur().type == TokenType::kOperator &&
          (cur().text == "==" || cur().text == "!=" || cur().text == "<" || cur().text == ">" ||
           cur().text == "<=" || cur().text == ">=")) {
        op = cur().text;
        advance();
      } else if (is_name("in")) {
        op = "in";
        advance();
      } else if (is_name("not") && peek().type == TokenType::kName && peek().text == "in") {
        op = "not in";
        advance();
        advance();
      } else {
        break;
      }
      if (!cmp) {
        cmp = make_expr(ExprKind::kCompare, pos);
        cmp->children.push_back(std::move(first));
      }
      cmp->ops.push_back(op);
      cmp->children.push_back(parse_math1());
    }
    return cmp ? std::move(cmp) : std::move(first);
  }

  ExprPtr parse_math1() {
    auto left = parse_concat();
    while (is_op("+") || is_op("-")) {
      std::string op = cur().text;
      Pos pos = cur().pos;
      advance();
      left = binary(ExprKind::kBinary, pos, std::move(left), parse_concat(), op);
    }
    return left;
  }

  ExprPtr parse_concat() {
    auto left = parse_math2();
    while (is_op("~")) {
      Pos pos = cur().pos;
      advance();
      left = binary(ExprKind::kBinary, pos, std::move(left), parse_math2(), "~");
    }
    return left;
  }

  ExprPtr parse_math2() {
    auto left = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      std::string op = cur().text;
      Pos pos = cur().pos;
      advance();
      left = binary(ExprKind::kBinary, pos, std::move(left), parse_pow(), op);
    }
    return left;
  }

  ExprPtr parse_pow() {
    auto left = parse_unary(true);
    while (is_op("**")) {
      Pos pos = cur().pos;
      advance();
      left = binary(ExprKind::kBinary, pos, std::move(left), parse_unary(true), "**");
    }
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
    Guard guard(depth_, cur().pos);
    Pos pos = cur().pos;
    ExprPtr node;
    if (is_op("-") || is_op("+")) {
      node = make_expr(is_op("-") ? ExprKind::kNeg : ExprKind::kPos, pos);
      advance();
      node->children.push_back(parse_unary(false));
    } else {
      node = parse_primary();
    }
    node = parse_postfix(std::move(node));
    if (with_filter) node = parse_filter_expr(std::move(node));
    return node;
  }

  ExprPtr literal(Pos pos, Value v) {
    auto e = make_expr(ExprKind::kLiteral, pos);
    e->literal = std::move(v);
    return e;
  }

  ExprPtr parse_primary() {
    const Token& t = cur();
    Pos pos = t.pos;
    switch (t.type) {
      case TokenType::kName: {
        std::string n = t.text;
        advance();
        if (n == "true" || n == "True") return literal(pos, Value::boolean(true));
        if (n == "false" || n == "False") return literal(pos, Value::boolean(false));
        if (n == "none" || n == "None") return literal(pos, Value::none());
        auto e = make_expr(ExprKind::kName, pos);
        e->name = std::move(n);
        return e;
      }
      case TokenType::kString: {
        std::string s;
        while (cur().type == TokenType::kString) {  // adjacent literals concatenate
          s += cur().text;
          advance();
        }
        return literal(pos, Value::string(std::move(s)));
      }
      case TokenType::kInt: {
        int64_t v = t.int_value;
        advance();
        return literal(pos, Value::integer(v));
      }
      case TokenType::kFloat: {
        double v = t.float_value;
        advance();
        return literal(pos, Value::number(v));
      }
      case TokenType::kOperator:
        if (t.text == "(") {
          advance();
          if (accept_op(")")) return make_expr(ExprKind::kTuple, pos);
          auto e = parse_tuple(true);
          if (e->kind == ExprKind::kTuple) e->pos = pos;
          expect_op(")");
          return e;
        }
        if (t.text == "[") {
          advance();
          auto e = make_expr(ExprKind::kList, pos);
          while (!is_op("]")) {
            e->children.push_back(parse_expression(true));
            if (!accept_op(",")) break;
          }
          expect_op("]");
          return e;
        }
        if (t.text == "{") {
          advance();
          auto e = make_expr(ExprKind::kDict, pos);
          while (!is_op("}")) {
            e->children.push_back(parse_expression(true));
            expect_op(":");
            e->children.push_back(parse_expression(true));
            if (!accept_op(",")) break;
          }
          expect_op("}");
          return e;
        }
        break;
      default:
        break;
    }
    unexpected("an expression");
  }

  ExprPtr parse_postfix(ExprPtr node) {
    while (true) {
      Pos pos = cur().pos;
      if (is_op(".")) {
        advance();
        if (cur().type == TokenType::kName) {
          auto e = make_expr(ExprKind::kGetAttr, pos);
          e->name = cur().text;
          advance();
          e->children.push_back(std::move(node));
          node = std::move(e);
        } else if (cur().type == TokenType::kInt) {
          auto e = make_expr(ExprKind::kGetItem, pos);
          e->children.push_back(std::move(node));
          e->children.push_back(literal(pos, Value::integer(cur().int_value)));
          advance();
          node = std::move(e);
        } else {
          unexpected("an attribute name");
        }
      } else if (is_op("[")) {
        advance();
        node = parse_subscript(std::move(node), pos);
      } else if (is_op("(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr obj, Pos pos) {
    Guard guard(depth_, pos);
    ExprPtr parts[3];
    bool slice = false;
    int part = 0;
    while (true) {
      if (is_op(":")) {
        slice = true;
        if (++part > 2) unexpected("']'");
        advance();
        continue;
      }
      if (is_op("]")) break;
      if (parts[part]) unexpected("']'");
      parts[part] = parse_expression(true);
    }
    expect_op("]");
    if (!slice) {
      if (!parts[0]) syntax_error(pos, "expected a subscript");
      auto e = make_expr(ExprKind::kGetItem, pos);
      e->children.push_back(std::move(obj));
      e->children.push_back(std::move(parts[0]));
      return e;
    }
    auto e = make_expr(ExprKind::kSlice, pos);
    e->children.push_back(std::move(obj));
    for (auto& p : parts) e->children.push_back(std::move(p));
    return e;
  }

  std::vector<Arg> parse_args() {
    Guard guard(depth_, cur().pos);
    expect_op("(");
    std::vector<Arg> args;
    while (!is_op(")")) {
      if (is_op("*") || is_op("**"))
        syntax_error(cur().pos, "*args and **kwargs are not supported");
      Arg a;
      if (cur().type == TokenType::kName && peek().type == TokenType::kOperator &&
          peek().text == "=") {
        a.name = cur().text;
        advance();
        advance();
      } else if (!args.empty() && !args.back().name.empty()) {
        syntax_error(cur().pos, "positional argument follows keyword argument");
      }
      a.value = parse_expression(true);
      args.push_back(std::move(a));
      if (!accept_op(",")) break;
    }
    expect_op(")");
    return args;
  }

  ExprPtr parse_call(ExprPtr callee) {
    auto e = make_expr(ExprKind::kCall, cur().pos);
    e->args = parse_args();
    e->children.push_back(std::move(callee));
    return e;
  }

  ExprPtr parse_filter(ExprPtr input) {
    auto e = make_expr(ExprKind::kFilter, cur().pos);
    e->name = expect_name();
    while (accept_op(".")) e->name += "." + expect_name();
    if (is_op("(")) e->args = parse_args();
    e->children.push_back(std::move(input));
    return e;
  }

  ExprPtr parse_filter_expr(ExprPtr node) {
    while (true) {
      if (is_op("|")) {
        advance();
        node = parse_filter(std::move(node));
      } else if (is_name("is")) {
        Pos pos = cur().pos;
        advance();
        auto e = make_expr(ExprKind::kTest, pos);
        e->negated = accept_name("not");
        e->name = expect_name();
        while (accept_op(".")) e->name += "." + expect_name();
        const Token& t = cur();
        if (is_op("(")) {
          e->args = parse_args();
        } else if ((t.type == TokenType::kName && t.text != "else" && t.text != "or" &&
                    t.text != "and" && t.text != "if" && t.text != "is" && t.text != "in" &&
                    t.text != "not") ||
                   t.type == TokenType::kString || t.type == TokenType::kInt ||
                   t.type == TokenType::kFloat || is_op("[") || is_op("{")) {
          Arg a;
          a.value = parse_postfix(parse_primary());
          e->args.push_back(std::move(a));
        }
        e->children.push_back(std::move(node));
        node = std::move(e);
      } else if (is_op("(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  std::vector<Token> toks_;
  size_t i_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
};

}  // namespace

std::shared_ptr<const Template> parse_template(std::string_view normalized_source) {
  return Parser(tokenize(normalized_source)).parse();
}

}  // namespace yak::chat_template
