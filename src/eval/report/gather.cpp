#include "eval/report/gather.h"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "eval/report/model_facts.h"
#include "eval/report/result_cache.h"
#include "yak/error.h"
#include "yak/eval.h"
#include "yak/eval_json.h"
#include "yak/eval_tasks.h"
#include "yak/text_file.h"
#include "yak/threads.h"

namespace yak::eval::report {
namespace {

namespace fs = std::filesystem;

constexpr const char* kKldText = "en";

void check_inputs(const ReportOptions& o) {
  if (o.models.empty()) fail("the report needs at least one model (-m FILE)");
  for (const std::string& m : o.models)
    if (!fs::is_regular_file(m)) fail("the model file {} does not exist", m);
  if (!o.base.empty() && !fs::is_regular_file(o.base))
    fail("the base model file {} does not exist", o.base);
  std::set<std::string> names;
  for (const ReportText& t : o.texts) {
    if (!names.insert(t.name).second) fail("the text name '{}' is given twice", t.name);
    if (t.name.empty() || t.name.find_first_of("/\\. ") != std::string::npos)
      fail("the text name '{}' is not a plain name like en or zh", t.name);
    if (!fs::is_regular_file(t.path)) fail("the {} text file {} does not exist", t.name, t.path);
  }
  if (!o.base.empty() && !names.contains(kKldText))
    fail("KLD is measured on the text named en; give it with --text en=FILE");
  const std::vector<std::string> known = known_eval_tasks();
  for (const std::string& t : o.tasks)
    if (std::find(known.begin(), known.end(), t) == known.end())
      fail("unknown task '{}' (yak eval tasks --help lists them)", t);
  for (const auto& [task, n] : o.task_limits)
    if (std::find(o.tasks.begin(), o.tasks.end(), task) == o.tasks.end())
      fail("--task-limit names {}, which is not one of the report's tasks", task);
  if (!o.tasks.empty() && o.data_dir.empty()) fail("tasks need the eval data directory");
  std::set<std::string> stems;
  for (const std::string& m : o.models) {
    const std::string stem = fs::path(m).stem().string();
    if (!stems.insert(stem).second)
      fail("two models share the file name {}: their results would share a folder", stem);
  }
}

// What several items of one run share: the models loaded when first needed, the threads, and
// the base's log-probabilities.
class Runner {
 public:
  Runner(const ReportOptions& o, ReportOutcome& outcome)
      : o_(o), outcome_(outcome), threads_(std::make_shared<Threads>(o.n_threads)) {}

  void log(const std::string& line) const {
    if (o_.log) o_.log(line);
  }

  std::string results_dir(const std::string& stem) const {
    return (fs::path(o_.out_dir) / "results" / stem).string();
  }

  WantedSettings wanted(const ModelFacts& f) const {
    return {.model = f.path,
            .model_bytes = f.file_bytes,
            .base = o_.base,
            .precision = precision_name(o_.precision),
            .n_ctx = o_.n_ctx,
            .max_chunks = o_.max_chunks,
            .limit = o_.limit,
            .shots = o_.shots};
  }

  // Reuses the cached result at `path` when it matches, else (unless collecting only) runs
  // `measure` and caches what it returns.
  template <typename Measure>
  Item obtain(const std::string& key, const std::string& path, ResultKind kind,
              const WantedSettings& w, const std::string& who, Measure&& measure) {
    Item item{.key = key};
    std::string stale;
    try {
      if (std::optional<nlohmann::json> cached = read_result(path)) {
        if (std::optional<std::string> why = settings_mismatch(*cached, kind, w)) {
          stale = fmt::format("the cached {} does not match: {}", path, *why);
        } else {
          item.status = ItemStatus::kReused;
          item.result = std::move(*cached);
          ++outcome_.reused;
          log(fmt::format("{}: {} reused from {}", who, key, path));
          return item;
        }
      }
    } catch (const Error& e) {
      stale = e.what();
    }
    if (o_.collect_only) {
      item.status = ItemStatus::kMissing;
      item.note = stale.empty() ? fmt::format("no {}", path) : stale;
      ++outcome_.missing;
      log(fmt::format("{}: {} missing ({})", who, key, item.note));
      return item;
    }
    if (!stale.empty()) log(fmt::format("{}: {}: {}; measuring again", who, key, stale));
    log(fmt::format("{}: measuring {}", who, key));
    const auto t0 = std::chrono::steady_clock::now();
    try {
      nlohmann::json result = measure();
      write_file_atomically(
          path, result.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
      item.status = ItemStatus::kRan;
      item.result = std::move(result);
      item.note = stale;
      ++outcome_.ran;
      log(fmt::format("{}: {} done in {:.1f} s, written to {}", who, key,
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                      path));
    } catch (const Error& e) {
      item.status = ItemStatus::kFailed;
      item.note = e.what();
      ++outcome_.failed;
      log(fmt::format("{}: {} failed: {}", who, key, item.note));
    }
    return item;
  }

  std::shared_ptr<const Model> model(const std::string& path) {
    auto it = loaded_.find(path);
    if (it != loaded_.end()) return it->second;
    // Keep at most the model and the base resident.
    for (auto i = loaded_.begin(); i != loaded_.end();)
      i = i->first == o_.base ? std::next(i) : loaded_.erase(i);
    auto m = Model::load(path, {.precision = o_.precision, .threads = threads_});
    loaded_.emplace(path, m);
    return m;
  }

  const std::string& text(const ReportText& t) {
    auto it = texts_.find(t.name);
    if (it == texts_.end()) {
      std::string content = read_text_file(t.path, t.name + " text file", uint64_t{1} << 30);
      if (content.empty()) fail("the {} text file {} is empty", t.name, t.path);
      it = texts_.emplace(t.name, std::move(content)).first;
    }
    return it->second;
  }

  RunOptions run_options() const { return {.threads = threads_}; }

  // A log line at each tenth of a long measurement, so that a run of hours shows it moves.
  std::function<void(int64_t, int64_t, double)> tenths(const std::string& who,
                                                       const std::string& what) const {
    return
        [this, who, what, last = int64_t{0}](int64_t done, int64_t total, double seconds) mutable {
          if (total <= 0) return;
          const int64_t tenth = done * 10 / total;
          if (tenth <= last || done >= total) return;
          last = tenth;
          const double eta = done > 0 ? seconds * double(total - done) / double(done) : 0;
          log(fmt::format("{}: {} {}/{} ({:.0f} s, about {:.0f} s left)", who, what, done, total,
                          seconds, eta));
        };
  }

  nlohmann::json perplexity_of(const ModelFacts& f, const ReportText& t) {
    const auto m = model(f.path);
    const auto t0 = std::chrono::steady_clock::now();
    const Windows w =
        make_windows(m->tokenizer(), text(t), {.n_ctx = o_.n_ctx, .max_chunks = o_.max_chunks});
    const double tokenize_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const RunOptions run = run_options();
    auto report = tenths(f.stem, "ppl-" + t.name + " windows");
    const PerplexityResult r = perplexity(m, w, run, [&](const Progress& p, double) {
      report(p.windows_decoded, p.windows_total, p.seconds);
    });
    return perplexity_json(r, {.model = f.path,
                               .model_bytes = f.file_bytes,
                               .text_file = t.path,
                               .precision = o_.precision,
                               .n_batch = run.n_batch,
                               .n_threads = threads_->size(),
                               .tokenize_seconds = tokenize_s});
  }

  std::string base_description() const {
    return fmt::format("{}, {} precision", o_.base, precision_name(o_.precision));
  }

  // The base's log-probabilities on the en text: from the base file when it holds exactly
  // the windows this request scores, else computed and saved there.
  const BaseLogProbs& base_logprobs(const ReportText& en) {
    if (base_) return *base_;
    const std::string stem = fs::path(o_.base).stem().string();
    const std::string path = (fs::path(results_dir(stem)) / "base-logits-en.bin").string();
    const auto base = model(o_.base);
    const Windows w =
        make_windows(base->tokenizer(), text(en), {.n_ctx = o_.n_ctx, .max_chunks = o_.max_chunks});
    std::error_code ec;
    if (fs::exists(path, ec)) {
      try {
        BaseLogProbs cached = load_base_logprobs(path);
        if (cached.windows.tokens == w.tokens && cached.windows.n_ctx == w.n_ctx &&
            cached.description == base_description()) {
          log(fmt::format("base: log-probabilities reused from {}", path));
          base_ = std::move(cached);
          return *base_;
        }
        log(fmt::format("base: {} was made for other windows or another base; computing again",
                        path));
      } catch (const Error& e) {
        log(fmt::format("base: {}; computing again", e.what()));
      }
    }
    log(fmt::format("base: computing the log-probabilities of {} on {}", o_.base, en.path));
    BaseLogProbs b =
        compute_base_logprobs(base, w, kDefaultTopK, kDefaultTailSamples, run_options(),
                              [report = tenths("base", "windows")](const Progress& p) mutable {
                                report(p.windows_decoded, p.windows_total, p.seconds);
                              });
    b.description = base_description();
    fs::create_directories(fs::path(path).parent_path(), ec);
    // save_base_logprobs writes in place; a temporary name keeps a crash from leaving a
    // truncated file under the real one.
    const std::string temporary = fmt::format("{}.tmp", path);
    save_base_logprobs(b, temporary);
    fs::rename(temporary, path, ec);
    if (ec) fail("cannot rename {} to {}: {}", temporary, path, ec.message());
    base_ = std::move(b);
    return *base_;
  }

  nlohmann::json kld_of(const ModelFacts& f, const ReportText& en) {
    const BaseLogProbs& b = base_logprobs(en);
    const std::string base_file =
        (fs::path(results_dir(fs::path(o_.base).stem().string())) / "base-logits-en.bin").string();
    const RunOptions run = run_options();
    auto report = tenths(f.stem, "kld-en windows");
    const KldResult r =
        kl_divergence(model(f.path), b, run, [&](const Progress& p, const KldResult&) {
          report(p.windows_decoded, p.windows_total, p.seconds);
        });
    return kld_json(r, {.model = f.path,
                        .model_bytes = f.file_bytes,
                        .text_file = en.path,
                        .precision = o_.precision,
                        .base_description = b.description,
                        .base_logits = base_file,
                        .n_text_tokens = b.windows.n_text_tokens,
                        .n_batch = run.n_batch,
                        .n_threads = threads_->size()});
  }

  int64_t limit_of(const std::string& task) const {
    const auto it = o_.task_limits.find(task);
    return it == o_.task_limits.end() ? o_.limit : it->second;
  }

  nlohmann::json task_of(const ModelFacts& f, const std::string& task) {
    EvalTasksOptions options;
    options.data_dir = o_.data_dir;
    options.shots = o_.shots;
    options.limit = limit_of(task);
    options.n_threads = o_.n_threads;
    options.progress = [report = tenths(f.stem, "task-" + task + " items")](
                           const EvalProgress& p) mutable { report(p.done, p.total, p.elapsed_s); };
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<EvalTaskResult> results = evaluate_tasks(model(f.path), {task}, options);
    return tasks_json(
        results,
        {.model = f.path,
         .model_bytes = f.file_bytes,
         .data_dir = o_.data_dir,
         .precision = o_.precision,
         .shots = o_.shots,
         .limit = options.limit,
         .seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()});
  }

 private:
  const ReportOptions& o_;
  ReportOutcome& outcome_;
  std::shared_ptr<Threads> threads_;
  std::map<std::string, std::shared_ptr<const Model>> loaded_;
  std::map<std::string, std::string> texts_;
  std::optional<BaseLogProbs> base_;
};

nlohmann::json settings_json(const ReportOptions& o) {
  nlohmann::json texts = nlohmann::json::object();
  for (const ReportText& t : o.texts) texts[t.name] = t.path;
  return {{"models", o.models},
          {"base", o.base},
          {"texts", texts},
          {"tasks", o.tasks},
          {"data_dir", o.data_dir},
          {"n_ctx", o.n_ctx},
          {"chunks", o.max_chunks},
          {"limit", o.limit},
          {"task_limits", o.task_limits},
          {"shots", o.shots},
          {"precision", precision_name(o.precision)},
          {"collect_only", o.collect_only}};
}

}  // namespace

ReportData gather(const ReportOptions& o, ReportOutcome& outcome) {
  check_inputs(o);
  ReportData data;
  for (const ReportText& t : o.texts) data.text_names.push_back(t.name);
  data.tasks = o.tasks;
  data.base = o.base;
  data.settings = settings_json(o);
  Runner runner(o, outcome);
  if (o.texts.empty()) runner.log("report: no texts, so no perplexity or KLD columns");
  for (const std::string& path : o.models) {
    ModelReport m{.facts = read_model_facts(path)};
    const ModelFacts& f = m.facts;
    const std::string dir = runner.results_dir(f.stem);
    const WantedSettings common = runner.wanted(f);
    for (const ReportText& t : o.texts) {
      WantedSettings w = common;
      w.text_file = t.path;
      m.items.push_back(runner.obtain(
          "ppl-" + t.name, (fs::path(dir) / ("ppl-" + t.name + ".json")).string(),
          ResultKind::kPerplexity, w, f.stem, [&] { return runner.perplexity_of(f, t); }));
    }
    if (!o.base.empty()) {
      const ReportText& en = *std::find_if(o.texts.begin(), o.texts.end(),
                                           [](const ReportText& t) { return t.name == kKldText; });
      WantedSettings w = common;
      w.text_file = en.path;
      m.items.push_back(runner.obtain("kld-en", (fs::path(dir) / "kld-en.json").string(),
                                      ResultKind::kKld, w, f.stem,
                                      [&] { return runner.kld_of(f, en); }));
    }
    for (const std::string& task : o.tasks) {
      WantedSettings w = common;
      w.limit = runner.limit_of(task);
      m.items.push_back(
          runner.obtain("task-" + task, (fs::path(dir) / ("task-" + task + ".json")).string(),
                        ResultKind::kTask, w, f.stem, [&] { return runner.task_of(f, task); }));
    }
    data.models.push_back(std::move(m));
  }
  return data;
}

const char* status_name(ItemStatus s) {
  switch (s) {
    case ItemStatus::kReused:
      return "reused";
    case ItemStatus::kRan:
      return "ran";
    case ItemStatus::kMissing:
      return "missing";
    case ItemStatus::kFailed:
      break;
  }
  return "failed";
}

const Item* ModelReport::find(const std::string& key) const {
  for (const Item& i : items)
    if (i.key == key) return &i;
  return nullptr;
}

}  // namespace yak::eval::report
