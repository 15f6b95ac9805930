#include "serve/metrics/metrics_registry.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "yak/error.h"

namespace yak::serve {
namespace {

bool is_metric_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == ':';
  });
}

bool is_label_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9') || name.substr(0, 2) == "__") {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// The exposition format's float syntax: Go's, which reads "+Inf", "-Inf" and "NaN".
std::string number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);
}

std::string escaped(std::string_view text, bool in_label_value) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && in_label_value) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

// {a="x",b="y"} with an optional extra label (a histogram's le); empty when there are none.
std::string label_text(const MetricLabels& labels, std::string_view extra_name = {},
                       std::string_view extra_value = {}) {
  if (labels.empty() && extra_name.empty()) return {};
  std::string out = "{";
  for (const auto& [name, value] : labels) {
    if (out.size() > 1) out += ',';
    out += fmt::format("{}=\"{}\"", name, escaped(value, true));
  }
  if (!extra_name.empty()) {
    if (out.size() > 1) out += ',';
    out += fmt::format("{}=\"{}\"", extra_name, extra_value);
  }
  return out + "}";
}

const char* type_name(int type) {
  static constexpr const char* kNames[] = {"counter", "gauge", "histogram"};
  return kNames[type];
}

}  // namespace

void Counter::inc(double amount) {
  if (!(amount >= 0)) fail("a counter cannot be increased by {}", amount);
  value_.fetch_add(amount, std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> upper_bounds) : upper_bounds_(std::move(upper_bounds)) {
  for (std::size_t i = 0; i < upper_bounds_.size(); ++i) {
    if (!std::isfinite(upper_bounds_[i]) || (i > 0 && upper_bounds_[i] <= upper_bounds_[i - 1])) {
      fail("histogram bucket bounds must be finite and strictly increasing (bound {} is {})", i,
           upper_bounds_[i]);
    }
  }
  bucket_counts_.assign(upper_bounds_.size() + 1, 0);
}

void Histogram::observe(double value) {
  // The first bucket whose bound is >= value ("le"); NaN falls into +Inf.
  const auto bucket = std::isnan(value)
                          ? upper_bounds_.size()
                          : static_cast<std::size_t>(std::lower_bound(upper_bounds_.begin(),
                                                                      upper_bounds_.end(), value) -
                                                     upper_bounds_.begin());
  std::lock_guard lock(mutex_);
  bucket_counts_[bucket]++;
  sum_ += value;
  count_++;
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot out;
  out.upper_bounds = upper_bounds_;
  std::lock_guard lock(mutex_);
  std::uint64_t running = 0;
  for (const auto count : bucket_counts_) {
    running += count;
    out.cumulative.push_back(running);
  }
  out.sum = sum_;
  out.count = count_;
  return out;
}

MetricsRegistry::Series& MetricsRegistry::series(std::string_view name, std::string_view help,
                                                 Type type, const std::vector<double>& upper_bounds,
                                                 const MetricLabels& labels) {
  if (!is_metric_name(name)) fail("'{}' is not a valid Prometheus metric name", name);
  for (const auto& [label, value] : labels) {
    if (!is_label_name(label) || (type == Type::histogram && label == "le")) {
      fail("'{}' is not a valid label name for metric {}", label, name);
    }
  }
  std::lock_guard lock(mutex_);
  auto found = by_name_.find(name);
  Family* family = found == by_name_.end() ? nullptr : found->second;
  if (family == nullptr) {
    families_.push_back(std::make_unique<Family>(
        Family{std::string(name), std::string(help), type, upper_bounds, {}}));
    family = families_.back().get();
    by_name_.emplace(family->name, family);
  } else if (family->type != type) {
    fail("metric {} is a {}, not a {}", name, type_name(static_cast<int>(family->type)),
         type_name(static_cast<int>(type)));
  } else if (type == Type::histogram && family->upper_bounds != upper_bounds) {
    fail("histogram {} was registered with other buckets", name);
  }
  for (auto& existing : family->series) {
    if (existing->labels == labels) return *existing;
  }
  if (!family->series.empty()) {
    const auto& first = family->series.front()->labels;
    const bool same_names =
        first.size() == labels.size() &&
        std::equal(first.begin(), first.end(), labels.begin(),
                   [](const auto& a, const auto& b) { return a.first == b.first; });
    if (!same_names) fail("metric {} is used with different label names", name);
  }
  auto made = std::make_unique<Series>();
  made->labels = labels;
  switch (type) {
    case Type::counter:
      made->counter = std::make_unique<Counter>();
      break;
    case Type::gauge:
      made->gauge = std::make_unique<Gauge>();
      break;
    case Type::histogram:
      made->histogram = std::make_unique<Histogram>(upper_bounds);
      break;
  }
  family->series.push_back(std::move(made));
  return *family->series.back();
}

Counter& MetricsRegistry::counter(std::string_view name, std::string_view help,
                                  const MetricLabels& labels) {
  return *series(name, help, Type::counter, {}, labels).counter;
}

Gauge& MetricsRegistry::gauge(std::string_view name, std::string_view help,
                              const MetricLabels& labels) {
  return *series(name, help, Type::gauge, {}, labels).gauge;
}

Histogram& MetricsRegistry::histogram(std::string_view name, std::string_view help,
                                      std::vector<double> upper_bounds,
                                      const MetricLabels& labels) {
  // Validate the bounds before they become the family's.
  Histogram check(upper_bounds);
  return *series(name, help, Type::histogram, upper_bounds, labels).histogram;
}

std::string MetricsRegistry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& family : families_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", family->name, escaped(family->help, false),
                       family->name, type_name(static_cast<int>(family->type)));
    for (const auto& series : family->series) {
      switch (family->type) {
        case Type::counter:
          out += fmt::format("{}{} {}\n", family->name, label_text(series->labels),
                             number(series->counter->value()));
          break;
        case Type::gauge:
          out += fmt::format("{}{} {}\n", family->name, label_text(series->labels),
                             number(series->gauge->value()));
          break;
        case Type::histogram: {
          const auto snapshot = series->histogram->snapshot();
          for (std::size_t i = 0; i < snapshot.cumulative.size(); ++i) {
            const std::string bound =
                i < snapshot.upper_bounds.size() ? number(snapshot.upper_bounds[i]) : "+Inf";
            out += fmt::format("{}_bucket{} {}\n", family->name,
                               label_text(series->labels, "le", bound), snapshot.cumulative[i]);
          }
          out += fmt::format("{}_sum{} {}\n", family->name, label_text(series->labels),
                             number(snapshot.sum));
          out += fmt::format("{}_count{} {}\n", family->name, label_text(series->labels),
                             snapshot.count);
          break;
        }
      }
    }
  }
  return out;
}

}  // namespace yak::serve
