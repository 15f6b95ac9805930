// The chat page's files, built into the binary (cmake/YakWebAssets.cmake runs
// tools/embed_assets over web/ and the Debian packages' vendor libraries): a lookup table
// from URL path to bytes, never a path on disk, so no request can reach a file outside it.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace yak::serve {

struct WebAsset {
  std::string_view path;          // the URL path: "/" or "/assets/..."
  std::string_view content_type;  // with "; charset=utf-8" for text
  std::string_view etag;          // strong, quoted: a hash of the bytes
  std::string_view bytes;
};

// Generated: the page's own files (web/), and the vendor libraries.
std::span<const WebAsset> app_web_assets();
std::span<const WebAsset> vendor_web_assets();

// Every asset, sorted by path.
std::vector<WebAsset> all_web_assets();

// The asset at exactly this URL path; null when there is none.
const WebAsset* find_web_asset(std::string_view path);

struct WebAssetTotals {
  size_t count = 0;
  uint64_t bytes = 0;
};
WebAssetTotals web_asset_totals();

}  // namespace yak::serve
