// Which x86 vector extensions this CPU and OS support, and which kernel level
// the process uses. The level is chosen once, on first use: the best the
// machine has, or the one named by the environment variable YAK_CPU
// (scalar | avx2 | avx512), which tests and benchmarks use to run every level.
#pragma once

#include <string_view>

namespace yak::kernels::cpu {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512vnni = false;
  bool avx512bf16 = false;
};

enum class CpuLevel { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

// Detected once (cpuid, and xgetbv for the OS saving the wider registers).
const CpuFeatures& cpu_features();

// Whether this machine can run kernels of `level`. kAvx2 needs AVX2+FMA+F16C;
// kAvx512 needs AVX-512 F/BW/VL/VNNI on top (BF16 is used when present).
bool level_supported(CpuLevel level);

// The best supported level.
CpuLevel best_level();

// The level in use: YAK_CPU if set (an unknown or unsupported value throws
// yak::Error naming it), otherwise best_level().
CpuLevel active_level();

std::string_view level_name(CpuLevel level);

// "scalar" | "avx2" | "avx512" -> the level; anything else throws yak::Error.
CpuLevel parse_level(std::string_view name);

}  // namespace yak::kernels::cpu
