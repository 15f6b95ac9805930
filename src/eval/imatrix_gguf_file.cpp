// llama.cpp's GGUF importance matrix (eval/imatrix_files.h). The container is validated by
// gguf::File; this checks what the tensors must be for an importance matrix.
#include <cmath>
#include <cstring>
#include <limits>
#include <map>

#include "eval/imatrix_files.h"
#include "format/gguf_file.h"
#include "format/gguf_writer.h"
#include "yak/error.h"

namespace yak::eval {
namespace {

constexpr std::string_view kSums = ".in_sum2";
constexpr std::string_view kCounts = ".counts";

std::span<const uint8_t> float_bytes(const std::vector<float>& v) {
  return {reinterpret_cast<const uint8_t*>(v.data()), v.size() * sizeof(float)};
}

std::vector<float> floats_of(const gguf::TensorInfo& t) {
  std::vector<float> v(static_cast<size_t>(t.element_count()));
  std::memcpy(v.data(), t.data, v.size() * sizeof(float));
  return v;
}

uint32_t u32_key(const gguf::File& f, const char* key) {
  const gguf::Value* v = f.find(key);
  return v != nullptr ? v->as_u32(key) : 0;
}

}  // namespace

std::vector<uint8_t> gguf_imatrix_bytes(const Imatrix& imatrix) {
  if (imatrix.entries.empty()) fail("the importance matrix has no entries to save");
  gguf::Writer w;
  w.set("general.type", gguf::Value::string("imatrix"));
  std::vector<gguf::Value> datasets;
  for (const std::string& d : imatrix.datasets) datasets.push_back(gguf::Value::string(d));
  w.set("imatrix.datasets", gguf::Value::array(gguf::ValueType::STRING, std::move(datasets)));
  w.set("imatrix.chunk_count", gguf::Value::u32(static_cast<uint32_t>(imatrix.chunk_count)));
  w.set("imatrix.chunk_size", gguf::Value::u32(static_cast<uint32_t>(imatrix.chunk_size)));
  for (const auto& [name, e] : imatrix.entries) {  // std::map: sorted by name
    const auto n_mat = static_cast<int64_t>(e.counts.size());
    if (n_mat == 0 || e.sums.empty() || e.sums.size() % e.counts.size() != 0)
      fail("importance matrix entry {}: {} sums do not divide into {} matrices", name,
           e.sums.size(), e.counts.size());
    std::vector<float> counts;
    for (int64_t c : e.counts) counts.push_back(static_cast<float>(c));
    w.add_tensor(name + std::string(kSums), DType::F32, {e.n_columns(), n_mat},
                 float_bytes(e.sums));
    w.add_tensor(name + std::string(kCounts), DType::F32, {1, n_mat}, float_bytes(counts));
  }
  return w.to_bytes();
}

Imatrix parse_gguf_imatrix(std::span<const uint8_t> bytes, const std::string& name) {
  const gguf::File f = gguf::File::parse(bytes, name);
  if (const gguf::Value* type = f.find("general.type");
      type != nullptr && type->type() == gguf::ValueType::STRING && type->as_string() != "imatrix")
    fail("{}: not an importance matrix (general.type is '{}')", name, type->as_string());
  Imatrix m;
  if (const gguf::Value* d = f.find("imatrix.datasets"))
    m.datasets = d->as_string_array("imatrix.datasets");
  m.chunk_count = static_cast<int32_t>(
      std::min<uint32_t>(u32_key(f, "imatrix.chunk_count"), std::numeric_limits<int32_t>::max()));
  m.chunk_size = static_cast<int32_t>(
      std::min<uint32_t>(u32_key(f, "imatrix.chunk_size"), std::numeric_limits<int32_t>::max()));

  std::map<std::string, std::pair<const gguf::TensorInfo*, const gguf::TensorInfo*>> pairs;
  for (const gguf::TensorInfo& t : f.tensors()) {
    if (t.name.ends_with(kSums))
      pairs[t.name.substr(0, t.name.size() - kSums.size())].first = &t;
    else if (t.name.ends_with(kCounts))
      pairs[t.name.substr(0, t.name.size() - kCounts.size())].second = &t;
  }
  if (pairs.empty())
    fail("{}: not an importance matrix (no *{} or *{} tensors)", name, kSums, kCounts);
  for (const auto& [entry, st] : pairs) {
    const auto [sums, counts] = st;
    if (sums == nullptr || counts == nullptr)
      fail("{}: entry {} has {} but not {}", name, entry, sums ? kSums : kCounts,
           sums ? kCounts : kSums);
    if (sums->type != DType::F32 || counts->type != DType::F32)
      fail("{}: the sums and counts of {} must be F32, not {} and {}", name, entry,
           dtype_name(sums->type), dtype_name(counts->type));
    const int64_t n_mat = counts->element_count();
    if (n_mat < 1 || sums->element_count() < 1 || sums->element_count() % n_mat != 0)
      fail("{}: entry {} has {} sums, which do not divide into its {} counts", name, entry,
           sums->element_count(), n_mat);
    ImatrixEntry e;
    e.sums = floats_of(*sums);
    for (size_t i = 0; i < e.sums.size(); ++i)
      if (!std::isfinite(e.sums[i]) || e.sums[i] < 0.0f)
        fail("{}: sum {} of {} is {}, not a finite sum of squares", name, i, entry, e.sums[i]);
    for (float c : floats_of(*counts)) {
      // Counts are whole numbers of rows; 2^53 is far past any text and exact in a double.
      if (!std::isfinite(c) || c < 0.0f || c > 9.0e15f)
        fail("{}: a count of {} is {}, not a number of rows", name, entry, c);
      e.counts.push_back(std::llround(c));
    }
    m.entries.emplace(entry, std::move(e));
  }
  return m;
}

}  // namespace yak::eval
