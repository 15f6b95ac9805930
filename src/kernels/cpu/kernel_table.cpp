#include "kernels/cpu/kernel_table.h"

#include <atomic>

#include "core/error.h"

namespace yak::kernels::cpu {
namespace {

KernelTable build(CpuLevel level) {
  KernelTable t;
  t.level = level;
  // Every level starts from the scalar kernels, so a type without a SIMD
  // kernel still works at every level.
  fill_scalar_table(t);
#if defined(YAK_X86_KERNELS)
  if (level == CpuLevel::kAvx2) fill_avx2_table(t);
  if (level == CpuLevel::kAvx512) {
    // 8-lane attention tiles do the same FMAs per cycle on 256-bit vectors
    // (Zen 4 splits 512-bit FMAs; Intel's second 512-bit unit idles on half-empty tiles).
    KernelTable narrow;
    fill_avx2_table(narrow);
    t.attend_tile_narrow = narrow.attend_tile;
    fill_avx512_table(t);
    if (cpu_features().avx512bf16) fill_avx512_bf16_table(t);
  }
#endif
  return t;
}

}  // namespace

const KernelTable& kernel_table(CpuLevel level) {
  if (!level_supported(level)) fail("this CPU cannot run the {} kernels", level_name(level));
  static const KernelTable tables[3] = {build(CpuLevel::kScalar), build(CpuLevel::kAvx2),
                                        build(CpuLevel::kAvx512)};
  return tables[static_cast<int>(level)];
}

namespace {
std::atomic<const KernelTable*> g_active{nullptr};
}  // namespace

const KernelTable& active_kernels() {
  const KernelTable* t = g_active.load(std::memory_order_acquire);
  if (t != nullptr) return *t;
  t = &kernel_table(active_level());
  g_active.store(t, std::memory_order_release);
  return *t;
}

void set_active_kernels(CpuLevel level) {
  g_active.store(&kernel_table(level), std::memory_order_release);
}

}  // namespace yak::kernels::cpu
