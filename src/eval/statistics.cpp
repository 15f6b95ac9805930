#include "eval/statistics.h"

#include <algorithm>
#include <cmath>

namespace yak::eval {

Estimate mean_with_stderr(double sum, double sum2, int64_t count) {
  if (count < 1) return {};
  const double mean = sum / double(count);
  const double variance = sum2 / double(count) - mean * mean;
  const double stderr_ = variance > 0 && count > 1 ? std::sqrt(variance / double(count - 1)) : 0;
  return {mean, stderr_};
}

Estimate mean_with_stderr_min10(double sum, double sum2, int64_t count) {
  Estimate e = mean_with_stderr(sum, sum2, count);
  if (count <= 10) e.uncertainty = 0;
  return e;
}

double covariance_of_means(double sum_a, double sum_b, double sum_ab, int64_t count) {
  if (count < 10) return 0;
  const double n = double(count);
  return (sum_ab / n - (sum_a / n) * (sum_b / n)) / (n - 1);
}

double percentile(const std::vector<float>& sorted, double fraction) {
  if (fraction <= 0) return sorted.front();
  if (fraction >= 1) return sorted.back();
  const double p = fraction * double(sorted.size() - 1);
  const size_t i = size_t(p);
  const double t = p - double(i);
  return (1 - t) * sorted[i] + t * sorted[std::min(i + 1, sorted.size() - 1)];
}

double median(const std::vector<float>& sorted) {
  const size_t n = sorted.size();
  return n % 2 == 0 ? 0.5 * (double(sorted[n / 2]) + sorted[n / 2 - 1]) : sorted[n / 2];
}

double NllSums::running_ppl() const { return count ? std::exp(sum / double(count)) : 0; }

Estimate NllSums::ppl() const {
  const Estimate nll = mean_with_stderr(sum, sum2, count);
  const double value = std::exp(nll.value);
  return {value, value * nll.uncertainty};
}

}  // namespace yak::eval
