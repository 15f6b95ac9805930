// Every metadata key of a real model, mutated one at a time (wrong type, out of range,
// inf/nan, empty, huge, missing), must load or fail with a yak::Error that names the key:
// never an internal error, never another exception. The model is the default model's
// metadata (its full 49152-token vocabulary and merges) on tiny weights, so that hundreds
// of loads stay fast; a SentencePiece vocabulary-only file covers the keys gpt2 lacks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "format/gguf_file.h"
#include "format/gguf_writer.h"
#include "unit/model/tiny_model.h"
#include "unit/test_paths.h"
#include "yak/engine.h"
#include "yak/error.h"
#include "yak/tokenizer.h"

namespace yak {
namespace {

using gguf::Value;
using gguf::ValueType;
using test::Metadata;
using test::scratch_path;
using test::tiny_metadata;
using test::write_tiny_model;

struct Mutation {
  std::string label;
  std::optional<Value> value;  // nullopt: the key is removed
};

// What a hostile or broken file might hold instead of `v`.
std::vector<Mutation> mutations_of(const Value& v) {
  std::vector<Mutation> out;
  out.push_back({"missing", std::nullopt});
  if (v.type() == ValueType::STRING || v.type() == ValueType::ARRAY)
    out.push_back({"u32 7", Value::u32(7)});
  else
    out.push_back({"string", Value::string("x")});
  if (v.is_integer()) {
    out.push_back({"0", Value::u32(0)});
    out.push_back({"-1", Value::i64(-1)});
    out.push_back({"2^31", Value::u64(uint64_t{1} << 31)});
    out.push_back({"u64 max", Value::u64(std::numeric_limits<uint64_t>::max())});
    out.push_back({"i64 min", Value::i64(std::numeric_limits<int64_t>::min())});
    out.push_back({"f32 1.5", Value::f32(1.5f)});
  }
  if (v.is_float()) {
    const float inf = std::numeric_limits<float>::infinity();
    for (auto [label, x] : {std::pair{"nan", std::nanf("")},
                            {"inf", inf},
                            {"-inf", -inf},
                            {"0", 0.0f},
                            {"-1", -1.0f},
                            {"1e30", 1e30f},
                            {"denormal", 1e-42f}})
      out.push_back({label, Value::f32(x)});
    out.push_back({"f64 huge", Value::f64(1e300)});
    out.push_back({"u32 5", Value::u32(5)});
  }
  if (v.type() == ValueType::BOOL) out.push_back({"u8 1", Value::u8(1)});
  if (v.type() == ValueType::STRING) {
    out.push_back({"empty", Value::string("")});
    out.push_back({"escapes", Value::string("\x1b[2J\xff\xfe\xe2\x80\xae")});
    out.push_back({"long", Value::string(std::string(100000, 'a'))});
  }
  if (v.type() == ValueType::ARRAY) {
    const Value::Array& a = v.as_array();
    out.push_back({"empty", Value::array(a.element_type, {})});
    out.push_back({"wrong element type", Value::array(ValueType::BOOL, {Value::boolean(true)})});
    out.push_back({"nested", Value::array(ValueType::ARRAY, {Value::array(ValueType::U8, {})})});
    if (!a.items.empty()) {
      std::vector<Value> half(a.items.begin(), a.items.begin() + a.items.size() / 2);
      out.push_back({"half", Value::array(a.element_type, std::move(half))});
      std::vector<Value> more = a.items;
      more.push_back(a.items.back());
      out.push_back({"one more", Value::array(a.element_type, std::move(more))});
    }
    if (a.element_type == ValueType::STRING && !a.items.empty()) {
      std::vector<Value> odd = a.items;
      odd[0] = Value::string("\xff\x1b");
      odd[odd.size() - 1] = Value::string("");
      out.push_back({"odd strings", Value::array(ValueType::STRING, std::move(odd))});
    }
    if (a.element_type == ValueType::I32 && !a.items.empty()) {
      std::vector<Value> bad = a.items;
      bad[0] = Value::i32(-7);
      bad[bad.size() - 1] = Value::i32(1 << 30);
      out.push_back({"bad items", Value::array(ValueType::I32, std::move(bad))});
    }
  }
  return out;
}

Metadata mutated(const Metadata& base, const std::string& key, const Mutation& m) {
  Metadata out;
  for (const auto& [k, v] : base) {
    if (k != key) {
      out.emplace_back(k, v);
    } else if (m.value) {
      out.emplace_back(k, *m.value);
    }
  }
  return out;
}

// Runs `load`; a failure must be a yak::Error that is not an internal one and names `key`,
// or, where the mutated value is valid but no longer fits the weights (a missing
// head_count_kv defaults to head_count), the tensor whose shape disagrees.
void expect_loads_or_names(const std::string& what, const std::string& key,
                           const std::function<void()>& load) {
  try {
    load();
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_FALSE(message.starts_with("internal error")) << what << ": " << message;
    EXPECT_LT(message.size(), 1000u) << what << ": a message that long repeats too much";
    const bool names_key = message.find(key) != std::string::npos;
    const bool names_tensor = message.find(": tensor ") != std::string::npos &&
                              message.find(", expected [") != std::string::npos;
    EXPECT_TRUE(names_key || names_tensor) << what << ": " << message;
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": not a yak::Error: " << e.what();
  }
}

TEST(MetadataMutation, DefaultModelEveryKey) {
  const std::string source_path = test::default_model_path();
  if (!std::filesystem::exists(source_path)) GTEST_SKIP() << "missing " << source_path;
  const gguf::File source = gguf::File::open(source_path);
  const int64_t n_vocab = source.require_tensor("token_embd.weight").shape[1];
  const Metadata base = tiny_metadata(source);
  const std::string path = scratch_path("metadata_mutation");

  write_tiny_model(base, n_vocab, path);
  ASSERT_NO_THROW(Model::load(path, {.precision = Precision::kExact})) << "the base model";

  for (const auto& [key, value] : base) {
    for (const Mutation& m : mutations_of(value)) {
      const std::string what = key + " = " + m.label;
      write_tiny_model(mutated(base, key, m), n_vocab, path);
      expect_loads_or_names(what, key,
                            [&] { Model::load(path, {.precision = Precision::kExact}); });
      // Alone too, as `yak tokenize` reads it; it reads only tokenizer.* keys.
      if (key.starts_with("tokenizer."))
        expect_loads_or_names(what + " (tokenizer)", key,
                              [&] { Tokenizer::from_gguf(gguf::File::open(path)); });
    }
  }
  std::filesystem::remove(path);
}

TEST(MetadataMutation, SentencePieceVocabularyEveryKey) {
  const std::string source_path = test::shared_data_path("tokenizer/ggml-vocab-llama-spm.gguf");
  if (!std::filesystem::exists(source_path)) GTEST_SKIP() << "missing " << source_path;
  const Metadata base = gguf::File::open(source_path).metadata();
  const std::string path = scratch_path("vocab_mutation");
  for (const auto& [key, value] : base) {
    if (!key.starts_with("tokenizer.")) continue;
    for (const Mutation& m : mutations_of(value)) {
      gguf::Writer w;
      for (const auto& [k, v] : mutated(base, key, m)) w.set(k, v);
      w.write(path);
      expect_loads_or_names(key + " = " + m.label, key,
                            [&] { Tokenizer::from_gguf(gguf::File::open(path)); });
    }
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace yak
