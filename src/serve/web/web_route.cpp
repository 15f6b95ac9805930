#include "serve/web/web_route.h"

#include "serve/web/web_assets.h"

namespace yak::serve {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Types a browser might run script from when opened on their own.
bool is_document(std::string_view content_type) {
  return content_type.starts_with("text/html") || content_type.starts_with("image/svg+xml");
}

}  // namespace

bool is_web_path(std::string_view path) { return path == "/" || path.starts_with("/assets/"); }

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  while (!if_none_match.empty()) {
    const size_t comma = if_none_match.find(',');
    std::string_view tag = trim(if_none_match.substr(0, comma));
    if_none_match =
        comma == std::string_view::npos ? std::string_view() : if_none_match.substr(comma + 1);
    if (tag == "*") return true;
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == etag) return true;
  }
  return false;
}

std::optional<WebResponse> web_asset_response(const HttpRequest& request) {
  const WebAsset* asset = find_web_asset(request.path);
  if (asset == nullptr) return std::nullopt;
  WebResponse response;
  response.headers = {
      {"etag", std::string(asset->etag)},
      {"cache-control", "no-cache"},
      {"x-content-type-options", "nosniff"},
      {"referrer-policy", "no-referrer"},
  };
  if (is_document(asset->content_type))
    response.headers.emplace_back("content-security-policy",
                                  std::string(kWebContentSecurityPolicy));
  if (etag_matches(request.header("if-none-match"), asset->etag)) {
    response.status = 304;
    return response;
  }
  response.headers.emplace_back("content-type", std::string(asset->content_type));
  response.body = std::string(asset->bytes);
  return response;
}

}  // namespace yak::serve
