// Importance matrices: the collector's accumulation on synthetic rows (llama-imatrix's rules),
// compute_imatrix on the default model, and both files: round trips and hostile input.
#include "yak/imatrix.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "eval/imatrix_collector.h"
#include "eval/imatrix_files.h"
#include "format/gguf_writer.h"
#include "unit/test_models.h"
#include "yak/error.h"

namespace yak {
namespace {

namespace fs = std::filesystem;

template <typename F>
void expect_error(F&& f, const std::string& part) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one containing '" << part << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

ActivationRows rows_of(const std::vector<std::string>& names, const std::vector<float>& x,
                       int64_t width) {
  return {std::span<const std::string>(names), x.data(), int64_t(x.size()) / width, width};
}

TEST(ImatrixCollector, SumsSquaresPerColumnAndCountsRows) {
  eval::ImatrixCollector c(false);
  const std::vector<std::string> qkv = {"blk.0.attn_q.weight", "blk.0.attn_k.weight",
                                        "blk.0.attn_v.weight"};
  // 16 rows of 3 columns: row r is (r, -1, 0.5 r).
  std::vector<float> x;
  for (int r = 0; r < 16; ++r) x.insert(x.end(), {float(r), -1.0f, 0.5f * r});
  c.observe(rows_of(qkv, x, 3));
  c.observe(rows_of(qkv, x, 3));
  const auto entries = c.entries();
  ASSERT_EQ(entries.size(), 3u);
  double squares = 0;
  for (int r = 0; r < 16; ++r) squares += r * r;
  for (const auto& name : qkv) {
    const ImatrixEntry& e = entries.at(name);
    ASSERT_EQ(e.counts, std::vector<int64_t>({32}));
    ASSERT_EQ(e.sums.size(), 3u);
    EXPECT_FLOAT_EQ(e.sums[0], float(2 * squares));
    EXPECT_FLOAT_EQ(e.sums[1], 32.0f);
    EXPECT_FLOAT_EQ(e.sums[2], float(2 * 0.25 * squares));
    EXPECT_FLOAT_EQ(e.importance()[1], 1.0f);
    EXPECT_FLOAT_EQ(e.importance()[0], float(squares / 16));
  }
}

TEST(ImatrixCollector, FollowsLlamaImatrixRulesOnWhatIsCollected) {
  eval::ImatrixCollector without_output(false), with_output(true);
  const std::vector<float> x16(16 * 2, 1.0f), x15(15 * 2, 1.0f);
  const std::vector<std::string> down = {"blk.3.ffn_down.weight"};
  const std::vector<std::string> output = {"output.weight"};
  const std::vector<std::string> tied = {"token_embd.weight"};
  for (auto* c : {&without_output, &with_output}) {
    c->observe(rows_of(down, x15, 2));  // fewer than 16 rows: left out
    c->observe(rows_of(output, x16, 2));
    c->observe(rows_of(tied, x16, 2));  // a tied output is never collected
  }
  EXPECT_TRUE(without_output.entries().empty());
  const auto entries = with_output.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries.begin()->first, "output.weight");
  EXPECT_EQ(entries.begin()->second.counts, std::vector<int64_t>({16}));
}

TEST(ImatrixCollector, RefusesAnotherWidthAndNonFiniteActivations) {
  eval::ImatrixCollector c(false);
  const std::vector<std::string> up = {"blk.0.ffn_gate.weight", "blk.0.ffn_up.weight"};
  c.observe(rows_of(up, std::vector<float>(16 * 4, 1.0f), 4));
  expect_error([&] { c.observe(rows_of(up, std::vector<float>(16 * 2, 1.0f), 2)); },
               "2 columns, not the 4");
  std::vector<float> bad(16 * 4, 1.0f);
  bad[5] = std::numeric_limits<float>::infinity();
  expect_error([&] { c.observe(rows_of(up, bad, 4)); }, "not finite");
}

TEST(ComputeImatrix, DefaultModelHasAnEntryPerBlockMatrixCountingEveryToken) {
  std::shared_ptr<const Model> model;
  try {
    model = test::shared_default_model();
  } catch (const std::exception& e) {
    GTEST_SKIP() << e.what();
  }
  std::string text;
  for (int i = 0; i < 40; ++i) text += "The quick brown fox jumps over the lazy dog. ";
  ImatrixOptions o;
  o.n_ctx = 32;
  o.max_chunks = 3;
  o.n_batch = 64;  // two windows side by side, then one
  o.n_threads = 2;
  o.dataset = "fox.txt";
  int progress_calls = 0;
  o.on_progress = [&](const ImatrixProgress& p) {
    ++progress_calls;
    EXPECT_EQ(p.chunks_total, 3);
  };
  const Imatrix m = compute_imatrix(model, text, o);
  EXPECT_EQ(progress_calls, 2);
  EXPECT_EQ(m.chunk_count, 3);
  EXPECT_EQ(m.chunk_size, 32);
  EXPECT_EQ(m.datasets, std::vector<std::string>({"fox.txt"}));
  const int32_t layers = model->info().n_layer;
  ASSERT_EQ(m.entries.size(), size_t(7 * layers));  // the output is tied: not collected
  for (const auto& [name, e] : m.entries) {
    EXPECT_EQ(e.counts, std::vector<int64_t>({3 * 32})) << name;
    for (float v : e.sums) ASSERT_TRUE(std::isfinite(v) && v >= 0) << name;
  }
  EXPECT_EQ(m.entries.at("blk.0.attn_q.weight").sums, m.entries.at("blk.0.attn_v.weight").sums);
  EXPECT_EQ(m.entries.at("blk.2.ffn_gate.weight").sums, m.entries.at("blk.2.ffn_up.weight").sums);
  EXPECT_EQ(m.entries.at("blk.0.ffn_down.weight").n_columns(), model->info().n_ff);
  EXPECT_NE(m.entries.at("blk.0.attn_q.weight").sums, m.entries.at("blk.1.attn_q.weight").sums);
}

class ImatrixFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("yak-imatrix-test-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string write(const std::string& name, const std::vector<uint8_t>& bytes) const {
    std::ofstream(path(name), std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    return path(name);
  }
  fs::path dir_;
};

Imatrix sample() {
  Imatrix m;
  m.entries["blk.0.attn_q.weight"] = {{4.0f, 8.0f, 0.5f}, {4}};
  m.entries["blk.0.ffn_down.weight"] = {{1.0f, 2.0f, 3.0f, 4.0f}, {2}};
  m.entries["blk.1.ffn_up_exps.weight"] = {{1.0f, 2.0f, 6.0f, 9.0f}, {2, 3}};  // two experts
  m.datasets = {"wiki.train.raw"};
  m.chunk_count = 7;
  m.chunk_size = 2;
  return m;
}

TEST_F(ImatrixFiles, GgufRoundTripKeepsEverything) {
  const Imatrix m = sample();
  save_imatrix(m, path("m.gguf"));
  const Imatrix r = load_imatrix(path("m.gguf"));
  EXPECT_FALSE(r.legacy);
  EXPECT_EQ(r.datasets, m.datasets);
  EXPECT_EQ(r.chunk_count, 7);
  EXPECT_EQ(r.chunk_size, 2);
  ASSERT_EQ(r.entries.size(), m.entries.size());
  for (const auto& [name, e] : m.entries) {
    EXPECT_EQ(r.entries.at(name).sums, e.sums) << name;
    EXPECT_EQ(r.entries.at(name).counts, e.counts) << name;
  }
  EXPECT_FALSE(fs::exists(path("m.gguf.part")));
}

TEST_F(ImatrixFiles, LegacyRoundTripKeepsTheImportances) {
  const Imatrix m = sample();
  save_imatrix(m, path("m.dat"));
  const Imatrix r = load_imatrix(path("m.dat"));
  EXPECT_TRUE(r.legacy);
  EXPECT_EQ(r.datasets, m.datasets);
  EXPECT_EQ(r.chunk_count, 7);
  ASSERT_EQ(r.entries.size(), m.entries.size());
  for (const auto& [name, e] : m.entries) {
    const std::vector<float> want = e.importance(), got = r.entries.at(name).importance();
    ASSERT_EQ(got.size(), want.size()) << name;
    for (size_t i = 0; i < want.size(); ++i) EXPECT_FLOAT_EQ(got[i], want[i]) << name;
  }
  // ncall = ceil(count / chunk_size), as llama-imatrix writes it.
  EXPECT_EQ(r.entries.at("blk.0.attn_q.weight").counts, std::vector<int64_t>({2}));
  // Saved again, a legacy matrix keeps its values (its counts are ncall already).
  save_imatrix(r, path("again.dat"));
  const Imatrix again = load_imatrix(path("again.dat"));
  EXPECT_EQ(again.entries.at("blk.0.ffn_down.weight").sums,
            r.entries.at("blk.0.ffn_down.weight").sums);
}

TEST_F(ImatrixFiles, EntriesThatSawNothingAreLeftOutOfALegacyFile) {
  Imatrix m = sample();
  m.entries["blk.9.attn_q.weight"] = {{0.0f, 0.0f}, {0}};
  save_imatrix(m, path("m.dat"));
  EXPECT_EQ(load_imatrix(path("m.dat")).entries.count("blk.9.attn_q.weight"), 0u);
  EXPECT_EQ(m.entries.at("blk.9.attn_q.weight").importance(), std::vector<float>({1.0f, 1.0f}));
}

TEST_F(ImatrixFiles, EveryTruncationOfALegacyFileIsAnErrorOrAWholeFile) {
  Imatrix m;
  m.entries["blk.0.attn_q.weight"] = {{4.0f, 8.0f}, {4}};
  m.datasets = {"t.txt"};
  m.chunk_count = 1;
  m.chunk_size = 4;
  const std::vector<uint8_t> bytes = eval::legacy_imatrix_bytes(m);
  // The file may end after the entries, or after the chunk count (older llama.cpp files).
  const size_t entries_end = 4 + 4 + 19 + 4 + 4 + 8;
  for (size_t n = 0; n < bytes.size(); ++n) {
    const std::span<const uint8_t> prefix(bytes.data(), n);
    if (n == entries_end || n == entries_end + 4) {
      EXPECT_NO_THROW(eval::parse_legacy_imatrix(prefix, "t.dat")) << n;
    } else {
      EXPECT_THROW(eval::parse_legacy_imatrix(prefix, "t.dat"), Error) << n;
    }
  }
  EXPECT_NO_THROW(eval::parse_legacy_imatrix(bytes, "t.dat"));
}

std::vector<uint8_t> legacy(int32_t n_entries, int32_t name_len, const std::string& name,
                            int32_t ncall, int32_t nval, const std::vector<float>& values) {
  std::vector<uint8_t> out;
  auto i32 = [&](int32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(uint8_t(uint32_t(v) >> (8 * i)));
  };
  i32(n_entries);
  i32(name_len);
  out.insert(out.end(), name.begin(), name.end());
  i32(ncall);
  i32(nval);
  for (float v : values) {
    uint32_t u;
    std::memcpy(&u, &v, 4);
    i32(int32_t(u));
  }
  return out;
}

TEST_F(ImatrixFiles, HostileLegacyFilesAreRefusedByName) {
  const std::string n = "blk.0.attn_q.weight";
  const int32_t len = int32_t(n.size());
  const float nan = std::numeric_limits<float>::quiet_NaN();
  struct Case {
    std::vector<uint8_t> bytes;
    std::string message;
  };
  const Case cases[] = {
      {legacy(0, len, n, 1, 1, {1.0f}), "0 entries"},
      {legacy(-5, len, n, 1, 1, {1.0f}), "-5 entries"},
      {legacy(1 << 30, len, n, 1, 1, {1.0f}), "entries (expected 1 to"},
      {legacy(1, 1 << 30, n, 1, 1, {1.0f}), "name length 1073741824"},
      {legacy(1, -1, n, 1, 1, {1.0f}), "name length -1"},
      {legacy(1, len, n, -3, 1, {1.0f}), "negative call count"},
      {legacy(1, len, n, 1, 0, {}), "value count 0"},
      {legacy(1, len, n, 1, 1 << 30, {1.0f}), "truncated file"},
      {legacy(1, len, n, 1, 1, {nan}), "not finite"},
  };
  for (const Case& c : cases) {
    const std::string p = write("bad.dat", c.bytes);
    expect_error([&] { load_imatrix(p); }, c.message);
    expect_error([&] { load_imatrix(p); }, p);  // every message names the file
  }
  std::vector<uint8_t> twice = legacy(2, len, n, 1, 1, {1.0f});
  const std::vector<uint8_t> again = legacy(0, len, n, 1, 1, {1.0f});
  twice.insert(twice.end(), again.begin() + 4, again.end());
  expect_error([&] { load_imatrix(write("twice.dat", twice)); }, "appears twice");
  std::vector<uint8_t> trailing = eval::legacy_imatrix_bytes(sample());
  trailing.push_back(0);
  expect_error([&] { load_imatrix(write("trailing.dat", trailing)); }, "unexpected bytes");
  expect_error([&] { load_imatrix(write("empty.dat", {})); }, "empty.dat");
  expect_error([&] { load_imatrix(path("missing.dat")); }, "missing.dat");
}

std::vector<uint8_t> gguf_with(const std::vector<std::pair<std::string, std::vector<float>>>& ts,
                               const std::string& type = "imatrix") {
  gguf::Writer w;
  w.set("general.type", gguf::Value::string(type));
  for (const auto& [name, values] : ts)
    w.add_tensor(name, DType::F32, {int64_t(values.size())},
                 {reinterpret_cast<const uint8_t*>(values.data()), values.size() * 4});
  return w.to_bytes();
}

TEST_F(ImatrixFiles, HostileGgufFilesAreRefusedByName) {
  const std::string q = "blk.0.attn_q.weight";
  struct Case {
    std::vector<uint8_t> bytes;
    std::string message;
  };
  const Case cases[] = {
      {gguf_with({{q + ".in_sum2", {1, 2}}}), "has .in_sum2 but not .counts"},
      {gguf_with({{q + ".counts", {1}}}), "has .counts but not .in_sum2"},
      {gguf_with({{q + ".in_sum2", {1, 2, 3}}, {q + ".counts", {1, 1}}}), "do not divide"},
      {gguf_with({{q + ".in_sum2", {1, 2}}, {q + ".counts", {-4}}}), "not a number of rows"},
      {gguf_with({{q + ".in_sum2", {1, -2}}, {q + ".counts", {4}}}), "not a finite sum"},
      {gguf_with({{"token_embd.weight", {1, 2}}}), "no *.in_sum2"},
      {gguf_with({{q + ".in_sum2", {1, 2}}, {q + ".counts", {4}}}, "model"),
       "general.type is 'model'"},
  };
  for (const Case& c : cases) {
    const std::string p = write("bad.gguf", c.bytes);
    expect_error([&] { load_imatrix(p); }, c.message);
    expect_error([&] { load_imatrix(p); }, p);
  }
  std::vector<uint8_t> truncated = eval::gguf_imatrix_bytes(sample());
  truncated.resize(truncated.size() - 36);  // past the last padding (under 32 bytes)
  EXPECT_THROW(load_imatrix(write("cut.gguf", truncated)), Error);
}

TEST_F(ImatrixFiles, AnEmptyMatrixIsNotSaved) {
  expect_error([&] { save_imatrix(Imatrix{}, path("e.gguf")); }, "no entries");
  expect_error([&] { save_imatrix(Imatrix{}, path("e.dat")); }, "no entries");
}

}  // namespace
}  // namespace yak
