// Each task's prompts against the requests lm-eval's own task objects build from the same
// data (tests/data/eval_tasks_golden.json, made by tools/eval_tasks_golden.py).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "eval/tasks/task_data.h"
#include "unit/test_paths.h"

namespace yak::eval {
namespace {

TEST(EvalTasksPrompts, MatchLmEvalRequests) {
  const std::string data = test::shared_data_path("eval");
  if (!std::filesystem::is_directory(data)) GTEST_SKIP() << "no eval data at " << data;
  std::ifstream in(test::source_path("tests/data/eval_tasks_golden.json"));
  ASSERT_TRUE(in) << "golden file missing";
  const auto golden = nlohmann::json::parse(in);
  ASSERT_GE(golden.at("requests").size(), 20u);
  std::set<std::string> tasks_seen;
  for (const auto& request : golden.at("requests")) {
    const std::string task = request.at("task");
    const int32_t shots = request.at("shots");
    const size_t index = request.at("item");
    SCOPED_TRACE(task + " shots=" + std::to_string(shots) + " item=" + std::to_string(index));
    EvalTasksOptions options;
    options.data_dir = data;
    options.shots = shots;
    options.limit = 2;
    const auto items = load_task_items(task, options);
    ASSERT_GT(items.size(), index);
    const McItem& item = items[index];
    EXPECT_EQ(item.context, request.at("context").get<std::string>());
    const auto& continuations = request.at("continuations");
    ASSERT_EQ(item.choices.size(), continuations.size());
    for (size_t c = 0; c < continuations.size(); ++c)
      EXPECT_EQ(" " + item.choices[c], continuations[c].get<std::string>());
    tasks_seen.insert(task);
  }
  EXPECT_EQ(tasks_seen.size(), 8u);  // every kind of leaf task
}

TEST(EvalTasksPrompts, HellaswagPreprocessingAsLmEval) {
  EXPECT_EQ(hellaswag_preprocess("  a [title] b [step] c  d "), "a. b c d");
  EXPECT_EQ(hellaswag_preprocess("see [www.x.org] now"), "see now");
  EXPECT_EQ(hellaswag_preprocess("open [ bracket"), "open [ bracket");
  EXPECT_EQ(hellaswag_query("Roof shingle removal: A man is sitting on a roof. he"),
            "Roof shingle removal: A man is sitting on a roof. He");
  // WikiHow contexts keep their case.
  EXPECT_EQ(hellaswag_query("Health: How to rest. you should"), "Health: How to rest. you should");
}

}  // namespace
}  // namespace yak::eval
