#include "serve/http/http_exchange.h"

namespace yak::serve {

std::string_view HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return {};
}

}  // namespace yak::serve
