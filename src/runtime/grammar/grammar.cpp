#include "yak/grammar.h"

#include "runtime/grammar/compile.h"
#include "runtime/grammar/rules.h"
#include "runtime/grammar/stacks.h"

namespace yak {

namespace {

// Any JSON object (RFC 8259), with whitespace bounded so that a model cannot pad forever:
// between tokens at most one newline and 20 spaces or tabs of indentation. Numbers are
// bounded too (16 integer digits, 16 fraction digits, 3 exponent digits).
constexpr std::string_view kJsonObjectGbnf = R"(root   ::= object
value  ::= object | array | string | number | "true" | "false" | "null"
object ::= "{" ws ( member ( "," ws member )* )? "}"
member ::= string ws ":" ws value ws
array  ::= "[" ws ( element ( "," ws element )* )? "]"
element ::= value ws
string ::= "\"" char* "\""
char   ::= [^"\\\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" [0-9a-fA-F]{4} )
number ::= "-"? ( "0" | [1-9] [0-9]{0,15} ) ( "." [0-9]{1,16} )? ( [eE] [-+]? [0-9]{1,3} )?
ws     ::= | " " | "\n" [ \t]{0,20}
)";

}  // namespace

Grammar Grammar::from_gbnf(std::string_view text, std::string_view root) {
  auto rules = std::make_shared<const grammar::Rules>(grammar::compile_gbnf(text, root));
  // Expanding the start state now makes a grammar that is too ambiguous to even begin
  // (GrammarError) fail here, where the caller reports a bad grammar, not mid-generation.
  grammar::StackSet start;
  grammar::Stepper(*rules).start(start);
  return Grammar(std::move(rules));
}

Grammar Grammar::json_object() { return from_gbnf(kJsonObjectGbnf); }

const std::string& Grammar::source() const { return rules_->source; }

bool Grammar::matches(std::string_view text) const {
  return grammar::matches_text(
      *rules_, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

}  // namespace yak
