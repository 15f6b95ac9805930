// Reading GGUF files (versions 2 and 3).
//
// The file is memory-mapped and validated completely before anything is
// returned: every count, length, offset and shape from the file is checked
// against the file size and the limits below before it is used, so a hostile
// file cannot make the reader allocate, read or loop based on an unchecked
// field. Every problem is a yak::Error "FILE: offset N: problem".
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/dtype.h"
#include "core/mapped_file.h"
#include "format/gguf_value.h"

namespace yak::gguf {

inline constexpr uint32_t kMagic = 0x46554747;  // "GGUF" little-endian
inline constexpr uint64_t kDefaultAlignment = 32;
inline constexpr int kMaxDims = 4;

struct Limits {
  uint64_t max_tensors = 1u << 16;
  uint64_t max_metadata_entries = 1u << 16;
  uint64_t max_string_bytes = 64u << 20;      // one string (chat templates can be long)
  uint64_t max_array_items = 1u << 24;        // one array (vocabularies are ~150k-260k)
  uint64_t max_total_array_items = 1u << 26;  // all arrays together
  // Memory the parsed metadata may take (each array item's Value plus string bytes): an
  // array of one-byte items costs ~50x its bytes in the file, so the file size alone would
  // let a 100 MB file take 5 GB. Real files need ~20-80 MB (vocabularies and merges).
  uint64_t max_metadata_bytes = 512u << 20;
  int max_array_depth = 4;                    // arrays of arrays
  uint64_t max_name_bytes = 1024;             // tensor names and metadata keys
};

struct TensorInfo {
  std::string name;
  DType type = DType::F32;
  // ggml order: shape[0] is the contiguous (innermost) dimension, i.e. the row length.
  std::vector<int64_t> shape;
  uint64_t offset = 0;            // relative to the start of the tensor data section
  uint64_t size_bytes = 0;        // validated against the file size
  const uint8_t* data = nullptr;  // points into the mapping

  int64_t element_count() const;
  int64_t rows() const;  // product of all but shape[0]
};

class File {
 public:
  // Maps and validates `path`.
  static File open(const std::string& path, const Limits& limits = {});
  // Validates a buffer already in memory; `name` is used in error messages.
  // The buffer must outlive the returned File.
  static File parse(std::span<const uint8_t> bytes, std::string name, const Limits& limits = {});

  const std::string& name() const { return name_; }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }
  uint64_t file_size() const { return bytes_.size(); }

  // Metadata in file order.
  const std::vector<std::pair<std::string, Value>>& metadata() const { return metadata_; }
  const Value* find(std::string_view key) const;
  // Throws "FILE: missing required key KEY" when absent.
  const Value& require(std::string_view key) const;

  const std::vector<TensorInfo>& tensors() const { return tensors_; }

  // MappedFile::drop_pages for a range of this file's mapping; does nothing
  // for a parsed buffer.
  void drop_pages(const void* p, size_t n) const {
    if (mapping_) mapping_->drop_pages(p, n);
  }
  // MappedFile::changed: the file was truncated or modified since it was
  // mapped, so views into it may read zeros or other bytes. False for a
  // parsed buffer.
  bool changed() const { return mapping_ && mapping_->changed(); }
  const TensorInfo* find_tensor(std::string_view name) const;
  const TensorInfo& require_tensor(std::string_view name) const;

 private:
  File() = default;

  std::shared_ptr<MappedFile> mapping_;  // null when parsing a caller's buffer
  std::span<const uint8_t> bytes_;
  std::string name_;
  uint32_t version_ = 0;
  uint64_t alignment_ = kDefaultAlignment;
  uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, Value>> metadata_;
  std::vector<TensorInfo> tensors_;
  // Name -> index, for lookups in files with many keys or tensors.
  std::map<std::string, size_t, std::less<>> key_index_;
  std::map<std::string, size_t, std::less<>> tensor_index_;

  friend class Parser;
};

}  // namespace yak::gguf
