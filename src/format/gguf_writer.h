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

  // A tensor whose bytes are made only when the file is written: `produce` is called once,
  // in tensor order, and must pass exactly row_bytes(type, shape[0]) * rows bytes to `out`
  // (in any number of pieces). Lets a tool write a model larger than memory, one tensor at
  // a time.
  using ByteSink = std::function<void(const void*, size_t)>;
  using TensorProducer = std::function<void(const ByteSink& out)>;
  void add_tensor_streamed(const std::string& name, DType type, std::vector<int64_t> shape,
                           TensorProducer produce);

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
    uint64_t size = 0;       // bytes of data, or of what `produce` makes
    TensorProducer produce;  // set for streamed tensors (then `data` is empty)
  };
  // Validates name and shape; returns the tensor's byte size.
  uint64_t check_new_tensor(const std::string& name, DType type,
                            const std::vector<int64_t>& shape) const;
  uint64_t alignment_;
  std::vector<std::pair<std::string, Value>> metadata_;
  std::vector<PendingTensor> tensors_;
};

}  // namespace yak::gguf
