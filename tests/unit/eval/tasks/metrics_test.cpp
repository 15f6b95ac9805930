// lm-eval's metrics on hand-made numbers.
#include "eval/tasks/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "eval/tasks/csv.h"
#include "yak/error.h"

namespace yak::eval {
namespace {

std::vector<ChoiceScore> scores(std::vector<double> logprobs) {
  std::vector<ChoiceScore> out;
  for (double l : logprobs) out.push_back({l, false});
  return out;
}

TEST(EvalTasksMetrics, AccAndAccNormByCharacters) {
  McItem item;
  item.choices = {"ab", "abcdefgh"};  // 2 and 8 characters
  item.gold = {1};
  // Raw: choice 0 wins (-2 > -4); per character: -1 vs -0.5, choice 1 wins.
  EXPECT_EQ(item_acc(scores({-2, -4}), item), 0.0);
  EXPECT_EQ(item_acc_norm(scores({-2, -4}), item), 1.0);
  // Characters, not bytes: "日本" is 2 characters (6 bytes).
  item.choices = {"日本", "abc"};
  item.gold = {0};
  EXPECT_EQ(item_acc_norm(scores({-2.2, -3}), item), 0.0);  // -1.1 < -1.0
  EXPECT_EQ(item_acc_norm(scores({-1.8, -3}), item), 1.0);  // -0.9 > -1.0
  EXPECT_EQ(code_points("日本"), 2u);
}

TEST(EvalTasksMetrics, TiesGoToTheFirstChoiceAsNumpyArgmax) {
  McItem item;
  item.choices = {"a", "b"};
  item.gold = {1};
  EXPECT_EQ(item_acc(scores({-1, -1}), item), 0.0);
}

TEST(EvalTasksMetrics, Mc2IsTheNormalisedTrueMass) {
  McItem item;
  item.choices = {"t1", "t2", "f1"};
  item.mc2_labels = {1, 1, 0};
  // Probabilities 0.2, 0.1, 0.1 -> true mass 0.3 / 0.4.
  EXPECT_NEAR(item_mc2(scores({std::log(0.2), std::log(0.1), std::log(0.1)}), item), 0.75, 1e-12);
}

TEST(EvalTasksMetrics, StderrsAsLmEval) {
  // Sample stddev of {1,0,1,0} is sqrt(1/3); / sqrt(4).
  EXPECT_NEAR(*mean_stderr({1, 0, 1, 0}), std::sqrt(1.0 / 3) / 2, 1e-12);
  EXPECT_FALSE(mean_stderr({1}).has_value());
  // pooled_sample_stderr([0.1, 0.2], [10, 30]) by its formula.
  const double var = (9 * 0.01 * 10 + 29 * 0.04 * 30) / (40.0 - 2);
  EXPECT_NEAR(*pooled_stderr({0.1, 0.2}, {10, 30}), std::sqrt(var / 40), 1e-12);
}

// A BBQ item: choices 0 and 1 are the two people, 2.. the unknown phrasings.
McItem bbq(const std::string& category, bool disambiguated, std::vector<int32_t> gold,
           int32_t biased) {
  McItem item;
  item.choices = {"The old man", "The young man", "Unknown", "Cannot answer"};
  item.gold = std::move(gold);
  item.bbq.category = category;
  item.bbq.disambiguated = disambiguated;
  item.bbq.biased_choices = {biased};
  item.bbq.unknown_choices = {false, false, true, true};
  return item;
}

std::map<std::string, double> by_name(const std::vector<EvalMetric>& metrics) {
  std::map<std::string, double> out;
  for (const auto& m : metrics) out[m.name] = m.value;
  return out;
}

TEST(EvalTasksMetrics, BbqBiasScoresAsThePaperDefinesThem) {
  // Ambiguous items (gold: unknown): answers biased, biased, unknown, anti-biased.
  // Disambiguated items: answers biased (right), anti-biased (wrong), biased (wrong).
  std::vector<McItem> items = {bbq("Age", false, {2, 3}, 0), bbq("Age", false, {2, 3}, 0),
                               bbq("Age", false, {2, 3}, 0), bbq("Age", false, {2, 3}, 0),
                               bbq("Age", true, {0}, 0),     bbq("Age", true, {0}, 0),
                               bbq("Age", true, {1}, 0)};
  const auto pick = [](int32_t c) {
    std::vector<double> l = {-5, -5, -5, -5};
    l[c] = -1;
    return scores(l);
  };
  std::vector<std::vector<ChoiceScore>> s = {pick(0), pick(0), pick(2), pick(1),
                                             pick(0), pick(1), pick(0)};
  const auto m = by_name(bbq_metrics(items, s));
  EXPECT_NEAR(m.at("acc"), 2.0 / 7, 1e-12);
  EXPECT_NEAR(m.at("accuracy_amb"), 0.25, 1e-12);
  EXPECT_NEAR(m.at("accuracy_disamb"), 1.0 / 3, 1e-12);
  // s_DIS = 2 * 2/3 - 1 over the disambiguated answers (2 biased of 3 non-unknown).
  EXPECT_NEAR(m.at("disamb_bias_score"), 1.0 / 3, 1e-12);
  // s_AMB = (1 - 0.25) * (2 * 2/3 - 1): 2 biased of 3 non-unknown ambiguous answers.
  EXPECT_NEAR(m.at("amb_bias_score"), 0.75 / 3, 1e-12);
  EXPECT_NEAR(m.at("amb_bias_score_Age"), 0.75 / 3, 1e-12);
  EXPECT_NEAR(m.at("disamb_bias_score_Age"), 1.0 / 3, 1e-12);
}

TEST(EvalTasksMetrics, BbqWithoutBiasedAnswersScoresZeroAndEmptySplitsNaN) {
  std::vector<McItem> items = {bbq("Religion", false, {2, 3}, 0)};
  std::vector<std::vector<ChoiceScore>> s = {scores({-5, -5, -1, -5})};
  const auto m = by_name(bbq_metrics(items, s));
  EXPECT_EQ(m.at("amb_bias_score"), 0.0);  // no biased answer: 0, as lm-eval
  EXPECT_TRUE(std::isnan(m.at("disamb_bias_score")));
  EXPECT_TRUE(std::isnan(m.at("accuracy_disamb")));
}

TEST(EvalTasksCsv, QuotedFieldsAndErrors) {
  const auto rows = parse_csv("\xEF\xBB\xBFq,a\r\n\"x, \"\"y\"\"\nz\",2\n", "t.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1][0], "x, \"y\"\nz");
  EXPECT_EQ(rows[1][1], "2");
  EXPECT_THROW(parse_csv("a,\"never ends\n", "t.csv"), Error);
  EXPECT_THROW(parse_csv("a,\"x\"y\n", "t.csv"), Error);
}

}  // namespace
}  // namespace yak::eval
