// `yak inspect FILE`: what a GGUF file holds, without loading a model.
#include <fmt/format.h>

#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/commands.h"
#include "core/dtype.h"
#include "format/gguf_file.h"

namespace yak::cli {
namespace {

using gguf::File;
using gguf::TensorInfo;
using gguf::Value;
using gguf::ValueType;

struct InspectOptions {
  std::string path;
  bool json = false;
  size_t items = 8;
  bool all_items = false;
  bool no_tensors = false;
};

std::string type_label(const Value& v) {
  if (v.type() != ValueType::ARRAY) return std::string(gguf::value_type_name(v.type()));
  return fmt::format("ARRAY[{}]", gguf::value_type_name(v.as_array().element_type));
}

// 134515008 -> "134.5M": parameter counts as people quote them.
std::string short_count(uint64_t n) {
  if (n < 1000) return std::to_string(n);
  static constexpr const char* kUnits[] = {"K", "M", "B", "T"};
  double v = static_cast<double>(n);
  int unit = -1;
  while (v >= 1000.0 && unit < 3) {
    v /= 1000.0;
    ++unit;
  }
  return fmt::format("{:.1f}{}", v, kUnits[unit]);
}

std::string short_bytes(uint64_t n) {
  if (n < 1024) return fmt::format("{} B", n);
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int unit = -1;
  while (v >= 1024.0 && unit < 3) {
    v /= 1024.0;
    ++unit;
  }
  return fmt::format("{:.1f} {}", v, kUnits[unit]);
}

std::string shape_string(const std::vector<int64_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

struct TypeTotal {
  uint64_t tensors = 0;
  uint64_t params = 0;
  uint64_t bytes = 0;
  bool supported = true;
};

struct Totals {
  uint64_t params = 0;
  uint64_t bytes = 0;
  std::map<std::string, TypeTotal> by_type;
};

Totals totals_of(const File& f) {
  Totals t;
  for (const TensorInfo& info : f.tensors()) {
    auto& bt = t.by_type[std::string(dtype_name(info.type))];
    ++bt.tensors;
    bt.supported = traits(info.type).supported;
    bt.params += static_cast<uint64_t>(info.element_count());
    bt.bytes += info.size_bytes;
    t.params += static_cast<uint64_t>(info.element_count());
    t.bytes += info.size_bytes;
  }
  return t;
}

void print_text(const File& f, const InspectOptions& o) {
  const size_t items = o.all_items ? std::numeric_limits<size_t>::max() : o.items;
  fmt::print("file:        {}\n", f.name());
  fmt::print("version:     {}\n", f.version());
  fmt::print("alignment:   {}\n", f.alignment());
  fmt::print("data offset: {}\n", f.data_offset());
  fmt::print("file size:   {} ({})\n", f.file_size(), short_bytes(f.file_size()));

  size_t key_width = 0;
  for (const auto& [key, value] : f.metadata()) key_width = std::max(key_width, key.size());
  fmt::print("\nmetadata ({} keys):\n", f.metadata().size());
  for (const auto& [key, value] : f.metadata()) {
    std::string shown = value.to_display_string(items);
    if (value.type() == ValueType::ARRAY)
      shown = fmt::format("({} item{}) {}", value.as_array().items.size(),
                          value.as_array().items.size() == 1 ? "" : "s", shown);
    fmt::print("  {:<{}}  {:<14} {}\n", key, key_width, type_label(value), shown);
  }

  if (!o.no_tensors) {
    size_t name_width = 4;
    for (const TensorInfo& t : f.tensors()) name_width = std::max(name_width, t.name.size());
    fmt::print("\ntensors ({}):\n", f.tensors().size());
    fmt::print("  {:<{}}  {:<5} {:<22} {:>12} {:>12}\n", "name", name_width, "type", "shape",
               "bytes", "offset");
    for (const TensorInfo& t : f.tensors())
      fmt::print("  {:<{}}  {:<5} {:<22} {:>12} {:>12}\n", t.name, name_width, dtype_name(t.type),
                 shape_string(t.shape), t.size_bytes, t.offset);
  }

  const Totals totals = totals_of(f);
  fmt::print("\ntotals:\n");
  fmt::print("  tensors:    {}\n", f.tensors().size());
  fmt::print("  parameters: {} ({})\n", short_count(totals.params), totals.params);
  fmt::print("  bytes:      {} ({})\n", short_bytes(totals.bytes), totals.bytes);
  fmt::print("  by type:\n");
  for (const auto& [name, bt] : totals.by_type) {
    fmt::print("    {:<5} {:>5} tensors {:>9} params {:>11}{}\n", name, bt.tensors,
               short_count(bt.params), short_bytes(bt.bytes),
               bt.supported ? "" : "  (not supported by Yak)");
  }
}

nlohmann::json value_json(const Value& v, size_t items) {
  switch (v.type()) {
    case ValueType::U8:
    case ValueType::U16:
    case ValueType::U32:
    case ValueType::U64:
      return v.as_u64();
    case ValueType::I8:
    case ValueType::I16:
    case ValueType::I32:
    case ValueType::I64:
      return v.as_i64();
    case ValueType::F32:
    case ValueType::F64:
      return v.as_f64();
    case ValueType::BOOL:
      return v.as_bool();
    case ValueType::STRING:
      return v.as_string();
    case ValueType::ARRAY: {
      const Value::Array& a = v.as_array();
      nlohmann::json shown = nlohmann::json::array();
      for (size_t i = 0; i < a.items.size() && i < items; ++i)
        shown.push_back(value_json(a.items[i], items));
      return {{"element_type", gguf::value_type_name(a.element_type)},
              {"count", a.items.size()},
              {"items", std::move(shown)},
              {"truncated", a.items.size() > items}};
    }
  }
  return nullptr;
}

void print_json(const File& f, const InspectOptions& o) {
  const size_t items = o.all_items ? std::numeric_limits<size_t>::max() : o.items;
  nlohmann::json j;
  j["file"] = f.name();
  j["version"] = f.version();
  j["alignment"] = f.alignment();
  j["data_offset"] = f.data_offset();
  j["file_size"] = f.file_size();
  nlohmann::json metadata = nlohmann::json::array();
  for (const auto& [key, value] : f.metadata())
    metadata.push_back({{"key", key},
                        {"type", gguf::value_type_name(value.type())},
                        {"value", value_json(value, items)}});
  j["metadata"] = std::move(metadata);
  if (!o.no_tensors) {
    nlohmann::json tensors = nlohmann::json::array();
    for (const TensorInfo& t : f.tensors())
      tensors.push_back({{"name", t.name},
                         {"type", dtype_name(t.type)},
                         {"shape", t.shape},
                         {"elements", t.element_count()},
                         {"bytes", t.size_bytes},
                         {"offset", t.offset}});
    j["tensors"] = std::move(tensors);
  }
  const Totals totals = totals_of(f);
  nlohmann::json by_type = nlohmann::json::object();
  for (const auto& [name, bt] : totals.by_type)
    by_type[name] = {{"tensors", bt.tensors}, {"parameters", bt.params}, {"bytes", bt.bytes}};
  j["totals"] = {{"tensors", f.tensors().size()},
                 {"parameters", totals.params},
                 {"bytes", totals.bytes},
                 {"by_type", std::move(by_type)}};
  // Metadata strings are not guaranteed UTF-8; replace bad bytes rather than fail.
  fmt::print("{}\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
}

void run_inspect(const InspectOptions& o) {
  const File f = File::open(o.path);
  if (o.json)
    print_json(f, o);
  else
    print_text(f, o);
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto opts = std::make_shared<InspectOptions>();
  CLI::App* cmd = app.add_subcommand(
      "inspect",
      "Validate a GGUF file and show its header, metadata and tensors.\n"
      "Prints the format version, alignment, every metadata key with its type and value\n"
      "(arrays abbreviated to their first items), every tensor (name, type, shape, bytes,\n"
      "offset in the data section), then totals: tensor count, parameter count and bytes\n"
      "per tensor type. A malformed file is reported with the byte offset of the bad field.");
  cmd->add_option("file", opts->path, "GGUF file to inspect")->required();
  cmd->add_flag("--json", opts->json, "Print machine-readable JSON instead of text");
  cmd->add_option("--items", opts->items, "Array items shown per metadata array")
      ->capture_default_str()
      ->check(CLI::Range(0, 1 << 30));
  cmd->add_flag("--all-items", opts->all_items, "Show every item of metadata arrays");
  cmd->add_flag("--no-tensors", opts->no_tensors, "Leave out the per-tensor listing");
  cmd->callback([opts] { run_inspect(*opts); });
}

}  // namespace yak::cli
