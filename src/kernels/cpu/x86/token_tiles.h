// Runs a tile kernel templated on its token count over nt tokens: whole tiles
// of Max tokens, then one call for the remainder (1..Max-1), each as
// run(std::integral_constant<int, N>{}, first_token).
#pragma once

#include <cstdint>
#include <type_traits>

namespace yak::kernels::cpu {

template <int N, class Run>
void run_token_remainder(int64_t remainder, int64_t first, Run& run) {
  if constexpr (N > 0) {
    if (remainder == N) {
      run(std::integral_constant<int, N>{}, first);
      return;
    }
    run_token_remainder<N - 1>(remainder, first, run);
  }
}

template <int Max, class Run>
void over_token_tiles(int64_t nt, Run&& run) {
  int64_t t = 0;
  for (; t + Max <= nt; t += Max) run(std::integral_constant<int, Max>{}, t);
  run_token_remainder<Max - 1>(nt - t, t, run);
}

}  // namespace yak::kernels::cpu
