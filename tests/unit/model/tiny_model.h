// A model with a real model's metadata on tiny zero weights: 1 layer, 64-wide, so that
// tests can write and load hundreds of variants of it quickly.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "format/gguf_file.h"
#include "format/gguf_writer.h"

namespace yak::test {

using gguf::Value;
using Metadata = std::vector<std::pair<std::string, Value>>;

inline constexpr int64_t kEmbd = 64, kHeads = 4, kHeadsKv = 2, kFf = 128;

// The default model's metadata with its hyperparameters shrunk to fit the tiny weights.
inline Metadata tiny_metadata(const gguf::File& source) {
  const std::pair<const char*, Value> overrides[] = {
      {"llama.block_count", Value::u32(1)},
      {"llama.embedding_length", Value::u32(kEmbd)},
      {"llama.feed_forward_length", Value::u32(kFf)},
      {"llama.attention.head_count", Value::u32(kHeads)},
      {"llama.attention.head_count_kv", Value::u32(kHeadsKv)},
      {"llama.rope.dimension_count", Value::u32(kEmbd / kHeads)},
  };
  Metadata out = source.metadata();
  for (auto& [key, value] : out)
    for (const auto& [name, replacement] : overrides)
      if (key == name) value = replacement;
  return out;
}

// n_vocab: rows of token_embd.weight; output_rows: rows of an output.weight (0: none, the
// embedding is tied).
inline void write_tiny_model(const Metadata& metadata, int64_t n_vocab, const std::string& path,
                             int64_t output_rows = 0) {
  gguf::Writer w;
  for (const auto& [key, value] : metadata) w.set(key, value);
  // Zero weights: the values do not matter to loading. Q4_0 keeps the embedding of the
  // full vocabulary small.
  const auto zeros = [](DType type, std::vector<int64_t> shape) {
    int64_t rows = 1;
    for (size_t i = 1; i < shape.size(); ++i) rows *= shape[i];
    return std::vector<uint8_t>(row_bytes(type, shape[0]) * static_cast<uint64_t>(rows), 0);
  };
  const auto add = [&](const std::string& name, DType type, std::vector<int64_t> shape) {
    w.add_tensor(name, type, shape, zeros(type, shape));
  };
  const int64_t head_dim = kEmbd / kHeads;
  add("token_embd.weight", DType::Q4_0, {kEmbd, n_vocab});
  add("output_norm.weight", DType::F32, {kEmbd});
  if (output_rows > 0) add("output.weight", DType::Q4_0, {kEmbd, output_rows});
  add("blk.0.attn_norm.weight", DType::F32, {kEmbd});
  add("blk.0.attn_q.weight", DType::F32, {kEmbd, kHeads * head_dim});
  add("blk.0.attn_k.weight", DType::F32, {kEmbd, kHeadsKv * head_dim});
  add("blk.0.attn_v.weight", DType::F32, {kEmbd, kHeadsKv * head_dim});
  add("blk.0.attn_output.weight", DType::F32, {kHeads * head_dim, kEmbd});
  add("blk.0.ffn_norm.weight", DType::F32, {kEmbd});
  add("blk.0.ffn_gate.weight", DType::F32, {kEmbd, kFf});
  add("blk.0.ffn_up.weight", DType::F32, {kEmbd, kFf});
  add("blk.0.ffn_down.weight", DType::F32, {kFf, kEmbd});
  w.write(path);
}

// A file name of its own for each test process, in the temporary folder.
inline std::string scratch_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("yak_" + name + "_" + std::to_string(::getpid()) + ".gguf"))
      .string();
}

}  // namespace yak::test
