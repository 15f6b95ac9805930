// `yak inspect FILE`: what a GGUF file holds, without loading a model.
#include <fmt/format.h>

#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/commands.h"
#include "cli/inspect_architecture.h"
#include "yak/model_file.h"
#include "yak/text.h"

namespace yak::cli {
namespace {

struct InspectOptions {
  std::string path;
  bool json = false;
  size_t items = 8;
  bool all_items = false;
  bool no_tensors = false;
};

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

Totals totals_of(const std::vector<TensorEntry>& tensors) {
  Totals t;
  for (const TensorEntry& info : tensors) {
    auto& bt = t.by_type[info.type_name];
    ++bt.tensors;
    bt.supported = info.type_supported;
    bt.params += static_cast<uint64_t>(info.elements);
    bt.bytes += info.bytes;
    t.params += static_cast<uint64_t>(info.elements);
    t.bytes += info.bytes;
  }
  return t;
}

// Keys, names and string values are the file's bytes: escaped, so that a file cannot send
// escape sequences or bidi overrides to the terminal.
void print_text(const ModelFile& f, const InspectOptions& o) {
  const size_t items = o.all_items ? std::numeric_limits<size_t>::max() : o.items;
  fmt::print("file:        {}\n", escape_for_terminal(f.path()));
  fmt::print("version:     {}\n", f.version());
  fmt::print("alignment:   {}\n", f.alignment());
  fmt::print("data offset: {}\n", f.data_offset());
  fmt::print("file size:   {} ({})\n", f.file_size(), short_bytes(f.file_size()));

  const std::vector<MetadataEntry> metadata = f.metadata(items);
  std::vector<std::string> keys;
  size_t key_width = 0;
  for (const MetadataEntry& m : metadata) {
    keys.push_back(escape_for_terminal(m.key));
    key_width = std::max(key_width, keys.back().size());
  }
  fmt::print("\nmetadata ({} keys):\n", metadata.size());
  for (size_t i = 0; i < metadata.size(); ++i) {
    const MetadataEntry& m = metadata[i];
    std::string shown = m.text;
    if (m.value.kind == MetadataValue::Kind::kArray)
      shown = fmt::format("({} item{}) {}", m.value.count, m.value.count == 1 ? "" : "s", shown);
    fmt::print("  {:<{}}  {:<14} {}\n", keys[i], key_width, m.type_label, shown);
  }

  const std::vector<TensorEntry> tensors = f.tensors();
  if (!o.no_tensors) {
    std::vector<std::string> names;
    size_t name_width = 4;
    for (const TensorEntry& t : tensors) {
      names.push_back(escape_for_terminal(t.name));
      name_width = std::max(name_width, names.back().size());
    }
    fmt::print("\ntensors ({}):\n", tensors.size());
    // Type names are up to 6 characters (IQ4_NL, IQ4_XS).
    fmt::print("  {:<{}}  {:<6} {:<22} {:>12} {:>12}\n", "name", name_width, "type", "shape",
               "bytes", "offset");
    for (size_t i = 0; i < tensors.size(); ++i) {
      const TensorEntry& t = tensors[i];
      fmt::print("  {:<{}}  {:<6} {:<22} {:>12} {:>12}\n", names[i], name_width, t.type_name,
                 shape_string(t.shape), t.bytes, t.offset);
    }
  }

  const Totals totals = totals_of(tensors);
  fmt::print("\ntotals:\n");
  fmt::print("  tensors:    {}\n", tensors.size());
  fmt::print("  parameters: {} ({})\n", short_count(totals.params), totals.params);
  fmt::print("  bytes:      {} ({})\n", short_bytes(totals.bytes), totals.bytes);
  fmt::print("  by type:\n");
  for (const auto& [name, bt] : totals.by_type) {
    fmt::print("    {:<6} {:>5} tensors {:>9} params {:>11}{}\n", name, bt.tensors,
               short_count(bt.params), short_bytes(bt.bytes),
               bt.supported ? "" : "  (not supported by Yak)");
  }
  print_architecture(f.path());
}

nlohmann::json value_json(const MetadataValue& v) {
  switch (v.kind) {
    case MetadataValue::Kind::kUnsigned:
      return v.u;
    case MetadataValue::Kind::kSigned:
      return v.i;
    case MetadataValue::Kind::kFloat:
      return v.f;
    case MetadataValue::Kind::kBool:
      return v.b;
    case MetadataValue::Kind::kString:
      return v.s;
    case MetadataValue::Kind::kArray: {
      nlohmann::json shown = nlohmann::json::array();
      for (const MetadataValue& item : v.items) shown.push_back(value_json(item));
      return {{"element_type", v.element_type_name},
              {"count", v.count},
              {"items", std::move(shown)},
              {"truncated", v.count > v.items.size()}};
    }
  }
  return nullptr;
}

void print_json(const ModelFile& f, const InspectOptions& o) {
  const size_t items = o.all_items ? std::numeric_limits<size_t>::max() : o.items;
  nlohmann::json j;
  j["file"] = f.path();
  j["version"] = f.version();
  j["alignment"] = f.alignment();
  j["data_offset"] = f.data_offset();
  j["file_size"] = f.file_size();
  nlohmann::json metadata = nlohmann::json::array();
  for (const MetadataEntry& m : f.metadata(items))
    metadata.push_back(
        {{"key", m.key}, {"type", m.value.type_name}, {"value", value_json(m.value)}});
  j["metadata"] = std::move(metadata);
  const std::vector<TensorEntry> tensors = f.tensors();
  if (!o.no_tensors) {
    nlohmann::json list = nlohmann::json::array();
    for (const TensorEntry& t : tensors)
      list.push_back({{"name", t.name},
                      {"type", t.type_name},
                      {"shape", t.shape},
                      {"elements", t.elements},
                      {"bytes", t.bytes},
                      {"offset", t.offset}});
    j["tensors"] = std::move(list);
  }
  const Totals totals = totals_of(tensors);
  nlohmann::json by_type = nlohmann::json::object();
  for (const auto& [name, bt] : totals.by_type)
    by_type[name] = {{"tensors", bt.tensors}, {"parameters", bt.params}, {"bytes", bt.bytes}};
  j["totals"] = {{"tensors", tensors.size()},
                 {"parameters", totals.params},
                 {"bytes", totals.bytes},
                 {"by_type", std::move(by_type)}};
  j["architecture"] = architecture_json(f.path());
  // Keys, names and strings are the file's bytes, not always UTF-8; JSON must be. Each
  // invalid byte becomes U+FFFD (control characters are escaped as JSON does: \u001b).
  fmt::print("{}\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
}

void run_inspect(const InspectOptions& o) {
  const ModelFile f = ModelFile::open(o.path);
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
