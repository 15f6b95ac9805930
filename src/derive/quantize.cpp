// yak::quantize_model: the plan from derive/quant_mix, then one pass over the tensors in
// file order, each converted in slabs of rows by all threads and streamed to the writer.
#include "yak/quantize.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <system_error>
#include <vector>

#include "core/error.h"
#include "core/thread_pool.h"
#include "derive/importance_quantizer.h"
#include "derive/k_quantizer.h"
#include "derive/quant_mix.h"
#include "format/gguf_file.h"
#include "format/gguf_writer.h"
#include "kernels/cpu/ref/quant_ref.h"
#include "runtime/threads_impl.h"

namespace yak {
namespace {

using derive::FileType;
namespace fs = std::filesystem;

// Floats converted per slab: bounds the working memory at ~32 MiB of floats plus the
// slab's output, whatever the tensor's size.
constexpr int64_t kSlabFloats = int64_t{8} << 20;

FileType require_file_type(const std::string& name) {
  if (auto f = derive::find_file_type(name)) return *f;
  std::string known;
  for (const auto& f : derive::file_types())
    known += (known.empty() ? "" : ", ") + std::string(f.name);
  fail("unknown quantization type '{}' (known: {})", name, known);
}

int64_t int_key(const gguf::File& file, const std::string& key, int64_t fallback) {
  const gguf::Value* v = file.find(key);
  if (v == nullptr) return fallback;
  if (v->type() == gguf::ValueType::ARRAY) {
    // Per-layer head counts: the mix rules look at the first layer, as llama.cpp does.
    const auto items = v->as_int_array(key);
    return items.empty() ? fallback : items.front();
  }
  return v->as_i64(key);
}

derive::MixModel mix_model(const gguf::File& file) {
  derive::MixModel m;
  m.arch = file.require("general.architecture").as_string("general.architecture");
  m.n_layer = int_key(file, m.arch + ".block_count", -1);
  if (m.n_layer < 0) fail("{}: missing required key {}.block_count", file.name(), m.arch);
  m.n_head = int_key(file, m.arch + ".attention.head_count", 0);
  m.n_head_kv = int_key(file, m.arch + ".attention.head_count_kv", m.n_head);
  m.n_expert = int_key(file, m.arch + ".expert_count", 0);
  return m;
}

// The plan, and the chosen types in `types` when it is given.
QuantizePlan make_plan(const gguf::File& file, const FileType& ftype,
                       std::vector<DType>* types = nullptr, bool has_imatrix = false) {
  std::vector<derive::MixTensor> tensors;
  for (const auto& t : file.tensors()) tensors.push_back({t.name, t.shape, t.type});
  const auto choices = derive::choose_types(mix_model(file), tensors, ftype, has_imatrix);
  QuantizePlan plan{std::string(ftype.name), ftype.id, {}};
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto& t = file.tensors()[i];
    const DType to = choices[i].type;
    if (types != nullptr) types->push_back(to);
    plan.tensors.push_back({t.name, t.shape, std::string(dtype_name(t.type)),
                            std::string(dtype_name(to)), choices[i].fell_back, t.size_bytes,
                            row_bytes(to, t.shape[0]) * static_cast<uint64_t>(t.rows())});
  }
  return plan;
}

bool can_dequantize(DType t) { return traits(t).supported; }

void check_convertible(const gguf::File& file, const std::vector<DType>& targets) {
  for (size_t i = 0; i < targets.size(); ++i) {
    const auto& t = file.tensors()[i];
    if (t.type != targets[i] && !can_dequantize(t.type))
      fail("{}: tensor {} has type {}, which Yak cannot dequantize", file.name(), t.name,
           dtype_name(t.type));
  }
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  if (fs::equivalent(a, b, ec)) return true;
  return fs::weakly_canonical(a, ec) == fs::weakly_canonical(b, ec);
}

// Each tensor's importances, when the matrix has an entry for it and its type uses them:
// one row of shape[0] per matrix (an expert of a 3-D tensor has its own).
std::vector<std::vector<float>> tensor_importances(const gguf::File& file,
                                                   const std::vector<DType>& targets,
                                                   const Imatrix& imatrix, QuantizePlan& plan) {
  std::vector<std::vector<float>> out(targets.size());
  for (size_t i = 0; i < targets.size(); ++i) {
    const gguf::TensorInfo& t = file.tensors()[i];
    if (targets[i] == t.type || !derive::uses_importance(targets[i])) continue;
    const auto it = imatrix.entries.find(t.name);
    if (it == imatrix.entries.end()) {
      plan.tensors[i].missing_importance = true;
      continue;
    }
    const int64_t n_mat = t.shape.size() > 2 ? t.shape[2] : 1;
    const auto expected = static_cast<size_t>(t.shape[0] * n_mat);
    const ImatrixEntry& e = it->second;
    if (e.sums.size() != expected || e.counts.empty() || e.sums.size() % e.counts.size() != 0)
      fail(
          "the importance matrix's entry for {} has {} values in {} matrices, but the tensor "
          "has {} columns{} (a matrix made for another model?)",
          t.name, e.sums.size(), e.counts.size(), t.shape[0],
          n_mat > 1 ? fmt::format(" in {} matrices", n_mat) : std::string());
    out[i] = e.importance();
    plan.tensors[i].weighted = true;
  }
  return out;
}

// Converts one tensor's rows, a slab at a time, and passes the bytes on. `importance`, when
// not empty, holds shape[0] values per matrix of the tensor.
void convert_tensor(const gguf::File& file, const gguf::TensorInfo& t, DType to, ThreadPool& pool,
                    const std::vector<float>& importance, const gguf::Writer::ByteSink& out) {
  const int64_t row_len = t.shape[0];
  const int64_t rows = t.rows();
  const uint64_t in_row = row_bytes(t.type, row_len);
  const uint64_t out_row = row_bytes(to, row_len);
  const int64_t slab_rows = std::clamp<int64_t>(kSlabFloats / row_len, 1, rows);
  std::vector<float> floats(static_cast<size_t>(slab_rows * row_len));
  std::vector<uint8_t> bytes(static_cast<size_t>(slab_rows) * out_row);
  for (int64_t first = 0; first < rows; first += slab_rows) {
    const int64_t n = std::min(slab_rows, rows - first);
    pool.for_each_dynamic(n, [&](int64_t r) {
      float* row = floats.data() + r * row_len;
      kernels::ref::dequantize_row(t.type, t.data + (first + r) * in_row, row, row_len);
      if (importance.empty()) {
        derive::quantize_row_best(to, row, bytes.data() + r * out_row, row_len);
      } else {
        // Rows of one matrix follow each other: shape[1] rows per matrix.
        const int64_t matrix = t.shape.size() > 2 ? (first + r) / t.shape[1] : 0;
        derive::quantize_row_importance(to, row, bytes.data() + r * out_row, row_len,
                                        importance.data() + matrix * row_len);
      }
    });
    out(bytes.data(), static_cast<size_t>(n) * out_row);
    // What has been converted is not read again; let the kernel take the pages back.
    file.drop_pages(t.data + first * in_row, static_cast<size_t>(n) * in_row);
  }
}

// A tensor kept as it is, in pieces, so that its pages are given back as it goes.
void copy_tensor(const gguf::File& file, const gguf::TensorInfo& t,
                 const gguf::Writer::ByteSink& out) {
  constexpr uint64_t kPiece = uint64_t{16} << 20;
  for (uint64_t at = 0; at < t.size_bytes; at += kPiece) {
    const uint64_t n = std::min(kPiece, t.size_bytes - at);
    out(t.data + at, n);
    file.drop_pages(t.data + at, n);
  }
}

}  // namespace

std::vector<std::string> quantize_type_names() {
  std::vector<std::string> names;
  for (const auto& f : derive::file_types()) names.emplace_back(f.name);
  return names;
}

QuantizePlan plan_quantization(const std::string& in_path, const std::string& type) {
  const FileType ftype = require_file_type(type);
  return make_plan(gguf::File::open(in_path), ftype);
}

QuantizeResult quantize_model(const std::string& in_path, const std::string& out_path,
                              const QuantizeOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const FileType ftype = require_file_type(options.type);
  if (same_file(in_path, out_path))
    fail("the output {} is the input file; write the quantized model to another path", out_path);
  const gguf::File file = gguf::File::open(in_path);
  QuantizeResult result;
  std::vector<DType> targets;
  result.plan = make_plan(file, ftype, &targets, options.imatrix != nullptr);
  check_convertible(file, targets);
  // Checked before anything is written: a matrix that does not fit fails at once.
  const std::vector<std::vector<float>> importances =
      options.imatrix ? tensor_importances(file, targets, *options.imatrix, result.plan)
                      : std::vector<std::vector<float>>(targets.size());

  gguf::Writer writer;
  for (const auto& [key, value] : file.metadata()) {
    // A quantized file is one file, whatever the input was split into.
    if (key == "split.no" || key == "split.count" || key == "split.tensors.count") continue;
    writer.set(key, value);
  }
  writer.set("general.quantization_version", gguf::Value::u32(2));
  writer.set("general.file_type", gguf::Value::u32(ftype.id));
  if (options.imatrix) {
    // What llama-quantize records (its integers are u32).
    const Imatrix& m = *options.imatrix;
    writer.set("quantize.imatrix.file", gguf::Value::string(options.imatrix_path));
    if (!m.datasets.empty())
      writer.set("quantize.imatrix.dataset", gguf::Value::string(m.datasets.front()));
    writer.set("quantize.imatrix.entries_count",
               gguf::Value::u32(static_cast<uint32_t>(m.entries.size())));
    if (m.chunk_count > 0)
      writer.set("quantize.imatrix.chunks_count",
                 gguf::Value::u32(static_cast<uint32_t>(m.chunk_count)));
  }

  std::shared_ptr<Threads> threads = options.threads;
  if (!threads) threads = std::make_shared<Threads>(0);
  Threads::Impl& workers = threads->impl();
  std::lock_guard turn(workers.turn);

  const size_t count = file.tensors().size();
  for (size_t i = 0; i < count; ++i) {
    const gguf::TensorInfo& t = file.tensors()[i];
    const QuantizeTensorPlan& plan = result.plan.tensors[i];
    const DType to = targets[i];
    result.in_tensor_bytes += plan.from_bytes;
    result.out_tensor_bytes += plan.to_bytes;
    result.elements += static_cast<uint64_t>(t.element_count());
    if (plan.fell_back) ++result.fell_back;
    if (plan.weighted) ++result.weighted;
    if (plan.missing_importance) ++result.missing_importance;
    if (to != t.type && traits(t.type).block_size > 1 && traits(to).block_size > 1)
      ++result.requantized;
    writer.add_tensor_streamed(t.name, to, t.shape, [&, i, to](const gguf::Writer::ByteSink& out) {
      const auto began = std::chrono::steady_clock::now();
      if (to == t.type)
        copy_tensor(file, t, out);
      else
        convert_tensor(file, t, to, workers.pool, importances[i], out);
      // What has been converted is not read again; let the kernel take the pages back.
      file.drop_pages(t.data, t.size_bytes);
      if (file.changed()) fail("{}: the file changed while it was being read", file.name());
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - began;
      if (options.on_tensor) options.on_tensor(plan, i, count, took.count());
    });
  }

  const std::string part = out_path + ".part";
  try {
    writer.write(part);
    std::error_code renamed;
    fs::rename(part, out_path, renamed);
    if (renamed) fail("{}: cannot rename to {}: {}", part, out_path, renamed.message());
  } catch (...) {
    std::error_code ec;
    fs::remove(part, ec);
    throw;
  }
  result.in_file_bytes = file.file_size();
  std::error_code ec;
  result.out_file_bytes = fs::file_size(out_path, ec);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace yak
