#!/usr/bin/env python3
"""Copy a GGUF file with some of its tensors dequantized to F32 (the same values, stored as
floats), the rest byte for byte, to find which tensor type's arithmetic makes two engines
differ: a float tensor has no activation quantization in either engine, so a difference that
vanishes when a tensor class goes to F32 lives in that class's quantized kernel.

  # every ffn_down tensor to F32, everything else as it was
  python3 tools/gguf_dequantize_tensors.py in.gguf out.gguf --match 'ffn_down'
  # everything to F32 except ffn_down
  python3 tools/gguf_dequantize_tensors.py in.gguf out.gguf --match 'ffn_down' --invert
  # only the tensors of these types to F32
  python3 tools/gguf_dequantize_tensors.py in.gguf out.gguf --types Q5_0,Q8_0

A tensor is dequantized when its name matches --match (a regular expression, searched) and
its type is in --types (both default to all), or, with --invert, when it does not.
Needs the gguf package (tools/requirements-test.txt).
"""
import argparse
import re
import sys

import gguf
import numpy as np


def copy_metadata(reader, writer):
    for field in reader.fields.values():
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
            continue  # written by GGUFWriter itself
        value_type = field.types[0]
        sub_type = field.types[-1] if value_type == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, field.contents(), value_type, sub_type=sub_type)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--match", default="", help="regular expression on tensor names")
    p.add_argument("--types", default="", help="comma-separated tensor types, e.g. Q5_0,Q6_K")
    p.add_argument("--invert", action="store_true", help="dequantize the tensors NOT selected")
    a = p.parse_args()

    pattern = re.compile(a.match)
    types = {t.strip().upper() for t in a.types.split(",") if t.strip()}
    reader = gguf.GGUFReader(a.input)
    arch = reader.fields[gguf.Keys.General.ARCHITECTURE].contents()
    writer = gguf.GGUFWriter(a.output, arch)
    copy_metadata(reader, writer)

    changed = 0
    for t in reader.tensors:
        selected = bool(pattern.search(t.name)) and (not types or t.tensor_type.name in types)
        if a.invert:
            selected = not selected
        float_already = t.tensor_type in (gguf.GGMLQuantizationType.F32,)
        if selected and not float_already:
            values = gguf.dequantize(t.data, t.tensor_type).astype(np.float32)
            writer.add_tensor(t.name, values)
            changed += 1
        else:
            # Raw bytes keep their type; the shape passed is the byte shape of the data.
            writer.add_tensor(t.name, t.data, raw_shape=t.data.shape, raw_dtype=t.tensor_type)

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    print(f"{a.output}: {changed} of {len(reader.tensors)} tensors dequantized to F32",
          file=sys.stderr)


if __name__ == "__main__":
    main()
