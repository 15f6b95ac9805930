// `yak quantize IN.gguf OUT.gguf TYPE`: a model file in another type mix (docs/quantize.md).
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/commands.h"
#include "yak/quantize.h"
#include "yak/text.h"
#include "yak/threads.h"

namespace yak::cli {
namespace {

struct QuantizeFlags {
  std::string in_path;
  std::string out_path;
  std::string type;
  int32_t threads = 0;
  bool json = false;
};

double mib(uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

std::string shape_string(const std::vector<int64_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

nlohmann::json to_json(const QuantizeResult& r) {
  nlohmann::json tensors = nlohmann::json::array();
  for (const auto& t : r.plan.tensors)
    tensors.push_back({{"name", t.name},
                       {"shape", t.shape},
                       {"from", t.from_type},
                       {"to", t.to_type},
                       {"fell_back", t.fell_back},
                       {"from_bytes", t.from_bytes},
                       {"to_bytes", t.to_bytes}});
  const double elements = static_cast<double>(r.elements);
  return {{"type", r.plan.file_type},
          {"file_type", r.plan.file_type_id},
          {"in_file_bytes", r.in_file_bytes},
          {"out_file_bytes", r.out_file_bytes},
          {"in_tensor_bytes", r.in_tensor_bytes},
          {"out_tensor_bytes", r.out_tensor_bytes},
          {"elements", r.elements},
          {"in_bits_per_weight", elements > 0 ? r.in_tensor_bytes * 8.0 / elements : 0.0},
          {"out_bits_per_weight", elements > 0 ? r.out_tensor_bytes * 8.0 / elements : 0.0},
          {"requantized_tensors", r.requantized},
          {"fallback_tensors", r.fell_back},
          {"seconds", r.seconds},
          {"tensors", tensors}};
}

void run_quantize(const QuantizeFlags& f) {
  QuantizeOptions options;
  options.type = f.type;
  options.threads = std::make_shared<Threads>(f.threads);
  if (!f.json) {
    options.on_tensor = [](const QuantizeTensorPlan& t, size_t index, size_t count,
                           double seconds) {
      fmt::print(
          "[{:>4}/{}] {:<36} {:<18} {:>5} -> {:<5} {:>9.2f} MiB -> {:>9.2f} MiB {:6.2f} s{}\n",
          index + 1, count, escape_for_terminal(t.name), shape_string(t.shape), t.from_type,
          t.to_type, mib(t.from_bytes), mib(t.to_bytes), seconds,
          t.fell_back ? "  (row length does not fit the mix's type)" : "");
      std::fflush(stdout);
    };
  }
  const QuantizeResult r = quantize_model(f.in_path, f.out_path, options);
  if (f.json) {
    fmt::print("{}\n", to_json(r).dump(2));
    return;
  }
  const double elements = static_cast<double>(r.elements);
  if (r.requantized > 0)
    fmt::print(stderr,
               "yak: warning: {} tensors were quantized already and were requantized; quality "
               "is better from an F32, F16 or BF16 source\n",
               r.requantized);
  if (r.fell_back > 0)
    fmt::print("{} tensors got another type because their row length does not fit {}'s\n",
               r.fell_back, r.plan.file_type);
  fmt::print("type {} (general.file_type {}), {} tensors, {} threads\n", r.plan.file_type,
             r.plan.file_type_id, r.plan.tensors.size(), options.threads->size());
  fmt::print(
      "tensors: {:.2f} MiB ({:.2f} bits per weight) -> {:.2f} MiB ({:.2f} bits per weight)\n",
      mib(r.in_tensor_bytes), r.in_tensor_bytes * 8.0 / elements, mib(r.out_tensor_bytes),
      r.out_tensor_bytes * 8.0 / elements);
  fmt::print("file:    {:.2f} MiB -> {:.2f} MiB, written in {:.2f} s\n", mib(r.in_file_bytes),
             mib(r.out_file_bytes), r.seconds);
}

}  // namespace

void add_quantize_command(CLI::App& app) {
  auto flags = std::make_shared<QuantizeFlags>();
  std::string types;
  for (const auto& t : quantize_type_names()) types += (types.empty() ? "" : ", ") + t;
  CLI::App* cmd = app.add_subcommand(
      "quantize", "Write a model file with its tensors in another type mix (llama.cpp's mixes)");
  cmd->add_option("input", flags->in_path, "GGUF model to read (F32, F16, BF16 or quantized)")
      ->required();
  cmd->add_option("output", flags->out_path, "GGUF file to write")->required();
  cmd->add_option("type", flags->type, "Type mix: " + types)->required();
  cmd->add_option("-t,--threads", flags->threads, "Threads (default: one per available core)")
      ->check(CLI::Range(0, 1024));
  cmd->add_flag("--json", flags->json, "Print a machine-readable summary instead of progress");
  cmd->callback([flags] { run_quantize(*flags); });
}

}  // namespace yak::cli
