// write_report over a cache of given result files, collecting only (nothing is measured):
// what matches is reused, what does not is named as missing, and bad inputs are refused
// before anything is read.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "eval/report/result_cache.h"
#include "unit/eval/eval_test_util.h"
#include "unit/eval/report/report_test_util.h"
#include "unit/test_paths.h"
#include "yak/error.h"
#include "yak/eval_report.h"

namespace yak::eval {
namespace {

namespace fs = std::filesystem;

class ReportWrite : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = test::default_model_path();
    if (!fs::exists(model_))
      GTEST_SKIP() << "no default model at " << model_ << " (scripts/setup.sh)";
    dir_ = fs::temp_directory_path() / ("yak-report-write-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    text_ = (dir_ / "en.txt").string();
    std::ofstream(text_) << "some text\n";
    stem_dir_ = dir_ / "out" / "results" / "SmolLM2-135M-Instruct.Q4_1";
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  ReportOptions options() const {
    return {.models = {model_},
            .out_dir = (dir_ / "out").string(),
            .texts = {{"en", text_}},
            .tasks = {"arc_easy"},
            .data_dir = "unused-when-collecting",
            .n_ctx = 128,
            .max_chunks = 2,
            .limit = 200,
            .collect_only = true};
  }

  void cache(const std::string& name, const nlohmann::json& j) const {
    report::write_file_atomically((stem_dir_ / name).string(), j.dump());
  }

  std::string model_;
  fs::path dir_, stem_dir_;
  std::string text_;
};

TEST_F(ReportWrite, ReusesMatchingResultsAndNamesTheMissing) {
  const uint64_t bytes = fs::file_size(model_);
  cache("ppl-en.json", test::sample_ppl_json(model_, bytes, text_, 23.2911, 0.18299));
  cache("task-arc_easy.json", test::sample_task_json(model_, bytes, "arc_easy", 0.51, 0.48));
  const ReportOutcome r = write_report(options());
  EXPECT_EQ(r.reused, 2);
  EXPECT_EQ(r.ran, 0);
  EXPECT_EQ(r.missing, 0);
  for (const char* f :
       {"report.html", "report.md", "report.json", "ppl_vs_bpw.png", "task_scores.png"})
    EXPECT_TRUE(fs::exists(dir_ / "out" / f)) << f;
  EXPECT_FALSE(fs::exists(dir_ / "out" / "kld_vs_bpw.png"));  // no base, no KLD plot
  std::ifstream in(dir_ / "out" / "report.html");
  const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(html.find("23.2911 ± 0.1830"), std::string::npos);
  EXPECT_NE(html.find("0.4800 ± 0.0353"), std::string::npos);
  EXPECT_EQ(r.summary["reused"], 2);
  EXPECT_EQ(r.summary["models"][0]["results"]["ppl-en"]["status"], "reused");
  EXPECT_EQ(r.summary["models"][0]["file_type"], "Q4_1");

  // Another context size: the cached perplexity no longer answers, and the report says why.
  ReportOptions other = options();
  other.n_ctx = 256;
  const ReportOutcome stale = write_report(other);
  EXPECT_EQ(stale.reused, 1);
  EXPECT_EQ(stale.missing, 1);
  const std::string note = stale.summary["models"][0]["results"]["ppl-en"]["note"];
  EXPECT_NE(note.find("n_ctx is 128, not 256"), std::string::npos) << note;
}

// The measuring path: perplexity, KLD (of the model against itself) and a task, each cached,
// then all reused by a second run.
TEST_F(ReportWrite, MeasuresThenReuses) {
  const std::string text = test::wikitext_slice(20000);
  const std::string data = test::shared_data_path("eval");
  if (text.empty() || !fs::exists(data + "/arc")) GTEST_SKIP() << "no eval data under " << data;
  std::ofstream(text_, std::ios::binary) << text;
  ReportOptions o = options();
  o.collect_only = false;
  o.base = model_;
  o.data_dir = data;
  o.n_ctx = 64;
  o.limit = 2;
  o.n_threads = 2;
  std::vector<std::string> log;
  o.log = [&log](const std::string& line) { log.push_back(line); };
  const ReportOutcome first = write_report(o);
  EXPECT_EQ(first.ran, 3);
  EXPECT_EQ(first.failed, 0);
  const nlohmann::json& results = first.summary["models"][0]["results"];
  EXPECT_EQ(results["ppl-en"]["result"]["n_chunks"], 2);
  EXPECT_GT(results["ppl-en"]["result"]["ppl"].get<double>(), 1);
  EXPECT_LT(std::abs(results["kld-en"]["result"]["kld"]["mean"].get<double>()), 1e-6);
  EXPECT_EQ(results["task-arc_easy"]["result"]["results"][0]["n"], 2);
  EXPECT_TRUE(fs::exists(stem_dir_ / "base-logits-en.bin"));
  const ReportOutcome second = write_report(o);
  EXPECT_EQ(second.reused, 3);
  EXPECT_EQ(second.ran, 0);
}

// A per-task limit replaces --limit for that task only: a cached task scored on 200 items
// answers a report whose default limit is 5 when the task's own limit is 200.
TEST_F(ReportWrite, TaskLimitsOverrideTheDefaultPerTask) {
  const uint64_t bytes = fs::file_size(model_);
  cache("task-arc_easy.json", test::sample_task_json(model_, bytes, "arc_easy", 0.51, 0.48));
  ReportOptions o = options();
  o.texts.clear();
  o.limit = 5;
  const ReportOutcome stale = write_report(o);
  EXPECT_EQ(stale.missing, 1);
  const std::string note = stale.summary["models"][0]["results"]["task-arc_easy"]["note"];
  EXPECT_NE(note.find("limit is 200, not 5"), std::string::npos) << note;
  o.task_limits = {{"arc_easy", 200}};
  const ReportOutcome fresh = write_report(o);
  EXPECT_EQ(fresh.reused, 1);
  EXPECT_EQ(fresh.missing, 0);
  EXPECT_EQ(fresh.summary["settings"]["task_limits"]["arc_easy"], 200);
  o.task_limits = {{"hellaswag", 10}};  // not one of the report's tasks
  EXPECT_THROW(write_report(o), Error);
}

TEST_F(ReportWrite, RefusesBadInputsBeforeReading) {
  ReportOptions o = options();
  o.tasks = {"no_such_task"};
  EXPECT_THROW(
      {
        try {
          write_report(o);
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find("unknown task 'no_such_task'"), std::string::npos);
          throw;
        }
      },
      Error);
  o = options();
  o.models.push_back((dir_ / "missing.gguf").string());
  EXPECT_THROW(write_report(o), Error);
  o = options();
  o.texts = {{"en", (dir_ / "missing.txt").string()}};
  EXPECT_THROW(write_report(o), Error);
  o = options();
  o.base = model_;
  o.texts = {{"zh", text_}};  // KLD needs the en text
  EXPECT_THROW(write_report(o), Error);
  o = options();
  o.models.push_back(model_);  // the same stem twice
  EXPECT_THROW(write_report(o), Error);
  EXPECT_FALSE(fs::exists(dir_ / "out" / "report.html"));
}

}  // namespace
}  // namespace yak::eval
