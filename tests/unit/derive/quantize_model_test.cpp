// yak::quantize_model on the default model: a requantized file that loads and predicts what
// the source predicts, metadata carried over, the progress per tensor, and the refusals.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "format/gguf_file.h"
#include "format/gguf_writer.h"
#include "unit/test_paths.h"
#include "yak/engine.h"
#include "yak/error.h"
#include "yak/generate.h"
#include "yak/quantize.h"
#include "yak/tokenizer.h"

namespace yak {
namespace {

namespace fs = std::filesystem;

class QuantizeModel : public ::testing::Test {
 protected:
  void SetUp() override {
    source_ = test::default_model_path();
    if (!fs::exists(source_)) GTEST_SKIP() << "model missing: " << source_;
    dir_ =
        fs::temp_directory_path() /
        ("yak-quantize-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  std::string out(const std::string& name) const { return (dir_ / name).string(); }

  std::string source_;
  fs::path dir_;
};

QuantizeOptions of_type(const std::string& type) {
  QuantizeOptions o;
  o.type = type;
  return o;
}

template <typename F>
void expect_error(F&& f, const std::string& part) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one containing '" << part << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

std::vector<int32_t> greedy(const std::string& path, int n) {
  LoadOptions load;
  load.precision = Precision::kExact;
  const auto model = Model::load(path, load);
  GenerateOptions options;
  options.sampling.temperature = 0;
  options.max_new_tokens = n;
  options.stop_at_end_of_generation = false;
  ContextOptions context;
  context.n_threads = 2;
  context.context_size = 64;
  Context ctx(model, context);
  return generate(ctx, ctx.add_sequence(), model->tokenizer().encode("The capital of France is"),
                  options)
      .tokens;
}

TEST_F(QuantizeModel, Q8_0OfTheDefaultModelPredictsWhatItPredicts) {
  std::vector<std::string> seen;
  QuantizeOptions options = of_type("q8_0");
  options.threads = std::make_shared<Threads>(2);
  options.on_tensor = [&](const QuantizeTensorPlan& t, size_t index, size_t count, double) {
    EXPECT_EQ(index, seen.size());
    EXPECT_GT(count, index);
    seen.push_back(t.name);
  };
  const QuantizeResult r = quantize_model(source_, out("q8.gguf"), options);
  EXPECT_EQ(r.plan.file_type, "Q8_0");
  EXPECT_EQ(r.plan.file_type_id, 7u);
  ASSERT_EQ(seen.size(), r.plan.tensors.size());
  EXPECT_EQ(r.out_file_bytes, fs::file_size(out("q8.gguf")));
  EXPECT_GT(r.requantized, 100u);  // the source is Q4_1
  const double bpw = r.out_tensor_bytes * 8.0 / static_cast<double>(r.elements);
  EXPECT_GT(bpw, 8.4);
  EXPECT_LT(bpw, 8.6);

  const gguf::File in = gguf::File::open(source_);
  const gguf::File q = gguf::File::open(out("q8.gguf"));
  ASSERT_EQ(q.tensors().size(), in.tensors().size());
  for (size_t i = 0; i < in.tensors().size(); ++i) {
    EXPECT_EQ(q.tensors()[i].name, in.tensors()[i].name);
    EXPECT_EQ(q.tensors()[i].shape, in.tensors()[i].shape);
    EXPECT_EQ(q.tensors()[i].type, in.tensors()[i].shape.size() == 1 ? DType::F32 : DType::Q8_0)
        << q.tensors()[i].name;
    EXPECT_EQ(q.tensors()[i].offset % q.alignment(), 0u);
  }
  for (const auto& [key, value] : in.metadata()) {
    if (key == "general.file_type" || key == "general.quantization_version") continue;
    const gguf::Value* v = q.find(key);
    ASSERT_NE(v, nullptr) << key;
    EXPECT_EQ(v->to_display_string(1u << 20), value.to_display_string(1u << 20)) << key;
  }
  EXPECT_EQ(q.metadata().size(), in.metadata().size() + (in.find("general.file_type") ? 0 : 1) +
                                     (in.find("general.quantization_version") ? 0 : 1));
  EXPECT_EQ(q.require("general.file_type").as_u64(), 7u);
  EXPECT_EQ(q.require("general.quantization_version").as_u64(), 2u);

  // Q8_0 of Q4_1 values is within a few tenths of a percent of them: same greedy tokens.
  const auto want = greedy(source_, 6);
  const auto got = greedy(out("q8.gguf"), 6);
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got, want);
}

TEST_F(QuantizeModel, DequantizedThenKQuantizedGenerates) {
  quantize_model(source_, out("f16.gguf"), of_type("F16"));
  const QuantizeResult r = quantize_model(out("f16.gguf"), out("q4km.gguf"), of_type("Q4_K_M"));
  EXPECT_EQ(r.requantized, 0u);
  EXPECT_EQ(r.plan.file_type_id, 15u);
  EXPECT_GT(r.fell_back, 0u);  // rows of 576
  const auto tokens = greedy(out("q4km.gguf"), 6);
  EXPECT_EQ(tokens.size(), 6u);
}

// IQ4_XS of the default model: rows of 576 fall back to IQ4_NL, ffn_down (rows of 1536) is
// IQ4_XS but for the first eighth (Q5_K, no importance matrix), as llama-quantize makes it.
TEST_F(QuantizeModel, IQ4XSOfTheDefaultModelPredictsTheFirstToken) {
  QuantizeOptions options = of_type("IQ4_XS");
  options.threads = std::make_shared<Threads>(2);
  const QuantizeResult r = quantize_model(source_, out("iq4xs.gguf"), options);
  EXPECT_EQ(r.plan.file_type_id, 30u);
  const gguf::File q = gguf::File::open(out("iq4xs.gguf"));
  EXPECT_EQ(q.require_tensor("blk.0.ffn_down.weight").type, DType::Q5_K);
  EXPECT_EQ(q.require_tensor("blk.3.ffn_down.weight").type, DType::IQ4_XS);
  EXPECT_EQ(q.require_tensor("blk.29.ffn_down.weight").type, DType::IQ4_XS);
  EXPECT_EQ(q.require_tensor("blk.5.attn_q.weight").type, DType::IQ4_NL);
  EXPECT_EQ(q.require_tensor("blk.5.ffn_up.weight").type, DType::IQ4_NL);
  EXPECT_EQ(q.require_tensor("token_embd.weight").type, DType::Q8_0);
  const auto want = greedy(source_, 1);
  const auto got = greedy(out("iq4xs.gguf"), 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got, want);
}

TEST_F(QuantizeModel, PlanWritesNothing) {
  const QuantizePlan p = plan_quantization(source_, "Q6_K");
  EXPECT_EQ(p.file_type_id, 18u);
  const auto it = std::find_if(p.tensors.begin(), p.tensors.end(),
                               [](const auto& t) { return t.name == "blk.3.ffn_down.weight"; });
  ASSERT_NE(it, p.tensors.end());
  EXPECT_EQ(it->from_type, "Q4_1");
  EXPECT_EQ(it->to_type, "Q6_K");
  EXPECT_FALSE(it->fell_back);
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(QuantizeModel, Refusals) {
  expect_error([&] { quantize_model(source_, out("x.gguf"), of_type("Q4_K")); },
               "unknown quantization type 'Q4_K' (known: F16, BF16, Q8_0");
  expect_error([&] { quantize_model(source_, source_, of_type("Q8_0")); }, "is the input file");
  expect_error([&] { quantize_model(out("none.gguf"), out("x.gguf"), of_type("Q8_0")); },
               "none.gguf");
  expect_error([&] { plan_quantization(source_, "nope"); }, "unknown quantization type");

  // A matrix of a type Yak reads but cannot dequantize.
  gguf::Writer w;
  w.set("general.architecture", gguf::Value::string("llama"));
  w.set("llama.block_count", gguf::Value::u32(1));
  std::vector<uint8_t> data(64 * 4);
  w.add_tensor("blk.0.attn_q.weight", DType::I8, {64, 4}, data);
  w.write(out("i8.gguf"));
  expect_error([&] { quantize_model(out("i8.gguf"), out("x.gguf"), of_type("Q8_0")); },
               "tensor blk.0.attn_q.weight has type I8, which Yak cannot dequantize");

  gguf::Writer no_arch;
  no_arch.write(out("empty.gguf"));
  expect_error([&] { quantize_model(out("empty.gguf"), out("x.gguf"), of_type("Q8_0")); },
               "general.architecture");
  EXPECT_FALSE(fs::exists(out("x.gguf")));
  EXPECT_FALSE(fs::exists(out("x.gguf.part")));
}

}  // namespace
}  // namespace yak
