#include "yak/text_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/mapped_file.h"
#include "yak/error.h"

namespace yak {
namespace {

// Closes the descriptor on every path out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string read_text_file(const std::string& path, std::string_view what, uint64_t max_bytes) {
  // stat first: a device is never opened, and a directory or FIFO is named as one.
  if (const std::string problem = regular_file_problem(path); !problem.empty())
    fail("{} {}", what, problem);
  // O_NONBLOCK: a FIFO swapped in after the stat must not make the open wait; the fstat of
  // the descriptor then refuses it, leaving no window for a swap.
  Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)};
  if (file.fd < 0) fail("{} {}: cannot open: {}", what, path, std::strerror(errno));
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) fail("{} {}: cannot stat: {}", what, path, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) fail("{} {} is not a regular file", what, path);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size > max_bytes)
    fail("{} {} has {} bytes; at most {} are accepted", what, path, size, max_bytes);
  if (size == 0) fail("{} {} is empty", what, path);
  std::string text(size, '\0');
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::read(file.fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("{} {}: cannot read: {}", what, path, std::strerror(errno));
    if (n == 0) break;  // shrank while being read: keep what there was
    done += static_cast<size_t>(n);
  }
  text.resize(done);
  if (text.empty()) fail("{} {} is empty", what, path);
  return text;
}

}  // namespace yak
