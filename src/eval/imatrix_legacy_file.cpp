// llama.cpp's legacy imatrix.dat (eval/imatrix_files.h), read as untrusted input.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "eval/imatrix_files.h"
#include "format/byte_reader.h"
#include "yak/error.h"

namespace yak::eval {
namespace {

void put_i32(std::vector<uint8_t>& out, int32_t v) {
  const auto u = static_cast<uint32_t>(v);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(u >> (8 * i)));
}

void put_f32(std::vector<uint8_t>& out, float v) {
  uint32_t u;
  std::memcpy(&u, &v, sizeof u);
  put_i32(out, static_cast<int32_t>(u));
}

void put_bytes(std::vector<uint8_t>& out, const std::string& s) {
  out.insert(out.end(), s.begin(), s.end());
}

int32_t checked_i32(int64_t v, const std::string& what) {
  if (v < 0 || v > std::numeric_limits<int32_t>::max())
    fail("the importance matrix's {} ({}) does not fit a legacy .dat file", what, v);
  return static_cast<int32_t>(v);
}

}  // namespace

std::vector<uint8_t> legacy_imatrix_bytes(const Imatrix& imatrix) {
  // An entry that saw no rows cannot be told apart from one that did in this format.
  std::vector<const std::pair<const std::string, ImatrixEntry>*> stored;
  for (const auto& kv : imatrix.entries)
    if (std::any_of(kv.second.counts.begin(), kv.second.counts.end(),
                    [](int64_t c) { return c > 0; }))
      stored.push_back(&kv);
  if (stored.empty()) fail("the importance matrix has no entries with data to save");
  // A matrix loaded from a legacy file has no chunk size: its counts are ncall already.
  const int64_t chunk_size = imatrix.chunk_size > 0 ? imatrix.chunk_size : 1;

  std::vector<uint8_t> out;
  put_i32(out, checked_i32(static_cast<int64_t>(stored.size()), "entry count"));
  for (const auto* kv : stored) {
    const auto& [name, e] = *kv;
    if (e.counts.empty() || e.sums.size() % e.counts.size() != 0)
      fail("importance matrix entry {}: {} sums do not divide into {} matrices", name,
           e.sums.size(), e.counts.size());
    put_i32(out, checked_i32(static_cast<int64_t>(name.size()), "name length of " + name));
    put_bytes(out, name);
    const int64_t max_count = *std::max_element(e.counts.begin(), e.counts.end());
    const int64_t ncall = (max_count + chunk_size - 1) / chunk_size;  // never 0 for data
    put_i32(out, checked_i32(ncall, "call count of " + name));
    put_i32(out, checked_i32(static_cast<int64_t>(e.sums.size()), "value count of " + name));
    const size_t per_mat = e.sums.size() / e.counts.size();
    for (size_t i = 0; i < e.sums.size(); ++i) {
      const int64_t count = e.counts[i / per_mat];
      // A matrix (expert) that saw nothing is stored as 1, as llama.cpp stores it.
      const float mean = count > 0 ? e.sums[i] / static_cast<float>(count) : 1.0f;
      put_f32(out, mean * static_cast<float>(ncall));
    }
  }
  put_i32(out, checked_i32(imatrix.chunk_count, "chunk count"));
  const std::string dataset = imatrix.datasets.empty() ? std::string() : imatrix.datasets.back();
  put_i32(out, checked_i32(static_cast<int64_t>(dataset.size()), "dataset name length"));
  put_bytes(out, dataset);
  return out;
}

Imatrix parse_legacy_imatrix(std::span<const uint8_t> bytes, const std::string& name) {
  gguf::ByteReader in(bytes, name);
  Imatrix m;
  m.legacy = true;
  const uint64_t at = in.pos();
  const auto n_entries = in.read<int32_t>("the entry count");
  if (n_entries < 1 || n_entries > kMaxImatrixEntries)
    in.fail_at(at, "not an importance matrix: {} entries (expected 1 to {})", n_entries,
               kMaxImatrixEntries);
  for (int32_t i = 0; i < n_entries; ++i) {
    in.set_context(fmt::format("entry {}", i));
    const uint64_t len_at = in.pos();
    const auto len = in.read<int32_t>("the name length");
    if (len < 1 || len > kMaxImatrixNameBytes)
      in.fail_at(len_at, "name length {} is outside 1 to {}", len, kMaxImatrixNameBytes);
    const auto name_bytes = in.read_bytes(static_cast<uint64_t>(len), "the name");
    const std::string entry_name(name_bytes.begin(), name_bytes.end());
    in.set_context(fmt::format("entry {} ({})", i, entry_name));
    const uint64_t ncall_at = in.pos();
    const auto ncall = in.read<int32_t>("the call count");
    if (ncall < 0) in.fail_at(ncall_at, "negative call count {}", ncall);
    const uint64_t nval_at = in.pos();
    const auto nval = in.read<int32_t>("the value count");
    if (nval < 1) in.fail_at(nval_at, "value count {} is not positive", nval);
    in.need(uint64_t(nval) * 4, "the values");
    ImatrixEntry e;
    e.sums.resize(static_cast<size_t>(nval));
    for (int32_t k = 0; k < nval; ++k) {
      const uint64_t value_at = in.pos();
      const auto u = in.read<uint32_t>("a value");
      float v;
      std::memcpy(&v, &u, sizeof v);
      if (!std::isfinite(v)) in.fail_at(value_at, "value {} is not finite", v);
      e.sums[static_cast<size_t>(k)] = v;
    }
    // llama-quantize takes the values themselves when ncall is 0.
    e.counts = {ncall > 0 ? int64_t{ncall} : 1};
    if (!m.entries.emplace(entry_name, std::move(e)).second)
      in.fail_at(len_at, "entry {} appears twice", entry_name);
  }
  in.set_context("");
  // The chunk count and the dataset's name, which older files do not have.
  if (in.remaining() == 0) return m;
  const uint64_t chunks_at = in.pos();
  m.chunk_count = in.read<int32_t>("the chunk count");
  if (m.chunk_count < 0) in.fail_at(chunks_at, "negative chunk count {}", m.chunk_count);
  if (in.remaining() == 0) return m;
  const uint64_t len_at = in.pos();
  const auto len = in.read<int32_t>("the dataset name length");
  if (len < 0 || len > kMaxImatrixDatasetBytes)
    in.fail_at(len_at, "dataset name length {} is outside 0 to {}", len, kMaxImatrixDatasetBytes);
  const auto dataset = in.read_bytes(static_cast<uint64_t>(len), "the dataset name");
  if (len > 0) m.datasets.emplace_back(dataset.begin(), dataset.end());
  if (in.remaining() != 0)
    in.fail_at(in.pos(), "{} unexpected bytes after the end", in.remaining());
  return m;
}

}  // namespace yak::eval
