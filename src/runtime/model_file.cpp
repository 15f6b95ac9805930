// yak::ModelFile (yak/model_file.h): the GGUF reader's view of a file, copied into the
// public types so that applications need no format headers.
#include "yak/model_file.h"

#include <fmt/format.h>

#include <utility>

#include "core/dtype.h"
#include "format/gguf_file.h"

namespace yak {

struct ModelFile::Impl {
  gguf::File file;
};

namespace {

using gguf::ValueType;

MetadataValue convert(const gguf::Value& v, size_t max_items) {
  MetadataValue out;
  out.type_name = std::string(gguf::value_type_name(v.type()));
  switch (v.type()) {
    case ValueType::U8:
    case ValueType::U16:
    case ValueType::U32:
    case ValueType::U64:
      out.kind = MetadataValue::Kind::kUnsigned;
      out.u = v.as_u64();
      break;
    case ValueType::I8:
    case ValueType::I16:
    case ValueType::I32:
    case ValueType::I64:
      out.kind = MetadataValue::Kind::kSigned;
      out.i = v.as_i64();
      break;
    case ValueType::F32:
    case ValueType::F64:
      out.kind = MetadataValue::Kind::kFloat;
      out.f = v.as_f64();
      break;
    case ValueType::BOOL:
      out.kind = MetadataValue::Kind::kBool;
      out.b = v.as_bool();
      break;
    case ValueType::STRING:
      out.kind = MetadataValue::Kind::kString;
      out.s = v.as_string();
      break;
    case ValueType::ARRAY: {
      const gguf::Value::Array& a = v.as_array();
      out.kind = MetadataValue::Kind::kArray;
      out.element_type_name = std::string(gguf::value_type_name(a.element_type));
      out.count = a.items.size();
      for (size_t i = 0; i < a.items.size() && i < max_items; ++i)
        out.items.push_back(convert(a.items[i], max_items));
      break;
    }
  }
  return out;
}

}  // namespace

ModelFile::ModelFile(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
ModelFile::~ModelFile() = default;
ModelFile::ModelFile(const ModelFile&) = default;
ModelFile& ModelFile::operator=(const ModelFile&) = default;

ModelFile ModelFile::open(const std::string& path) {
  return ModelFile(std::make_shared<const Impl>(Impl{gguf::File::open(path)}));
}

const std::string& ModelFile::path() const { return impl_->file.name(); }
uint32_t ModelFile::version() const { return impl_->file.version(); }
uint64_t ModelFile::alignment() const { return impl_->file.alignment(); }
uint64_t ModelFile::data_offset() const { return impl_->file.data_offset(); }
uint64_t ModelFile::file_size() const { return impl_->file.file_size(); }
size_t ModelFile::metadata_count() const { return impl_->file.metadata().size(); }

std::vector<MetadataEntry> ModelFile::metadata(size_t max_items) const {
  std::vector<MetadataEntry> out;
  out.reserve(impl_->file.metadata().size());
  for (const auto& [key, value] : impl_->file.metadata()) {
    MetadataEntry e;
    e.key = key;
    e.value = convert(value, max_items);
    e.type_label = value.type() == ValueType::ARRAY
                       ? fmt::format("ARRAY[{}]", e.value.element_type_name)
                       : e.value.type_name;
    e.text = value.to_display_string(max_items);
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<TensorEntry> ModelFile::tensors() const {
  std::vector<TensorEntry> out;
  out.reserve(impl_->file.tensors().size());
  for (const gguf::TensorInfo& t : impl_->file.tensors()) {
    out.push_back(TensorEntry{t.name, std::string(dtype_name(t.type)), traits(t.type).supported,
                              t.shape, t.element_count(), t.size_bytes, t.offset});
  }
  return out;
}

bool ModelFile::has_tensor(std::string_view name) const {
  return impl_->file.find_tensor(name) != nullptr;
}

}  // namespace yak
