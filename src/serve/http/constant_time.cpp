#include "serve/http/constant_time.h"

#include <algorithm>
#include <cstddef>

namespace yak::serve {

bool constant_time_equals(std::string_view a, std::string_view b) {
  // Every byte position is visited and differences are OR-ed, with no early exit; the
  // volatile accumulator keeps the compiler from turning the loop into one that stops at the
  // first difference.
  const std::size_t length = std::max(a.size(), b.size());
  volatile unsigned char difference = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < length; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    difference = difference | static_cast<unsigned char>(x ^ y);
  }
  return difference == 0;
}

}  // namespace yak::serve
