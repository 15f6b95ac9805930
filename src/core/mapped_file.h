// A read-only memory mapping of a whole file. Model weights are used straight
// from the mapping (zero-copy), so the mapping outlives every view into it.
//
// The mapping is watched (core/mapping_guard.h): if the file shrinks while
// mapped, reads past its new end see zeros instead of killing the process,
// and changed() says so, as it does for a file rewritten in place.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <span>
#include <string>

namespace yak {

namespace mapping_guard {
struct Watch;
}

class MappedFile {
 public:
  // Maps `path` read-only; throws yak::Error naming the file on failure,
  // including when it is not a regular file (a FIFO is never opened in a way
  // that could block).
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

  // Whether the file was truncated or modified since it was mapped: a read
  // faulted past its end, or its size or modification time differ. Once true,
  // stays true. Costs one fstat.
  bool changed() const;

 private:
  void release();

  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  int fd_ = -1;  // kept open to compare the file with what was mapped
  timespec mtime_{};
  mapping_guard::Watch* watch_ = nullptr;
};

// Why `path` cannot be read as a file: "X is a directory, not a regular file",
// "X: cannot open: ...". Empty when it is a regular file. Opens nothing, so
// it is safe on FIFOs and devices; callers still check what they open with
// fstat, as the path may change in between.
std::string regular_file_problem(const std::string& path);

}  // namespace yak
