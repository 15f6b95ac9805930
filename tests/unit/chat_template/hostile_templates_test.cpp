// Templates written to crash, hang or exhaust memory. Each must fail with a
// ChatTemplateError naming the problem, quickly and within a bounded amount of memory.
// Every case runs in a forked child, so that a crash or hang fails the test instead of
// the test binary, and so that the child's peak RSS measures that render alone.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "yak/chat_template.h"

namespace {

// Bounds of a refused render. Under AddressSanitizer every allocation carries redzones and
// freed memory waits in a quarantine (scripts/test.sh sets it to 64 MiB), and code runs a
// few times slower, so the bounds widen there; they still catch what they are for (727 MB,
// or a render that never ends).
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define YAK_TEST_UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(YAK_TEST_UNDER_ASAN)
constexpr double kMaxSeconds = 8.0;
constexpr long kMaxRssGrowthKb = 256 << 10;
#else
constexpr double kMaxSeconds = 2.0;
constexpr long kMaxRssGrowthKb = 64 << 10;
#endif

using nlohmann::ordered_json;
using Kind = yak::ChatTemplateError::Kind;

struct Outcome {
  bool finished = false;  // the child reported back (did not crash, hang or get killed)
  bool threw = false;
  Kind kind = Kind::kRuntime;
  std::string detail;
  std::string output;  // the first bytes of a successful render
  double seconds = 0;
  long rss_growth_kb = 0;
};

long status_kb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  size_t n = std::strlen(field);
  while (std::getline(in, line))
    if (line.compare(0, n, field) == 0) return std::atol(line.c_str() + n + 1);
  return -1;
}

// Renders in a child process, with a wall-clock timeout; reports what happened.
Outcome run_isolated(const std::string& source,
                     const ordered_json& context = ordered_json::object(),
                     const yak::RenderOptions& options = {}, int timeout_s = 20) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    std::string report;
    try {
      auto tmpl = yak::ChatTemplate::parse(source);
      long before = status_kb("VmRSS:");
      auto start = std::chrono::steady_clock::now();
      std::string kind = "ok", detail, output;
      try {
        output = tmpl.render(context, options).substr(0, 200);
      } catch (const yak::ChatTemplateError& e) {
        kind = std::to_string(static_cast<int>(e.kind()));
        detail = e.detail();
      }
      double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      long growth = status_kb("VmHWM:") - before;
      report = kind + "\n" + std::to_string(seconds) + "\n" + std::to_string(growth) + "\n" +
               detail + "\n" + output;
    } catch (const std::exception& e) {
      report = std::string("parse\n0\n0\n") + e.what();
    }
    ssize_t ignored = write(fds[1], report.data(), report.size());
    (void)ignored;
    _exit(0);
  }
  close(fds[1]);
  std::string report;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  char buf[4096];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) {
      kill(pid, SIGKILL);
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    report.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  Outcome o;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || report.empty()) return o;
  size_t a = report.find('\n'), b = report.find('\n', a + 1), c = report.find('\n', b + 1),
         d = report.find('\n', c + 1);
  if (d == std::string::npos) return o;
  std::string kind = report.substr(0, a);
  if (kind == "parse") return o;
  o.finished = true;
  o.threw = kind != "ok";
  if (o.threw) o.kind = static_cast<Kind>(std::stoi(kind));
  o.seconds = std::stod(report.substr(a + 1, b - a - 1));
  o.rss_growth_kb = std::stol(report.substr(b + 1, c - b - 1));
  o.detail = report.substr(c + 1, d - c - 1);
  o.output = report.substr(d + 1);
  return o;
}

// The render must fail with `kind`, a detail containing `needle`, in under 2 s and
// 64 MiB of peak RSS growth (the default live budget is 16 MiB; wider under ASan).
void expect_refused(const std::string& source, Kind kind, const std::string& needle,
                    const ordered_json& context = ordered_json::object(),
                    const yak::RenderOptions& options = {}) {
  SCOPED_TRACE(source.substr(0, 200));
  Outcome o = run_isolated(source, context, options);
  if (std::getenv("YAK_HOSTILE_REPORT"))  // the figures behind docs/chat-templates.md
    std::printf("%6.3f s %7ld KiB  %s\n", o.seconds, o.rss_growth_kb, source.substr(0, 90).c_str());
  ASSERT_TRUE(o.finished) << "the render crashed or hung";
  ASSERT_TRUE(o.threw) << "rendered: " << o.output;
  EXPECT_EQ(o.kind, kind) << o.detail;
  EXPECT_NE(o.detail.find(needle), std::string::npos) << o.detail;
  EXPECT_LT(o.seconds, kMaxSeconds);
  EXPECT_LT(o.rss_growth_kb, kMaxRssGrowthKb);
}

yak::RenderOptions many_steps() {
  yak::RenderOptions o;
  o.limits.max_steps = 1'000'000'000;  // so that memory, not steps, is what stops them
  return o;
}

TEST(ChatTemplateHostile, DeepNestingIsRefusedOnEveryPath) {
  const std::string loop = "{% for i in range(100000) %}";
  const std::string end = "{% endfor %}";
  const std::string ns = "{% set ns = namespace(x=[]) %}";
  for (const std::string body : {
           "{% set ns.x = [[ns.x]] %}",     // the reported case
           "{% set ns.x = (ns.x,) %}",      // tuples
           "{% set ns.x = {'k': ns.x} %}",  // dict literals
           "{% set ns.x = {ns.x: 1} if false else dict(a=ns.x) %}",
           "{% set ns.x = dict([('k', ns.x)]) %}",
           "{% set ns.x = namespace(y=ns.x) %}",  // namespaces
           "{% set ns.x = [ns.x] * 1 %}",         // repetition
           "{% set ns.x = [ns.x] + [] %}",        // concatenation
           "{% set ns.x = [ns.x]|list %}",        // filters that build lists
           "{% set ns.x = [ns.x]|reverse %}",
           "{% set ns.x = [ns.x]|sort %}",
           "{% set ns.x = [ns.x][0:1] %}",   // slices
           "{% set ns.x = [ns.x.count] %}",  // bound methods hold their object
           "{% set ns.x = {'k': ns.x}.items()|list %}",
       }) {
    expect_refused(ns + loop + body + end, Kind::kLimit, "nested more than 200");
  }
}

TEST(ChatTemplateHostile, LongChainsThroughScopesAreFreedWithoutRecursion) {
  // Each inner macro closes over the call scope that holds the previous one: a chain of
  // 50000 functions and scopes that no depth counter sees. Freeing it must not recurse.
  Outcome o = run_isolated(
      "{% set ns = namespace(f=none) %}"
      "{% macro wrap(prev) %}{% macro inner() %}{% endmacro %}{% set ns.f = inner %}"
      "{% endmacro %}"
      "{% for i in range(50000) %}{{ wrap(ns.f) }}{% endfor %}done",
      ordered_json::object(), many_steps());
  ASSERT_TRUE(o.finished) << "the render crashed or hung";
  if (o.threw) {
    EXPECT_EQ(o.kind, Kind::kLimit) << o.detail;
  } else {
    EXPECT_EQ(o.output, "done");
  }
}

TEST(ChatTemplateHostile, RepetitionIsChargedPerCount) {
  expect_refused("{{ '' * 10**18 }}", Kind::kLimit, "steps");
  expect_refused("{{ [] * 10**18 }}", Kind::kLimit, "steps");
  expect_refused("{{ 10**18 * '' }}", Kind::kLimit, "steps");
  expect_refused("{{ () * 10**18 }}", Kind::kLimit, "steps");
  expect_refused("{{ 'ab' * 10**18 }}", Kind::kLimit, "");
  expect_refused("{{ ['a'] * 10**17 }}", Kind::kLimit, "");
  expect_refused("{{ (range(100000)|list) * 40 }}", Kind::kLimit, "exceeds the limit");
}

TEST(ChatTemplateHostile, IntegerArithmeticNeverOverflows) {
  expect_refused("{{ 2 ** 64 }}", Kind::kRuntime, "integer overflow");
  expect_refused("{{ 3 ** 10 ** 18 }}", Kind::kRuntime, "integer overflow");
  expect_refused("{{ 9223372036854775807 + 1 }}", Kind::kRuntime, "integer overflow");
  expect_refused("{{ -9223372036854775807 - 2 }}", Kind::kRuntime, "integer overflow");
  expect_refused("{{ 4611686018427387904 * 2 }}", Kind::kRuntime, "integer overflow");
  expect_refused("{{ (-9223372036854775807 - 1) // -1 }}", Kind::kRuntime, "integer overflow");
  expect_refused("{{ -(-9223372036854775807 - 1) }}", Kind::kRuntime, "integer overflow");
  expect_refused("{{ (-9223372036854775807 - 1)|abs }}", Kind::kRuntime, "integer overflow");
  expect_refused("{{ 1 // 0 }}", Kind::kRuntime, "by zero");
  expect_refused("{{ 1 % 0 }}", Kind::kRuntime, "by zero");
  expect_refused("{{ 1.5 // 0 }}", Kind::kRuntime, "by zero");
  expect_refused("{{ 0 ** -1 }}", Kind::kRuntime, "negative power");
  expect_refused("{{ '%d' % (1e308 * 10) }}", Kind::kRuntime, "cannot convert");
  // 1 ** huge and (-1) ** huge are cheap and exact.
  Outcome o = run_isolated("{{ 1 ** 10**18 }} {{ (-1) ** (10**18 + 1) }} {{ 0 ** 10**18 }}");
  ASSERT_TRUE(o.finished);
  EXPECT_FALSE(o.threw) << o.detail;
  EXPECT_EQ(o.output, "1 -1 0");
}

TEST(ChatTemplateHostile, RangesAndLoopsAreBounded) {
  expect_refused("{{ range(0, 10**18, 1)|length }}", Kind::kRuntime, "Range too big");
  expect_refused("{{ range(-(10**18), 10**18)|list }}", Kind::kRuntime, "Range too big");
  expect_refused("{{ range(0, 9223372036854775807, 1)|length }}", Kind::kRuntime, "Range too big");
  expect_refused("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
                 Kind::kLimit, "steps");
  expect_refused("{{ (range(100000)|list|string) * 100 }}", Kind::kLimit, "");
}

TEST(ChatTemplateHostile, StringBuiltinsAreChargedTheirWork) {
  const std::string big = "{% set s = 'a' * 4000000 %}";
  // Room for a few copies of the 4 MB text, so that these stop on their work (steps), which
  // is what they check, rather than on memory.
  yak::RenderOptions roomy;
  roomy.limits.max_live_bytes = 32u << 20;
  expect_refused(big + "{{ s.replace('', 'bbbbbbbbbb') }}", Kind::kLimit, "");
  expect_refused(big + "{{ s|replace('a', 'aa') }}", Kind::kLimit, "");
  expect_refused(big + "{% for i in range(100000) %}{{ s.startswith(s) }}{% endfor %}",
                 Kind::kLimit, "steps", {}, roomy);
  expect_refused(big + "{% for i in range(100000) %}{{ s[-1] }}{% endfor %}", Kind::kLimit, "steps", {}, roomy);
  expect_refused(big + "{% for i in range(100000) %}{{ s[::2]|length }}{% endfor %}", Kind::kLimit, "steps", {}, roomy);
  expect_refused(big + "{% for i in range(100000) %}{{ s == s[:] }}{% endfor %}", Kind::kLimit, "steps", {}, roomy);
  expect_refused(big + "{% for i in range(100000) %}{{ s|trim|length }}{% endfor %}", Kind::kLimit, "steps", {}, roomy);
  expect_refused(big + "{% for i in range(100000) %}{{ s|upper|length }}{% endfor %}", Kind::kLimit, "steps", {}, roomy);
  expect_refused(big + "{% for i in range(100000) %}{{ s.count('b') }}{% endfor %}", Kind::kLimit, "steps", {}, roomy);
  expect_refused(big + "{% for i in range(100000) %}{{ s|wordcount }}{% endfor %}", Kind::kLimit, "steps", {}, roomy);
  expect_refused(big + "{% for i in range(100000) %}{{ s|int }}{% endfor %}", Kind::kLimit, "steps", {}, roomy);
  // Worst case for a naive search: a long needle that almost matches everywhere.
  expect_refused(
      "{% set h = 'a' * 4000000 %}{% set n = 'a' * 2000000 ~ 'b' %}"
      "{% for i in range(100000) %}{{ n in h }}{{ h.find(n) }}{{ h.rfind(n) }}"
      "{% endfor %}",
      Kind::kLimit, "steps", {}, roomy);
  expect_refused("{{ 'x'|center(10**18) }}", Kind::kRuntime, "too large");
  expect_refused(big + "{% for i in range(100000) %}{{ s|length }}{% endfor %}", Kind::kLimit, "steps", {}, roomy);
  expect_refused("{{ ('\\n' * 1000000)|indent(1000, true, true) }}", Kind::kLimit, "");
  expect_refused("{{ '%1000000000s' % 'x' }}", Kind::kRuntime, "unsupported format");
  expect_refused("{{ '{:>1000000000}'.format('x') }}", Kind::kRuntime, "format specs");
  expect_refused("{{ ('{0}' * 1000000).format('abcdefgh') }}", Kind::kLimit, "");
  expect_refused("{{ ('%s' * 1000000) % (('abcdefgh',) * 1000000) }}", Kind::kLimit, "");
  expect_refused("{{ strftime_now('%c' * 1000000) }}", Kind::kLimit, "");
  // Filters that jinja2 has and Yak does not are refused by name, not run.
  for (const char* f : {"wordwrap", "truncate", "batch", "slice"})
    expect_refused(std::string("{{ 'x'|") + f + "(3) }}", Kind::kRuntime, "no filter named");
}

TEST(ChatTemplateHostile, ListBuiltinsAreChargedTheirWork) {
  const std::string big = "{% set l = range(100000)|list %}";
  expect_refused(big + "{{ l|unique|list|length }}", Kind::kLimit, "steps");
  expect_refused(big + "{% for i in range(1000) %}{{ l|sort|length }}{% endfor %}", Kind::kLimit,
                 "steps");
  expect_refused(big + "{% for i in range(1000) %}{{ l|map('string')|list|length }}{% endfor %}",
                 Kind::kLimit, "");
  expect_refused(big + "{% for i in range(1000) %}{{ l|join|length }}{% endfor %}", Kind::kLimit,
                 "steps");
  expect_refused(big + "{% for i in range(1000) %}{{ l[::3]|length }}{% endfor %}", Kind::kLimit,
                 "steps");
  expect_refused(big + "{% for i in range(1000) %}{{ l == l[:] }}{% endfor %}", Kind::kLimit,
                 "steps");
  expect_refused(big + "{% for i in range(1000) %}{{ -1 in l }}{% endfor %}", Kind::kLimit,
                 "steps");
  expect_refused(big + "{% for i in range(1000) %}{{ l.count(-1) }}{% endfor %}", Kind::kLimit,
                 "steps");
  expect_refused(big + "{% for i in range(1000) %}{{ l|tojson|length }}{% endfor %}", Kind::kLimit,
                 "steps");
  expect_refused(
      "{% set d = dict(range(10, 100)|map('string')|map('list')|list) %}"
      "{% for i in range(100000) %}{{ d|dictsort|length }}{{ d.items()|list|length }}"
      "{% endfor %}",
      Kind::kLimit, "");
  // A list of references to one long string is small; its text is not.
  const std::string refs = "{% set l = ['a' * 1000000] * 100000 %}";
  expect_refused(refs + "{{ l }}", Kind::kLimit, "exceeds the limit");
  expect_refused(refs + "{{ l|tojson }}", Kind::kLimit, "exceeds");
  expect_refused(refs + "{{ l|join }}", Kind::kLimit, "exceeds the limit");
  expect_refused(refs + "{{ l ~ '' }}", Kind::kLimit, "exceeds the limit");
  expect_refused(refs + "{{ '%s' % (l,) }}", Kind::kLimit, "exceeds the limit");
}

TEST(ChatTemplateHostile, IteratingLongStringsHasBoundedMemory) {
  // 4 MB of message text: every way of taking it apart must stay within the live budget
  // even when steps are plentiful.
  ordered_json ctx = {{"s", std::string(4'000'000, 'a')}};
  yak::RenderOptions o = many_steps();
  expect_refused("{% for c in s %}{% endfor %}", Kind::kLimit, "bytes", ctx, o);
  expect_refused("{{ s|list|length }}", Kind::kLimit, "bytes", ctx, o);
  expect_refused("{{ (s|list)[0] }}", Kind::kLimit, "bytes", ctx, o);
  expect_refused("{{ s|last }}", Kind::kLimit, "bytes", ctx, o);
  expect_refused("{{ s|join(',')|length }}", Kind::kLimit, "bytes", ctx, o);
  expect_refused("{{ s|map('upper')|list|length }}", Kind::kLimit, "bytes", ctx, o);
  expect_refused("{{ s|unique|list|length }}", Kind::kLimit, "", ctx, o);
  ordered_json words = {{"s", [] {
                           std::string w;
                           for (int i = 0; i < 2'000'000; ++i) w += "a ";
                           return w;
                         }()}};
  expect_refused("{{ s.split()|length }}", Kind::kLimit, "split", words, o);
  expect_refused("{{ s.split(' ')|length }}", Kind::kLimit, "split", words, o);
  expect_refused("{{ s.rsplit(' ')|length }}", Kind::kLimit, "split", words, o);
  expect_refused("{{ s.replace(' ', '\\n').splitlines()|length }}", Kind::kLimit, "split", words,
                 o);
  // Building many values that stay alive is bounded by the live budget, not only by steps.
  expect_refused(
      "{% set ns = namespace(l=[]) %}{% for i in range(5000) %}"
      "{% set ns.l = ns.l + [('x' * 4000) ~ i] %}{% endfor %}",
      Kind::kLimit, "bytes of values at once", ordered_json::object(), o);
  expect_refused(
      "{% set ns = namespace(s='') %}{% for i in range(100000) %}"
      "{% set ns.s = ns.s ~ ('x' * 1000) %}{% endfor %}",
      Kind::kLimit, "");
  expect_refused("{% macro m(n) %}{{ 'x' * 1000000 }}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}",
                 Kind::kLimit, "", ordered_json::object(), o);
}

TEST(ChatTemplateHostile, OrdinaryRendersStillSucceed) {
  // The bounds must not refuse what real templates do with long conversations.
  ordered_json msgs = ordered_json::array();
  for (int i = 0; i < 200; ++i)
    msgs.push_back({{"role", i % 2 ? "assistant" : "user"}, {"content", std::string(2000, 'w')}});
  ordered_json ctx = {{"messages", msgs}};
  Outcome o = run_isolated(
      "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content|trim }}<|im_end|>\n"
      "{% endfor %}{{ (messages|map(attribute='content')|join)|length }}",
      ctx);
  ASSERT_TRUE(o.finished);
  EXPECT_FALSE(o.threw) << o.detail;
  EXPECT_LT(o.seconds, kMaxSeconds);
}

}  // namespace
