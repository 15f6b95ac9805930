// Log-probability helpers for the tests that compare logits.
#pragma once

#include <algorithm>
#include <cmath>
#include <span>

namespace yak::test {

// log(sum exp(v)), in double, stable for large logits.
inline double logsumexp(std::span<const float> v) {
  double m = -INFINITY;
  for (float x : v) m = std::max(m, static_cast<double>(x));
  double s = 0;
  for (float x : v) s += std::exp(static_cast<double>(x) - m);
  return m + std::log(s);
}

}  // namespace yak::test
