// The --precision flag of the commands that run a model.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <string>

#include "yak/engine.h"

namespace yak::cli {

inline void add_precision_flag(CLI::App& cmd, Precision& precision) {
  const std::map<std::string, Precision> names = {{"exact", Precision::kExact},
                                                  {"fast", Precision::kFast}};
  cmd.add_option("--precision", precision,
                 "exact: float32 products, transformers' numbers; fast: 8-bit activations and "
                 "integer SIMD kernels (default: $YAK_PRECISION, else fast)")
      ->transform(CLI::CheckedTransformer(names, CLI::ignore_case));
}

}  // namespace yak::cli
