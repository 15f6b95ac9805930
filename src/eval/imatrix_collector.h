// The activation observer behind compute_imatrix: per weight, the sums of squares of each
// input column and the rows summed, under llama-imatrix's rules (yak/imatrix.h).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "yak/activations.h"
#include "yak/imatrix.h"

namespace yak::eval {

class ImatrixCollector : public ActivationObserver {
 public:
  explicit ImatrixCollector(bool process_output) : process_output_(process_output) {}

  // llama.cpp leaves out products of fewer rows (decoding a token or two says little).
  static constexpr int64_t kMinRows = 16;

  // Throws yak::Error when a weight comes with another width than before, or its sums
  // stop being finite.
  void observe(const ActivationRows& rows) override;

  // The entries so far, one per weight name (weights that read the same rows get equal
  // ones); sums rounded to float as the files hold them.
  std::map<std::string, ImatrixEntry> entries() const;

 private:
  bool wanted(const std::string& weight) const;

  // One per set of rows: all the weights that read them share it.
  struct Sums {
    std::vector<std::string> weights;
    std::vector<double> sum;  // per column; double so that long texts lose nothing
    int64_t count = 0;
  };
  bool process_output_;
  std::map<std::string, Sums> by_first_weight_;
};

}  // namespace yak::eval
