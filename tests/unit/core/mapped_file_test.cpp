// Paths that are not regular files are refused without blocking, and a file
// that shrinks under its mapping reads as zeros and says so instead of killing
// the process with SIGBUS.
#include "core/mapped_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/mapping_guard.h"

namespace yak {
namespace {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "yak_mapped_XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string error_of(const std::string& path) {
  try {
    MappedFile f(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void write_file(const std::string& path, size_t size) {
  std::vector<uint8_t> bytes(size);
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<uint8_t>(i % 251 + 1);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, bytes.data(), size), static_cast<ssize_t>(size));
  ::close(fd);
}

TEST(MappedFile, RefusesWhatIsNotARegularFile) {
  const TempDir dir;
  const std::string fifo = dir.file("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Opening a FIFO for reading with no writer would block for ever.
  EXPECT_EQ(error_of(fifo), fifo + " is a FIFO, not a regular file");
  EXPECT_EQ(error_of(dir.path()), dir.path() + " is a directory, not a regular file");
  EXPECT_EQ(error_of("/dev/zero"), "/dev/zero is a character device, not a regular file");
  EXPECT_EQ(error_of(dir.file("missing")),
            dir.file("missing") + ": cannot open: No such file or directory");
  EXPECT_EQ(regular_file_problem(fifo), fifo + " is a FIFO, not a regular file");
  write_file(dir.file("ok"), 10);
  EXPECT_EQ(regular_file_problem(dir.file("ok")), "");
}

TEST(MappedFile, TruncatedFileReadsZerosAndReportsTheChange) {
  const TempDir dir;
  const std::string path = dir.file("data");
  const size_t size = 64 * 4096;
  write_file(path, size);
  MappedFile f(path);
  EXPECT_FALSE(f.changed());
  const size_t faults = mapping_guard::faults_absorbed();
  ASSERT_EQ(::truncate(path.c_str(), 4096), 0);
  // Pages past the new end are gone: without the guard this read is SIGBUS.
  const volatile uint8_t* bytes = f.data();
  EXPECT_EQ(bytes[10 * 4096 + 5], 0);
  EXPECT_EQ(bytes[size - 1], 0);
  EXPECT_EQ(bytes[5], 6);  // the page that is still in the file keeps its bytes
  EXPECT_GT(mapping_guard::faults_absorbed(), faults);
  EXPECT_TRUE(f.changed());
}

TEST(MappedFile, RewriteInPlaceIsAChange) {
  const TempDir dir;
  const std::string path = dir.file("data");
  write_file(path, 8192);
  MappedFile f(path);
  EXPECT_FALSE(f.changed());
  // Same size, new bytes: no fault, but the modification time moves.
  struct timespec times[2] = {{0, UTIME_OMIT}, {0, 0}};
  ASSERT_EQ(::clock_gettime(CLOCK_REALTIME, &times[1]), 0);
  times[1].tv_sec += 10;
  const int fd = ::open(path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, "x", 1, 100), 1);
  ASSERT_EQ(::futimens(fd, times), 0);
  ::close(fd);
  EXPECT_TRUE(f.changed());
  EXPECT_TRUE(f.changed());  // and it stays so
}

TEST(MappedFile, FaultsOutsideWatchedMappingsAreNotAbsorbed) {
  // A file mapped by hand (not through MappedFile) and truncated still gets
  // the default SIGBUS: the guard only answers for its own mappings.
  const TempDir dir;
  const std::string path = dir.file("data");
  write_file(path, 4 * 4096);
  MappedFile watched(path);  // installs the handler
  EXPECT_EXIT(
      {
        const int fd = ::open(path.c_str(), O_RDONLY);
        void* p = ::mmap(nullptr, 4 * 4096, PROT_READ, MAP_PRIVATE, fd, 0);
        if (::ftruncate(::open(path.c_str(), O_WRONLY), 0) != 0) ::_exit(3);
        const volatile uint8_t* b = static_cast<const uint8_t*>(p);
        ::_exit(b[2 * 4096]);
      },
      // Killed by SIGBUS, or, under a sanitizer, its SIGBUS report (the guard
      // chains to the handler installed before it), which exits or, with
      // abort_on_error, aborts; exit 0 would mean absorbed.
      [](int status) {
        return (WIFSIGNALED(status) &&
                (WTERMSIG(status) == SIGBUS || WTERMSIG(status) == SIGABRT)) ||
               (WIFEXITED(status) && WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 3);
      },
      "");
}

}  // namespace
}  // namespace yak
