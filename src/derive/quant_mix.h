// The per-tensor type mixes known by names such as Q4_K_M: which type each tensor of a model
// gets for a requested file type. The rules are those of llama.cpp's llama-quantize (its
// src/llama-quant.cpp), so a file made by either tool has the same types tensor for tensor.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dtype.h"

namespace yak::derive {

// A file type (llama.cpp's llama_ftype): its number is what general.file_type records.
struct FileType {
  std::string_view name;  // as users type it: "Q4_K_M"
  uint32_t id;            // llama_ftype
  DType base;             // the type most tensors get
};

// The file types Yak makes, in the order `yak quantize --help` lists them.
const std::vector<FileType>& file_types();
// Case-insensitive lookup; nullopt for a name that is not one of file_types().
std::optional<FileType> find_file_type(std::string_view name);

// What the mix rules need to know about the model (from its GGUF metadata).
struct MixModel {
  std::string arch;       // general.architecture
  int64_t n_layer = 0;    // ARCH.block_count
  int64_t n_head = 0;     // ARCH.attention.head_count
  int64_t n_head_kv = 0;  // ARCH.attention.head_count_kv (n_head when absent)
  int64_t n_expert = 0;   // ARCH.expert_count (0 when absent)
};

struct MixTensor {
  std::string name;
  std::vector<int64_t> shape;  // ggml order: shape[0] is the row length
  DType type;                  // as stored in the source file
};

struct MixChoice {
  DType type;
  bool fell_back = false;  // the row length did not fit the chosen type's blocks
};

// The type of every tensor, in the order given. `has_imatrix` selects the rules llama.cpp
// applies when an importance matrix is given.
std::vector<MixChoice> choose_types(const MixModel& model, const std::vector<MixTensor>& tensors,
                                    const FileType& file_type, bool has_imatrix = false);

}  // namespace yak::derive
