#include "serve/http/cors.h"

#include <algorithm>

#include "serve/http/error_body.h"
#include "yak/error.h"

namespace yak::serve {
namespace {

constexpr std::string_view kAllowedMethods = "GET, POST, OPTIONS";
// What the OpenAI clients send; a preflight naming other headers gets those echoed back.
constexpr std::string_view kDefaultAllowedHeaders = "authorization, content-type";

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// scheme "://" host [":" port], with no path, and only characters an origin can hold.
bool looks_like_origin(std::string_view origin) {
  const auto separator = origin.find("://");
  if (separator == std::string_view::npos || separator == 0) return false;
  const auto host = origin.substr(separator + 3);
  if (host.empty() || host.find('/') != std::string_view::npos) return false;
  return std::all_of(origin.begin(), origin.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == ':' || c == '/' || c == '[' || c == ']' || c == '_';
  });
}

// A header list from Access-Control-Request-Headers is echoed only when it is plain tokens
// and commas, so nothing the client sent can break the response head.
bool is_header_list(std::string_view list) {
  return !list.empty() && list.size() <= 1024 && std::all_of(list.begin(), list.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == ',' || c == ' ';
  });
}

}  // namespace

CorsPolicy::CorsPolicy(std::string_view origins) {
  origins = trim(origins);
  if (origins.empty()) return;
  if (origins == "*") {
    any_origin_ = true;
    return;
  }
  while (!origins.empty()) {
    const auto comma = origins.find(',');
    std::string_view entry = trim(origins.substr(0, comma));
    origins = comma == std::string_view::npos ? std::string_view{} : origins.substr(comma + 1);
    if (!entry.empty() && entry.back() == '/') entry.remove_suffix(1);
    if (!looks_like_origin(entry)) {
      fail("CORS origin '{}' is not an origin: expected scheme://host[:port] or '*'", entry);
    }
    origins_.emplace_back(entry);
  }
}

bool CorsPolicy::allows(std::string_view origin) const {
  if (origin.empty()) return false;
  if (any_origin_) return true;
  return std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

HttpHeaders CorsPolicy::response_headers(const HttpRequest& request) const {
  const auto origin = request.header("origin");
  if (!enabled() || !allows(origin)) return {};
  if (any_origin_) return {{"access-control-allow-origin", "*"}};
  // A specific origin is echoed, so caches must keep answers to different origins apart.
  return {{"access-control-allow-origin", std::string(origin)}, {"vary", "Origin"}};
}

bool CorsPolicy::is_preflight(const HttpRequest& request) const {
  return enabled() && request.method == "OPTIONS" && !request.header("origin").empty() &&
         !request.header("access-control-request-method").empty();
}

void CorsPolicy::answer_preflight(const HttpRequest& request, ResponseWriter& writer) const {
  const auto origin = request.header("origin");
  if (!allows(origin)) {
    send_error(writer, 403, "origin '" + std::string(origin) + "' is not allowed by CORS");
    return;
  }
  HttpHeaders headers = response_headers(request);
  const auto requested = request.header("access-control-request-headers");
  headers.emplace_back("access-control-allow-methods", std::string(kAllowedMethods));
  headers.emplace_back("access-control-allow-headers",
                       std::string(is_header_list(requested) ? requested : kDefaultAllowedHeaders));
  headers.emplace_back("access-control-max-age", "600");
  writer.send(204, std::move(headers), {});
}

}  // namespace yak::serve
