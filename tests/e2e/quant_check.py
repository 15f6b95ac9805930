#!/usr/bin/env python3
"""Checks for tests/e2e/quantize_test.sh, against the `gguf` package (an implementation of the
GGUF types independent of Yak).

  quant_check.py bytes SOURCE OUT:TYPE [OUT:TYPE...]
      every tensor of blk.0 of each OUT holds
      exactly gguf.quants.quantize(dequantized SOURCE tensor, TYPE) where OUT has TYPE,
      and the SOURCE bytes where OUT kept the source's type.
  quant_check.py metadata SOURCE OUT FILE_TYPE
      every metadata key of SOURCE is in OUT with the same value, except general.file_type
      (FILE_TYPE) and general.quantization_version (2); OUT adds nothing else.
"""

import sys

import gguf
import numpy as np


def tensors(path):
    return {t.name: t for t in gguf.GGUFReader(path).tensors}


def floats(t):
    raw = np.asarray(t.data).view(np.uint8)
    rows = raw.size // gguf.quants.quant_shape_to_byte_shape((int(t.shape[0]),), t.tensor_type)[0]
    return gguf.quants.dequantize(raw.reshape(rows, -1), t.tensor_type).astype(np.float32)


def check_bytes(src, out, type_name):
    dst = tensors(out)
    want_type = gguf.GGMLQuantizationType[type_name]
    names = [n for n in src if n.startswith("blk.0.")]
    checked = 0
    for name in names:
        s, d = src[name], dst[name]
        got = np.asarray(d.data).view(np.uint8).reshape(-1)
        if d.tensor_type == s.tensor_type:
            want = np.asarray(s.data).view(np.uint8).reshape(-1)
        elif d.tensor_type == want_type:
            want = gguf.quants.quantize(floats(s), want_type).reshape(-1).view(np.uint8)
        else:
            continue  # a mix rule chose another type: not this check's business
        if got.tobytes() != want.tobytes():
            diff = int(np.flatnonzero(got != want)[0]) if got.size == want.size else -1
            sys.exit(f"{name}: {d.tensor_type.name} bytes differ from the gguf package's "
                     f"(first at byte {diff}, sizes {got.size} / {want.size})")
        checked += 1
    if checked == 0:
        sys.exit("no tensor was checked")
    print(f"{checked} tensors identical to the gguf package's {type_name}")


def check_metadata(source, out, file_type):
    a, b = gguf.GGUFReader(source), gguf.GGUFReader(out)

    def values(reader):
        out = {}
        for k, f in reader.fields.items():
            if k.startswith("GGUF."):
                continue
            out[k] = (f.types, [bytes(np.asarray(f.parts[i]).view(np.uint8)) for i in f.data])
        return out

    va, vb = values(a), values(b)
    for key, value in va.items():
        if key in ("general.file_type", "general.quantization_version"):
            continue
        if key not in vb:
            sys.exit(f"{key} is missing from the output")
        if vb[key] != value:
            sys.exit(f"{key} differs")
    extra = set(vb) - set(va) - {"general.file_type", "general.quantization_version"}
    if extra:
        sys.exit(f"the output adds keys {sorted(extra)}")
    ft = int(b.fields["general.file_type"].contents())
    qv = int(b.fields["general.quantization_version"].contents())
    if ft != int(file_type) or qv != 2:
        sys.exit(f"general.file_type {ft} (want {file_type}), quantization_version {qv} (want 2)")
    print(f"{len(va)} keys carried over")


if __name__ == "__main__":
    if sys.argv[1] == "bytes":
        source = tensors(sys.argv[2])
        for pair in sys.argv[3:]:
            out, type_name = pair.rsplit(":", 1)
            check_bytes(source, out, type_name)
    elif sys.argv[1] == "metadata":
        check_metadata(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(f"unknown check {sys.argv[1]}")
