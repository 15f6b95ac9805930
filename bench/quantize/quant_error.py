"""Reading quantized GGUF files for bench/compare-quantize and tests/e2e/quantize_test.sh:
each tensor dequantized by the `gguf` package (an implementation independent of both Yak and
ggml), and error sums against a source file."""

from __future__ import annotations

import math

import gguf
import numpy as np


def tensors(path: str) -> dict:
    """name -> (type name, shape in ggml order, raw bytes as a numpy uint8 array)."""
    reader = gguf.GGUFReader(path)
    out = {}
    for t in reader.tensors:
        raw = np.asarray(t.data).view(np.uint8).reshape(-1)
        out[t.name] = (t.tensor_type.name, [int(d) for d in t.shape], raw, t.tensor_type)
    return out


def as_float(entry) -> np.ndarray:
    type_name, shape, raw, qtype = entry
    n_row = shape[0]
    rows = raw.size // gguf.quants.quant_shape_to_byte_shape((n_row,), qtype)[0]
    values = gguf.quants.dequantize(raw.reshape(rows, -1), qtype)
    return np.asarray(values, dtype=np.float64).reshape(-1)


def error_against(source: dict, quantized: dict) -> dict:
    """Sum of squared errors and element counts over the tensors whose type changed."""
    sq = 0.0
    ref_sq = 0.0
    n = 0
    identical = 0
    for name, entry in quantized.items():
        src = source[name]
        if entry[0] == src[0]:
            identical += 1
            continue
        a = as_float(src)
        b = as_float(entry)
        sq += float(np.sum((a - b) ** 2))
        ref_sq += float(np.sum(a * a))
        n += a.size
    return {
        "rms": math.sqrt(sq / n) if n else 0.0,
        "relative_rms": math.sqrt(sq / ref_sq) if ref_sq else 0.0,
        "elements": n,
        "unchanged_tensors": identical,
    }


def bits_per_weight(entries: dict) -> float:
    total_bytes = sum(e[2].size for e in entries.values())
    elements = sum(math.prod(e[1]) for e in entries.values())
    return total_bytes * 8.0 / elements
