// The results cache: which recorded settings let a cached result be reused, and its files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "eval/report/model_facts.h"
#include "eval/report/result_cache.h"
#include "unit/eval/report/report_test_util.h"
#include "unit/test_models.h"
#include "unit/test_paths.h"
#include "yak/error.h"

namespace yak::eval::report {
namespace {

namespace fs = std::filesystem;

WantedSettings wanted() {
  return {.model = "models/m.gguf",
          .model_bytes = 1234,
          .text_file = "wiki.txt",
          .base = "models/base.gguf",
          .precision = "default",
          .n_ctx = 128,
          .max_chunks = 0,
          .limit = 200,
          .shots = -1};
}

TEST(ReportCache, PerplexityMatchesOnlyTheSameSettings) {
  const nlohmann::json j = test::sample_ppl_json("models/m.gguf", 1234, "wiki.txt", 20, 0.1);
  // 1000 tokens at n_ctx 128 make 7 windows; the sample scored 2, so only --chunks 2 matches.
  WantedSettings w = wanted();
  w.max_chunks = 2;
  EXPECT_EQ(settings_mismatch(j, ResultKind::kPerplexity, w), std::nullopt);
  w.max_chunks = 5;
  EXPECT_EQ(settings_mismatch(j, ResultKind::kPerplexity, w).value_or(""),
            "it scored 2 chunks, the request scores 5");
  w.max_chunks = 0;  // all 7
  EXPECT_NE(settings_mismatch(j, ResultKind::kPerplexity, w), std::nullopt);
  w.max_chunks = 2;
  WantedSettings other = w;
  other.model_bytes = 999;
  EXPECT_EQ(settings_mismatch(j, ResultKind::kPerplexity, other).value_or(""),
            "the model file was 1234 bytes, now 999");
  other = w;
  other.n_ctx = 256;
  EXPECT_EQ(settings_mismatch(j, ResultKind::kPerplexity, other).value_or(""),
            "n_ctx is 128, not 256");
  other = w;
  other.text_file = "zh.txt";
  EXPECT_NE(settings_mismatch(j, ResultKind::kPerplexity, other), std::nullopt);
  other = w;
  other.precision = "exact";
  EXPECT_NE(settings_mismatch(j, ResultKind::kPerplexity, other), std::nullopt);
  other = w;
  other.model = "models/other.gguf";
  EXPECT_NE(settings_mismatch(j, ResultKind::kPerplexity, other), std::nullopt);
  // A spelling of the same path matches.
  other = w;
  other.model = "./models/../models/m.gguf";
  EXPECT_EQ(settings_mismatch(j, ResultKind::kPerplexity, other), std::nullopt);
  // Files written before the size was recorded are measured again.
  nlohmann::json old = j;
  old.erase("model_bytes");
  EXPECT_EQ(settings_mismatch(old, ResultKind::kPerplexity, w).value_or(""),
            "it records no model_bytes (the model file's size)");
}

TEST(ReportCache, KldAlsoNeedsTheSameBase) {
  const nlohmann::json j =
      test::sample_kld_json("models/m.gguf", 1234, "wiki.txt", "models/base.gguf", 0.01, 0.001);
  WantedSettings w = wanted();
  w.max_chunks = 2;
  EXPECT_EQ(settings_mismatch(j, ResultKind::kKld, w), std::nullopt);
  w.base = "models/another.gguf";
  EXPECT_NE(settings_mismatch(j, ResultKind::kKld, w), std::nullopt);
  w = wanted();
  w.max_chunks = 2;
  w.precision = "fast";  // the base's precision follows the request's
  nlohmann::json fast = j;
  fast["precision"] = "fast";
  EXPECT_NE(settings_mismatch(fast, ResultKind::kKld, w), std::nullopt);
  fast["base"] = "models/base.gguf, fast precision";
  EXPECT_EQ(settings_mismatch(fast, ResultKind::kKld, w), std::nullopt);
}

TEST(ReportCache, TasksMatchOnLimitAndShots) {
  const nlohmann::json j = test::sample_task_json("models/m.gguf", 1234, "arc_easy", 0.5, 0.5);
  WantedSettings w = wanted();
  EXPECT_EQ(settings_mismatch(j, ResultKind::kTask, w), std::nullopt);
  w.shots = 0;  // the default is recorded as 0
  EXPECT_EQ(settings_mismatch(j, ResultKind::kTask, w), std::nullopt);
  w.shots = 5;
  EXPECT_EQ(settings_mismatch(j, ResultKind::kTask, w).value_or(""), "shots is 0, not 5");
  w = wanted();
  w.limit = 0;
  EXPECT_EQ(settings_mismatch(j, ResultKind::kTask, w).value_or(""), "limit is 200, not 0");
  nlohmann::json empty = j;
  empty["results"] = nlohmann::json::array();
  EXPECT_EQ(settings_mismatch(empty, ResultKind::kTask, wanted()).value_or(""),
            "it holds no task results");
  EXPECT_NE(settings_mismatch(nlohmann::json::array(), ResultKind::kTask, wanted()), std::nullopt);
}

TEST(ReportCache, FilesAreWrittenWholeAndReadBack) {
  const fs::path dir =
      fs::temp_directory_path() / ("yak-report-cache-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const std::string path = (dir / "results" / "m" / "ppl-en.json").string();
  EXPECT_EQ(read_result(path), std::nullopt);
  write_file_atomically(path, R"({"ppl": 12.5})");
  const auto back = read_result(path);
  ASSERT_TRUE(back);
  EXPECT_EQ((*back)["ppl"], 12.5);
  // Nothing but the file itself is left in its folder.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir / "results" / "m"), fs::directory_iterator()),
            1);
  std::ofstream(path) << "{not json";
  EXPECT_THROW(read_result(path), Error);
  fs::remove_all(dir);
}

TEST(ReportFacts, FamilyDropsTheQuantizationSuffix) {
  EXPECT_EQ(family_of("SmolLM2-135M-Instruct.Q4_1"), "SmolLM2-135M-Instruct");
  EXPECT_EQ(family_of("qwen2.5-coder-0.5b-instruct.q4_k_m"), "qwen2.5-coder-0.5b-instruct");
  EXPECT_EQ(family_of("sm-F16"), "sm");
  EXPECT_EQ(family_of("sm_bf16"), "sm");
  EXPECT_EQ(family_of("model-IQ4_XS"), "model");
  EXPECT_EQ(family_of("plain"), "plain");
  EXPECT_EQ(family_of("qwen2-0.5b"), "qwen2-0.5b");
  EXPECT_EQ(file_type_name(15), "Q4_K_M");
  EXPECT_EQ(file_type_name(3), "Q4_1");
  EXPECT_EQ(file_type_name(999), "type 999");
}

TEST(ReportFacts, ReadFromTheDefaultModel) {
  const std::string path = test::default_model_path();
  if (!fs::exists(path)) GTEST_SKIP() << "no default model at " << path << " (scripts/setup.sh)";
  const ModelFacts f = read_model_facts(path);
  EXPECT_EQ(f.stem, "SmolLM2-135M-Instruct.Q4_1");
  EXPECT_EQ(f.family, "SmolLM2-135M-Instruct");
  EXPECT_EQ(f.file_type, "Q4_1");
  EXPECT_EQ(f.file_bytes, fs::file_size(path));
  EXPECT_GT(f.n_params, 100'000'000);
  // The loaded model counts the same tensors: Q4_1's 5 bits for most weights, more for the
  // F32 norms and the 8-bit embedding.
  const ModelInfo& info = test::shared_default_model()->info();
  EXPECT_EQ(f.n_params, info.n_params);
  EXPECT_EQ(f.tensor_bytes, info.weight_bytes);
  EXPECT_GT(f.bits_per_weight(), 5.0);
  EXPECT_LT(f.bits_per_weight(), 6.0);
  EXPECT_THROW(read_model_facts("/nonexistent/model.gguf"), Error);
}

}  // namespace
}  // namespace yak::eval::report
