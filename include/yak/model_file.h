// A GGUF file described without loading a model: its header, metadata and tensor table, as
// `yak inspect` shows them. Opening validates the whole file (yak::Error naming the file,
// the offset and the problem), so a file that opens here is well-formed GGUF; whether it is
// a model Yak can run is Model::load's question.
//
//   const auto file = yak::ModelFile::open("model.gguf");
//   for (const yak::MetadataEntry& m : file.metadata(8)) print(m.key, m.type_label, m.text);
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace yak {

// One metadata value. Strings are the file's bytes, not necessarily valid UTF-8: print
// them through escape_for_terminal (yak/text.h) or MetadataEntry::text.
struct MetadataValue {
  enum class Kind { kUnsigned, kSigned, kFloat, kBool, kString, kArray };
  Kind kind = Kind::kUnsigned;
  std::string type_name;  // the GGUF type: "U8" ... "F64", "BOOL", "STRING", "ARRAY"
  uint64_t u = 0;         // kUnsigned
  int64_t i = 0;          // kSigned
  double f = 0;           // kFloat
  bool b = false;         // kBool
  std::string s;          // kString
  // kArray: the element type, the number of items in the file, and the first of them (as
  // many as were asked for).
  std::string element_type_name;
  uint64_t count = 0;
  std::vector<MetadataValue> items;
};

struct MetadataEntry {
  std::string key;         // as stored; may hold any bytes
  std::string type_label;  // "U32", "STRING", "ARRAY[STRING]"
  std::string text;        // the value for a terminal: escaped, strings cut short, arrays
                           // abbreviated to their first items
  MetadataValue value;
};

struct TensorEntry {
  std::string name;            // as stored; may hold any bytes
  std::string type_name;       // "F32", "Q4_1", ...
  bool type_supported = true;  // Yak can compute with this type
  std::vector<int64_t> shape;  // ggml order: shape[0] is the row length
  int64_t elements = 0;
  uint64_t bytes = 0;
  uint64_t offset = 0;  // from the start of the data section
};

class ModelFile {
 public:
  static ModelFile open(const std::string& path);
  ~ModelFile();
  ModelFile(const ModelFile&);
  ModelFile& operator=(const ModelFile&);

  const std::string& path() const;
  uint32_t version() const;
  uint64_t alignment() const;
  uint64_t data_offset() const;
  uint64_t file_size() const;

  // All entries in file order; arrays keep their first max_items items in `value.items`
  // and `text`.
  std::vector<MetadataEntry> metadata(size_t max_items) const;
  size_t metadata_count() const;
  // All tensors in file order.
  std::vector<TensorEntry> tensors() const;
  bool has_tensor(std::string_view name) const;

  struct Impl;

 private:
  explicit ModelFile(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;
};

}  // namespace yak
