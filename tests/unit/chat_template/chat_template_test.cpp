// The interpreter piece by piece: whitespace control, expressions, filters, tests,
// methods, scoping, Undefined, the sandbox and its limits, and error positions.
// Expected values are what jinja2 3.1 renders under transformers' settings.
#include "yak/chat_template.h"

#include <gtest/gtest.h>

#include "format/gguf_file.h"
#include "unit/test_paths.h"

namespace {

using nlohmann::ordered_json;
using Kind = yak::ChatTemplateError::Kind;

std::string render(std::string_view src, const std::string& ctx = "{}",
                   const yak::RenderOptions& options = {}) {
  return yak::ChatTemplate::parse(src).render(ordered_json::parse(ctx), options);
}

yak::ChatTemplateError render_error(std::string_view src, const std::string& ctx = "{}",
                                    const yak::RenderOptions& options = {}) {
  try {
    render(src, ctx, options);
  } catch (const yak::ChatTemplateError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for: " << src;
  return yak::ChatTemplateError(Kind::kRuntime, 0, 0, "");
}

TEST(ChatTemplateWhitespace, TrimAndLstripBlocks) {
  EXPECT_EQ(render("{% if true %}\nyes\n{% endif %}\nend"), "yes\nend");
  EXPECT_EQ(render("a\n    {% if true %}\n    b\n    {% endif %}\nc"), "a\n    b\nc");
  EXPECT_EQ(render("  {{ 'x' }}  "), "  x  ");  // variables are not stripped
  EXPECT_EQ(render("a  {%- if true -%}  b  {%- endif -%}  c"), "abc");
  EXPECT_EQ(render("a\n  {%+ if true %}b{% endif %}"), "a\n  b");
  EXPECT_EQ(render("{% if true +%}\nb{% endif %}"), "\nb");
  EXPECT_EQ(render("a {# note #}\nb\n  {# own line #}\nc"), "a b\nc");
  EXPECT_EQ(render("a {{- ' b ' -}} c"), "a b c");
  EXPECT_EQ(render("line\n"), "line");  // one trailing newline is dropped
  EXPECT_EQ(render("line\n\n"), "line\n");
  EXPECT_EQ(render("a\r\nb"), "a\nb");
  EXPECT_EQ(render("{% raw %}{{ not evaluated }}{% endraw %}"), "{{ not evaluated }}");
  EXPECT_EQ(render("{{ {'a': {'b': 1}} }}"), "{'a': {'b': 1}}");
}

TEST(ChatTemplateExpressions, ArithmeticAndPythonPrinting) {
  EXPECT_EQ(render("{{ 1 + 2 * 3 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 2 ** 10 }}"),
            "7 3 -4 2 1024");
  EXPECT_EQ(render("{{ 7 / 2 }} {{ 1.0 }} {{ 0.1 + 0.2 }} {{ 1e16 }} {{ 1e-5 }} {{ 2.5e-3 }}"),
            "3.5 1.0 0.30000000000000004 1e+16 1e-05 0.0025");
  EXPECT_EQ(render("{{ none }} {{ true }} {{ False }} {{ [1, 'a', none] }} {{ (1,) }}"),
            "None True False [1, 'a', None] (1,)");
  EXPECT_EQ(render("{{ {'k': \"it's\", 'n': 1.5} }}"), "{'k': \"it's\", 'n': 1.5}");
  EXPECT_EQ(render("{{ 'a' ~ 1 ~ none }} {{ 'a' + 'b' }} {{ [1] + [2] }} {{ 'ab' * 3 }}"),
            "a1None ab [1, 2] ababab");
  EXPECT_EQ(render("{{ 1 < 2 < 3 }} {{ 3 > 2 > 5 }} {{ 'b' in 'abc' }} {{ 2 not in [1] }}"),
            "True False True True");
  EXPECT_EQ(render("{{ 'x' if false else 'y' }}{{ 'z' if false }}|"), "y|");
  EXPECT_EQ(render("{{ not 1 == 2 and (true or false) }}"), "True");
  EXPECT_EQ(render("{{ true + 1 }} {{ 1 == 1.0 }} {{ true == 1 }}"), "2 True True");
  EXPECT_EQ(render("{{ 'line\\n\\ttab \\'q\\' \\u00e9 \\x41' }}"), "line\n\ttab 'q' \xc3\xa9 A");
}

TEST(ChatTemplateExpressions, IndexingAndSlicing) {
  const char* ctx = R"({"m": [{"role": "user"}, {"role": "bot"}], "s": "héllo"})";
  EXPECT_EQ(render("{{ m[-1].role }} {{ m[0]['role'] }} {{ m.0.role }}", ctx), "bot user user");
  EXPECT_EQ(render("{{ s[::-1] }} {{ s[1:3] }} {{ s[-2:] }} {{ s[0] }} {{ s|length }}", ctx),
            "olléh él lo h 5");
  EXPECT_EQ(render("{{ [1,2,3,4][1:] }} {{ [1,2,3,4][::2] }} {{ m[5] is defined }}", ctx),
            "[2, 3, 4] [1, 3] False");
}

TEST(ChatTemplateFilters, Strings) {
  EXPECT_EQ(render("{{ '  a b \\n'|trim }}|{{ 'xxaxx'|trim('x') }}"), "a b|a");
  EXPECT_EQ(render("{{ 'hello world'|upper }} {{ 'ÀB'|lower }} {{ 'hello-wide world'|title }}"),
            "HELLO WORLD àb Hello-Wide World");
  EXPECT_EQ(render("{{ 'hELLO'|capitalize }} {{ 'aXa'|replace('a', 'b') }} {{ 7|string }}"),
            "Hello bXb 7");
  EXPECT_EQ(render("{{ ['a', 'b']|join(', ') }} {{ [1, 2]|join }}"), "a, b 12");
  EXPECT_EQ(render("{{ 'a\\nb\\n\\nc'|indent(2) }}|{{ 'x\\ny'|indent(2, first=true) }}"),
            "a\n  b\n\n  c|  x\n  y");
  EXPECT_EQ(render("{{ '<b>'|escape }} {{ '<b>'|safe }} {{ '<'|safe + '<' }}"),
            "&lt;b&gt; <b> <&lt;");
}

TEST(ChatTemplateFilters, ToJson) {
  const char* ctx =
      R"({"t": {"name": "f", "args": {"x": [1, 2.5, true, null]}, "u": "北京\n\"q\""}})";
  EXPECT_EQ(render("{{ t|tojson }}", ctx),
            R"({"name": "f", "args": {"x": [1, 2.5, true, null]}, "u": "北京\n\"q\""})");
  EXPECT_EQ(render("{{ t.args|tojson(indent=2) }}", ctx),
            "{\n  \"x\": [\n    1,\n    2.5,\n    true,\n    null\n  ]\n}");
  EXPECT_EQ(render("{{ {'b': 1, 'a': []}|tojson(sort_keys=true) }}"), R"({"a": [], "b": 1})");
  EXPECT_EQ(render("{{ 'é'|tojson(ensure_ascii=true) }} {{ '😀'|tojson(true) }}"),
            R"("\u00e9" "\ud83d\ude00")");
  EXPECT_EQ(render("{{ {1: 'a'}|tojson }}"), R"({"1": "a"})");
  EXPECT_EQ(render("{{ [1]|tojson(separators=(',', ':')) }}"), "[1]");
  EXPECT_EQ(render_error("{{ undefined_thing|tojson }}").kind(), Kind::kRuntime);
}

TEST(ChatTemplateFilters, Sequences) {
  const char* ctx =
      R"({"m": [{"role": "user", "c": "a"}, {"role": "system", "c": "b"}, {"role": "user"}]})";
  EXPECT_EQ(render("{{ m|selectattr('role', 'equalto', 'user')|list|length }}", ctx), "2");
  EXPECT_EQ(render("{{ m|rejectattr('role', '==', 'user')|map(attribute='c')|list }}", ctx),
            "['b']");
  EXPECT_EQ(render("{{ m|map(attribute='c', default='-')|join }}", ctx), "ab-");
  EXPECT_EQ(render("{{ m|selectattr('c', 'defined')|list|length }}", ctx), "2");
  EXPECT_EQ(render("{{ [3, 1, 2]|sort }} {{ [3, 1, 2]|sort(reverse=true)|first }}"), "[1, 2, 3] 3");
  EXPECT_EQ(render("{{ ['b', 'A', 'a']|unique|list }} {{ [1, 2]|last }} {{ [1, 2]|first }}"),
            "['b', 'A'] 2 1");
  EXPECT_EQ(render("{% for k, v in {'b': 1, 'A': 2}|dictsort %}{{ k }}={{ v }};{% endfor %}"),
            "A=2;b=1;");
  EXPECT_EQ(render("{% for k, v in {'x': 1}|items %}{{ k }}{{ v }}{% endfor %}"), "x1");
  EXPECT_EQ(render("{{ 'abc'|list }} {{ {'a': 1}|list }} {{ [1, 2]|reverse|list }}"),
            "['a', 'b', 'c'] ['a'] [2, 1]");
  EXPECT_EQ(render("{{ [1, 2, 3]|sum }} {{ [4, 2]|min }} {{ [4, 2]|max }}"), "6 2 4");
  // Like jinja2, select/map give generators: truthy even when empty, and without len().
  EXPECT_EQ(render("{{ 'yes' if []|select else 'no' }}"), "yes");
  EXPECT_EQ(render_error("{{ [1]|select|length }}").kind(), Kind::kRuntime);
  EXPECT_EQ(render("{{ none|selectattr('x')|list }}"), "[]");
}

TEST(ChatTemplateFilters, NumbersAndDefaults) {
  EXPECT_EQ(render("{{ '42'|int }} {{ '4.7'|int }} {{ 'x'|int(7) }} {{ 3|float }} {{ 2.5|round }}"),
            "42 4 7 3.0 2.0");
  EXPECT_EQ(render("{{ 3.14159|round(2) }} {{ -3|abs }}"), "3.14 3");
  EXPECT_EQ(render("{{ nothing|default('d') }} {{ ''|default('d') }} {{ ''|default('d', true) }}"),
            "d  d");
  EXPECT_EQ(render("{{ nothing|length }} {{ nothing|string }}|"), "0 |");
}

TEST(ChatTemplateTests, IsTests) {
  const char* ctx = R"({"s": "x", "d": {"a": 1}, "l": [1], "n": null, "i": 3, "f": 1.5})";
  EXPECT_EQ(render("{{ s is string }}{{ d is mapping }}{{ l is sequence }}{{ n is none }}", ctx),
            "TrueTrueTrueTrue");
  EXPECT_EQ(render("{{ i is number }}{{ f is float }}{{ i is integer }}{{ d is iterable }}", ctx),
            "TrueTrueTrueTrue");
  EXPECT_EQ(render("{{ q is defined }}{{ q is undefined }}{{ n is not none }}", ctx),
            "FalseTrueFalse");
  EXPECT_EQ(
      render("{{ i is divisibleby 3 }}{{ i is odd }}{{ s is equalto 'x' }}{{ i is eq 3 }}", ctx),
      "TrueTrueTrueTrue");
  EXPECT_EQ(render("{{ true is boolean }}{{ false is false }}{{ 'AB' is upper }}", ctx),
            "TrueTrueTrue");
}

TEST(ChatTemplateMethods, StringAndDict) {
  EXPECT_EQ(render("{{ ' a '.strip() }}|{{ 'xa'.lstrip('x') }}|{{ 'a,b,,c'.split(',') }}"),
            "a|a|['a', 'b', '', 'c']");
  EXPECT_EQ(render("{{ ' a  b '.split() }} {{ 'a b c'.split(' ', 1) }} {{ 'a.b'.rsplit('.', 1) }}"),
            "['a', 'b'] ['a', 'b c'] ['a', 'b']");
  EXPECT_EQ(render("{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith(('x', 'c')) }}"), "TrueTrue");
  EXPECT_EQ(render("{{ '{}-{}'.format(1, 'a') }} {{ '{x}'.format(x=2) }} {{ 'ab'.upper() }}"),
            "1-a 2 AB");
  EXPECT_EQ(render("{{ 'hello there'.title() }} {{ 'aaa'.replace('a', 'b', 2) }}"),
            "Hello There bba");
  const char* ctx = R"({"d": {"k": "v", "items": "shadowed"}})";
  EXPECT_EQ(
      render("{{ d.get('k') }} {{ d.get('z') }} {{ d.get('z', 5) }} {{ d.keys()|list }}", ctx),
      "v None 5 ['k', 'items']");
  EXPECT_EQ(render("{% for k, v in d.items() %}{{ k }}:{{ v }} {% endfor %}", ctx),
            "k:v items:shadowed ");
  EXPECT_EQ(render("{{ d['items'] }} {{ d.values()|list }}", ctx), "shadowed ['v', 'shadowed']");
}

TEST(ChatTemplateStatements, Loops) {
  EXPECT_EQ(render("{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}"
                   "{{ loop.first|int }}{{ loop.last|int }}{{ loop.length }} {% endfor %}"),
            "103103 212003 321013 ");
  EXPECT_EQ(render("{% for x in [1, 2, 3] %}{{ loop.previtem|default('-') }}"
                   "{{ loop.nextitem|default('-') }}{{ loop.cycle('a', 'b') }} {% endfor %}"),
            "-2a 13b 2-a ");
  EXPECT_EQ(render("{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}"
                   "{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}"),
            "013");
  EXPECT_EQ(render("{% for x in [] %}x{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(render("{% for x in range(6) if x is even %}{{ x }}/{{ loop.length }} {% endfor %}"),
            "0/3 2/3 4/3 ");
  EXPECT_EQ(render("{% for x in nothing %}x{% endfor %}ok"), "ok");
  EXPECT_EQ(render_error("{% for x in none %}{% endfor %}").kind(), Kind::kRuntime);
}

TEST(ChatTemplateStatements, ScopingSetNamespace) {
  EXPECT_EQ(render("{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{% endfor %}{{ x }}"), "1");
  EXPECT_EQ(render("{% set x = 1 %}{% if true %}{% set x = 2 %}{% endif %}{{ x }}"), "2");
  EXPECT_EQ(render("{% set ns = namespace(n=0) %}{% for i in [1, 2] %}{% set ns.n = ns.n + i %}"
                   "{% endfor %}{{ ns.n }}"),
            "3");
  EXPECT_EQ(render("{% set a, b = [1, 2] %}{{ b }}{{ a }}"), "21");
  EXPECT_EQ(render("{% set body %}  x {{ 1 }}{% endset %}[{{ body }}]"), "[  x 1]");
  EXPECT_EQ(render("{% set body | trim | upper %}  x  {% endset %}[{{ body }}]"), "[X]");
  EXPECT_EQ(render("{% filter upper %}abc{% endfilter %}"), "ABC");
  EXPECT_EQ(render("{{ dict(a=1) }} {{ dict({'b': 2}, c=3) }}"), "{'a': 1} {'b': 2, 'c': 3}");
  EXPECT_EQ(render("{% generation %}kept{% endgeneration %}"), "kept");
  EXPECT_EQ(render_error("{% set ns = namespace() %}{% set ns._x = 1 %}").kind(), Kind::kRuntime);
  EXPECT_EQ(render_error("{% set d = {} %}{% set d.x = 1 %}").kind(), Kind::kRuntime);
}

TEST(ChatTemplateStatements, Macros) {
  EXPECT_EQ(render("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}"
                   "{{ greet('a') }} {{ greet('b', punct='?') }} {{ greet(punct='.', name='c') }}"),
            "Hi a! Hi b? Hi c.");
  EXPECT_EQ(render("{% macro m(a) %}{{ a is defined }}{{ varargs }}{{ kwargs }}{% endmacro %}"
                   "{{ m() }} {{ m(1, 2, z=3) }}"),
            "False(){} True(2,){'z': 3}");
  EXPECT_EQ(render("{% set g = 'global' %}{% macro m() %}{{ g }}{% endmacro %}{{ m() }}"),
            "global");
  EXPECT_EQ(render("{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
                   "{{ f(3) }}"),
            "321");
}

TEST(ChatTemplateUndefined, BehavesLikeJinjaDefaultUndefined) {
  const char* ctx = R"({"d": {"a": 1}})";
  EXPECT_EQ(render("[{{ nothing }}][{{ d.missing }}][{{ d['missing'] }}]", ctx), "[][][]");
  EXPECT_EQ(render("{{ 'y' if not nothing else 'n' }}{{ nothing == nothing }}", ctx), "yTrue");
  auto e = render_error("{{ nothing.attr }}", ctx);
  EXPECT_EQ(e.detail(), "'nothing' is undefined");
  EXPECT_EQ(render_error("{{ d.missing.x }}", ctx).detail(),
            "'dict object' has no attribute 'missing'");
  EXPECT_EQ(render_error("{{ nothing + 1 }}", ctx).kind(), Kind::kRuntime);
  EXPECT_EQ(render_error("{{ nothing() }}", ctx).kind(), Kind::kRuntime);
  EXPECT_EQ(render_error("{{ 'a' + 1 }}", ctx).detail(),
            "can only concatenate str (not \"int\") to str");
  EXPECT_EQ(render_error("{{ 1 / 0 }}", ctx).kind(), Kind::kRuntime);
  EXPECT_EQ(render_error("{{ x|no_such_filter }}", ctx).detail(),
            "no filter named 'no_such_filter'");
  // Unknown filters fail only when reached, as in jinja2 3.x.
  EXPECT_EQ(render("{% if false %}{{ x|no_such_filter }}{% endif %}ok", ctx), "ok");
}

TEST(ChatTemplateSandbox, NoInternalsNoMutation) {
  EXPECT_EQ(render("[{{ ''.__class__ }}][{{ [].__len__ }}][{{ namespace.__globals__ }}]"),
            "[][][]");
  EXPECT_EQ(render_error("{{ ''.__class__.__mro__ }}").kind(), Kind::kRuntime);
  auto e = render_error("{% set l = [] %}{{ l.append(1) }}");
  EXPECT_NE(e.detail().find("unsafe"), std::string::npos) << e.what();
  EXPECT_EQ(render_error("{% set d = {} %}{{ d.update({'a': 1}) }}").kind(), Kind::kRuntime);
  EXPECT_EQ(render_error("{% include 'x.jinja' %}").kind(), Kind::kSyntax);
  EXPECT_EQ(render_error("{% import 'x' as y %}").kind(), Kind::kSyntax);
  EXPECT_EQ(render_error("{{ range(1000000) }}").kind(), Kind::kRuntime);
}

TEST(ChatTemplateSandbox, LimitsBoundHostileTemplates) {
  yak::RenderOptions small;
  small.limits.max_steps = 20000;
  small.limits.max_output_bytes = 4096;
  small.limits.max_value_bytes = 1 << 16;
  small.limits.max_recursion_depth = 16;
  auto loop = render_error(
      "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}", "{}",
      small);
  EXPECT_EQ(loop.kind(), Kind::kLimit);
  auto rec = render_error("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "{}", small);
  EXPECT_EQ(rec.kind(), Kind::kLimit);
  EXPECT_EQ(render_error("{% for i in range(10000) %}xxxxxxxx{% endfor %}", "{}", small).kind(),
            Kind::kLimit);
  EXPECT_EQ(render_error("{{ 'x' * 100000000 }}", "{}", small).kind(), Kind::kLimit);
  EXPECT_EQ(render_error("{% set ns = namespace(s='x') %}{% for i in range(100) %}"
                         "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
                         "{}", small)
                .kind(),
            Kind::kLimit);
  EXPECT_EQ(render_error("{{ ('a'|replace('', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb')) * 3000 }}",
                         "{}", small)
                .kind(),
            Kind::kLimit);
  // Deep expressions inside deep macro recursion stay within the evaluation depth bound.
  std::string deep = "{% macro f(n) %}{{ " + std::string(40, '(') + "f(n + 1)" +
                     std::string(40, ')') + " }}{% endmacro %}{{ f(0) }}";
  EXPECT_EQ(render_error(deep).kind(), Kind::kLimit);
  // A namespace holding itself neither loops nor leaks.
  EXPECT_EQ(render("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns.me.me is defined }}"),
            "True");
  EXPECT_EQ(render_error("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}").kind(),
            Kind::kLimit);
}

TEST(ChatTemplateErrors, SyntaxErrorsNameLineAndColumn) {
  auto e = render_error("line one\n{% if x %}\n  {{ 1 + }}\n{% endif %}");
  EXPECT_EQ(e.kind(), Kind::kSyntax);
  EXPECT_EQ(e.line(), 3);
  EXPECT_EQ(e.column(), 10);
  EXPECT_NE(std::string(e.what()).find("line 3, column 10"), std::string::npos) << e.what();
  auto unclosed = render_error("ok\n{% for x in y %}\nbody");
  EXPECT_EQ(unclosed.kind(), Kind::kSyntax);
  EXPECT_NE(unclosed.detail().find("endfor"), std::string::npos);
  EXPECT_EQ(render_error("{{ 'abc }}").line(), 1);
  EXPECT_EQ(render_error("a\nb {# never closed").line(), 2);
  EXPECT_EQ(render_error("{% endif %}").kind(), Kind::kSyntax);
  EXPECT_EQ(render_error("{% break %}").kind(), Kind::kSyntax);
  EXPECT_EQ(render_error("{{ x y }}").kind(), Kind::kSyntax);
  EXPECT_EQ(
      render_error("{{ " + std::string(500, '(') + "1" + std::string(500, ')') + " }}").kind(),
      Kind::kSyntax);
  EXPECT_EQ(render_error("{{ " + std::string(5000, '-') + "1 }}").kind(), Kind::kSyntax);
}

TEST(ChatTemplateErrors, RuntimeErrorsNamePosition) {
  auto e = render_error("\n\n   {{ raise_exception('Roles must alternate') }}");
  EXPECT_EQ(e.kind(), Kind::kRaised);
  EXPECT_EQ(e.detail(), "Roles must alternate");
  EXPECT_EQ(e.line(), 3);
  EXPECT_GE(e.column(), 7);
  auto r = render_error("{% for m in [1] %}\n{{ m.x.y }}{% endfor %}");
  EXPECT_EQ(r.line(), 2);
}

TEST(ChatTemplateErrors, DefaultConstructedTemplateRefusesToRender) {
  yak::ChatTemplate unparsed;
  EXPECT_THROW(unparsed.render(ordered_json::object()), yak::ChatTemplateError);
}

TEST(ChatTemplateGlobals, StrftimeNowUsesTheGivenClock) {
  yak::RenderOptions options;
  std::tm tm{};
  tm.tm_year = 124;
  tm.tm_mon = 6;
  tm.tm_mday = 26;
  std::mktime(&tm);
  options.now = tm;
  EXPECT_EQ(render("{{ strftime_now('%d %b %Y') }}", "{}", options), "26 Jul 2024");
  EXPECT_FALSE(render("{{ strftime_now('%Y') }}").empty());
}

TEST(ChatTemplateApply, ContextMatchesTransformers) {
  ordered_json messages = ordered_json::parse(
      R"([{"role": "user", "content": "hi", "name": null},
          {"role": "assistant", "content": "ok", "reasoning_content": "because"}])");
  ordered_json ctx = yak::chat_template_context(messages, true, "<s>", "</s>");
  EXPECT_TRUE(ctx["tools"].is_null());
  EXPECT_TRUE(ctx["documents"].is_null());
  EXPECT_FALSE(ctx["messages"][0].contains("name"));  // None-valued keys are dropped
  EXPECT_EQ(
      ctx["messages"][1].dump(),
      R"({"thinking":"because","role":"assistant","content":"ok","reasoning_content":"because"})");
  EXPECT_EQ(yak::apply_chat_template("{{ tools is none }}{{ messages|length }}{{ bos_token }}",
                                     messages, false, "<s>", "</s>"),
            "True2<s>");
}

// The chat template stored in the default model renders as transformers renders it.
TEST(ChatTemplateApply, DefaultModelTemplateFromGguf) {
  auto file = yak::gguf::File::open(yak::test::default_model_path());
  const std::string& source = file.require("tokenizer.chat_template").as_string();
  ordered_json messages = ordered_json::parse(
      R"([{"role": "system", "content": "You are a helpful assistant."},
          {"role": "user", "content": "What is 2+2?"}])");
  EXPECT_EQ(yak::apply_chat_template(source, messages, true, "<|im_start|>", "<|im_end|>"),
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
            "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n");
}

}  // namespace
