// save_imatrix / load_imatrix: which of the two formats (eval/imatrix_files.h), and the
// file itself.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "core/mapped_file.h"
#include "eval/imatrix_files.h"
#include "format/gguf_file.h"
#include "yak/error.h"
#include "yak/imatrix.h"

namespace yak {
namespace {

bool ends_with_gguf(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  std::string lower(ext.size(), '\0');
  std::transform(ext.begin(), ext.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower == ".gguf";
}

void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) fail("{}: cannot open for writing: {}", path, std::strerror(errno));
  const bool wrote = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  const int err = errno;
  if (std::fclose(f) != 0 || !wrote) fail("{}: cannot write: {}", path, std::strerror(err));
}

}  // namespace

void save_imatrix(const Imatrix& imatrix, const std::string& path) {
  const std::vector<uint8_t> bytes = ends_with_gguf(path) ? eval::gguf_imatrix_bytes(imatrix)
                                                          : eval::legacy_imatrix_bytes(imatrix);
  const std::string part = path + ".part";
  try {
    write_file(part, bytes);
    std::error_code renamed;
    std::filesystem::rename(part, path, renamed);
    if (renamed) fail("{}: cannot rename to {}: {}", part, path, renamed.message());
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(part, ec);
    throw;
  }
}

Imatrix load_imatrix(const std::string& path) {
  const MappedFile file(path);
  const std::span<const uint8_t> bytes = file.bytes();
  if (bytes.size() < 4) fail("{}: not an importance matrix: only {} bytes", path, bytes.size());
  const uint32_t magic = uint32_t{bytes[0]} | uint32_t{bytes[1]} << 8 | uint32_t{bytes[2]} << 16 |
                         uint32_t{bytes[3]} << 24;
  Imatrix m = magic == gguf::kMagic ? eval::parse_gguf_imatrix(bytes, path)
                                    : eval::parse_legacy_imatrix(bytes, path);
  if (file.changed()) fail("{}: the file changed while it was being read", path);
  return m;
}

}  // namespace yak
