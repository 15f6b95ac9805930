// Quantizing a model file: `yak quantize IN.gguf OUT.gguf Q4_K_M`.
//
// Every tensor gets the type the named mix gives it (the mixes of llama.cpp's
// llama-quantize: docs/quantize.md); a tensor already quantized is dequantized and
// quantized again. The output is written one tensor at a time from the memory-mapped input,
// so memory stays at a few tensors whatever the model's size.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "yak/imatrix.h"
#include "yak/threads.h"

namespace yak {

// The mix names accepted, e.g. "F16", "Q8_0", "Q4_K_M".
std::vector<std::string> quantize_type_names();

// One tensor of the plan: what it is in the input and what it becomes.
struct QuantizeTensorPlan {
  std::string name;
  std::vector<int64_t> shape;  // ggml order: shape[0] is the row length
  std::string from_type;       // e.g. "F16"
  std::string to_type;         // e.g. "Q6_K"
  bool fell_back = false;      // the row length did not fit the mix's type
  uint64_t from_bytes = 0;
  uint64_t to_bytes = 0;
  // With an importance matrix: whether this tensor's rounding was weighted by it, and, when
  // its type could use one but the matrix has no entry for it, that it was not.
  bool weighted = false;
  bool missing_importance = false;
};

struct QuantizePlan {
  std::string file_type;                    // the mix, as spelled in quantize_type_names()
  uint32_t file_type_id;                    // what general.file_type records (llama_ftype)
  std::vector<QuantizeTensorPlan> tensors;  // in file order
};

// The types the mix `type` gives each tensor of the file at `in_path`, without writing
// anything. Throws yak::Error for an unknown type or an unreadable file.
QuantizePlan plan_quantization(const std::string& in_path, const std::string& type);

struct QuantizeOptions {
  std::string type;                  // one of quantize_type_names() (any case)
  std::shared_ptr<Threads> threads;  // null: one per available core
  // An importance matrix (yak/imatrix.h; load_imatrix reads either of llama.cpp's files):
  // the K types, IQ4_NL, IQ4_XS and Q4_0/Q4_1/Q5_0/Q5_1 then minimise each weight's
  // rounding error weighted by its column's importance, and the mix takes llama-quantize's
  // imatrix rules. A tensor it has no entry for is quantized unweighted
  // (QuantizeTensorPlan::missing_importance); an entry whose column count is not the
  // tensor's row length is an error. The output records quantize.imatrix.file
  // (imatrix_path), .dataset, .entries_count and .chunks_count as llama-quantize does.
  // Null: none.
  std::shared_ptr<const Imatrix> imatrix;
  std::string imatrix_path;
  // Called after each tensor is written, with its plan, its index and the seconds it took.
  std::function<void(const QuantizeTensorPlan&, size_t index, size_t count, double seconds)>
      on_tensor;
};

struct QuantizeResult {
  QuantizePlan plan;
  uint64_t in_file_bytes = 0;
  uint64_t out_file_bytes = 0;
  uint64_t in_tensor_bytes = 0;
  uint64_t out_tensor_bytes = 0;
  uint64_t elements = 0;   // weights in all tensors
  size_t requantized = 0;  // tensors that were quantized in the input already
  size_t fell_back = 0;
  size_t weighted = 0;            // tensors rounded with importances
  size_t missing_importance = 0;  // tensors that could have been but had no entry
  double seconds = 0;
};

// Writes `out_path` (through a temporary file beside it, renamed when complete). Throws
// yak::Error when the type is unknown, the paths are the same file, the input cannot be read
// or holds a tensor type Yak cannot dequantize, an importance entry does not fit its tensor,
// or the output cannot be written.
QuantizeResult quantize_model(const std::string& in_path, const std::string& out_path,
                              const QuantizeOptions& options);

}  // namespace yak
