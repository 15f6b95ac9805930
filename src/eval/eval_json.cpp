// The --json objects of `yak eval perplexity|kld|tasks`, shared with `yak eval report`.
#include "yak/eval_json.h"

#include <cmath>
#include <filesystem>
#include <system_error>

namespace yak::eval {

const char* precision_name(Precision p) {
  switch (p) {
    case Precision::kExact:
      return "exact";
    case Precision::kFast:
      return "fast";
    case Precision::kDefault:
      break;
  }
  return "default";
}

nlohmann::json to_json(const Estimate& e) {
  return {{"value", e.value}, {"uncertainty", e.uncertainty}};
}

uint64_t model_file_bytes(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : uint64_t(size);
}

nlohmann::json perplexity_json(const PerplexityResult& r, const PerplexityRun& run) {
  return {{"model", run.model},
          {"model_bytes", run.model_bytes},
          {"text_file", run.text_file},
          {"precision", precision_name(run.precision)},
          {"n_ctx", r.n_ctx},
          {"n_batch", run.n_batch},
          {"n_threads", run.n_threads},
          {"n_text_tokens", r.n_text_tokens},
          {"n_chunks", r.n_chunks},
          {"n_scored", r.n_scored},
          {"ppl", r.ppl.value},
          {"ppl_uncertainty", r.ppl.uncertainty},
          {"nll", to_json(r.nll)},
          {"seconds", r.seconds},
          {"tokenize_seconds", run.tokenize_seconds},
          {"tokens_per_second", r.tokens_per_second},
          {"running_ppl", r.running_ppl}};
}

nlohmann::json kld_json(const KldResult& r, const KldRun& run) {
  return {{"model", run.model},
          {"model_bytes", run.model_bytes},
          {"text_file", run.text_file},
          {"precision", precision_name(run.precision)},
          {"base", run.base_description},
          {"base_logits", run.base_logits},
          {"n_ctx", r.n_ctx},
          {"n_text_tokens", run.n_text_tokens},
          {"n_chunks", r.n_chunks},
          {"n_positions", r.n_positions},
          {"top_k", r.top_k},
          {"tail_samples", r.tail_samples},
          {"n_batch", run.n_batch},
          {"n_threads", run.n_threads},
          {"ppl", to_json(r.ppl)},
          {"ppl_base", to_json(r.ppl_base)},
          {"ppl_correlation", r.ppl_correlation},
          {"ln_ppl_ratio", to_json(r.ln_ppl_ratio)},
          {"ppl_ratio", to_json(r.ppl_ratio)},
          {"delta_ppl", to_json(r.ppl_diff)},
          {"kld",
           {{"mean", r.kld.value},
            {"uncertainty", r.kld.uncertainty},
            {"max", r.kld_max},
            {"p99_9", r.kld_p999},
            {"p99", r.kld_p99},
            {"p95", r.kld_p95},
            {"p90", r.kld_p90},
            {"median", r.kld_median},
            {"p10", r.kld_p10},
            {"p5", r.kld_p05},
            {"p1", r.kld_p01},
            {"p0_1", r.kld_p001},
            {"min", r.kld_min}}},
          {"delta_p",
           {{"mean", r.delta_p.value},
            {"uncertainty", r.delta_p.uncertainty},
            {"rms", r.rms_delta_p.value},
            {"rms_uncertainty", r.rms_delta_p.uncertainty},
            {"max", r.delta_p_max},
            {"p99_9", r.delta_p_p999},
            {"p99", r.delta_p_p99},
            {"p95", r.delta_p_p95},
            {"p90", r.delta_p_p90},
            {"p75", r.delta_p_p75},
            {"median", r.delta_p_median},
            {"p25", r.delta_p_p25},
            {"p10", r.delta_p_p10},
            {"p5", r.delta_p_p05},
            {"p1", r.delta_p_p01},
            {"p0_1", r.delta_p_p001},
            {"min", r.delta_p_min}}},
          {"same_top", to_json(r.same_top)},
          {"seconds", r.seconds},
          {"tokens_per_second", r.tokens_per_second}};
}

nlohmann::json tasks_json(const std::vector<EvalTaskResult>& results, const TasksRun& run) {
  auto number = [](double v) {
    return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v);
  };
  nlohmann::json out;
  out["model"] = run.model;
  out["model_bytes"] = run.model_bytes;
  out["data_dir"] = run.data_dir;
  out["precision"] = precision_name(run.precision);
  out["shots"] = run.shots < 0 ? 0 : run.shots;
  out["limit"] = run.limit;
  out["seconds"] = run.seconds;
  nlohmann::json tasks = nlohmann::json::array();
  for (const auto& r : results) {
    nlohmann::json t;
    t["task"] = r.task;
    t["group"] = r.group;
    t["n"] = r.n_items;
    nlohmann::json metrics = nlohmann::json::object();
    for (const auto& m : r.metrics) {
      metrics[m.name] = number(m.value);
      metrics[m.name + "_stderr"] = m.std_error ? number(*m.std_error) : nlohmann::json(nullptr);
    }
    t["metrics"] = metrics;
    tasks.push_back(t);
  }
  out["results"] = tasks;
  return out;
}

}  // namespace yak::eval
