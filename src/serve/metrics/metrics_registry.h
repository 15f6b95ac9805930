// Prometheus metrics: counters, gauges and histograms with labels, safe to update from any
// thread, rendered in the text exposition format 0.0.4 for GET /metrics.
//
//   MetricsRegistry registry;
//   auto& done = registry.counter("yak:request_success_total", "Finished requests.",
//                                 {{"finished_reason", "stop"}});
//   auto& ttft = registry.histogram("yak:time_to_first_token_seconds", "Time to first token.",
//                                   {0.01, 0.1, 1, 10});
//   done.inc(); ttft.observe(0.25);
//   writer->send(200, {{"content-type", std::string(MetricsRegistry::kContentType)}},
//                registry.render());
//
// Each (name, labels) pair is one series, made on first use; asking again returns the same
// object, whose address stays valid as long as the registry does (keep the reference rather
// than looking it up per event).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace yak::serve {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  // Throws yak::Error for a negative amount: a counter only grows.
  void inc(double amount = 1);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void inc(double amount = 1) { value_.fetch_add(amount, std::memory_order_relaxed); }
  void dec(double amount = 1) { value_.fetch_sub(amount, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // `upper_bounds`: the finite bucket bounds, strictly increasing; +Inf is implied.
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value);

  struct Snapshot {
    std::vector<double> upper_bounds;       // without +Inf
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf (== count)
    double sum = 0;
    std::uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  const std::vector<double> upper_bounds_;
  mutable std::mutex mutex_;  // so a scrape never sees _count disagree with the buckets
  std::vector<std::uint64_t> bucket_counts_;  // per bucket (not cumulative), +Inf last
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

class MetricsRegistry {
 public:
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  // The series of `name` with `labels`, made on first use. Throws yak::Error for an invalid
  // metric or label name, for a name already registered as another type (or, for
  // histograms, with other buckets), and for labels whose names differ from the family's.
  Counter& counter(std::string_view name, std::string_view help, const MetricLabels& labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, const MetricLabels& labels = {});
  Histogram& histogram(std::string_view name, std::string_view help,
                       std::vector<double> upper_bounds, const MetricLabels& labels = {});

  // Every family in registration order, each series in the order it was made.
  std::string render() const;

 private:
  enum class Type { counter, gauge, histogram };
  struct Series {
    MetricLabels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  struct Family {
    std::string name;
    std::string help;
    Type type;
    std::vector<double> upper_bounds;  // histograms
    std::vector<std::unique_ptr<Series>> series;
  };

  Series& series(std::string_view name, std::string_view help, Type type,
                 const std::vector<double>& upper_bounds, const MetricLabels& labels);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Family>> families_;
  std::map<std::string, Family*, std::less<>> by_name_;
};

}  // namespace yak::serve
