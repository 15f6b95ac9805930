// The figures llama.cpp's perplexity tool reports, on values small enough to check by hand.
#include "eval/statistics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace yak::eval {
namespace {

TEST(EvalStatistics, MeanWithStandardErrorOfTheMean) {
  // 1, 2, 3, 4: mean 2.5, E[x²] = 7.5, variance 7.5 - 6.25 = 1.25, stderr sqrt(1.25 / 3).
  const Estimate e = mean_with_stderr(10, 30, 4);
  EXPECT_DOUBLE_EQ(e.value, 2.5);
  EXPECT_NEAR(e.uncertainty, std::sqrt(1.25 / 3), 1e-12);
  EXPECT_EQ(mean_with_stderr(5, 25, 1).uncertainty, 0);  // one value: no spread
  EXPECT_EQ(mean_with_stderr(6, 12, 3).uncertainty, 0);  // all equal (2, 2, 2)
  EXPECT_EQ(mean_with_stderr(0, 0, 0).value, 0);
}

TEST(EvalStatistics, KldStatisticsNeedMoreThanTenValuesForAnUncertainty) {
  EXPECT_EQ(mean_with_stderr_min10(10, 30, 4).uncertainty, 0);
  double sum = 0, sum2 = 0;
  for (int i = 1; i <= 11; ++i) sum += i, sum2 += i * i;
  EXPECT_GT(mean_with_stderr_min10(sum, sum2, 11).uncertainty, 0);
  EXPECT_EQ(covariance_of_means(1, 1, 1, 9), 0);
}

TEST(EvalStatistics, PerplexityAndItsUncertaintyAsLlamaCppGivesThem) {
  NllSums s;
  const std::vector<double> nll = {1.0, 2.0, 3.0, 2.5, 0.5};
  double sum = 0, sum2 = 0;
  for (double v : nll) s.add(v), sum += v, sum2 += v * v;
  const double mean = sum / 5, var = sum2 / 5 - mean * mean;
  EXPECT_NEAR(s.running_ppl(), std::exp(mean), 1e-12);
  EXPECT_NEAR(s.ppl().value, std::exp(mean), 1e-12);
  // "Final estimate: PPL = x +/- y": y = x * sqrt(var / (count - 1)).
  EXPECT_NEAR(s.ppl().uncertainty, std::exp(mean) * std::sqrt(var / 4), 1e-12);
}

TEST(EvalStatistics, CovarianceOfMeans) {
  // a = b: the covariance of the means is the variance of the mean.
  double sa = 0, sa2 = 0;
  for (int i = 0; i < 20; ++i) sa += i, sa2 += i * i;
  const Estimate e = mean_with_stderr(sa, sa2, 20);
  EXPECT_NEAR(covariance_of_means(sa, sa, sa2, 20), e.uncertainty * e.uncertainty, 1e-12);
}

TEST(EvalStatistics, PercentilesInterpolateLinearly) {
  const std::vector<float> v = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_DOUBLE_EQ(percentile(v, 0.5), 5);
  EXPECT_DOUBLE_EQ(percentile(v, 0.95), 9.5);
  EXPECT_NEAR(percentile(v, 0.999), 9.99, 1e-6);
  EXPECT_DOUBLE_EQ(percentile(v, 0), 0);
  EXPECT_DOUBLE_EQ(percentile(v, 1), 10);
  EXPECT_DOUBLE_EQ(median(v), 5);
  EXPECT_DOUBLE_EQ(median(std::vector<float>{1, 2, 4, 8}), 3);
  EXPECT_DOUBLE_EQ(percentile(std::vector<float>{7}, 0.9), 7);
}

}  // namespace
}  // namespace yak::eval
