// The base file: a round trip keeps every value; damaged or foreign files are refused with
// a message naming the problem.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "yak/error.h"
#include "yak/eval.h"

namespace yak::eval {
namespace {

std::string scratch(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("yak_base_" + name + "_" + std::to_string(::getpid())))
      .string();
}

BaseLogProbs sample_base() {
  BaseLogProbs b;
  b.windows.n_ctx = 8;
  b.windows.n_chunks = 2;
  b.windows.n_text_tokens = 17;
  for (int i = 0; i < 16; ++i) b.windows.tokens.push_back(i % 10);
  b.n_vocab = 10;
  b.top_k = 3;
  b.tail_samples = 2;
  b.vocab_hash = 0x1234567890abcdefULL;
  b.description = "base.gguf, exact precision";
  b.text_file = "eval-text/wiki.test.raw";
  const int64_t n = b.windows.n_scored();  // 2 * 3
  for (int64_t i = 0; i < n; ++i) {
    b.target_logprob.push_back(-0.5f * float(i));
    b.rest_logmass.push_back(i == 0 ? -std::numeric_limits<float>::infinity() : -3.0f);
    for (int j = 0; j < 3; ++j) {
      b.top_ids.push_back(int32_t((i + j) % 10));
      b.top_logprobs.push_back(-0.25f * float(j + 1));
    }
    for (int j = 0; j < 2; ++j) {
      b.top_ids.push_back(int32_t((i + 5) % 10));  // samples may repeat
      b.top_logprobs.push_back(-2.0f);
    }
  }
  return b;
}

std::vector<char> bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

void expect_refused(const std::string& path, const std::string& needle) {
  try {
    load_base_logprobs(path);
    ADD_FAILURE() << "loaded; wanted an error with '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(EvalBaseFile, RoundTrip) {
  const BaseLogProbs b = sample_base();
  const std::string path = scratch("roundtrip");
  save_base_logprobs(b, path);
  const BaseLogProbs r = load_base_logprobs(path);
  EXPECT_EQ(r.windows.n_ctx, b.windows.n_ctx);
  EXPECT_EQ(r.windows.n_chunks, b.windows.n_chunks);
  EXPECT_EQ(r.windows.n_text_tokens, b.windows.n_text_tokens);
  EXPECT_EQ(r.windows.tokens, b.windows.tokens);
  EXPECT_EQ(r.n_vocab, b.n_vocab);
  EXPECT_EQ(r.top_k, b.top_k);
  EXPECT_EQ(r.vocab_hash, b.vocab_hash);
  EXPECT_EQ(r.description, b.description);
  EXPECT_EQ(r.text_file, b.text_file);
  EXPECT_EQ(r.target_logprob, b.target_logprob);
  EXPECT_EQ(r.top_ids, b.top_ids);
  EXPECT_EQ(r.top_logprobs, b.top_logprobs);
  ASSERT_EQ(r.rest_logmass.size(), b.rest_logmass.size());
  EXPECT_TRUE(std::isinf(r.rest_logmass[0]));
  for (size_t i = 1; i < r.rest_logmass.size(); ++i) EXPECT_EQ(r.rest_logmass[i], -3.0f);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  std::filesystem::remove(path);
}

// Version 1 had no text path (its 4 bytes after the description size were zero): such files
// still load, with an empty text path; a version 1 header that claims a path is damaged.
TEST(EvalBaseFile, ReadsVersionOneFiles) {
  BaseLogProbs b = sample_base();
  b.text_file.clear();
  const std::string path = scratch("version1");
  save_base_logprobs(b, path);
  std::vector<char> bytes = bytes_of(path);
  bytes[8] = 1;  // version
  write_bytes(path, bytes);
  const BaseLogProbs r = load_base_logprobs(path);
  EXPECT_EQ(r.text_file, "");
  EXPECT_EQ(r.top_ids, b.top_ids);
  bytes[36] = 4;  // text path bytes, which version 1 does not have
  write_bytes(path, bytes);
  try {
    load_base_logprobs(path);
    ADD_FAILURE() << "loaded a version 1 file that claims a text path";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("header is out of range"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

TEST(EvalBaseFile, RefusesMissingForeignAndDamagedFiles) {
  expect_refused(scratch("does_not_exist"), "does not exist");
  expect_refused(std::filesystem::temp_directory_path().string(), "not a regular file");
  const std::string path = scratch("damaged");
  save_base_logprobs(sample_base(), path);
  const std::vector<char> good = bytes_of(path);
  const size_t header = 56 + sample_base().description.size() + sample_base().text_file.size();
  const size_t first_record = header + 16 * 4;

  write_bytes(path, std::vector<char>(good.begin(), good.begin() + 20));
  expect_refused(path, "is not a Yak base file");
  write_bytes(path, {});
  expect_refused(path, "is not a Yak base file");
  std::vector<char> b = good;
  b[0] = 'X';
  write_bytes(path, b);
  expect_refused(path, "is not a Yak base file");

  b = good;
  b[8] = 9;  // version
  write_bytes(path, b);
  expect_refused(path, "version 9");

  b = good;
  b.pop_back();  // truncated
  write_bytes(path, b);
  expect_refused(path, "damaged");
  b = good;
  b.push_back(0);  // trailing bytes
  write_bytes(path, b);
  expect_refused(path, "damaged");

  b = good;
  const uint32_t huge = 0xffffffffu;
  std::memcpy(&b[16], &huge, 4);  // n_chunks
  write_bytes(path, b);
  expect_refused(path, "out of range");
  b = good;
  const uint32_t k_too_big = 11;
  std::memcpy(&b[24], &k_too_big, 4);  // top_k > n_vocab
  write_bytes(path, b);
  expect_refused(path, "out of range");

  b = good;
  const int32_t bad_token = 10;
  std::memcpy(&b[header], &bad_token, 4);
  write_bytes(path, b);
  expect_refused(path, "token id 10");

  b = good;
  const float nan = std::nanf("");
  std::memcpy(&b[first_record], &nan, 4);  // target log-probability
  write_bytes(path, b);
  expect_refused(path, "out of range");
  b = good;
  const float positive = 2.0f;
  std::memcpy(&b[first_record + 4], &positive, 4);  // rest log-mass
  write_bytes(path, b);
  expect_refused(path, "out of range");

  b = good;
  const int32_t dup = 1;  // position 0 holds ids 0, 1, 2: make it 0, 1, 1
  std::memcpy(&b[first_record + 8 + 8], &dup, 4);
  write_bytes(path, b);
  expect_refused(path, "bad top-3 entry");
  b = good;
  const float rising = -0.1f;  // the top k's log-probabilities must descend
  std::memcpy(&b[first_record + 8 + 20 + 8], &rising, 4);
  write_bytes(path, b);
  expect_refused(path, "bad top-3 entry");
  b = good;
  const int32_t sample_out_of_range = -1;
  std::memcpy(&b[first_record + 8 + 12], &sample_out_of_range, 4);
  write_bytes(path, b);
  expect_refused(path, "bad sample of the rest");
  b = good;
  const uint32_t too_many_samples = 70000;
  std::memcpy(&b[28], &too_many_samples, 4);
  write_bytes(path, b);
  expect_refused(path, "out of range");
  std::filesystem::remove(path);
}

TEST(EvalBaseFile, RefusesToSaveInconsistentValuesOrToAFolder) {
  BaseLogProbs b = sample_base();
  b.top_ids.pop_back();
  EXPECT_THROW(save_base_logprobs(b, scratch("inconsistent")), Error);
  EXPECT_THROW(save_base_logprobs(sample_base(), "/nonexistent-dir/x/base.yakb"), Error);
}

}  // namespace
}  // namespace yak::eval
