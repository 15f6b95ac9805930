#include "format/gguf_writer.h"

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>

#include "core/error.h"
#include "format/gguf_file.h"

namespace yak::gguf {
namespace {

constexpr uint32_t kWriteVersion = 3;
constexpr std::string_view kAlignmentKey = "general.alignment";

uint64_t checked_alignment(uint64_t a) {
  if (a == 0 || !std::has_single_bit(a) || a > std::numeric_limits<uint32_t>::max())
    fail("GGUF writer: alignment must be a non-zero 32-bit power of two, got {}", a);
  return a;
}

uint64_t align_up(uint64_t n, uint64_t a) { return (n + a - 1) / a * a; }

// Arrays whose items do not all have the declared element type would be
// written as garbage, so they are refused when set.
void check_value(const std::string& key, const Value& v, int depth) {
  if (v.type() != ValueType::ARRAY) return;
  if (depth >= Limits{}.max_array_depth)
    fail("GGUF writer: key {}: arrays nested deeper than {} levels", key, Limits{}.max_array_depth);
  const Value::Array& a = v.as_array(key);
  for (const Value& item : a.items) {
    if (item.type() != a.element_type)
      fail("GGUF writer: key {}: array of {} holds a {}", key, value_type_name(a.element_type),
           value_type_name(item.type()));
    check_value(key, item, depth + 1);
  }
}

class Sink {
 public:
  explicit Sink(const std::function<void(const void*, size_t)>& out) : out_(out) {}

  template <typename T>
  void put(T v) {
    static_assert(std::is_integral_v<T>);
    uint8_t b[sizeof(T)];
    auto u = static_cast<std::make_unsigned_t<T>>(v);
    for (size_t i = 0; i < sizeof(T); ++i) b[i] = static_cast<uint8_t>(u >> (8 * i));
    bytes(b, sizeof(T));
  }
  void string(std::string_view s) {
    put<uint64_t>(s.size());
    bytes(s.data(), s.size());
  }
  void pad_to(uint64_t alignment) {
    static constexpr uint8_t kZeros[64] = {};
    while (pos_ % alignment != 0) {
      const uint64_t n = std::min<uint64_t>(sizeof(kZeros), alignment - pos_ % alignment);
      bytes(kZeros, n);
    }
  }
  void bytes(const void* p, size_t n) {
    if (n == 0) return;
    out_(p, n);
    pos_ += n;
  }
  uint64_t pos() const { return pos_; }

  void value(const Value& v) {
    switch (v.type()) {
      case ValueType::U8:
        put(static_cast<uint8_t>(v.as_u64()));
        break;
      case ValueType::I8:
        put(static_cast<int8_t>(v.as_i64()));
        break;
      case ValueType::U16:
        put(static_cast<uint16_t>(v.as_u64()));
        break;
      case ValueType::I16:
        put(static_cast<int16_t>(v.as_i64()));
        break;
      case ValueType::U32:
        put(static_cast<uint32_t>(v.as_u64()));
        break;
      case ValueType::I32:
        put(static_cast<int32_t>(v.as_i64()));
        break;
      case ValueType::U64:
        put(v.as_u64());
        break;
      case ValueType::I64:
        put(v.as_i64());
        break;
      case ValueType::F32:
        put(std::bit_cast<uint32_t>(static_cast<float>(v.as_f64())));
        break;
      case ValueType::F64:
        put(std::bit_cast<uint64_t>(v.as_f64()));
        break;
      case ValueType::BOOL:
        put(static_cast<uint8_t>(v.as_bool() ? 1 : 0));
        break;
      case ValueType::STRING:
        string(v.as_string());
        break;
      case ValueType::ARRAY: {
        const Value::Array& a = v.as_array();
        put(static_cast<uint32_t>(a.element_type));
        put<uint64_t>(a.items.size());
        for (const Value& item : a.items) value(item);
        break;
      }
    }
  }

 private:
  const std::function<void(const void*, size_t)>& out_;
  uint64_t pos_ = 0;
};

}  // namespace

Writer::Writer(uint64_t alignment) : alignment_(checked_alignment(alignment)) {
  if (alignment_ != kDefaultAlignmentForWriter)
    metadata_.emplace_back(std::string(kAlignmentKey),
                           Value::u32(static_cast<uint32_t>(alignment_)));
}

void Writer::set(const std::string& key, Value value) {
  if (key.empty()) fail("GGUF writer: empty metadata key");
  check_value(key, value, 0);
  if (key == kAlignmentKey) {
    if (!value.is_integer())
      fail("GGUF writer: {} must be an integer, got a {}", key, value_type_name(value.type()));
    alignment_ = checked_alignment(value.as_u64(key));
  }
  for (auto& [k, v] : metadata_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  metadata_.emplace_back(key, std::move(value));
}

uint64_t Writer::check_new_tensor(const std::string& name, DType type,
                                  const std::vector<int64_t>& shape) const {
  if (name.empty()) fail("GGUF writer: empty tensor name");
  for (const auto& t : tensors_)
    if (t.name == name) fail("GGUF writer: duplicate tensor name {}", name);
  if (shape.empty() || shape.size() > static_cast<size_t>(kMaxDims))
    fail("GGUF writer: tensor {}: {} dimensions, must be 1..{}", name, shape.size(), kMaxDims);
  uint64_t rows = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] <= 0) fail("GGUF writer: tensor {}: dimension {} is {}", name, i, shape[i]);
    if (i > 0) {
      if (rows > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(shape[i]))
        fail("GGUF writer: tensor {}: element count overflows", name);
      rows *= static_cast<uint64_t>(shape[i]);
    }
  }
  const auto row = row_bytes_checked(type, static_cast<uint64_t>(shape[0]));
  if (!row)
    fail("GGUF writer: tensor {}: row length {} is not a multiple of the block size of {}", name,
         shape[0], dtype_name(type));
  if (*row != 0 && rows > std::numeric_limits<uint64_t>::max() / *row)
    fail("GGUF writer: tensor {}: byte size overflows", name);
  return *row * rows;
}

void Writer::add_tensor(const std::string& name, DType type, std::vector<int64_t> shape,
                        std::span<const uint8_t> data) {
  const uint64_t size = check_new_tensor(name, type, shape);
  if (size != data.size())
    fail("GGUF writer: tensor {}: {} data bytes given, the shape needs {}", name, data.size(),
         size);
  tensors_.push_back({name, type, std::move(shape), {data.begin(), data.end()}, size, {}});
}

void Writer::add_tensor_streamed(const std::string& name, DType type, std::vector<int64_t> shape,
                                 TensorProducer produce) {
  if (!produce) fail("GGUF writer: tensor {}: no producer", name);
  const uint64_t size = check_new_tensor(name, type, shape);
  tensors_.push_back({name, type, std::move(shape), {}, size, std::move(produce)});
}

void Writer::emit(const std::function<void(const void*, size_t)>& out) const {
  Sink s(out);
  s.bytes("GGUF", 4);
  s.put(kWriteVersion);
  s.put<uint64_t>(tensors_.size());
  s.put<uint64_t>(metadata_.size());
  for (const auto& [key, value] : metadata_) {
    s.string(key);
    s.put(static_cast<uint32_t>(value.type()));
    s.value(value);
  }
  std::vector<uint64_t> offsets;
  uint64_t next = 0;
  for (const auto& t : tensors_) {
    next = align_up(next, alignment_);
    offsets.push_back(next);
    next += t.size;
  }
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const auto& t = tensors_[i];
    s.string(t.name);
    s.put(static_cast<uint32_t>(t.shape.size()));
    for (int64_t d : t.shape) s.put(static_cast<uint64_t>(d));
    s.put(static_cast<uint32_t>(t.type));
    s.put(offsets[i]);
  }
  s.pad_to(alignment_);
  const uint64_t data_start = s.pos();
  for (size_t i = 0; i < tensors_.size(); ++i) {
    s.pad_to(alignment_);
    YAK_CHECK(s.pos() == data_start + offsets[i]);
    const PendingTensor& t = tensors_[i];
    if (!t.produce) {
      s.bytes(t.data.data(), t.data.size());
      continue;
    }
    uint64_t made = 0;
    t.produce([&](const void* p, size_t n) {
      if (made + n > t.size)
        fail("GGUF writer: tensor {}: producer made more than the {} bytes its shape needs", t.name,
             t.size);
      made += n;
      s.bytes(p, n);
    });
    if (made != t.size)
      fail("GGUF writer: tensor {}: producer made {} bytes, the shape needs {}", t.name, made,
           t.size);
  }
  // ggml's reader reads the data section as every tensor padded, the last one too: a file
  // whose last tensor is not a multiple of the alignment (an importance matrix's 4-byte
  // counts) is refused by llama.cpp without this.
  if (!tensors_.empty()) s.pad_to(alignment_);
}

std::vector<uint8_t> Writer::to_bytes() const {
  std::vector<uint8_t> out;
  emit([&](const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    out.insert(out.end(), b, b + n);
  });
  return out;
}

void Writer::write(const std::string& path) const {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) fail("{}: cannot open for writing: {}", path, std::strerror(errno));
  bool ok = true;
  int err = 0;
  emit([&](const void* p, size_t n) {
    if (ok && std::fwrite(p, 1, n, f) != n) {
      ok = false;
      err = errno;
    }
  });
  if (std::fclose(f) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (!ok) fail("{}: cannot write: {}", path, std::strerror(err));
}

}  // namespace yak::gguf
