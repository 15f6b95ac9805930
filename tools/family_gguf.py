"""GGUF skeletons and their deterministic fill: the small test models of the Step 9 families.

A skeleton is everything in a GGUF file except the tensor data: every metadata key with its
GGUF type and value (tokenizer arrays included, the vocabularies are tiny), and every tensor's
name, shape, type and order. tools/golden/make_family_golden.py records one from the file that
llama.cpp's convert_hf_to_gguf.py wrote for a small Hugging Face model of the family, together
with a fill rule per tensor (mean and standard deviation of its pseudo-random values, or the
literal values of the few tensors that are configuration, such as Phi-3's rope factors).

write_gguf() turns a skeleton back into a complete file. It needs only numpy and gguf, so set-up
on a clean machine (tools/write_family_models.py, called by scripts/setup.sh) writes exactly the
bytes that the reference logits were computed from, without torch, transformers or the model.
The values come from make_random_model's counter-based generator (integer arithmetic and one
IEEE multiply-add), so they are the same on every machine and numpy version.

Skeleton shapes are in GGUF order (ne0 first, the fastest-varying dimension); numpy arrays
have them reversed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

import gguf
import make_random_model as rm

FORMAT = "yak-family-skeleton/1"
VT = gguf.GGUFValueType
QT = gguf.GGMLQuantizationType
SKELETON_TYPES = {QT.F32: "F32"}
INTEGER_TYPES = {VT.UINT8, VT.INT8, VT.UINT16, VT.INT16, VT.UINT32, VT.INT32, VT.UINT64,
                 VT.INT64}
FLOAT_TYPES = {VT.FLOAT32, VT.FLOAT64}


def exact_float(value: Any, vtype: VT) -> float:
    """The shortest decimal that reads back to the same float32 (or float64) bits."""
    if vtype == VT.FLOAT32:
        return float(str(np.float32(value)))
    return float(value)


def _json_value(field: Any, vtype: VT, sub_type: VT | None) -> Any:
    value = field.contents()
    if vtype == VT.ARRAY:
        if sub_type in FLOAT_TYPES:
            return [exact_float(v, sub_type) for v in value]
        if sub_type in INTEGER_TYPES:
            return [int(v) for v in value]
        if sub_type == VT.BOOL:
            return [bool(v) for v in value]
        if sub_type == VT.STRING:
            return [str(v) for v in value]
        raise ValueError(f"{field.name}: arrays of {sub_type} are not supported")
    if vtype in FLOAT_TYPES:
        return exact_float(value, vtype)
    if vtype in INTEGER_TYPES:
        return int(value)
    if vtype == VT.BOOL:
        return bool(value)
    if vtype == VT.STRING:
        return str(value)
    raise ValueError(f"{field.name}: values of type {vtype} are not supported")


def read_layout(path: Path) -> dict:
    """Metadata and tensor layout of a GGUF file, as skeleton entries (no fill rules)."""
    reader = gguf.GGUFReader(path)
    metadata = []
    for key, field in reader.fields.items():
        if key.startswith("GGUF."):  # the header's own fields: version, counts
            continue
        vtype = VT(field.types[0])
        sub_type = VT(field.types[1]) if vtype == VT.ARRAY else None
        entry = {"key": key, "type": vtype.name}
        if sub_type is not None:
            entry["item_type"] = sub_type.name
        entry["value"] = _json_value(field, vtype, sub_type)
        metadata.append(entry)
    tensors = []
    for t in reader.tensors:
        qtype = QT(t.tensor_type)
        if qtype not in SKELETON_TYPES:
            raise ValueError(f"{t.name}: type {qtype.name}; skeletons hold F32 tensors only "
                             "(convert with --outtype f32)")
        tensors.append({"name": t.name, "shape": [int(n) for n in t.shape],
                        "type": SKELETON_TYPES[qtype]})
    return {"alignment": int(reader.alignment), "metadata": metadata, "tensors": tensors}


def tensor_data(reader: gguf.GGUFReader, name: str) -> np.ndarray:
    """A tensor of a GGUF file as a float32 numpy array (numpy order of dimensions)."""
    for t in reader.tensors:
        if t.name == name:
            return np.asarray(t.data, dtype=np.float32).reshape(
                [int(n) for n in reversed(t.shape)])
    raise KeyError(name)


def fill_values(seed: int, name: str, shape: list[int], fill: dict) -> np.ndarray:
    """The values of one tensor: its own pseudo-random stream, or literal values."""
    count = int(np.prod(shape))
    if "values" in fill:
        values = np.asarray(fill["values"], dtype=np.float32)
        if values.size != count:
            raise ValueError(f"{name}: {values.size} literal values for {count} elements")
    else:
        key = rm.stream_key(seed, name)
        values = (rm.normalish(key, 0, count) * float(fill["std"]) + float(fill["mean"]))
        values = values.astype(np.float32)
    return values.reshape(list(reversed(shape)))


def _add_metadata(writer: gguf.GGUFWriter, entry: dict) -> None:
    vtype = VT[entry["type"]]
    value = entry["value"]
    if vtype == VT.ARRAY:
        writer.add_key_value(entry["key"], value, vtype, VT[entry["item_type"]])
    else:
        writer.add_key_value(entry["key"], value, vtype)


def write_gguf(skeleton: dict, out: Path) -> None:
    """Write the GGUF file a skeleton describes (to OUT.partial first, then renamed)."""
    if skeleton.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} skeleton (format {skeleton.get('format')!r})")
    metadata = skeleton["metadata"]
    if not metadata or metadata[0]["key"] != "general.architecture":
        raise ValueError("a skeleton's first metadata key must be general.architecture")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    writer = gguf.GGUFWriter(tmp, metadata[0]["value"])  # writes general.architecture itself
    writer.data_alignment = int(skeleton["alignment"])
    for entry in metadata[1:]:
        _add_metadata(writer, entry)
    seed = int(skeleton["seed"])
    for t in skeleton["tensors"]:
        if t["type"] != "F32":
            raise ValueError(f"{t['name']}: type {t['type']}, skeletons hold F32 only")
        n = int(np.prod(t["shape"]))
        writer.add_tensor_info(t["name"], list(reversed(t["shape"])), np.dtype(np.float32),
                               4 * n, raw_dtype=QT.F32)
    writer.write_header_to_file(tmp)
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for t in skeleton["tensors"]:
        writer.write_tensor_data(fill_values(seed, t["name"], t["shape"], t["fill"]))
    writer.close()
    tmp.replace(out)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_skeleton(path: Path) -> dict:
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def dump_skeleton(skeleton: dict) -> str:
    """One metadata entry and one tensor per line: reviewable diffs, valid JSON."""
    head = {k: v for k, v in skeleton.items() if k not in ("metadata", "tensors")}
    lines = ["{"]
    for k, v in head.items():
        lines.append(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},")
    for part in ("metadata", "tensors"):
        lines.append(f'"{part}": [')
        items = skeleton[part]
        for i, item in enumerate(items):
            sep = "," if i + 1 < len(items) else ""
            lines.append(json.dumps(item, ensure_ascii=False, separators=(",", ":")) + sep)
        lines.append("]," if part == "metadata" else "]")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    json.loads(text)
    return text
