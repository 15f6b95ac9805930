#include "kernels/cpu/cpu_features.h"

#include <cstdint>
#include <cstdlib>

#include "core/error.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define YAK_X86 1
#endif

namespace yak::kernels::cpu {
namespace {

#if defined(YAK_X86)
// XCR0: which register states the OS saves on a context switch. Without the
// OS's support the instructions exist but must not be used.
uint64_t read_xcr0() {
  uint32_t eax = 0;
  uint32_t edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = (c >> 27) & 1u;
  if (!osxsave) return f;
  const uint64_t xcr0 = read_xcr0();
  const bool ymm_os = (xcr0 & 0x6u) == 0x6u;     // SSE + AVX state
  const bool zmm_os = (xcr0 & 0xe6u) == 0xe6u;   // + opmask, ZMM_Hi256, Hi16_ZMM
  const bool fma = (c >> 12) & 1u;
  const bool f16c = (c >> 29) & 1u;
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  unsigned a7 = 0, b7 = 0, c7 = 0, d7 = 0;
  __cpuid_count(7, 0, a7, b7, c7, d7);
  unsigned a71 = 0, b71 = 0, c71 = 0, d71 = 0;
  __cpuid_count(7, 1, a71, b71, c71, d71);
  if (ymm_os) {
    f.avx2 = (b7 >> 5) & 1u;
    f.fma = fma;
    f.f16c = f16c;
  }
  if (ymm_os && zmm_os) {
    f.avx512f = (b7 >> 16) & 1u;
    f.avx512bw = (b7 >> 30) & 1u;
    f.avx512vl = (b7 >> 31) & 1u;
    f.avx512vnni = (c7 >> 11) & 1u;
    f.avx512bf16 = (a71 >> 5) & 1u;
  }
  return f;
}
#else
CpuFeatures detect() { return {}; }
#endif

CpuLevel choose_level() {
  const char* env = std::getenv("YAK_CPU");
  if (env == nullptr || *env == '\0') return best_level();
  const CpuLevel level = parse_level(env);
  if (!level_supported(level)) fail("YAK_CPU={}: this CPU does not support that level", env);
  return level;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

bool level_supported(CpuLevel level) {
  const CpuFeatures& f = cpu_features();
  const bool avx2 = f.avx2 && f.fma && f.f16c;
  switch (level) {
    case CpuLevel::kScalar:
      return true;
    case CpuLevel::kAvx2:
      return avx2;
    case CpuLevel::kAvx512:
      return avx2 && f.avx512f && f.avx512bw && f.avx512vl && f.avx512vnni;
  }
  return false;
}

CpuLevel best_level() {
  if (level_supported(CpuLevel::kAvx512)) return CpuLevel::kAvx512;
  if (level_supported(CpuLevel::kAvx2)) return CpuLevel::kAvx2;
  return CpuLevel::kScalar;
}

CpuLevel active_level() {
  static const CpuLevel level = choose_level();
  return level;
}

CpuLevel parse_level(std::string_view name) {
  if (name == "scalar") return CpuLevel::kScalar;
  if (name == "avx2") return CpuLevel::kAvx2;
  if (name == "avx512") return CpuLevel::kAvx512;
  fail("'{}' is not a CPU kernel level (use scalar, avx2 or avx512)", name);
}

std::string_view level_name(CpuLevel level) {
  switch (level) {
    case CpuLevel::kScalar:
      return "scalar";
    case CpuLevel::kAvx2:
      return "avx2";
    case CpuLevel::kAvx512:
      return "avx512";
  }
  return "?";
}

}  // namespace yak::kernels::cpu
