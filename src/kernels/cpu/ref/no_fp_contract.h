// Include first in every reference-kernel source file.
//
// The reference quantizers must give the same bytes as ggml's and gguf-py's,
// which round x * id before adding the rounding offset. Compilers may fuse
// a * b + c into one FMA when the target has one (GCC does so by default even
// in ISO C++ mode, e.g. with -march=haswell), rounding once instead of twice,
// which moves values lying within an ulp of a rounding boundary. (The
// dequantizers are immune: their products of an fp16 scale and small integers
// are exact in float.) This turns the fusion off for the rest of the file,
// whatever flags the build uses.
#pragma once

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
