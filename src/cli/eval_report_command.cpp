// `yak eval report`: perplexity, KLD and task scores of several models in one HTML page
// (self-contained, offline), a Markdown page, PNG plots and report.json; every measurement is
// cached under DIR/results/ and reused while its settings match (docs/eval-report.md).
#include <fmt/core.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/eval_data_dir.h"
#include "cli/precision_flag.h"
#include "yak/error.h"
#include "yak/eval_json.h"
#include "yak/eval_report.h"

namespace yak::cli {
namespace {

// The list: every benchmark `yak eval tasks` scores.
const std::vector<std::string> kDefaultTasks = {"hellaswag",      "arc_easy", "arc_challenge",
                                                "mmlu",           "cmmlu",    "truthfulqa_mc1",
                                                "truthfulqa_mc2", "bbq"};
constexpr const char* kDefaultZhText = "eval-text/fortunes-zh.txt";

struct ReportFlags {
  eval::ReportOptions options;
  std::vector<std::string> texts;  // NAME=FILE
  std::vector<std::string> tasks;
  std::vector<std::string> task_limits;  // NAME=N
  std::string data_dir;
  bool no_tasks = false;
  bool json = false;
};

std::vector<eval::ReportText> parse_texts(const std::vector<std::string>& flags) {
  std::vector<eval::ReportText> texts;
  for (const std::string& f : flags) {
    const size_t eq = f.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == f.size())
      fail("--text takes NAME=FILE (e.g. en=wiki.test.raw), not '{}'", f);
    texts.push_back({f.substr(0, eq), f.substr(eq + 1)});
  }
  return texts;
}

std::map<std::string, int64_t> parse_task_limits(const std::vector<std::string>& flags) {
  std::map<std::string, int64_t> limits;
  for (const std::string& f : flags) {
    const size_t eq = f.find('=');
    int64_t n = -1;
    if (eq != std::string::npos && eq > 0) {
      const char* first = f.data() + eq + 1;
      const char* last = f.data() + f.size();
      const auto [end, ec] = std::from_chars(first, last, n);
      if (ec != std::errc() || end != last || first == last) n = -1;
    }
    if (n < 0) fail("--task-limit takes TASK=N with N >= 0 (e.g. mmlu=10), not '{}'", f);
    limits[f.substr(0, eq)] = n;
  }
  return limits;
}

bool has_text(const std::vector<eval::ReportText>& texts, const std::string& name) {
  for (const eval::ReportText& t : texts)
    if (t.name == name) return true;
  return false;
}

void run(ReportFlags& f) {
  std::FILE* out = f.json ? stderr : stdout;
  eval::ReportOptions& o = f.options;
  o.log = [out](const std::string& line) {
    fmt::print(out, "{}\n", line);
    std::fflush(out);
  };
  o.texts = parse_texts(f.texts);
  if (f.no_tasks && !f.tasks.empty()) fail("--no-tasks and --task contradict each other");
  o.tasks = f.no_tasks ? std::vector<std::string>() : f.tasks.empty() ? kDefaultTasks : f.tasks;
  o.task_limits = parse_task_limits(f.task_limits);
  // The data directory holds the tasks and the default English text; it is looked up only
  // when one of them is wanted.
  if (!o.tasks.empty() || !has_text(o.texts, "en")) o.data_dir = resolve_data_dir(f.data_dir);
  if (!has_text(o.texts, "en")) {
    o.texts.insert(
        o.texts.begin(),
        {"en", (std::filesystem::path(o.data_dir) / "wikitext-2" / "wiki.test.raw").string()});
  }
  if (!has_text(o.texts, "zh")) {
    if (std::filesystem::is_regular_file(kDefaultZhText)) {
      o.texts.push_back({"zh", kDefaultZhText});
    } else {
      o.log(
          fmt::format("report: no zh column: {} is absent (tools/fortunes_zh_text.py makes it; "
                      "or give --text zh=FILE)",
                      kDefaultZhText));
    }
  }
  const eval::ReportOutcome r = eval::write_report(o);
  if (f.json) {
    fmt::print("{}\n", r.summary.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    fmt::print("report: {} reused, {} measured, {} missing, {} failed; files:\n", r.reused, r.ran,
               r.missing, r.failed);
    for (const std::string& file : r.files) fmt::print("  {}\n", file);
  }
}

}  // namespace

void add_eval_report_command(CLI::App& eval) {
  auto flags = std::make_shared<ReportFlags>();
  eval::ReportOptions& o = flags->options;
  CLI::App* cmd = eval.add_subcommand(
      "report", "Perplexity, KLD and task scores of several models as an HTML and Markdown report");
  cmd->footer(
      "Measures what is not cached yet under DIR/results/<model stem>/ (ppl-<text>.json,\n"
      "kld-en.json, task-<task>.json: what yak eval perplexity|kld|tasks --json print) and\n"
      "writes DIR/report.html (offline: CSS inline, plots as data: URIs), report.md, the PNG\n"
      "plots and report.json. See docs/eval-report.md.\n"
      "Example: yak eval report -m a.Q4_K_M.gguf -m a.Q8_0.gguf --base a.F16.gguf --chunks 40");
  cmd->add_option("-m,--model", o.models, "GGUF model file (repeatable)")->required();
  cmd->add_option("--base", o.base, "base model the KL divergence of each model is measured from");
  cmd->add_option("-o,--out", o.out_dir, "the report's folder (default eval-report)");
  cmd->add_option("--text", flags->texts,
                  "NAME=FILE, a perplexity text (repeatable; default en = WikiText-2 test from the "
                  "data directory, zh = eval-text/fortunes-zh.txt when present)");
  cmd->add_option("--task", flags->tasks,
                  "a task as yak eval tasks names it (repeatable; default: hellaswag arc_easy "
                  "arc_challenge mmlu cmmlu truthfulqa_mc1 truthfulqa_mc2 bbq)");
  cmd->add_flag("--no-tasks", flags->no_tasks, "no task scores (perplexity and KLD only)");
  cmd->add_option("--data", flags->data_dir,
                  "the eval data directory (default: $YAK_EVAL_DATA, else shared/data/eval "
                  "found upwards from the current directory)");
  cmd->add_option("--limit", o.limit, "score only the first N items of each (sub)task")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--task-limit", flags->task_limits,
                  "TASK=N: this task's own --limit (repeatable), e.g. mmlu=10 for 10 per subject");
  cmd->add_option("--shots", o.shots, "few-shot examples (MMLU, CMMLU; default 0 as lm-eval)");
  cmd->add_option("--chunks", o.max_chunks, "score at most this many windows per text")
      ->check(CLI::Range(0, 1 << 24));
  cmd->add_option("-c,--ctx-size", o.n_ctx, "tokens per perplexity/KLD window (default 512)")
      ->check(CLI::Range(4, 1 << 20));
  cmd->add_option("-t,--threads", o.n_threads, "threads (default: all cores)")
      ->check(CLI::Range(0, 1024));
  add_precision_flag(*cmd, o.precision);
  cmd->add_flag("--collect-only", o.collect_only,
                "measure nothing: report what is cached and name what is missing");
  cmd->add_flag("--json", flags->json, "print report.json on stdout (the log goes to stderr)");
  cmd->callback([flags] { run(*flags); });
}

}  // namespace yak::cli
