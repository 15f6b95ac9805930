// A bounds-checked little-endian cursor over an untrusted buffer. Every read
// checks the remaining length first; failures name the file and the byte
// offset of the field being read: "FILE: offset N: problem".
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "core/error.h"

namespace yak::gguf {

class ByteReader {
 public:
  ByteReader(std::span<const uint8_t> bytes, const std::string& name)
      : bytes_(bytes), name_(name) {}

  uint64_t pos() const { return pos_; }
  uint64_t size() const { return bytes_.size(); }
  uint64_t remaining() const { return bytes_.size() - pos_; }

  // What is being read (a metadata key, a tensor), appended to error messages.
  void set_context(std::string context) { context_ = std::move(context); }

  template <typename... Args>
  [[noreturn]] void fail_at(uint64_t offset, fmt::format_string<Args...> format,
                            Args&&... args) const {
    std::string problem = fmt::format(format, std::forward<Args>(args)...);
    if (!context_.empty()) problem += fmt::format(" (in {})", context_);
    fail("{}: offset {}: {}", name_, offset, problem);
  }

  // Fails unless `n` more bytes are there; `what` names the field being read.
  void need(uint64_t n, std::string_view what) const {
    if (n > remaining())
      fail_at(pos_, "truncated file: {} needs {} bytes, only {} left", what, n, remaining());
  }

  template <typename T>
  T read(std::string_view what) {
    static_assert(std::is_integral_v<T>);
    need(sizeof(T), what);
    // Assembled byte by byte so that the result is little-endian on any host.
    std::make_unsigned_t<T> v = 0;
    for (size_t i = 0; i < sizeof(T); ++i)
      v |= static_cast<std::make_unsigned_t<T>>(bytes_[pos_ + i]) << (8 * i);
    pos_ += sizeof(T);
    return static_cast<T>(v);
  }

  // The next n bytes, as a view into the buffer.
  std::span<const uint8_t> read_bytes(uint64_t n, std::string_view what) {
    need(n, what);
    const auto view = bytes_.subspan(pos_, n);
    pos_ += n;
    return view;
  }

  // A GGUF string: u64 length then that many bytes (no terminator).
  std::string read_string(std::string_view what, uint64_t max_bytes) {
    const uint64_t at = pos_;
    const auto n = read<uint64_t>(what);
    if (n > max_bytes) fail_at(at, "{} is {} bytes long, over the limit of {}", what, n, max_bytes);
    if (n > remaining())
      fail_at(at, "truncated file: {} of {} bytes runs past the end of the file ({} bytes left)",
              what, n, remaining());
    std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
    pos_ += n;
    return s;
  }

 private:
  std::span<const uint8_t> bytes_;
  const std::string& name_;
  std::string context_;
  uint64_t pos_ = 0;
};

}  // namespace yak::gguf
