// A model file truncated or rewritten while a model uses it: every decode
// reports it as a yak::Error naming the file, the process survives (the
// weights that were still read from the mapping read as zeros instead of
// raising SIGBUS), and other models go on working.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "core/error.h"
#include "core/mapping_guard.h"
#include "model/decoder.h"
#include "model/kv_cache.h"
#include "runtime/model_impl.h"
#include "unit/test_paths.h"
#include "yak/engine.h"

namespace yak {
namespace {

namespace fs = std::filesystem;

class ModelCopy {
 public:
  ModelCopy() {
    const std::string source = test::default_model_path();
    if (!fs::exists(source))
      throw std::runtime_error("model file missing: " + source + " (run scripts/setup.sh)");
    std::string tmpl = (fs::temp_directory_path() / "yak_model_XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
    path_ = dir_ + "/copy.gguf";
    fs::copy_file(source, path_);
  }
  ~ModelCopy() { fs::remove_all(dir_); }
  const std::string& path() const { return path_; }
  void truncate(off_t size) const { ASSERT_EQ(::truncate(path_.c_str(), size), 0); }

 private:
  std::string dir_;
  std::string path_;
};

std::string decode_error(Context& ctx, SequenceId seq) {
  Batch batch;
  batch.add(1, ctx.sequence_length(seq), seq, true);
  try {
    ctx.decode(batch);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void expect_decodes(Context& ctx, SequenceId seq) {
  const std::string error = decode_error(ctx, seq);
  EXPECT_EQ(error, "");
}

class ModelFileChange : public ::testing::TestWithParam<Precision> {};

TEST_P(ModelFileChange, TruncatedFileFailsEveryDecodeNamingIt) {
  const ModelCopy copy;
  const auto model = Model::load(copy.path(), {.precision = GetParam()});
  Context ctx(model, {.n_threads = 2, .context_size = 64});
  const SequenceId seq = ctx.add_sequence();
  expect_decodes(ctx, seq);
  copy.truncate(4096);
  const std::string want = "the model file " + copy.path() +
                           " was truncated or changed while in use; load the model again";
  EXPECT_EQ(decode_error(ctx, seq), want);
  EXPECT_EQ(ctx.sequence_length(seq), 1);   // the failed decode changed nothing
  EXPECT_EQ(decode_error(ctx, seq), want);  // the model stays broken
  Context other(model, {.n_threads = 1, .context_size = 64});
  EXPECT_EQ(decode_error(other, other.add_sequence()), want);  // in every context
}

TEST_P(ModelFileChange, AnIntactModelInTheSameProcessKeepsWorking) {
  const ModelCopy broken_copy;
  const ModelCopy intact_copy;
  const auto broken = Model::load(broken_copy.path(), {.precision = GetParam()});
  const auto intact = Model::load(intact_copy.path(), {.precision = GetParam()});
  Context a(broken, {.n_threads = 2, .context_size = 64});
  Context b(intact, {.n_threads = 2, .context_size = 64});
  const SequenceId seq_a = a.add_sequence(), seq_b = b.add_sequence();
  broken_copy.truncate(4096);
  EXPECT_NE(decode_error(a, seq_a), "");
  for (int i = 0; i < 3; ++i) expect_decodes(b, seq_b);
  EXPECT_EQ(b.sequence_length(seq_b), 3);
}

// Truncation in the middle of a forward pass: the pass runs to the end on
// zeros where the file is gone (the SIGBUS handler absorbs the faults) and
// the check after it reports the file. The forward pass is driven directly
// here, as the window inside Context::decode cannot be hit on purpose.
TEST_P(ModelFileChange, ForwardPassOverATruncatedFileSurvives) {
  const ModelCopy copy;
  const auto model = Model::load(copy.path(), {.precision = GetParam()});
  const Model::Impl& m = model->impl();
  model::KvCache cache(m.config, {.max_sequences = 1, .capacity = 32, .block_size = 32});
  const int32_t seq = cache.add_sequence();
  model::Decoder decoder(m.config, m.weights, 8, 64);
  ThreadPool pool(2);
  copy.truncate(4096);
  const size_t faults = mapping_guard::faults_absorbed();
  const int32_t tokens[] = {1, 2};
  const int32_t positions[] = {0, 1};
  const int32_t seqs[] = {seq, seq};
  const uint8_t want[] = {0, 1};
  cache.reserve(seq, 2);
  std::vector<float> logits(static_cast<size_t>(m.config.n_vocab));
  decoder.forward({tokens, positions, seqs, want}, cache, pool, logits.data());
  EXPECT_GT(mapping_guard::faults_absorbed(), faults);
  EXPECT_TRUE(m.file.changed());
}

TEST_P(ModelFileChange, RewrittenInPlaceIsReportedToo) {
  const ModelCopy copy;
  const auto model = Model::load(copy.path(), {.precision = GetParam()});
  Context ctx(model, {.n_threads = 2, .context_size = 64});
  const SequenceId seq = ctx.add_sequence();
  expect_decodes(ctx, seq);
  // Same size, one byte changed, a later modification time: no fault, but
  // the weights are no longer those that were loaded.
  const int fd = ::open(copy.path().c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, "\x7f", 1, 1 << 20), 1);
  struct timespec times[2] = {{0, UTIME_OMIT}, {0, 0}};
  ASSERT_EQ(::clock_gettime(CLOCK_REALTIME, &times[1]), 0);
  times[1].tv_sec += 10;
  ASSERT_EQ(::futimens(fd, times), 0);
  ::close(fd);
  EXPECT_NE(decode_error(ctx, seq).find(copy.path()), std::string::npos);
}

TEST(ModelFileChangeLoad, TruncatedFileIsReportedByLoad) {
  const ModelCopy copy;
  copy.truncate(4096);
  try {
    Model::load(copy.path());
    FAIL() << "a truncated file loaded";
  } catch (const Error& e) {
    // Cut before loading, it is simply a short file; the message names it.
    EXPECT_NE(std::string(e.what()).find(copy.path()), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Precisions, ModelFileChange,
                         ::testing::Values(Precision::kFast, Precision::kExact),
                         [](const auto& info) {
                           return info.param == Precision::kFast ? "Fast" : "Exact";
                         });

}  // namespace
}  // namespace yak
