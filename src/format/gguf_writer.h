// Writing GGUF version 3 files: used by tests, the random-model generator and
// (later) the quantize/convert tools.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/dtype.h"
#include "format/gguf_value.h"

namespace yak::gguf {

class Writer {
 public:
  // A non-default alignment (a power of two) is recorded as general.alignment.
  explicit Writer(uint64_t alignment = kDefaultAlignmentForWriter);
  static constexpr uint64_t kDefaultAlignmentForWriter = 32;

  // Metadata keys are written in the order they are first set; setting a key
  // again replaces its value in place. Setting general.alignment changes the
  // alignment the tensors are written with.
  void set(const std::string& key, Value value);
  // `data` must hold exactly row_bytes(type, shape[0]) * rows bytes; it is copied.
  void add_tensor(const std::string& name, DType type, std::vector<int64_t> shape,
                  std::span<const uint8_t> data);

  // Serialises to bytes / to a file (throws yak::Error on I/O failure).
  std::vector<uint8_t> to_bytes() const;
  void write(const std::string& path) const;

 private:
  // Streams the file to `sink` in order; to_bytes and write share it.
  void emit(const std::function<void(const void*, size_t)>& sink) const;

  struct PendingTensor {
    std::string name;
    DType type;
    std::vector<int64_t> shape;
    std::vector<uint8_t> data;
  };
  uint64_t alignment_;
  std::vector<std::pair<std::string, Value>> metadata_;
  std::vector<PendingTensor> tensors_;
};

}  // namespace yak::gguf
