#include "core/mapped_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/error.h"
#include "core/mapping_guard.h"

namespace yak {
namespace {

const char* file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a file";
}

std::string kind_problem(const std::string& path, mode_t mode) {
  return fmt::format("{} is {}, not a regular file", path, file_kind(mode));
}

bool same_time(const timespec& a, const timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

}  // namespace

std::string regular_file_problem(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return fmt::format("{}: cannot open: {}", path, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return kind_problem(path, st.st_mode);
  return {};
}

MappedFile::MappedFile(const std::string& path) : path_(path) {
  // stat first so that a device is never opened at all (opening one can have
  // side effects), and O_NONBLOCK so that a FIFO swapped in after the stat
  // cannot block the open waiting for a writer; fstat then checks what was
  // actually opened.
  if (std::string problem = regular_file_problem(path); !problem.empty()) fail("{}", problem);
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd_ < 0) fail("{}: cannot open: {}", path, std::strerror(errno));
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    const int err = errno;
    release();
    fail("{}: cannot stat: {}", path, std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    release();
    fail("{}", kind_problem(path, st.st_mode));
  }
  mtime_ = st.st_mtim;
  size_ = static_cast<size_t>(st.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (p == MAP_FAILED) {
      const int err = errno;
      const size_t n = size_;
      size_ = 0;
      release();
      fail("{}: cannot map {} bytes: {}", path, n, std::strerror(err));
    }
    data_ = static_cast<const uint8_t*>(p);
    watch_ = mapping_guard::watch(data_, size_);
  }
}

MappedFile::~MappedFile() { release(); }

MappedFile::MappedFile(MappedFile&& other) noexcept
    : path_(std::move(other.path_)),
      data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      fd_(std::exchange(other.fd_, -1)),
      mtime_(other.mtime_),
      watch_(std::exchange(other.watch_, nullptr)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    release();
    path_ = std::move(other.path_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    fd_ = std::exchange(other.fd_, -1);
    mtime_ = other.mtime_;
    watch_ = std::exchange(other.watch_, nullptr);
  }
  return *this;
}

void MappedFile::drop_pages(const void* p, size_t n) const {
  const auto begin = reinterpret_cast<uintptr_t>(p);
  const auto base = reinterpret_cast<uintptr_t>(data_);
  if (data_ == nullptr || begin < base || n > size_ || begin - base > size_ - n) return;
  const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t first = (begin + page - 1) / page * page;
  const uintptr_t last = (begin + n) / page * page;
  // MADV_DONTNEED on a read-only private file mapping only drops this
  // process's page-table entries; it cannot fail in a way that matters here.
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

bool MappedFile::changed() const {
  if (watch_ == nullptr) return false;  // nothing mapped, nothing to read wrongly
  if (mapping_guard::changed(watch_)) return true;
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || static_cast<size_t>(st.st_size) != size_ ||
      !same_time(st.st_mtim, mtime_)) {
    mapping_guard::mark_changed(watch_);
    return true;
  }
  return false;
}

void MappedFile::release() {
  mapping_guard::unwatch(watch_);
  watch_ = nullptr;
  if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
  if (fd_ >= 0) ::close(fd_);
  data_ = nullptr;
  size_ = 0;
  fd_ = -1;
}

}  // namespace yak
