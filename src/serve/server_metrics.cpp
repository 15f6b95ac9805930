#include "serve/server_metrics.h"

#include <algorithm>
#include <vector>

namespace yak::serve {
namespace {

// vLLM's buckets, so that its dashboards read these the same way.
const std::vector<double> kTtftBuckets = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,
                                          0.25,  0.5,   0.75, 1.0,  2.5,  5.0,  7.5,  10.0,
                                          20.0,  40.0,  80.0, 160., 640., 2560.};
const std::vector<double> kInterTokenBuckets = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2,
                                                0.3,  0.4,   0.5,  0.75,  1.0, 2.5,  5.0,
                                                7.5,  10.0,  20.0, 40.0,  80.0};
const std::vector<double> kRequestBuckets = {0.3,  0.5,  0.8,  1.0,  1.5,  2.0,   2.5,
                                             5.0,  10.0, 15.0, 20.0, 30.0, 40.0,  50.0,
                                             60.0, 120., 240., 480., 960., 1920., 7680.};

MetricLabels with(MetricLabels labels, std::string name, std::string value) {
  labels.emplace_back(std::move(name), std::move(value));
  return labels;
}

}  // namespace

ServerMetrics::ServerMetrics(const std::string& model_name)
    : labels_{{"model_name", model_name}},
      running_(
          registry_.gauge("yak:num_requests_running", "Requests decoding or prefilling.", labels_)),
      waiting_(
          registry_.gauge("yak:num_requests_waiting", "Requests waiting to be admitted.", labels_)),
      kv_usage_(registry_.gauge("yak:kv_cache_usage_perc",
                                "KV cache usage: the fraction of blocks held by running "
                                "sequences (1 means 100 percent).",
                                labels_)),
      prefix_queries_(registry_.counter("yak:prefix_cache_queries_total",
                                        "Prompt tokens looked up in the prefix cache.", labels_)),
      prefix_hits_(registry_.counter("yak:prefix_cache_hits_total",
                                     "Prompt tokens found in the prefix cache.", labels_)),
      preemptions_(registry_.counter("yak:num_preemptions_total",
                                     "Requests preempted to free KV blocks (recomputed later).",
                                     labels_)),
      grammar_masks_(registry_.counter("yak:grammar_masks_total",
                                       "Token masks of constrained requests (one per constrained "
                                       "token).",
                                       labels_)),
      grammar_mask_hits_(registry_.counter("yak:grammar_mask_cache_hits_total",
                                           "Token masks found in a grammar's mask cache.",
                                           labels_)),
      grammar_mask_seconds_(registry_.counter("yak:grammar_mask_seconds_total",
                                              "Time spent computing token masks.", labels_)),
      prompt_tokens_(
          registry_.counter("yak:prompt_tokens_total", "Prompt tokens processed.", labels_)),
      generation_tokens_(
          registry_.counter("yak:generation_tokens_total", "Tokens generated.", labels_)),
      ttft_(registry_.histogram("yak:time_to_first_token_seconds",
                                "From the request's arrival to its first generated token.",
                                kTtftBuckets, labels_)),
      inter_token_(registry_.histogram("yak:inter_token_latency_seconds",
                                       "Time between generated tokens.", kInterTokenBuckets,
                                       labels_)),
      e2e_(registry_.histogram("yak:e2e_request_latency_seconds",
                               "From the request's arrival to its end.", kRequestBuckets, labels_)),
      queue_(registry_.histogram("yak:request_queue_time_seconds",
                                 "Time a request waited before it was admitted.", kRequestBuckets,
                                 labels_)) {
  // Every finish reason is a series from the start, so a rate over it is never missing.
  for (const char* reason : {"stop", "length", "abort", "error"})
    registry_.counter("yak:request_success_total", "Finished requests, by finish reason.",
                      with(labels_, "finished_reason", reason));
}

void ServerMetrics::observe_queue(double seconds) { queue_.observe(seconds); }
void ServerMetrics::observe_first_token(double seconds) { ttft_.observe(seconds); }

void ServerMetrics::observe_inter_token(double seconds_per_token, size_t tokens) {
  for (size_t i = 0; i < tokens; ++i) inter_token_.observe(seconds_per_token);
}

void ServerMetrics::count_generated(size_t tokens) {
  generation_tokens_.inc(static_cast<double>(tokens));
}

void ServerMetrics::count_prompt(int64_t prompt_tokens) {
  prompt_tokens_.inc(static_cast<double>(prompt_tokens));
}

void ServerMetrics::observe_finished(const std::string& finish, double e2e_seconds) {
  const std::string reason = finish == "cancelled" ? "abort" : finish;
  registry_
      .counter("yak:request_success_total", "Finished requests, by finish reason.",
               with(labels_, "finished_reason", reason))
      .inc();
  e2e_.observe(e2e_seconds);
}

std::string ServerMetrics::render(const SchedulerStats* stats) {
  if (stats != nullptr) {
    const std::lock_guard<std::mutex> lock(scrape_mu_);
    running_.set(stats->running_requests);
    waiting_.set(stats->waiting_requests);
    const KvStats& kv = stats->kv;
    kv_usage_.set(kv.total_blocks > 0
                      ? static_cast<double>(kv.used_blocks) / static_cast<double>(kv.total_blocks)
                      : 0.0);
    // The scheduler keeps totals; the counters grow by what was added since the last scrape.
    const auto grow = [](Counter& counter, int64_t total, int64_t& seen, double unit = 1.0) {
      if (total > seen) counter.inc(static_cast<double>(total - seen) * unit);
      seen = std::max(seen, total);
    };
    grow(prefix_queries_, kv.prefix_queried_tokens, seen_queries_);
    grow(prefix_hits_, kv.prefix_hit_tokens, seen_hits_);
    grow(preemptions_, stats->preemptions, seen_preemptions_);
    grow(grammar_masks_, stats->grammar.masks, seen_grammar_masks_);
    grow(grammar_mask_hits_, stats->grammar.cache_hits, seen_grammar_mask_hits_);
    grow(grammar_mask_seconds_, stats->grammar.mask_nanoseconds, seen_grammar_mask_ns_, 1e-9);
  }
  return registry_.render();
}

}  // namespace yak::serve
