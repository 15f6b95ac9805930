// A read-only memory mapping of a whole file. Model weights are used straight
// from the mapping (zero-copy), so the mapping outlives every view into it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace yak {

class MappedFile {
 public:
  // Maps `path` read-only; throws yak::Error naming the file on failure.
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;

  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

  // Tells the kernel this process no longer needs the whole pages inside
  // [p, p + n), e.g. weights that were repacked into memory of their own: they
  // leave the resident set, and a later read maps them again from the page
  // cache. The contents seen through the mapping never change. A range outside
  // the mapping is ignored.
  void drop_pages(const void* p, size_t n) const;

 private:
  void release();

  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace yak
