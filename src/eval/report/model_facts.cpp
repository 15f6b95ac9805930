#include "eval/report/model_facts.h"

#include <filesystem>
#include <regex>

#include "yak/error.h"
#include "yak/model_file.h"

namespace yak::eval::report {

std::string file_type_name(uint32_t id) {
  // llama.cpp's llama_ftype values (the ones its quantizer writes today).
  static constexpr std::pair<uint32_t, const char*> kNames[] = {
      {0, "F32"},      {1, "F16"},      {2, "Q4_0"},    {3, "Q4_1"},    {7, "Q8_0"},
      {8, "Q5_0"},     {9, "Q5_1"},     {10, "Q2_K"},   {11, "Q3_K_S"}, {12, "Q3_K_M"},
      {13, "Q3_K_L"},  {14, "Q4_K_S"},  {15, "Q4_K_M"}, {16, "Q5_K_S"}, {17, "Q5_K_M"},
      {18, "Q6_K"},    {19, "IQ2_XXS"}, {20, "IQ2_XS"}, {21, "Q2_K_S"}, {22, "IQ3_XS"},
      {23, "IQ3_XXS"}, {24, "IQ1_S"},   {25, "IQ4_NL"}, {26, "IQ3_S"},  {27, "IQ3_M"},
      {28, "IQ2_S"},   {29, "IQ2_M"},   {30, "IQ4_XS"}, {31, "IQ1_M"},  {32, "BF16"}};
  for (const auto& [value, name] : kNames)
    if (value == id) return name;
  return "type " + std::to_string(id);
}

std::string family_of(std::string_view stem) {
  static const std::regex kQuantSuffix("^(.+?)[._-](f16|bf16|f32|i?q[0-9](_[a-z0-9]+)*)$",
                                       std::regex::icase);
  std::match_results<std::string_view::const_iterator> m;
  if (std::regex_match(stem.begin(), stem.end(), m, kQuantSuffix)) return m[1].str();
  return std::string(stem);
}

ModelFacts read_model_facts(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) fail("the model file {} does not exist", path);
  const ModelFile file = ModelFile::open(path);
  ModelFacts f;
  f.path = path;
  f.stem = std::filesystem::path(path).stem().string();
  f.family = family_of(f.stem);
  f.file_bytes = file.file_size();
  for (const TensorEntry& t : file.tensors()) {
    f.n_params += t.elements;
    f.tensor_bytes += t.bytes;
  }
  f.file_type = "unknown";
  for (const MetadataEntry& m : file.metadata(0)) {
    if (m.key != "general.file_type") continue;
    if (m.value.kind == MetadataValue::Kind::kUnsigned)
      f.file_type = file_type_name(uint32_t(m.value.u));
    if (m.value.kind == MetadataValue::Kind::kSigned && m.value.i >= 0)
      f.file_type = file_type_name(uint32_t(m.value.i));
  }
  return f;
}

}  // namespace yak::eval::report
