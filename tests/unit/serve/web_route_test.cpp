// The chat page's built-in table and its GET/HEAD answers, without a server: every asset the
// page needs is there with its type, ETags are strong hashes of the bytes, If-None-Match
// gives 304, and a path is looked up, never resolved against a folder.
#include "serve/web/web_route.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "serve/web/web_assets.h"

namespace yak::serve {
namespace {

HttpRequest get(std::string path, std::string if_none_match = {}) {
  HttpRequest r;
  r.method = "GET";
  r.path = std::move(path);
  if (!if_none_match.empty()) r.headers.emplace_back("if-none-match", std::move(if_none_match));
  return r;
}

std::string header(const WebResponse& r, std::string_view name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return {};
}

TEST(WebAssets, TheVendorLibrariesAreBuiltInWithTheirTypes) {
  const char* js = "text/javascript; charset=utf-8";
  const char* css = "text/css; charset=utf-8";
  const std::pair<const char*, const char*> expected[] = {
      {"/", "text/html; charset=utf-8"},
      {"/assets/vendor/marked.min.js", js},
      {"/assets/vendor/highlight.min.js", js},
      {"/assets/vendor/katex.min.js", js},
      {"/assets/vendor/purify.min.js", js},
      {"/assets/vendor/hljs-light.css", css},
      {"/assets/vendor/hljs-dark.css", css},
      {"/assets/vendor/katex.min.css", css},
      {"/assets/vendor/fonts/KaTeX_Main-Regular.woff2", "font/woff2"},
      {"/assets/vendor/fonts/KaTeX_Math-Italic.woff2", "font/woff2"},
  };
  for (const auto& [path, type] : expected) {
    const WebAsset* asset = find_web_asset(path);
    ASSERT_NE(asset, nullptr) << path;
    EXPECT_EQ(asset->content_type, type) << path;
    EXPECT_FALSE(asset->bytes.empty()) << path;
  }
  // katex.min.js is a symlink in the package: the bytes are the library, not a link.
  EXPECT_GT(find_web_asset("/assets/vendor/katex.min.js")->bytes.size(), 100'000u);
  EXPECT_NE(find_web_asset("/")->bytes.find("<html"), std::string_view::npos);
}

TEST(WebAssets, EveryKatexFontTheCssNamesFirstIsThere) {
  const std::string_view css = find_web_asset("/assets/vendor/katex.min.css")->bytes;
  size_t fonts = 0;
  for (size_t at = css.find("url(fonts/"); at != std::string_view::npos;
       at = css.find("url(fonts/", at + 1)) {
    const size_t end = css.find(')', at);
    const std::string_view name = css.substr(at + 10, end - at - 10);
    if (!name.ends_with(".woff2")) continue;
    ++fonts;
    EXPECT_NE(find_web_asset("/assets/vendor/fonts/" + std::string(name)), nullptr) << name;
  }
  EXPECT_GE(fonts, 15u);
  for (const WebAsset& a : all_web_assets())
    if (a.path.starts_with("/assets/vendor/fonts/")) {
      EXPECT_TRUE(a.path.ends_with(".woff2")) << a.path;
    }
}

TEST(WebAssets, PathsAreUniqueAndSortedAndEtagsAreStrongHashes) {
  const std::vector<WebAsset> assets = all_web_assets();
  std::set<std::string_view> paths;
  uint64_t total = 0;
  for (size_t i = 0; i < assets.size(); ++i) {
    const WebAsset& a = assets[i];
    EXPECT_TRUE(paths.insert(a.path).second) << a.path;
    if (i > 0) {
      EXPECT_LT(assets[i - 1].path, a.path);
    }
    EXPECT_TRUE(a.path == "/" || a.path.starts_with("/assets/")) << a.path;
    EXPECT_EQ(a.path.find(".."), std::string_view::npos) << a.path;
    ASSERT_GE(a.etag.size(), 4u);
    EXPECT_EQ(a.etag.front(), '"');
    EXPECT_EQ(a.etag.back(), '"');
    total += a.bytes.size();
  }
  EXPECT_EQ(web_asset_totals().count, assets.size());
  EXPECT_EQ(web_asset_totals().bytes, total);
  // Different bytes, different tags.
  EXPECT_NE(find_web_asset("/assets/vendor/hljs-light.css")->etag,
            find_web_asset("/assets/vendor/hljs-dark.css")->etag);
}

TEST(WebRoute, ThePageHasItsPolicyAndEveryAnswerItsHeaders) {
  const auto page = web_asset_response(get("/"));
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(header(*page, "content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(header(*page, "content-security-policy"), kWebContentSecurityPolicy);
  EXPECT_EQ(header(*page, "cache-control"), "no-cache");
  EXPECT_EQ(header(*page, "x-content-type-options"), "nosniff");
  EXPECT_EQ(header(*page, "referrer-policy"), "no-referrer");
  EXPECT_EQ(header(*page, "etag"), find_web_asset("/")->etag);
  EXPECT_EQ(page->body, find_web_asset("/")->bytes);

  const auto script = web_asset_response(get("/assets/vendor/marked.min.js"));
  ASSERT_TRUE(script);
  EXPECT_EQ(header(*script, "content-security-policy"), "");  // a script is not a document
  EXPECT_EQ(header(*script, "x-content-type-options"), "nosniff");
}

TEST(WebRoute, AMatchingIfNoneMatchIs304WithoutABody) {
  const std::string etag(find_web_asset("/assets/vendor/katex.min.css")->etag);
  const auto r = web_asset_response(get("/assets/vendor/katex.min.css", etag));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 304);
  EXPECT_TRUE(r->body.empty());
  EXPECT_EQ(header(*r, "etag"), etag);
  EXPECT_EQ(web_asset_response(get("/assets/vendor/katex.min.css", "\"other\""))->status, 200);
  EXPECT_EQ(web_asset_response(get("/assets/vendor/katex.min.css", "\"a\", W/" + etag))->status,
            304);
  EXPECT_EQ(web_asset_response(get("/assets/vendor/katex.min.css", "*"))->status, 304);
}

TEST(WebRoute, EtagListsCompareWeaklyAsRfc9110Says) {
  EXPECT_TRUE(etag_matches("\"x\"", "\"x\""));
  EXPECT_TRUE(etag_matches("W/\"x\"", "\"x\""));
  EXPECT_TRUE(etag_matches(" \"a\" ,\t\"x\" ", "\"x\""));
  EXPECT_TRUE(etag_matches("*", "\"x\""));
  EXPECT_FALSE(etag_matches("", "\"x\""));
  EXPECT_FALSE(etag_matches("x", "\"x\""));
  EXPECT_FALSE(etag_matches("\"x2\"", "\"x\""));
  EXPECT_FALSE(etag_matches(",,", "\"x\""));
}

TEST(WebRoute, PathsAreLookedUpNeverResolved) {
  EXPECT_TRUE(is_web_path("/"));
  EXPECT_TRUE(is_web_path("/assets/x"));
  EXPECT_FALSE(is_web_path("/assets"));
  EXPECT_FALSE(is_web_path("/v1/models"));
  EXPECT_FALSE(is_web_path("/index.html"));
  for (const char* path :
       {"/assets/", "/assets/../index.html", "/assets/vendor/../vendor/marked.min.js",
        "/assets//vendor/marked.min.js", "/assets/vendor/fonts/../../../../../etc/passwd",
        "/assets/%2e%2e/index.html", "/assets/vendor/marked.min.js/", "/assets/vendor/",
        "/assets/VENDOR/marked.min.js", "/assets/index.html", "/assets/vendor/katex.js"})
    EXPECT_FALSE(web_asset_response(get(path))) << path;
}

}  // namespace
}  // namespace yak::serve
