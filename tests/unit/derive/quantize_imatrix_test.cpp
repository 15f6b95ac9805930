// yak::quantize_model with an importance matrix, on the default model: which tensors are
// weighted, the metadata llama-quantize records, and a matrix that does not fit.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "format/gguf_file.h"
#include "unit/test_paths.h"
#include "yak/error.h"
#include "yak/imatrix.h"
#include "yak/quantize.h"

namespace yak {
namespace {

namespace fs = std::filesystem;

class QuantizeImatrix : public ::testing::Test {
 protected:
  void SetUp() override {
    source_ = test::default_model_path();
    if (!fs::exists(source_)) GTEST_SKIP() << "model missing: " << source_;
    dir_ = fs::temp_directory_path() /
           ("yak-quantize-imatrix-test-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  std::string out(const std::string& name) const { return (dir_ / name).string(); }

  // An entry per block matrix of the model, lognormal importances.
  std::shared_ptr<Imatrix> matrix_for_model() const {
    auto m = std::make_shared<Imatrix>();
    const gguf::File f = gguf::File::open(source_);
    std::mt19937 rng(7);
    std::lognormal_distribution<float> d(0.0f, 1.0f);
    for (const auto& t : f.tensors()) {
      if (!t.name.starts_with("blk.") || t.shape.size() != 2) continue;
      ImatrixEntry e;
      for (int64_t j = 0; j < t.shape[0]; ++j) e.sums.push_back(4.0f * d(rng));
      e.counts = {4};
      m->entries[t.name] = e;
    }
    m->datasets = {"wiki.train.raw"};
    m->chunk_count = 12;
    m->chunk_size = 512;
    return m;
  }

  std::string source_;
  fs::path dir_;
};

TEST_F(QuantizeImatrix, WeightsTheTensorsItHasAndRecordsWhatLlamaQuantizeRecords) {
  auto m = matrix_for_model();
  m->entries.erase("blk.5.ffn_down.weight");
  QuantizeOptions o;
  o.type = "Q4_0";
  o.threads = std::make_shared<Threads>(2);
  o.imatrix = m;
  o.imatrix_path = "imatrix.gguf";
  const QuantizeResult r = quantize_model(source_, out("q4.gguf"), o);
  size_t weighted = 0;
  for (const auto& t : r.plan.tensors) {
    if (t.name == "blk.5.ffn_down.weight") {
      EXPECT_TRUE(t.missing_importance);
      EXPECT_FALSE(t.weighted);
    } else if (t.shape.size() == 2 && t.name.starts_with("blk.") && t.to_type == t.from_type) {
      // With a matrix, Q4_0 keeps the first eighth of ffn_down in Q4_1 (llama.cpp's rule), the
      // source's type: copied, not quantized again.
      EXPECT_FALSE(t.weighted) << t.name;
      EXPECT_TRUE(t.name.ends_with("ffn_down.weight")) << t.name;
    } else if (t.name.starts_with("blk.") && t.shape.size() == 2) {
      EXPECT_TRUE(t.weighted) << t.name;
      ++weighted;
    } else {
      EXPECT_FALSE(t.weighted) << t.name;  // norms stay F32; the tied embedding has no entry
    }
  }
  EXPECT_EQ(r.weighted, weighted);
  EXPECT_EQ(r.missing_importance, 1u);
  const gguf::File q = gguf::File::open(out("q4.gguf"));
  EXPECT_EQ(q.require("quantize.imatrix.file").as_string(), "imatrix.gguf");
  EXPECT_EQ(q.require("quantize.imatrix.dataset").as_string(), "wiki.train.raw");
  EXPECT_EQ(q.require("quantize.imatrix.entries_count").as_u64(), m->entries.size());
  EXPECT_EQ(q.require("quantize.imatrix.chunks_count").as_u64(), 12u);
  EXPECT_EQ(q.require("general.file_type").as_u64(), 2u);
  // Without a matrix, none of those keys.
  QuantizeOptions plain = o;
  plain.imatrix = nullptr;
  quantize_model(source_, out("plain.gguf"), plain);
  EXPECT_EQ(gguf::File::open(out("plain.gguf")).find("quantize.imatrix.file"), nullptr);
}

TEST_F(QuantizeImatrix, AnEntryOfAnotherWidthIsAnErrorNamingTheTensor) {
  auto m = matrix_for_model();
  m->entries["blk.2.attn_k.weight"].sums.resize(100);
  QuantizeOptions o;
  o.type = "Q4_K_M";
  o.threads = std::make_shared<Threads>(2);
  o.imatrix = m;
  try {
    quantize_model(source_, out("bad.gguf"), o);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("blk.2.attn_k.weight"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(out("bad.gguf")));
  EXPECT_FALSE(fs::exists(out("bad.gguf.part")));
}

}  // namespace
}  // namespace yak
