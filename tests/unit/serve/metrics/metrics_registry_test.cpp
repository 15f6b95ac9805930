// The Prometheus registry: exact text format 0.0.4 output, one object per series, and
// updates from many threads at once.
#include "serve/metrics/metrics_registry.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>
#include <vector>

#include "yak/error.h"

namespace yak::serve {
namespace {

TEST(MetricsRegistry, RendersCountersGaugesAndHistograms) {
  MetricsRegistry registry;
  registry.counter("yak:request_success_total", "Finished requests.", {{"finished_reason", "stop"}})
      .inc(3);
  registry
      .counter("yak:request_success_total", "Finished requests.", {{"finished_reason", "length"}})
      .inc();
  registry.gauge("yak:num_requests_running", "Requests running.").set(2);
  auto& ttft = registry.histogram("yak:time_to_first_token_seconds", "Time to first token.",
                                  {0.1, 0.5, 1}, {{"model_name", "smol"}});
  ttft.observe(0.05);
  ttft.observe(0.1);  // on a bound: counted in that bucket (le)
  ttft.observe(0.7);
  ttft.observe(30);
  EXPECT_EQ(registry.render(),
            "# HELP yak:request_success_total Finished requests.\n"
            "# TYPE yak:request_success_total counter\n"
            "yak:request_success_total{finished_reason=\"stop\"} 3\n"
            "yak:request_success_total{finished_reason=\"length\"} 1\n"
            "# HELP yak:num_requests_running Requests running.\n"
            "# TYPE yak:num_requests_running gauge\n"
            "yak:num_requests_running 2\n"
            "# HELP yak:time_to_first_token_seconds Time to first token.\n"
            "# TYPE yak:time_to_first_token_seconds histogram\n"
            "yak:time_to_first_token_seconds_bucket{model_name=\"smol\",le=\"0.1\"} 2\n"
            "yak:time_to_first_token_seconds_bucket{model_name=\"smol\",le=\"0.5\"} 2\n"
            "yak:time_to_first_token_seconds_bucket{model_name=\"smol\",le=\"1\"} 3\n"
            "yak:time_to_first_token_seconds_bucket{model_name=\"smol\",le=\"+Inf\"} 4\n"
            "yak:time_to_first_token_seconds_sum{model_name=\"smol\"} 30.85\n"
            "yak:time_to_first_token_seconds_count{model_name=\"smol\"} 4\n");
}

TEST(MetricsRegistry, EscapesLabelValuesAndHelpAndFormatsSpecialValues) {
  MetricsRegistry registry;
  registry.gauge("g", "line one\nback\\slash", {{"path", "a\"b\\c\nd"}}).set(INFINITY);
  registry.gauge("h", "nan").set(NAN);
  registry.gauge("k", "small").set(0.25);
  EXPECT_EQ(registry.render(),
            "# HELP g line one\\nback\\\\slash\n# TYPE g gauge\n"
            "g{path=\"a\\\"b\\\\c\\nd\"} +Inf\n"
            "# HELP h nan\n# TYPE h gauge\nh NaN\n"
            "# HELP k small\n# TYPE k gauge\nk 0.25\n");
}

TEST(MetricsRegistry, SameNameAndLabelsGiveTheSameSeries) {
  MetricsRegistry registry;
  auto& a = registry.counter("c_total", "c", {{"x", "1"}});
  auto& b = registry.counter("c_total", "c", {{"x", "1"}});
  auto& other = registry.counter("c_total", "c", {{"x", "2"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &other);
  auto& h1 = registry.histogram("h_seconds", "h", {1, 2});
  EXPECT_EQ(&h1, &registry.histogram("h_seconds", "h", {1, 2}));
}

TEST(MetricsRegistry, RefusesWhatPrometheusCouldNotRead) {
  MetricsRegistry registry;
  registry.counter("c_total", "c", {{"x", "1"}});
  EXPECT_THROW(registry.gauge("c_total", "c"), Error);                  // another type
  EXPECT_THROW(registry.counter("c_total", "c", {{"y", "1"}}), Error);  // other label names
  EXPECT_THROW(registry.counter("9lives", "c"), Error);
  EXPECT_THROW(registry.counter("bad-name", "c"), Error);
  EXPECT_THROW(registry.counter("ok", "c", {{"__reserved", "1"}}), Error);
  EXPECT_THROW(registry.histogram("h", "h", {1, 1}), Error);  // not increasing
  EXPECT_THROW(registry.histogram("h2", "h", {1, INFINITY}), Error);
  registry.histogram("h3", "h", {1, 2});
  EXPECT_THROW(registry.histogram("h3", "h", {1, 3}), Error);  // other buckets
  EXPECT_THROW(registry.histogram("h4", "h", {1}, {{"le", "1"}}), Error);
  EXPECT_THROW(registry.counter("d_total", "d").inc(-1), Error);
}

TEST(MetricsRegistry, CountsExactlyUnderConcurrentUpdates) {
  MetricsRegistry registry;
  auto& counter = registry.counter("n_total", "n");
  auto& gauge = registry.gauge("g", "g");
  auto& histogram = registry.histogram("h", "h", {0.5});
  constexpr int kThreads = 8;
  constexpr int kEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        counter.inc();
        gauge.inc();
        gauge.dec();
        histogram.observe(i % 2 == 0 ? 0.25 : 1.0);
        if (i % 1000 == 0) registry.render();  // scrapes while others update
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter.value(), kThreads * kEach);
  EXPECT_EQ(gauge.value(), 0);
  const auto snapshot = histogram.snapshot();
  EXPECT_EQ(snapshot.count, static_cast<std::uint64_t>(kThreads * kEach));
  EXPECT_EQ(snapshot.cumulative[0], static_cast<std::uint64_t>(kThreads * kEach / 2));
  EXPECT_EQ(snapshot.cumulative[1], snapshot.count);
  EXPECT_DOUBLE_EQ(snapshot.sum, kThreads * kEach / 2 * 1.25);
}

}  // namespace
}  // namespace yak::serve
