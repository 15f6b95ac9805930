// The server's Prometheus metrics, with vLLM's names under a yak: prefix and a model_name
// label, as dashboards built for vLLM expect:
//   gauges      yak:num_requests_running, yak:num_requests_waiting, yak:kv_cache_usage_perc
//               (0..1, as vLLM's), set from the scheduler at each scrape
//   counters    yak:prefix_cache_queries_total, yak:prefix_cache_hits_total (tokens),
//               yak:prompt_tokens_total, yak:generation_tokens_total,
//               yak:request_success_total{finished_reason="stop|length|abort|error"}
//   histograms  yak:time_to_first_token_seconds, yak:inter_token_latency_seconds (one
//               observation per generated token after the first), yak:e2e_request_latency_seconds,
//               yak:request_queue_time_seconds
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "serve/metrics/metrics_registry.h"
#include "yak/scheduler.h"

namespace yak::serve {

class ServerMetrics {
 public:
  explicit ServerMetrics(const std::string& model_name);

  void observe_queue(double seconds);
  void observe_first_token(double seconds);
  void observe_inter_token(double seconds_per_token, size_t tokens);
  void count_generated(size_t tokens);
  void count_prompt(int64_t prompt_tokens);
  // finish: stop | length | cancelled | error (a request's last state, as the log shows it).
  void observe_finished(const std::string& finish, double e2e_seconds);

  // The exposition text; `stats` is null while the model loads.
  std::string render(const SchedulerStats* stats);

 private:
  MetricLabels labels_;
  MetricsRegistry registry_;
  Gauge& running_;
  Gauge& waiting_;
  Gauge& kv_usage_;
  Counter& prefix_queries_;
  Counter& prefix_hits_;
  Counter& preemptions_;
  Counter& grammar_masks_;
  Counter& grammar_mask_hits_;
  Counter& grammar_mask_seconds_;
  Counter& prompt_tokens_;
  Counter& generation_tokens_;
  Histogram& ttft_;
  Histogram& inter_token_;
  Histogram& e2e_;
  Histogram& queue_;
  std::mutex scrape_mu_;
  int64_t seen_queries_ = 0;  // the scheduler's totals at the last scrape
  int64_t seen_hits_ = 0;
  int64_t seen_preemptions_ = 0;
  int64_t seen_grammar_masks_ = 0;
  int64_t seen_grammar_mask_hits_ = 0;
  int64_t seen_grammar_mask_ns_ = 0;
};

}  // namespace yak::serve
