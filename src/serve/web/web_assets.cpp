#include "serve/web/web_assets.h"

#include <algorithm>

#include "yak/server.h"

namespace yak::serve {

std::vector<WebAsset> all_web_assets() {
  std::vector<WebAsset> out;
  for (const auto group : {app_web_assets(), vendor_web_assets()})
    out.insert(out.end(), group.begin(), group.end());
  std::sort(out.begin(), out.end(),
            [](const WebAsset& a, const WebAsset& b) { return a.path < b.path; });
  return out;
}

const WebAsset* find_web_asset(std::string_view path) {
  for (const auto group : {app_web_assets(), vendor_web_assets()})
    for (const WebAsset& asset : group)
      if (asset.path == path) return &asset;
  return nullptr;
}

WebAssetTotals web_asset_totals() {
  WebAssetTotals totals;
  for (const auto group : {app_web_assets(), vendor_web_assets()})
    for (const WebAsset& asset : group) {
      ++totals.count;
      totals.bytes += asset.bytes.size();
    }
  return totals;
}

}  // namespace yak::serve

namespace yak {

std::vector<WebUiAsset> web_ui_assets() {
  std::vector<WebUiAsset> out;
  for (const serve::WebAsset& asset : serve::all_web_assets())
    out.push_back({std::string(asset.path), std::string(asset.content_type), asset.bytes.size()});
  return out;
}

}  // namespace yak
