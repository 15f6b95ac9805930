// Helpers for format tests: hand-assembled GGUF bytes, so a test can put a bad
// value in exactly one field and know that field's offset.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "format/gguf_file.h"

namespace yak::gguf::test {

class Bytes {
 public:
  size_t size() const { return data.size(); }

  Bytes& u8(uint8_t v) { return put(v, 1); }
  Bytes& u16(uint16_t v) { return put(v, 2); }
  Bytes& u32(uint32_t v) { return put(v, 4); }
  Bytes& u64(uint64_t v) { return put(v, 8); }
  Bytes& raw(std::string_view s) {
    data.insert(data.end(), s.begin(), s.end());
    return *this;
  }
  Bytes& str(std::string_view s) { return u64(s.size()).raw(s); }
  Bytes& header(uint64_t tensors, uint64_t kvs, uint32_t version = 3) {
    return raw("GGUF").u32(version).u64(tensors).u64(kvs);
  }
  Bytes& key(std::string_view k, ValueType type) { return str(k).u32(static_cast<uint32_t>(type)); }
  // A tensor info: name, dims, type id, offset.
  Bytes& tensor(std::string_view name, std::vector<uint64_t> dims, uint32_t type, uint64_t offset) {
    str(name).u32(static_cast<uint32_t>(dims.size()));
    for (uint64_t d : dims) u64(d);
    return u32(type).u64(offset);
  }
  Bytes& pad_to(size_t alignment) {
    while (data.size() % alignment != 0) data.push_back(0);
    return *this;
  }
  Bytes& zeros(size_t n) {
    data.insert(data.end(), n, 0);
    return *this;
  }

  std::vector<uint8_t> data;

 private:
  Bytes& put(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) data.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
};

inline File parse_bytes(const std::vector<uint8_t>& bytes, const Limits& limits = {}) {
  return File::parse(bytes, "test.gguf", limits);
}

// Parses `bytes` expecting a yak::Error at `offset` whose message contains `problem`.
inline void expect_parse_error(const std::vector<uint8_t>& bytes, uint64_t offset,
                               std::string_view problem, const Limits& limits = {}) {
  try {
    parse_bytes(bytes, limits);
    ADD_FAILURE() << "parsed without error; expected \"" << problem << "\" at offset " << offset;
  } catch (const Error& e) {
    const std::string msg = e.what();
    const std::string prefix = "test.gguf: offset " + std::to_string(offset) + ": ";
    EXPECT_EQ(msg.rfind(prefix, 0), 0u) << "message: " << msg << "\nexpected prefix: " << prefix;
    EXPECT_NE(msg.find(problem), std::string::npos)
        << "message: " << msg << "\nexpected to contain: " << problem;
  }
}

}  // namespace yak::gguf::test
