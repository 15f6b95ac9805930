#include "format/gguf_file.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <numeric>

#include "core/error.h"
#include "format/byte_reader.h"

namespace yak::gguf {

namespace {

constexpr uint64_t kMaxI64 = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

// The fewest bytes a value of each type takes in a file. Counts read from the
// file are checked against these before anything is allocated, so a count can
// never ask for more items than the rest of the file could hold.
uint64_t min_encoded_bytes(ValueType type) {
  switch (type) {
    case ValueType::U8:
    case ValueType::I8:
    case ValueType::BOOL:
      return 1;
    case ValueType::U16:
    case ValueType::I16:
      return 2;
    case ValueType::U32:
    case ValueType::I32:
    case ValueType::F32:
      return 4;
    case ValueType::U64:
    case ValueType::I64:
    case ValueType::F64:
    case ValueType::STRING:
      return 8;  // the length
    case ValueType::ARRAY:
      return 4 + 8;  // element type and count
  }
  return 1;
}

// Smallest tensor info: name length + 1 name byte + n_dims + 1 dim + type + offset.
constexpr uint64_t kMinTensorInfoBytes = 8 + 1 + 4 + 8 + 4 + 8;
// Smallest metadata entry: key length + 1 key byte + type + a 1-byte value.
constexpr uint64_t kMinMetadataBytes = 8 + 1 + 4 + 1;

constexpr std::string_view kAlignmentKey = "general.alignment";

}  // namespace

// Reads and validates a whole file into a File. Each step checks what it
// reads before using it; see gguf_file.h and docs/gguf.md.
class Parser {
 public:
  Parser(File& file, const Limits& limits)
      : f_(file), limits_(limits), r_(file.bytes_, file.name_) {}

  void run() {
    read_header();
    read_metadata();
    read_alignment();
    read_tensor_infos();
    place_tensor_data();
  }

 private:
  void read_header() {
    r_.need(4, "magic");
    static constexpr uint8_t kMagicBytes[4] = {'G', 'G', 'U', 'F'};
    if (std::memcmp(f_.bytes_.data(), kMagicBytes, 4) != 0) {
      const uint8_t* m = f_.bytes_.data();
      r_.fail_at(0, "bad magic: expected \"GGUF\" (47 47 55 46), found {:02x} {:02x} {:02x} {:02x}",
                 m[0], m[1], m[2], m[3]);
    }
    r_.read<uint32_t>("magic");
    const uint64_t version_pos = r_.pos();
    const auto version = r_.read<uint32_t>("version");
    const uint32_t swapped = byteswap32(version);
    if (version == 1)
      r_.fail_at(version_pos, "GGUF version 1 is not supported (only versions 2 and 3)");
    if (version != 2 && version != 3) {
      if (swapped >= 1 && swapped <= 3)
        r_.fail_at(version_pos,
                   "big-endian GGUF file (version {} stored big-endian): only little-endian "
                   "files are supported",
                   swapped);
      r_.fail_at(version_pos, "unsupported GGUF version {} (only versions 2 and 3)", version);
    }
    f_.version_ = version;

    const uint64_t tensor_count_pos = r_.pos();
    tensor_count_ = r_.read<uint64_t>("tensor count");
    if (tensor_count_ > limits_.max_tensors)
      r_.fail_at(tensor_count_pos, "tensor count {} is over the limit of {}", tensor_count_,
                 limits_.max_tensors);
    if (tensor_count_ > r_.remaining() / kMinTensorInfoBytes)
      r_.fail_at(tensor_count_pos,
                 "tensor count {} cannot fit in the {} bytes left in the file (truncated file "
                 "or corrupt count)",
                 tensor_count_, r_.remaining());

    const uint64_t kv_count_pos = r_.pos();
    kv_count_ = r_.read<uint64_t>("metadata count");
    if (kv_count_ > limits_.max_metadata_entries)
      r_.fail_at(kv_count_pos, "metadata count {} is over the limit of {}", kv_count_,
                 limits_.max_metadata_entries);
    if (kv_count_ > r_.remaining() / kMinMetadataBytes)
      r_.fail_at(kv_count_pos,
                 "metadata count {} cannot fit in the {} bytes left in the file (truncated "
                 "file or corrupt count)",
                 kv_count_, r_.remaining());
  }

  static uint32_t byteswap32(uint32_t v) {
    return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
  }

  void read_metadata() {
    f_.metadata_.reserve(kv_count_);
    for (uint64_t i = 0; i < kv_count_; ++i) {
      r_.set_context(fmt::format("metadata entry {}", i));
      const uint64_t key_pos = r_.pos();
      std::string key = r_.read_string("metadata key", limits_.max_name_bytes);
      if (key.empty()) r_.fail_at(key_pos, "empty metadata key");
      r_.set_context(fmt::format("metadata key {}", key));
      if (f_.key_index_.contains(key)) r_.fail_at(key_pos, "duplicate metadata key {}", key);
      const uint64_t type_pos = r_.pos();
      const ValueType type = read_value_type("value type");
      if (key == kAlignmentKey) alignment_pos_ = type_pos;
      Value value = read_value(type, 0);
      f_.key_index_.emplace(key, f_.metadata_.size());
      f_.metadata_.emplace_back(std::move(key), std::move(value));
    }
    r_.set_context("");
  }

  ValueType read_value_type(std::string_view what) {
    const uint64_t pos = r_.pos();
    const auto id = r_.read<uint32_t>(what);
    if (!is_valid_value_type(id)) r_.fail_at(pos, "invalid value type id {}", id);
    return static_cast<ValueType>(id);
  }

  Value read_value(ValueType type, int depth) {
    switch (type) {
      case ValueType::U8:
        return Value::u8(r_.read<uint8_t>("U8 value"));
      case ValueType::I8:
        return Value::i8(r_.read<int8_t>("I8 value"));
      case ValueType::U16:
        return Value::u16(r_.read<uint16_t>("U16 value"));
      case ValueType::I16:
        return Value::i16(r_.read<int16_t>("I16 value"));
      case ValueType::U32:
        return Value::u32(r_.read<uint32_t>("U32 value"));
      case ValueType::I32:
        return Value::i32(r_.read<int32_t>("I32 value"));
      case ValueType::U64:
        return Value::u64(r_.read<uint64_t>("U64 value"));
      case ValueType::I64:
        return Value::i64(r_.read<int64_t>("I64 value"));
      case ValueType::F32: {
        const auto bits = r_.read<uint32_t>("F32 value");
        return Value::f32(std::bit_cast<float>(bits));
      }
      case ValueType::F64: {
        const auto bits = r_.read<uint64_t>("F64 value");
        return Value::f64(std::bit_cast<double>(bits));
      }
      case ValueType::BOOL: {
        const uint64_t pos = r_.pos();
        const auto b = r_.read<uint8_t>("BOOL value");
        if (b > 1) r_.fail_at(pos, "invalid BOOL value {} (must be 0 or 1)", b);
        return Value::boolean(b == 1);
      }
      case ValueType::STRING: {
        const uint64_t pos = r_.pos();
        std::string text = r_.read_string("string value", limits_.max_string_bytes);
        charge_metadata(text.size(), pos);
        return Value::string(std::move(text));
      }
      case ValueType::ARRAY:
        return read_array(depth + 1);
    }
    YAK_CHECK(false);  // read_value_type admits only the ids above
    return {};
  }

  Value read_array(int depth) {
    const uint64_t pos = r_.pos();
    if (depth > limits_.max_array_depth)
      r_.fail_at(pos, "arrays nested deeper than the limit of {} levels", limits_.max_array_depth);
    const ValueType element_type = read_value_type("array element type");
    const uint64_t count_pos = r_.pos();
    const auto count = r_.read<uint64_t>("array count");
    if (count > limits_.max_array_items)
      r_.fail_at(count_pos, "array of {} items is over the limit of {}", count,
                 limits_.max_array_items);
    if (count > limits_.max_total_array_items - total_array_items_)
      r_.fail_at(count_pos, "array of {} items takes the file over the limit of {} array items",
                 count, limits_.max_total_array_items);
    if (count > r_.remaining() / min_encoded_bytes(element_type))
      r_.fail_at(count_pos, "truncated file: array of {} {} items cannot fit in the {} bytes left",
                 count, value_type_name(element_type), r_.remaining());
    total_array_items_ += count;
    charge_metadata(count * sizeof(Value), count_pos);  // count <= max_array_items: no overflow
    std::vector<Value> items;
    items.reserve(count);
    for (uint64_t i = 0; i < count; ++i) items.push_back(read_value(element_type, depth));
    return Value::array(element_type, std::move(items));
  }

  // Counts memory the parsed metadata takes, failing before it is allocated.
  void charge_metadata(uint64_t bytes, uint64_t pos) {
    if (bytes > limits_.max_metadata_bytes - metadata_bytes_)
      r_.fail_at(pos, "parsed metadata would take more than the limit of {} bytes of memory",
                 limits_.max_metadata_bytes);
    metadata_bytes_ += bytes;
  }

  void read_alignment() {
    const Value* v = f_.find(kAlignmentKey);
    if (v == nullptr) return;
    if (!v->is_integer())
      r_.fail_at(alignment_pos_, "{} must be an integer, got a {}", kAlignmentKey,
                 value_type_name(v->type()));
    const bool is_signed = v->type() == ValueType::I8 || v->type() == ValueType::I16 ||
                           v->type() == ValueType::I32 || v->type() == ValueType::I64;
    const uint64_t alignment =
        is_signed ? static_cast<uint64_t>(std::max<int64_t>(v->as_i64(), 0)) : v->as_u64();
    if (alignment == 0 || !std::has_single_bit(alignment) ||
        alignment > std::numeric_limits<uint32_t>::max())
      r_.fail_at(alignment_pos_, "{} must be a non-zero 32-bit power of two, got {}", kAlignmentKey,
                 v->to_display_string());
    f_.alignment_ = alignment;
  }

  void read_tensor_infos() {
    f_.tensors_.reserve(tensor_count_);
    offset_pos_.reserve(tensor_count_);
    for (uint64_t i = 0; i < tensor_count_; ++i) {
      r_.set_context(fmt::format("tensor info {}", i));
      TensorInfo t;
      const uint64_t name_pos = r_.pos();
      t.name = r_.read_string("tensor name", limits_.max_name_bytes);
      if (t.name.empty()) r_.fail_at(name_pos, "empty tensor name");
      r_.set_context(fmt::format("tensor {}", t.name));
      if (f_.tensor_index_.contains(t.name))
        r_.fail_at(name_pos, "duplicate tensor name {}", t.name);

      const uint64_t n_dims_pos = r_.pos();
      const auto n_dims = r_.read<uint32_t>("dimension count");
      if (n_dims == 0 || n_dims > static_cast<uint32_t>(kMaxDims))
        r_.fail_at(n_dims_pos, "dimension count {} is not in 1..{}", n_dims, kMaxDims);
      const uint64_t dims_pos = r_.pos();
      uint64_t elements = 1;
      for (uint32_t d = 0; d < n_dims; ++d) {
        const uint64_t dim_pos = r_.pos();
        const auto dim = r_.read<uint64_t>("dimension");
        if (dim == 0 || dim > kMaxI64)
          r_.fail_at(dim_pos, "dimension {} is {}: dimensions must be positive", d,
                     static_cast<int64_t>(dim));
        if (elements > kMaxI64 / dim)
          r_.fail_at(dim_pos, "element count overflows a signed 64-bit integer");
        elements *= dim;
        t.shape.push_back(static_cast<int64_t>(dim));
      }

      const uint64_t type_pos = r_.pos();
      const auto type_id = r_.read<uint32_t>("tensor type");
      const auto traits = dtype_traits(type_id);
      if (!traits) r_.fail_at(type_pos, "unknown tensor type id {}", type_id);
      t.type = static_cast<DType>(type_id);
      const auto row = row_bytes_checked(t.type, static_cast<uint64_t>(t.shape[0]));
      if (!row)
        r_.fail_at(dims_pos, "row length {} is not a multiple of the block size {} of {}",
                   t.shape[0], traits->block_size, traits->name);
      const uint64_t rows = elements / static_cast<uint64_t>(t.shape[0]);
      if (*row != 0 && rows > std::numeric_limits<uint64_t>::max() / *row)
        r_.fail_at(dims_pos, "tensor size in bytes overflows a 64-bit integer");
      t.size_bytes = *row * rows;

      const uint64_t offset_pos = r_.pos();
      t.offset = r_.read<uint64_t>("tensor data offset");
      if (t.offset % f_.alignment_ != 0)
        r_.fail_at(offset_pos, "tensor data offset {} is not a multiple of the alignment {}",
                   t.offset, f_.alignment_);
      f_.tensor_index_.emplace(t.name, f_.tensors_.size());
      f_.tensors_.push_back(std::move(t));
      offset_pos_.push_back(offset_pos);
    }
    r_.set_context("");
  }

  void place_tensor_data() {
    const uint64_t end_of_infos = r_.pos();
    // end_of_infos <= file size, so this cannot overflow for any real buffer.
    const uint64_t a = f_.alignment_;
    f_.data_offset_ = (end_of_infos + a - 1) / a * a;
    if (f_.tensors_.empty()) return;
    const uint64_t size = r_.size();
    if (f_.data_offset_ > size)
      r_.fail_at(end_of_infos,
                 "truncated file: the tensor data section would start at {}, past the end of "
                 "the file ({} bytes)",
                 f_.data_offset_, size);
    const uint64_t data_bytes = size - f_.data_offset_;
    for (size_t i = 0; i < f_.tensors_.size(); ++i) {
      TensorInfo& t = f_.tensors_[i];
      if (t.offset > data_bytes || t.size_bytes > data_bytes - t.offset)
        r_.fail_at(offset_pos_[i],
                   "tensor {} data ({} bytes at data offset {}) runs past the end of the file "
                   "(the data section holds {} bytes)",
                   t.name, t.size_bytes, t.offset, data_bytes);
      t.data = f_.bytes_.data() + f_.data_offset_ + t.offset;
    }
    std::vector<size_t> order(f_.tensors_.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(),
              [&](size_t x, size_t y) { return f_.tensors_[x].offset < f_.tensors_[y].offset; });
    for (size_t k = 1; k < order.size(); ++k) {
      const TensorInfo& prev = f_.tensors_[order[k - 1]];
      const TensorInfo& cur = f_.tensors_[order[k]];
      if (prev.offset + prev.size_bytes > cur.offset)
        r_.fail_at(offset_pos_[order[k]],
                   "tensor {} data [{}, {}) overlaps tensor {} data [{}, {})", cur.name, cur.offset,
                   cur.offset + cur.size_bytes, prev.name, prev.offset,
                   prev.offset + prev.size_bytes);
    }
  }

  File& f_;
  const Limits& limits_;
  ByteReader r_;
  uint64_t tensor_count_ = 0;
  uint64_t kv_count_ = 0;
  uint64_t total_array_items_ = 0;
  uint64_t metadata_bytes_ = 0;  // see Limits::max_metadata_bytes
  uint64_t alignment_pos_ = 0;
  std::vector<uint64_t> offset_pos_;  // where each tensor's offset field is, for errors
};

int64_t TensorInfo::element_count() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

int64_t TensorInfo::rows() const {
  int64_t n = 1;
  for (size_t i = 1; i < shape.size(); ++i) n *= shape[i];
  return n;
}

File File::open(const std::string& path, const Limits& limits) {
  auto mapping = std::make_shared<MappedFile>(path);
  try {
    File f = parse(mapping->bytes(), path, limits);
    f.mapping_ = std::move(mapping);
    return f;
  } catch (const Error&) {
    // A file cut short while being parsed reads as zeros, which fails
    // validation somewhere arbitrary; the real problem is the truncation.
    if (mapping->changed()) fail("{}: the file was truncated or changed while being read", path);
    throw;
  }
}

File File::parse(std::span<const uint8_t> bytes, std::string name, const Limits& limits) {
  File f;
  f.bytes_ = bytes;
  f.name_ = std::move(name);
  Parser(f, limits).run();
  return f;
}

const Value* File::find(std::string_view key) const {
  const auto it = key_index_.find(key);
  return it == key_index_.end() ? nullptr : &metadata_[it->second].second;
}

const Value& File::require(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) fail("{}: missing required key {}", name_, key);
  return *v;
}

const TensorInfo* File::find_tensor(std::string_view name) const {
  const auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const TensorInfo& File::require_tensor(std::string_view name) const {
  const TensorInfo* t = find_tensor(name);
  if (t == nullptr) fail("{}: missing tensor {}", name_, name);
  return *t;
}

}  // namespace yak::gguf
