// The statistics llama.cpp's perplexity tool reports, computed the way it computes them
// (tools/perplexity/perplexity.cpp), so that the two tools' figures are comparable.
#pragma once

#include <cstdint>
#include <vector>

#include "yak/eval.h"

namespace yak::eval {

// Mean of values given by their sum and sum of squares, with the standard error
// sqrt((E[x²] - E[x]²) / (count - 1)); 0 where the variance is not positive.
Estimate mean_with_stderr(double sum, double sum2, int64_t count);

// As llama.cpp's KL-divergence statistics: like mean_with_stderr, but no uncertainty for
// 10 samples or fewer.
Estimate mean_with_stderr_min10(double sum, double sum2, int64_t count);

// Covariance of the means of a and b (0 below 10 samples), as llama.cpp's.
double covariance_of_means(double sum_a, double sum_b, double sum_ab, int64_t count);

// Linear interpolation between the sorted values at fraction * (n - 1). `sorted` must be
// ascending and not empty.
double percentile(const std::vector<float>& sorted, double fraction);

// The middle value, or the mean of the two middle ones.
double median(const std::vector<float>& sorted);

// Running sums of negative log-likelihoods.
struct NllSums {
  double sum = 0;
  double sum2 = 0;
  int64_t count = 0;
  void add(double nll) {
    sum += nll;
    sum2 += nll * nll;
    ++count;
  }
  double running_ppl() const;
  // exp(mean) and its uncertainty ppl * stderr, as llama.cpp's "Final estimate".
  Estimate ppl() const;
};

}  // namespace yak::eval
