#!/usr/bin/env python3
"""Compares two importance matrices entry by entry: Yak's and llama-imatrix's, say.

Reads either format (GGUF `NAME.in_sum2`/`NAME.counts`, or the legacy imatrix.dat) and
compares the mean square per column (sums / counts, what llama-quantize uses), so a GGUF
file can be compared with a legacy one. Exits 1 when the entry names, column counts or
(GGUF only) counts differ, when an entry differs by more than --rtol (relative L2 norm of
the difference), or when the first block's attention input (embedding rows and a norm,
the same in any precision) differs by more than --first-rtol. Deeper entries drift apart
with the precision of the two runs: llama.cpp multiplies quantized weights with 8-bit
activations, so even Yak's exact float32 run differs from it by ~1-2% in the last blocks.

  tools/compare_imatrix.py yak.gguf llama.gguf
"""
import argparse
import struct
import sys

import numpy as np


def load_legacy(path):
    data = open(path, "rb").read()
    at = 0

    def take(fmt):
        nonlocal at
        size = struct.calcsize(fmt)
        if at + size > len(data):
            raise ValueError(f"{path}: truncated at offset {at}")
        values = struct.unpack_from(fmt, data, at)
        at += size
        return values

    (n,) = take("<i")
    entries = {}
    for _ in range(n):
        (length,) = take("<i")
        name = data[at:at + length].decode()
        at += length
        ncall, nval = take("<ii")
        values = np.array(take(f"<{nval}f"), dtype=np.float64)
        entries[name] = (values / ncall if ncall > 0 else values, None)
    return entries


def load_gguf(path):
    import gguf  # the gguf package of llama.cpp (tools/requirements-test.txt)

    reader = gguf.GGUFReader(path)
    tensors = {t.name: np.array(t.data, dtype=np.float64).reshape(-1) for t in reader.tensors}
    entries = {}
    for name, sums in tensors.items():
        if not name.endswith(".in_sum2"):
            continue
        base = name[: -len(".in_sum2")]
        counts = tensors[base + ".counts"]
        per = sums.size // counts.size
        mean = np.concatenate([sums[i * per:(i + 1) * per] / c if c > 0 else
                               np.ones(per) for i, c in enumerate(counts)])
        entries[base] = (mean, counts)
    return entries


def load(path):
    with open(path, "rb") as f:
        magic = f.read(4)
    return load_gguf(path) if magic == b"GGUF" else load_legacy(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--rtol", type=float, default=0.05)
    parser.add_argument("--first-rtol", type=float, default=1e-4)
    args = parser.parse_args()
    a, b = load(args.a), load(args.b)
    ok = True
    if sorted(a) != sorted(b):
        print(f"entry names differ: only in {args.a}: {sorted(set(a) - set(b))[:5]}, "
              f"only in {args.b}: {sorted(set(b) - set(a))[:5]}")
        ok = False
    worst = []
    for name in sorted(set(a) & set(b)):
        (va, ca), (vb, cb) = a[name], b[name]
        if va.size != vb.size:
            print(f"{name}: {va.size} vs {vb.size} columns")
            ok = False
            continue
        if ca is not None and cb is not None and not np.array_equal(ca, cb):
            print(f"{name}: counts {ca.tolist()} vs {cb.tolist()}")
            ok = False
        diff = np.linalg.norm(va - vb) / max(np.linalg.norm(vb), 1e-30)
        worst.append((diff, name))
        if name in ("blk.0.attn_q.weight", "blk.0.attn_k.weight", "blk.0.attn_v.weight"):
            print(f"{name}: relative difference {diff:.3g} (tolerance {args.first_rtol})")
            ok = ok and diff <= args.first_rtol
    worst.sort(reverse=True)
    for diff, name in worst[:5]:
        print(f"{name}: relative difference {diff:.3g}")
    if worst and worst[0][0] > args.rtol:
        ok = False
    print(f"{len(a)} and {len(b)} entries; worst relative difference "
          f"{worst[0][0] if worst else 0:.3g} (tolerance {args.rtol}): {'same' if ok else 'DIFFERENT'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
