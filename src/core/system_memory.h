// How much memory the machine can still give this process, for refusing
// requests that can never fit with a clear message instead of std::bad_alloc
// or the OOM killer.
#pragma once

#include <cstdint>
#include <string>

namespace yak {

// MemAvailable from /proc/meminfo (free memory plus what the kernel can
// reclaim), lowered to the room left under this process's cgroup v2 memory
// limit when it has one. 0 when neither can be read.
uint64_t available_memory_bytes();

// "720.0 GiB", "45.0 KiB", "312 bytes".
std::string format_bytes(uint64_t bytes);

}  // namespace yak
