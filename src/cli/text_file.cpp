#include "cli/text_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "yak/error.h"

namespace yak::cli {
namespace {

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// Closes the descriptor on every path out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string read_text_file(const std::string& path, std::string_view what, uint64_t max_bytes) {
  // O_NONBLOCK: opening a FIFO that nobody writes must not wait; the fstat below then refuses
  // it. Checking the descriptor, not the name, leaves no window for a swap in between.
  Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)};
  if (file.fd < 0) fail("cannot open {} {}: {}", what, path, std::strerror(errno));
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) fail("cannot stat {} {}: {}", what, path, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) fail("{} {} is {}, not a regular file", what, path, kind_of(st.st_mode));
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size > max_bytes)
    fail("{} {} has {} bytes; at most {} are accepted", what, path, size, max_bytes);
  if (size == 0) fail("{} {} is empty", what, path);
  std::string text(size, '\0');
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::read(file.fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot read {} {}: {}", what, path, std::strerror(errno));
    if (n == 0) break;  // shrank while being read: keep what there was
    done += static_cast<size_t>(n);
  }
  text.resize(done);
  if (text.empty()) fail("{} {} is empty", what, path);
  return text;
}

}  // namespace yak::cli
