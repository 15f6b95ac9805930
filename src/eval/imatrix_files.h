// The two files of importance matrices (yak/imatrix.h), as llama.cpp writes them:
//
// legacy (imatrix.dat), little-endian: i32 n_entries; per entry, sorted by name: i32 name
// length, the name's bytes, i32 ncall, i32 n_values, n_values f32 each (sum / count) *
// ncall with ncall = ceil(count / chunk_size); then, optionally, i32 chunk count, i32
// dataset length and the dataset's bytes.
//
// GGUF: general.type = "imatrix", imatrix.datasets (strings), imatrix.chunk_count and
// imatrix.chunk_size (u32); per entry, sorted by name, the F32 tensors NAME.in_sum2
// [n_columns, n_mat] (the raw sums) and NAME.counts [1, n_mat].
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "yak/imatrix.h"

namespace yak::eval {

// Bounds on what a file may claim, checked before anything is allocated for it.
inline constexpr int64_t kMaxImatrixEntries = int64_t{1} << 20;
inline constexpr int64_t kMaxImatrixNameBytes = 1024;
inline constexpr int64_t kMaxImatrixDatasetBytes = int64_t{1} << 16;

std::vector<uint8_t> legacy_imatrix_bytes(const Imatrix& imatrix);
// `name` (the path) starts every error message.
Imatrix parse_legacy_imatrix(std::span<const uint8_t> bytes, const std::string& name);

std::vector<uint8_t> gguf_imatrix_bytes(const Imatrix& imatrix);
Imatrix parse_gguf_imatrix(std::span<const uint8_t> bytes, const std::string& name);

}  // namespace yak::eval
