// `yak quantize IN.gguf OUT.gguf TYPE`: a model file in another type mix (docs/quantize.md).
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/commands.h"
#include "yak/imatrix.h"
#include "yak/quantize.h"
#include "yak/text.h"
#include "yak/threads.h"

namespace yak::cli {
namespace {

struct QuantizeFlags {
  std::string in_path;
  std::string out_path;
  std::string type;
  std::string imatrix;
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
                       {"weighted", t.weighted},
                       {"missing_importance", t.missing_importance},
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
          {"weighted_tensors", r.weighted},
          {"missing_importance_tensors", r.missing_importance},
          {"seconds", r.seconds},
          {"tensors", tensors}};
}

void run_quantize(const QuantizeFlags& f) {
  QuantizeOptions options;
  options.type = f.type;
  options.threads = std::make_shared<Threads>(f.threads);
  if (!f.imatrix.empty()) {
    options.imatrix = std::make_shared<Imatrix>(load_imatrix(f.imatrix));
    options.imatrix_path = f.imatrix;
    const Imatrix& m = *options.imatrix;
    // Progress and notes go to stderr with --json, which keeps stdout for the object.
    fmt::print(f.json ? stderr : stdout,
               "importance matrix {}: {} entries, {} chunks of {} tokens, dataset {}\n",
               escape_for_terminal(f.imatrix), m.entries.size(), m.chunk_count,
               m.chunk_size > 0 ? fmt::format("{}", m.chunk_size) : std::string("?"),
               m.datasets.empty() ? std::string("(none)") : escape_for_terminal(m.datasets[0]));
  }
  if (!f.json) {
    options.on_tensor = [](const QuantizeTensorPlan& t, size_t index, size_t count,
                           double seconds) {
      fmt::print(
          "[{:>4}/{}] {:<36} {:<18} {:>5} -> {:<5} {:>9.2f} MiB -> {:>9.2f} MiB {:6.2f} s{}{}\n",
          index + 1, count, escape_for_terminal(t.name), shape_string(t.shape), t.from_type,
          t.to_type, mib(t.from_bytes), mib(t.to_bytes), seconds,
          t.fell_back ? "  (row length does not fit the mix's type)" : "",
          t.missing_importance ? "  (no importance matrix entry: unweighted)" : "");
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
  if (options.imatrix)
    fmt::print("importance matrix: {} tensors weighted, {} without an entry (unweighted)\n",
               r.weighted, r.missing_importance);
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
  cmd->add_option("--imatrix", flags->imatrix,
                  "Importance matrix (yak imatrix or llama-imatrix; GGUF or legacy .dat) to "
                  "weight the rounding of K types and Q4_0/Q4_1/Q5_0/Q5_1 by");
  cmd->add_flag("--json", flags->json, "Print a machine-readable summary instead of progress");
  cmd->callback([flags] { run_quantize(*flags); });
}

}  // namespace yak::cli
