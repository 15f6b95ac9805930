// Missing and malformed data and unknown task names give errors that name the problem.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "eval/tasks/task_data.h"
#include "unit/test_models.h"
#include "yak/error.h"
#include "yak/eval_tasks.h"

namespace yak::eval {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

class EvalTasksBadInputs : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("yak_eval_bad_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& relative, const std::string& text) {
    std::filesystem::create_directories((dir_ / relative).parent_path());
    std::ofstream(dir_ / relative) << text;
  }
  EvalTasksOptions options() const {
    EvalTasksOptions o;
    o.data_dir = dir_.string();
    return o;
  }
  std::filesystem::path dir_;
};

TEST_F(EvalTasksBadInputs, MissingDataNamesTheFile) {
  const std::string e = error_of([&] { load_task_items("arc_easy", options()); });
  EXPECT_NE(e.find("ARC-Easy-Test.jsonl does not exist"), std::string::npos) << e;
  EXPECT_NE(error_of([&] { load_task_items("bbq", options()); }).find("does not exist"),
            std::string::npos);
}

TEST_F(EvalTasksBadInputs, MalformedLinesNameTheLine) {
  write(
      "arc/ARC-Easy-Test.jsonl",
      "{\"id\":\"a\",\"question\":{\"stem\":\"s\",\"choices\":[{\"text\":\"x\",\"label\":\"A\"}]},"
      "\"answerKey\":\"A\"}\n{not json\n");
  std::string e = error_of([&] { load_task_items("arc_easy", options()); });
  EXPECT_NE(e.find("line 2"), std::string::npos) << e;
  write(
      "arc/ARC-Challenge-Test.jsonl",
      "{\"id\":\"a\",\"question\":{\"stem\":\"s\",\"choices\":[{\"text\":\"x\",\"label\":\"A\"}]},"
      "\"answerKey\":\"B\"}\n");
  e = error_of([&] { load_task_items("arc_challenge", options()); });
  EXPECT_NE(e.find("answerKey 'B'"), std::string::npos) << e;
  write("hellaswag/hellaswag_val_full.txt", "ctx\n7\na\nb\nc\nd\n");
  e = error_of([&] { load_task_items("hellaswag", options()); });
  EXPECT_NE(e.find("line 2: gold ending must be 0-3"), std::string::npos) << e;
  write("hellaswag/hellaswag_val_full.txt", "ctx\n1\na\n");
  e = error_of([&] { load_task_items("hellaswag", options()); });
  EXPECT_NE(e.find("not a multiple of 6"), std::string::npos) << e;
  write("mmlu/test/anatomy_test.csv", "question,choice0,choice1,choice2,choice3,answer\nq,a,b,c\n");
  e = error_of([&] { load_task_items("mmlu_anatomy", options()); });
  EXPECT_NE(e.find("row 2: 4 fields, expected 6"), std::string::npos) << e;
  write("truthfulqa/mc_task.json", "[{\"question\": 1}]");
  e = error_of([&] { load_task_items("truthfulqa_mc1", options()); });
  EXPECT_NE(e.find("question 1"), std::string::npos) << e;
  write("bbq/Age.jsonl", "{\"context\": \"c\"}\n");
  e = error_of([&] { load_task_items("bbq", options()); });
  EXPECT_NE(e.find("Age.jsonl: line 1"), std::string::npos) << e;
}

TEST_F(EvalTasksBadInputs, ShotsWhereLmEvalHasNoFirstNSplitAreRefused) {
  auto o = options();
  o.shots = 1;
  EXPECT_NE(error_of([&] { load_task_items("hellaswag", o); }).find("few-shot"), std::string::npos);
  write("mmlu/test/anatomy_test.csv",
        "question,choice0,choice1,choice2,choice3,answer\nq,a,b,c,d,0\n");
  write("mmlu/dev/anatomy_dev.csv",
        "question,choice0,choice1,choice2,choice3,answer\nq,a,b,c,d,0\n");
  o.shots = 2;
  EXPECT_NE(error_of([&] { load_task_items("mmlu_anatomy", o); }).find("dev split has 1"),
            std::string::npos);
}

TEST_F(EvalTasksBadInputs, UnknownTaskListsTheKnownOnes) {
  const auto model = test::shared_default_model();
  const std::string e = error_of([&] { evaluate_tasks(model, {"hellaswag2"}, options()); });
  EXPECT_NE(e.find("unknown task 'hellaswag2'"), std::string::npos) << e;
  for (const char* name : {"arc_easy", "mmlu_anatomy", "cmmlu", "truthfulqa_mc2", "bbq"})
    EXPECT_NE(e.find(name), std::string::npos) << name;
  const auto known = known_eval_tasks();
  EXPECT_EQ(known.size(), 6u + 57 + 5 + 67 + 1);
}

}  // namespace
}  // namespace yak::eval
