// yak_membw: how fast N threads can read memory. Decode speed of a language model is bound
// by reading its weights once per token, so bench/compare-cpu sets the GB/s a decode
// achieves against this figure.
//
// Each thread owns one slice of a buffer much larger than the caches (it writes the slice
// first, so on NUMA machines the pages sit near it), then all threads start together and
// read their slices; a pass ends when the last thread is done. The reported figure is the
// best pass (the one least disturbed by other work on the machine) and the median pass.
#include <sys/mman.h>

#include <algorithm>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

// 64 bytes: the compiler emits the widest vector loads the target allows.
typedef uint64_t Vec __attribute__((vector_size(64)));

struct Options {
  int threads = 1;
  uint64_t mib = 1024;
  int passes = 10;
  bool json = false;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "yak_membw: %s (see --help)\n", message.c_str());
  std::exit(1);
}

void print_help() {
  std::printf(
      "Usage: yak_membw [-t THREADS] [--mib MIB] [--passes N] [--json]\n"
      "Measures memory read bandwidth: THREADS threads (default 1) each read their slice of\n"
      "a MIB MiB buffer (default 1024; pick it well above the last-level cache), N times\n"
      "(default 10) after one untimed pass. Prints the best and the median pass in GB/s\n"
      "(10^9 bytes per second), or with --json an object with best_gbps, median_gbps,\n"
      "threads, bytes and passes.\n");
}

long parse_int(const char* flag, const char* text, long lo, long hi) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < lo || v > hi)
    usage_error(std::string(flag) + " wants a whole number in " + std::to_string(lo) + ".." +
                std::to_string(hi) + ", got '" + text + "'");
  return v;
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      print_help();
      std::exit(0);
    } else if (a == "-t" || a == "--threads") {
      o.threads = static_cast<int>(parse_int("-t", value(), 1, 1024));
    } else if (a == "--mib") {
      o.mib = static_cast<uint64_t>(parse_int("--mib", value(), 1, 1 << 20));
    } else if (a == "--passes") {
      o.passes = static_cast<int>(parse_int("--passes", value(), 1, 100000));
    } else if (a == "--json") {
      o.json = true;
    } else {
      usage_error("unknown argument '" + a + "'");
    }
  }
  return o;
}

// Four independent sums so the loads are not serialised behind one add chain.
uint64_t read_slice(const Vec* p, size_t n) {
  Vec a{}, b{}, c{}, d{};
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    a += p[i];
    b += p[i + 1];
    c += p[i + 2];
    d += p[i + 3];
  }
  for (; i < n; ++i) a += p[i];
  const Vec s = a + b + c + d;
  uint64_t total = 0;
  for (int k = 0; k < 8; ++k) total += s[k];
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  const size_t n_vec = (o.mib << 20) / sizeof(Vec);
  const size_t per_thread = n_vec / static_cast<size_t>(o.threads);
  if (per_thread == 0) usage_error("the buffer is too small for that many threads");
  // 2 MiB aligned and in huge pages where the kernel allows, as Yak keeps its
  // packed weights: with 4 KiB pages the read measured ~20% below what a
  // decode step reaches on the same machine.
  constexpr size_t kHuge = size_t{2} << 20;
  const size_t buffer_bytes = (n_vec * sizeof(Vec) + kHuge - 1) / kHuge * kHuge;
  Vec* buf = static_cast<Vec*>(std::aligned_alloc(kHuge, buffer_bytes));
  if (buf == nullptr) usage_error("cannot allocate " + std::to_string(o.mib) + " MiB");
  ::madvise(buf, buffer_bytes, MADV_HUGEPAGE);  // advice only: failure leaves 4 KiB pages

  using Clock = std::chrono::steady_clock;
  const int total_passes = o.passes + 1;  // the first is a warm-up
  std::vector<double> seconds(static_cast<size_t>(total_passes));
  Clock::time_point start;
  // The completion step runs once per phase, in one thread, while the others wait.
  int phase = 0;
  std::barrier sync(o.threads, [&]() noexcept {
    const auto now = Clock::now();
    if (phase % 2 == 1)
      seconds[static_cast<size_t>(phase / 2)] = std::chrono::duration<double>(now - start).count();
    ++phase;
    start = Clock::now();
  });
  std::vector<uint64_t> sink(static_cast<size_t>(o.threads));
  std::vector<std::thread> workers;
  for (int t = 0; t < o.threads; ++t) {
    workers.emplace_back([&, t] {
      Vec* mine = buf + static_cast<size_t>(t) * per_thread;
      std::memset(static_cast<void*>(mine), t + 1, per_thread * sizeof(Vec));
      uint64_t acc = 0;
      for (int pass = 0; pass < total_passes; ++pass) {
        sync.arrive_and_wait();  // start together
        acc += read_slice(mine, per_thread);
        sync.arrive_and_wait();  // the pass ends when the last thread is done
      }
      sink[static_cast<size_t>(t)] = acc;
    });
  }
  for (std::thread& w : workers) w.join();

  uint64_t checksum = 0;
  for (uint64_t s : sink) checksum += s;
  std::free(buf);
  std::vector<double> timed(seconds.begin() + 1, seconds.end());
  std::sort(timed.begin(), timed.end());
  const double bytes = static_cast<double>(per_thread * sizeof(Vec)) * o.threads;
  const double best = bytes / timed.front() / 1e9;
  const double median = bytes / timed[timed.size() / 2] / 1e9;
  if (o.json) {
    std::printf(
        "{\"threads\": %d, \"bytes\": %.0f, \"passes\": %d, \"best_gbps\": %.3f, "
        "\"median_gbps\": %.3f, \"checksum\": %llu}\n",
        o.threads, bytes, o.passes, best, median, static_cast<unsigned long long>(checksum));
  } else {
    std::printf(
        "read bandwidth, %d threads, %.0f MiB, %d passes: best %.2f GB/s, median "
        "%.2f GB/s\n",
        o.threads, bytes / 1048576.0, o.passes, best, median);
  }
  return 0;
}
