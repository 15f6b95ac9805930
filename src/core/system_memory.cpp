#include "core/system_memory.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <string>

namespace yak {
namespace {

constexpr uint64_t kUnlimited = std::numeric_limits<uint64_t>::max();

// These files are procfs/cgroupfs pseudo-files (never FIFOs or devices), so
// plain ifstreams cannot block.
uint64_t meminfo_available() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kib = 0;
  std::string unit;
  while (in >> key >> kib) {
    std::getline(in, unit);
    if (key == "MemAvailable:") return kib * 1024;
  }
  return 0;
}

uint64_t read_number(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text == "max") return kUnlimited;
  try {
    return std::stoull(text);
  } catch (const std::exception&) {
    return kUnlimited;
  }
}

// Room under one cgroup's limit. Inside a container the cgroup's own folder is
// usually mounted as the root, so the root is tried when the path is absent.
uint64_t room_in(const std::string& mount, const std::string& path, const char* limit_file,
                 const char* usage_file) {
  for (const std::string& dir : {mount + path, mount}) {
    const uint64_t limit = read_number(dir + "/" + limit_file);
    if (limit == kUnlimited) continue;
    const uint64_t usage = read_number(dir + "/" + usage_file);
    return usage < limit ? limit - usage : 0;
  }
  return kUnlimited;
}

// Room under this process's cgroup memory limit, v2 ("0::/path" in
// /proc/self/cgroup) or v1 ("N:memory:/path"); a v1 "no limit" is a huge
// number, which is as good as none.
uint64_t cgroup_room() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  uint64_t room = kUnlimited;
  while (std::getline(in, line)) {
    if (line.rfind("0::", 0) == 0) {
      room =
          std::min(room, room_in("/sys/fs/cgroup", line.substr(3), "memory.max", "memory.current"));
    } else if (const size_t at = line.find(":memory:"); at != std::string::npos) {
      room = std::min(room, room_in("/sys/fs/cgroup/memory", line.substr(at + 8),
                                    "memory.limit_in_bytes", "memory.usage_in_bytes"));
    }
  }
  return room;
}

}  // namespace

uint64_t available_memory_bytes() {
  const uint64_t room = cgroup_room();
  const uint64_t available = meminfo_available();
  if (available == 0) return room == kUnlimited ? 0 : room;
  return std::min(available, room);
}

std::string format_bytes(uint64_t bytes) {
  constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return fmt::format("{} bytes", bytes);
  double v = static_cast<double>(bytes) / 1024.0;
  size_t unit = 0;
  while (v >= 1024.0 && unit + 1 < std::size(kUnits)) {
    v /= 1024.0;
    ++unit;
  }
  return fmt::format("{:.1f} {}", v, kUnits[unit]);
}

}  // namespace yak
