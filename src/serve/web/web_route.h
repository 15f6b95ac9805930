// GET and HEAD of the chat page's files: "/" (the page) and "/assets/..." (its scripts,
// styles and fonts), from the table built into the binary (web_assets.h). Every answer may
// be cached but is revalidated (no-cache, strong ETags, 304 on If-None-Match), is never
// sniffed as another type, and the page runs under a Content-Security-Policy that lets it
// load and connect to its own origin only.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "serve/http/http_exchange.h"

namespace yak::serve {

// The page's policy: scripts only from this origin (no inline script, no eval), inline styles
// (KaTeX and highlight.js set style attributes), images from here or data:/blob: URLs.
inline constexpr std::string_view kWebContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

// "/" or a path under "/assets/": the page's, whether or not such an asset exists.
bool is_web_path(std::string_view path);

// Whether an If-None-Match value (a list of ETags, or "*") matches `etag`; weak and strong
// tags compare alike, as RFC 9110 says for If-None-Match.
bool etag_matches(std::string_view if_none_match, std::string_view etag);

struct WebResponse {
  int status = 200;
  HttpHeaders headers;
  std::string body;  // the whole asset, for HEAD too (the connection sends only its length)
};

// The answer to a GET or HEAD of `request.path`: 200 with the asset, 304 when the client's
// If-None-Match matches it; nullopt when there is no such asset.
std::optional<WebResponse> web_asset_response(const HttpRequest& request);

}  // namespace yak::serve
