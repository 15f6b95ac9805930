// Shared by the eval tests: a slice of WikiText-2, and a copy of the default model whose
// tokenizer adds BOS (SmolLM2's does not), to exercise the BOS replacement.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "format/gguf_file.h"
#include "format/gguf_writer.h"
#include "unit/model/tiny_model.h"
#include "unit/test_paths.h"

namespace yak::test {

// The first `bytes` of WikiText-2's test text; empty when the shared data is missing.
inline std::string wikitext_slice(size_t bytes) {
  std::ifstream in(shared_data_path("eval/wikitext-2/wiki.test.raw"), std::ios::binary);
  if (!in) return {};
  std::string text(bytes, '\0');
  in.read(text.data(), std::streamsize(bytes));
  text.resize(size_t(in.gcount()));
  return text;
}

// The default model with tokenizer.ggml.add_bos_token = true, written once per process.
inline std::string bos_adding_default_model() {
  static const std::string path = [] {
    const std::string out = scratch_path("eval_bos_model");
    const gguf::File source = gguf::File::open(default_model_path());
    gguf::Writer w;
    for (const auto& [key, value] : source.metadata()) {
      if (key == "general.alignment") continue;
      w.set(key, key == "tokenizer.ggml.add_bos_token" ? gguf::Value::boolean(true) : value);
    }
    for (const gguf::TensorInfo& t : source.tensors()) {
      w.add_tensor(t.name, t.type, t.shape, std::span<const uint8_t>(t.data, t.size_bytes));
    }
    w.write(out);
    return out;
  }();
  return path;
}

}  // namespace yak::test
