#!/usr/bin/env python3
"""Importance-weighted RMS rounding error per tensor of quantized files against their source.

For each tensor that an importance matrix has an entry for, sqrt(sum_ij imp_j (w_ij -
q_ij)^2 / sum_ij imp_j w_ij^2): the error of the tensor's product on activations with the
matrix's mean squares, relative to the product itself. With two quantized files (without and
with the matrix) it counts the tensors where the second is no worse, and exits 1 if any is
worse by more than --slack.

  tools/imatrix_weighted_error.py SOURCE.F16.gguf IMATRIX plain.Q4_0.gguf weighted.Q4_0.gguf
"""
import argparse
import sys

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from compare_imatrix import load as load_imatrix  # noqa: E402


def tensors(path):
    r = GGUFReader(path)
    return {t.name: t for t in r.tensors}


def values(t):
    return dequantize(t.data, t.tensor_type).astype(np.float64).reshape(-1, int(t.shape[0]))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("source")
    p.add_argument("imatrix")
    p.add_argument("files", nargs="+")
    p.add_argument("--slack", type=float, default=1e-9)
    args = p.parse_args()
    imatrix = load_imatrix(args.imatrix)
    src = tensors(args.source)
    quantized = [tensors(f) for f in args.files]
    totals = [[0.0, 0.0] for _ in args.files]
    no_worse = worse = 0
    for name, (imp, _) in sorted(imatrix.items()):
        if name not in src:
            continue
        w = values(src[name])
        errs = []
        for i, q in enumerate(quantized):
            d = values(q[name]) - w
            num = float((d * d * imp).sum())
            den = float((w * w * imp).sum())
            totals[i][0] += num
            totals[i][1] += den
            errs.append(np.sqrt(num / den))
        if len(errs) == 2:
            if errs[1] <= errs[0] * (1 + args.slack):
                no_worse += 1
            else:
                worse += 1
                print(f"{name}: {errs[0]:.5f} -> {errs[1]:.5f} (worse)")
    for f, (num, den) in zip(args.files, totals):
        print(f"{f}: importance-weighted relative RMS error over all tensors {np.sqrt(num / den):.5f}")
    if len(args.files) == 2:
        print(f"tensors no worse with the matrix: {no_worse} of {no_worse + worse}")
    return 1 if worse else 0


if __name__ == "__main__":
    sys.exit(main())
