#!/usr/bin/env python3
"""Makes the golden files that pin Yak's reference quant kernels to gguf-py.

gguf-py (the `gguf` package of llama.cpp) is an independent implementation of
the GGUF block layouts in numpy. For every tensor type this script writes small
binary files under tests/golden/quant/ that tests/unit/kernels/quant_golden_test.cpp
reads:

  dequant_<TYPE>.bin   random block bytes (made valid: fp16 scales finite) and
                       gguf.quants.dequantize() of them (IQ4_NL and IQ4_XS too,
                       which gguf-py cannot quantize)
  quant_<TYPE>.bin     input floats and gguf.quants.quantize() of them, for the
                       types gguf-py can quantize (F32, F16, BF16, Q4_0, Q4_1,
                       Q5_0, Q5_1, Q8_0)
  conversions.bin      checksums of numpy / gguf-py fp16 and bf16 conversions of
                       all 65536 bit patterns and of a sweep of float32 values
  model_samples.bin    rows of real tensors of the default model, dequantized by
                       gguf-py, and a checksum of each whole tensor

Usage: python3 tools/golden/make_quant_golden.py [--model PATH] [--out DIR]
The output is deterministic (fixed seeds), so re-running it changes nothing.

File format (all integers little-endian):
  header   : magic b"YQGD", u32 version = 1, u32 kind
  kind 1 (dequantize): u32 type (ggml type id), u32 n_values, u32 n_bytes,
           u8 bytes[n_bytes], f32 values[n_values]
  kind 2 (quantize):   u32 type, u32 n_values, u32 n_bytes,
           f32 values[n_values], u8 bytes[n_bytes]
  kind 3 (conversion checksums): u32 n_records, then per record
           char name[32] (NUL-padded), u64 n_values, u64 checksum
  kind 4 (model tensor samples): u64 model_file_size, u32 n_tensors, then per tensor
           char name[64], u32 type, u32 row_len, u64 n_rows,
           u64 data_offset (absolute, in the model file), u64 n_bytes,
           u64 checksum (of all dequantized values), u32 n_samples,
           then per sample: u32 row, f32 values[row_len]

Checksum of a sequence of unsigned bit patterns b_i (float32 bits as u32,
fp16/bf16 bits as u16 widened to u32): sum_i (b_i + 1) * (2 i + 1) mod 2^64.
Cheap in numpy and C++, and changes when any single value changes.

The float32 sweep used by the conversion checksums (the C++ test builds the same):
  A. for i in [0, 2^20): the float32 with bits (i * 0x9E3779B1) mod 2^32
  B. for each fp16 h in [0, 0x7bff): lo = h, hi = h + 1 as float32,
     mid = lo + (hi - lo) * 0.5 (exact); the values lo, mid, nextafter(mid, -inf),
     nextafter(mid, +inf), each also negated
  C. the same as B for each bf16 h in [0, 0x7f7f)
  Order: all of A, then B value by value (lo, -lo, mid, -mid, below, -below,
  above, -above for h = 0, then h = 1, ...), then C in the same order.
For f32 -> f16 the outputs that are NaN are replaced by 0x7e00 before summing:
numpy keeps the payload of a NaN while ggml and Yak make a canonical quiet NaN;
every other output is pinned bit for bit.
"""
import argparse
import os
import struct

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import GGUFReader
from gguf import quants

MAGIC = b"YQGD"
VERSION = 1
KIND_DEQUANT, KIND_QUANT, KIND_CONV, KIND_MODEL = 1, 2, 3, 4

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_MODEL = os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")

# type -> (block values, block bytes, byte offsets of fp16 fields in a block)
LAYOUTS = {
    T.F32: (1, 4, []),
    T.F16: (1, 2, []),
    T.BF16: (1, 2, []),
    T.Q4_0: (32, 18, [0]),
    T.Q4_1: (32, 20, [0, 2]),
    T.Q5_0: (32, 22, [0]),
    T.Q5_1: (32, 24, [0, 2]),
    T.Q8_0: (32, 34, [0]),
    T.Q2_K: (256, 84, [80, 82]),
    T.Q3_K: (256, 110, [108]),
    T.Q4_K: (256, 144, [0, 2]),
    T.Q5_K: (256, 176, [0, 2]),
    T.Q6_K: (256, 210, [208]),
}
# Types added after the first goldens were made: each draws from a generator of its own
# (seeded by its type id), so that adding one leaves the other files as they were.
LATER_LAYOUTS = {
    T.IQ4_NL: (32, 18, [0]),
    T.IQ4_XS: (256, 136, [0]),
}
QUANTIZABLE = [T.F32, T.F16, T.BF16, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0]


def header(kind):
    return MAGIC + struct.pack("<II", VERSION, kind)


def checksum(bits):
    b = np.asarray(bits).astype(np.uint64)
    w = np.arange(b.size, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    return int(np.sum((b + np.uint64(1)) * w, dtype=np.uint64))


def random_blocks(qtype, rng):
    """Random bytes for whole blocks; fp16 scale fields are made finite."""
    bs, nbytes, half_fields = {**LAYOUTS, **LATER_LAYOUTS}[qtype]
    n_blocks = 64 if bs == 1 else (7 if bs == 32 else 3)
    raw = rng.integers(0, 256, size=(n_blocks, nbytes), dtype=np.uint8)
    for off in half_fields:
        h = raw[:, off:off + 2].copy().view(np.uint16)
        # exponent 31 is inf/NaN: clear its top bit to get a finite value
        h = np.where((h & 0x7C00) == 0x7C00, h & np.uint16(0xBFFF), h).astype(np.uint16)
        # a few special scales: zero, negative zero, subnormal
        h[:3, 0] = [0x0000, 0x8000, 0x0003]  # every layout here has >= 3 blocks
        raw[:, off:off + 2] = h.reshape(-1, 1).view(np.uint8).reshape(n_blocks, 2)
    return raw.reshape(-1), n_blocks * bs


def write_dequant(out, qtype, rng):
    raw, n_values = random_blocks(qtype, rng)
    values = quants.dequantize(raw, qtype).astype(np.float32).reshape(-1)
    assert values.size == n_values
    body = struct.pack("<III", int(qtype), n_values, raw.size)
    with open(os.path.join(out, f"dequant_{qtype.name}.bin"), "wb") as f:
        f.write(header(KIND_DEQUANT) + body + raw.tobytes() + values.tobytes())


def quant_inputs(qtype, rng):
    """49 blocks of 32 values: ordinary data plus the cases where rounding ties.

    No block mixes +0.0 and -0.0: which of them numpy's min() returns is not
    specified, and the Q4_1/Q5_1 minimum is stored as it is found.
    """
    blocks = [
        rng.standard_normal(32),
        rng.standard_normal(32) * 1e-3,
        rng.standard_normal(32) * 100.0,
        np.zeros(32),
        np.full(32, 0.7),
        # equal magnitudes of opposite sign: the first one found sets the scale
        np.array([-1.0, 1.0] * 16) * np.repeat([1.0, 0.5], 16),
        np.array([1.0, -1.0] * 16) * 3.0,
        # blocks whose scale comes out exact (d = 1 for Q4_0, Q5_0, Q4_1, Q5_1, Q8_0
        # in turn) filled with halves, so that many values lie exactly on a rounding
        # boundary of that type
        np.concatenate([[-8.0], rng.integers(-16, 15, size=31) / 2.0]),
        np.concatenate([[-16.0], rng.integers(-32, 31, size=31) / 2.0]),
        np.concatenate([[0.0, 15.0], rng.integers(0, 31, size=30) / 2.0]),
        np.concatenate([[0.0, 31.0], rng.integers(0, 63, size=30) / 2.0]),
        np.concatenate([[127.0], rng.integers(-254, 255, size=31) / 2.0]),
        rng.integers(-16, 17, size=32) / 2.0,
        rng.standard_normal(32) * 1e-6,  # scales in the fp16 subnormal range
        # many ordinary blocks, so that a change in the order of the float
        # operations that moves the last bit of a scale shows up somewhere
        *[rng.standard_normal(32) * 10.0 ** rng.uniform(-4, 4) for _ in range(34)],
    ]
    x = np.concatenate(blocks).astype(np.float32)
    if qtype == T.F16:
        # plain conversions: infinities, overflow, ties between halves, subnormals
        x[:8] = [np.inf, -np.inf, 65504.0, 65520.0, 65519.99, 1.0 + 2.0**-11, 2.0**-25, -3e-8]
    if qtype in (T.BF16, T.F32):
        x[:8] = [np.inf, -np.inf, np.nan, 3.4e38, 1.0 + 2.0**-8, 1.0 + 3 * 2.0**-8, 1e-40, -0.0]
    return x


def write_quant(out, qtype, rng):
    x = quant_inputs(qtype, rng)
    with np.errstate(over="ignore"):  # F16: values past 65504 become infinities, as intended
        q = quants.quantize(x.reshape(1, -1), qtype)
    q = np.ascontiguousarray(q).view(np.uint8).reshape(-1)
    body = struct.pack("<III", int(qtype), x.size, q.size)
    with open(os.path.join(out, f"quant_{qtype.name}.bin"), "wb") as f:
        f.write(header(KIND_QUANT) + body + x.tobytes() + q.tobytes())


def sweep_inputs():
    i = np.arange(1 << 20, dtype=np.uint64)
    a = ((i * np.uint64(0x9E3779B1)) & np.uint64(0xFFFFFFFF)).astype(np.uint32).view(np.float32)

    def around(lo, hi):
        mid = lo + (hi - lo) * np.float32(0.5)
        below = np.nextafter(mid, np.float32(-np.inf))
        above = np.nextafter(mid, np.float32(np.inf))
        cols = []
        for v in (lo, mid, below, above):
            cols += [v, -v]
        return np.stack(cols, axis=1).reshape(-1).astype(np.float32)

    h = np.arange(0x7BFF, dtype=np.uint16)
    b = around(h.view(np.float16).astype(np.float32), (h + 1).view(np.float16).astype(np.float32))
    g = np.arange(0x7F7F, dtype=np.uint32)
    c = around((g << 16).view(np.float32), ((g + 1) << 16).view(np.float32))
    return np.concatenate([a, b, c])


def write_conversions(out):
    records = []
    all16 = np.arange(65536, dtype=np.uint32).astype(np.uint16)
    f16 = all16.view(np.float16).astype(np.float32).view(np.uint32)
    records.append(("f16_to_f32_all", 65536, checksum(f16)))
    bf = quants.dequantize(all16.view(np.uint8), T.BF16).astype(np.float32).view(np.uint32)
    records.append(("bf16_to_f32_all", 65536, checksum(bf)))
    x = sweep_inputs()
    with np.errstate(over="ignore"):
        h = x.astype(np.float16).view(np.uint16)
    h = np.where(((h & 0x7C00) == 0x7C00) & ((h & 0x03FF) != 0), np.uint16(0x7E00), h)
    records.append(("f32_to_f16_sweep", x.size, checksum(h)))
    bq = quants.quantize(x.reshape(1, -1), T.BF16).view(np.uint16).reshape(-1)
    records.append(("f32_to_bf16_sweep", x.size, checksum(bq)))
    with open(os.path.join(out, "conversions.bin"), "wb") as f:
        f.write(header(KIND_CONV) + struct.pack("<I", len(records)))
        for name, n, s in records:
            f.write(struct.pack("<32sQQ", name.encode(), n, s))


MODEL_TENSORS = ["token_embd.weight", "blk.0.ffn_down.weight", "blk.17.attn_v.weight"]


def write_model_samples(out, model):
    reader = GGUFReader(model)
    size = os.path.getsize(model)
    chunks = []
    for name in MODEL_TENSORS:
        t = next(t for t in reader.tensors if t.name == name)
        row_len = int(t.shape[0])
        values = quants.dequantize(np.asarray(t.data), t.tensor_type).reshape(-1, row_len)
        n_rows = values.shape[0]
        rows = [0, n_rows // 2 + 1, n_rows - 1]
        chunk = struct.pack("<64sIIQQQQI", name.encode(), int(t.tensor_type), row_len, n_rows,
                            int(t.data_offset), int(t.n_bytes),
                            checksum(values.astype(np.float32).view(np.uint32).reshape(-1)),
                            len(rows))
        for r in rows:
            chunk += struct.pack("<I", r) + values[r].astype(np.float32).tobytes()
        chunks.append(chunk)
    with open(os.path.join(out, "model_samples.bin"), "wb") as f:
        f.write(header(KIND_MODEL) + struct.pack("<QI", size, len(chunks)) + b"".join(chunks))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "golden", "quant"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(20240611)
    for qtype in LAYOUTS:
        write_dequant(args.out, qtype, rng)
    for qtype in QUANTIZABLE:
        write_quant(args.out, qtype, rng)
    for qtype in LATER_LAYOUTS:
        write_dequant(args.out, qtype, np.random.default_rng(20240611 + int(qtype)))
    write_conversions(args.out)
    write_model_samples(args.out, args.model)
    total = sum(os.path.getsize(os.path.join(args.out, f)) for f in os.listdir(args.out))
    print(f"wrote {len(os.listdir(args.out))} files, {total} bytes, to {args.out}")


if __name__ == "__main__":
    main()
