// Building a Tokenizer from the tokenizer.ggml.* metadata of a GGUF file.
#include <cstdint>

#include "core/error.h"
#include "format/gguf_file.h"
#include "yak/tokenizer.h"

namespace yak {
namespace {

std::optional<int32_t> optional_id(const gguf::File& file, std::string_view key) {
  const gguf::Value* v = file.find(key);
  if (!v) return std::nullopt;
  const int64_t id = v->as_i64(key);
  if (id < -1 || id > INT32_MAX) fail("{}: {} = {} is not a token id", file.name(), key, id);
  if (id == -1) return std::nullopt;
  return static_cast<int32_t>(id);
}

std::optional<bool> optional_bool(const gguf::File& file, std::string_view key) {
  const gguf::Value* v = file.find(key);
  if (!v) return std::nullopt;
  return v->as_bool(key);
}

}  // namespace

Tokenizer Tokenizer::from_gguf(const gguf::File& file) {
  VocabSpec spec;
  spec.name = file.name();
  const gguf::Value* model = file.find("tokenizer.ggml.model");
  if (!model) fail("{}: no tokenizer in this file (tokenizer.ggml.model is missing)", file.name());
  spec.model = model->as_string("tokenizer.ggml.model");
  if (const gguf::Value* pre = file.find("tokenizer.ggml.pre")) {
    spec.pre = pre->as_string("tokenizer.ggml.pre");
  }
  spec.tokens = file.require("tokenizer.ggml.tokens").as_string_array("tokenizer.ggml.tokens");
  if (const gguf::Value* v = file.find("tokenizer.ggml.scores")) {
    spec.scores = v->as_float_array("tokenizer.ggml.scores");
  }
  if (const gguf::Value* v = file.find("tokenizer.ggml.token_type")) {
    for (int64_t t : v->as_int_array("tokenizer.ggml.token_type")) {
      if (t < INT32_MIN || t > INT32_MAX)
        fail("{}: tokenizer.ggml.token_type: token type {} is invalid", file.name(), t);
      spec.types.push_back(static_cast<int32_t>(t));
    }
  }
  if (const gguf::Value* v = file.find("tokenizer.ggml.merges")) {
    spec.merges = v->as_string_array("tokenizer.ggml.merges");
  }
  spec.bos_id = optional_id(file, "tokenizer.ggml.bos_token_id");
  spec.eos_id = optional_id(file, "tokenizer.ggml.eos_token_id");
  spec.unk_id = optional_id(file, "tokenizer.ggml.unknown_token_id");
  spec.pad_id = optional_id(file, "tokenizer.ggml.padding_token_id");
  spec.eot_id = optional_id(file, "tokenizer.ggml.eot_token_id");
  spec.eom_id = optional_id(file, "tokenizer.ggml.eom_token_id");
  spec.add_bos = optional_bool(file, "tokenizer.ggml.add_bos_token");
  spec.add_eos = optional_bool(file, "tokenizer.ggml.add_eos_token");
  spec.add_space_prefix = optional_bool(file, "tokenizer.ggml.add_space_prefix");
  return from_spec(std::move(spec));
}

Tokenizer Tokenizer::from_gguf_path(const std::string& path) {
  return from_gguf(gguf::File::open(path));
}

}  // namespace yak
