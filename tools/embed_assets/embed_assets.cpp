// Build-time tool: turns files into a C++ source that holds their bytes, so that `yak serve`
// carries its chat page inside the binary (GCC 12 has no #embed). CMake runs it (see
// cmake/YakWebAssets.cmake) whenever an input changes.
//
//   yak_embed_assets MANIFEST OUTPUT.cpp FUNCTION
//
// MANIFEST has one asset a line, "URL-PATH<TAB>SOURCE-FILE". OUTPUT.cpp defines
// `std::span<const yak::serve::WebAsset> yak::serve::FUNCTION()` (serve/web/web_assets.h):
// each asset's URL path, content type (from the extension), strong ETag (its length and a
// 64-bit FNV-1a hash of its bytes) and bytes. The bytes are written as string literals, which
// GCC compiles far faster than arrays of numbers.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Asset {
  std::string url;
  std::string source;
  std::string content_type;
  std::string bytes;
};

[[noreturn]] void fail(const std::string& message) { throw std::runtime_error(message); }

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open " + path);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) fail("cannot read " + path);
  return bytes;
}

std::string content_type_of(const std::string& source) {
  struct Type {
    std::string_view extension;
    std::string_view content_type;
  };
  static constexpr Type kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".md", "text/markdown; charset=utf-8"},
  };
  for (const Type& t : kTypes)
    if (source.size() > t.extension.size() && source.ends_with(t.extension))
      return std::string(t.content_type);
  fail(source +
       ": no content type for this file's extension (known: html, css, js, json, svg, png, "
       "woff2, txt, md); add it to tools/embed_assets/embed_assets.cpp or move the file out "
       "of web/");
}

// A URL path the server can match exactly: "/" or "/assets/..." with plain segments.
void check_url(const std::string& url, const std::string& source) {
  if (url.empty() || url[0] != '/') fail(source + ": URL path '" + url + "' does not start with /");
  for (const char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '?' || c == '#' || c == '%' ||
        c == '\\')
      fail(source + ": URL path '" + url + "' has a character that needs escaping");
  if (url.find("/./") != std::string::npos || url.find("/../") != std::string::npos ||
      url.find("//") != std::string::npos || url.ends_with("/.") || url.ends_with("/.."))
    fail(source + ": URL path '" + url + "' has an empty, . or .. segment");
}

std::vector<Asset> read_manifest(const std::string& path) {
  std::istringstream lines(read_file(path));
  std::vector<Asset> assets;
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) fail(path + ": line '" + line + "' has no tab");
    Asset a;
    a.url = line.substr(0, tab);
    a.source = line.substr(tab + 1);
    check_url(a.url, a.source);
    for (const Asset& other : assets)
      if (other.url == a.url) fail(path + ": URL path " + a.url + " is listed twice");
    a.content_type = content_type_of(a.source);
    a.bytes = read_file(a.source);
    assets.push_back(std::move(a));
  }
  return assets;
}

std::string etag_of(const std::string& bytes) {
  uint64_t hash = 1469598103934665603ull;
  for (const unsigned char c : bytes) hash = (hash ^ c) * 1099511628211ull;
  char text[64];
  std::snprintf(text, sizeof text, "\"%zx-%016llx\"", bytes.size(),
                static_cast<unsigned long long>(hash));
  return text;
}

// A C++ string literal (or several, adjacent) holding exactly `bytes`. Octal escapes are
// always three digits, so a digit after one can never be read as part of it.
void write_literal(std::ostream& out, std::string_view bytes) {
  constexpr size_t kLineWidth = 100;
  size_t column = 0;
  out << "    \"";
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    // "?" too: "??/" would otherwise draw GCC's trigraph warning (trigraphs are gone in C++17).
    if (byte == '"' || byte == '\\' || byte == '?') {
      out << '\\' << c;
      column += 2;
    } else if (byte >= 0x20 && byte < 0x7f) {
      out << c;
      column += 1;
    } else if (byte == '\n') {
      out << "\\n";
      column += 2;
    } else {
      char escape[5];
      std::snprintf(escape, sizeof escape, "\\%03o", byte);
      out << escape;
      column += 4;
    }
    if (column >= kLineWidth || byte == '\n') {
      out << "\"\n    \"";
      column = 0;
    }
  }
  out << '"';
}

// A string literal for a short text we wrote ourselves (no quotes or backslashes but ETags').
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

void write_source(std::ostream& out, const std::vector<Asset>& assets, const std::string& function,
                  const std::string& manifest) {
  out << "// Generated by tools/embed_assets from " << manifest << "; do not edit.\n"
      << "#include \"serve/web/web_assets.h\"\n\n"
      << "namespace yak::serve {\nnamespace {\n\n";
  for (size_t i = 0; i < assets.size(); ++i) {
    out << "// " << assets[i].source << "\n";
    out << "constexpr char kBytes" << i << "[] =\n";
    write_literal(out, assets[i].bytes);
    out << ";\n\n";
  }
  out << "constexpr WebAsset kAssets[] = {\n";
  for (size_t i = 0; i < assets.size(); ++i) {
    const Asset& a = assets[i];
    out << "    {" << quoted(a.url) << ", " << quoted(a.content_type) << ", "
        << quoted(etag_of(a.bytes)) << ", std::string_view(kBytes" << i << ", " << a.bytes.size()
        << ")},\n";
  }
  if (assets.empty()) out << "    {},\n";  // a zero-length array is not C++
  out << "};\n\n}  // namespace\n\n"
      << "std::span<const WebAsset> " << function << "() {\n"
      << "  return std::span<const WebAsset>(kAssets, " << assets.size() << ");\n"
      << "}\n\n}  // namespace yak::serve\n";
}

bool is_identifier(const std::string& name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (const char c : name)
    if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
      return false;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: yak_embed_assets MANIFEST OUTPUT.cpp FUNCTION\n";
    return 2;
  }
  const std::string manifest = argv[1];
  const std::string output = argv[2];
  const std::string function = argv[3];
  try {
    if (!is_identifier(function)) fail("'" + function + "' is not a C++ identifier");
    const std::vector<Asset> assets = read_manifest(manifest);
    std::ostringstream text;
    write_source(text, assets, function, manifest);
    std::ofstream out(output, std::ios::binary | std::ios::trunc);
    out << text.str();
    out.close();
    if (!out) fail("cannot write " + output);
  } catch (const std::exception& e) {
    std::cerr << "yak_embed_assets: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
