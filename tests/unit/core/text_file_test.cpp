// yak::read_text_file: what a user names as a text file is read only when it is one, within
// a size bound, and never waited on.
#include "yak/text_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "yak/error.h"

namespace yak {
namespace {

class TextFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("yak_text_file_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  static std::string error_of(const std::string& path, uint64_t max_bytes = 1 << 20) {
    try {
      read_text_file(path, "chat template file", max_bytes);
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  }
  std::filesystem::path dir_;
};

TEST_F(TextFile, ReadsARegularFileWhole) {
  const std::string text = std::string("{{ x }}\n") + std::string(1, '\0') + "tail";
  EXPECT_EQ(read_text_file(write("t.jinja", text), "chat template file", 1 << 20), text);
}

TEST_F(TextFile, RefusesWhatIsNotAFileByName) {
  EXPECT_NE(error_of(dir_.string()).find("is a directory, not a regular file"), std::string::npos);
  EXPECT_NE(error_of("/dev/null").find("is a character device"), std::string::npos);
  const std::string fifo = (dir_ / "fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_NE(error_of(fifo).find("is a FIFO, not a regular file"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_NE(error_of((dir_ / "missing").string()).find("cannot open"), std::string::npos);
}

TEST_F(TextFile, RefusesEmptyAndOversizedFiles) {
  EXPECT_NE(error_of(write("empty", "")).find("is empty"), std::string::npos);
  const std::string big = write("big", std::string(2000, 'x'));
  EXPECT_NE(error_of(big, 1000).find("has 2000 bytes; at most 1000 are accepted"),
            std::string::npos);
  EXPECT_EQ(read_text_file(big, "text", 2000).size(), 2000u);
}

}  // namespace
}  // namespace yak
