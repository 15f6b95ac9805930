#!/usr/bin/env python3
"""Write a GGUF model of a real architecture's shape with deterministic pseudo-random weights.

Speed tests and shape-dependent code need models of real sizes that no package ships; the
values do not matter, but the bytes must be identical on every machine so that set-up can
verify a sha256 and golden files stay valid. Numpy's RNG streams are not promised to stay
stable across versions, and transcendental functions (log, cos) may round differently per
CPU, so the values come from a counter-based splitmix64 generator and an Irwin-Hall sum of
four 16-bit uniforms: integer arithmetic plus one IEEE multiply-add, exact everywhere.

The vocabulary (tokenizer.* keys) is copied from a real GGUF file of the same family, so the
model loads in transformers and llama.cpp and tokenizes real text.

Example:
  python3 tools/make_random_model.py --shape qwen2.5-0.5b --type q8_0 \\
      --out models/qwen2-0.5b-random.q8_0.gguf
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

try:
    import gguf
except ImportError:  # pragma: no cover - message for a machine without set-up
    sys.exit("make_random_model.py: the 'gguf' package is missing; run scripts/setup.sh")

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Shape:
    arch: str
    n_embd: int
    n_layer: int
    n_head: int
    n_head_kv: int
    head_dim: int
    n_ff: int
    n_vocab: int
    rope_theta: float
    rms_eps: float
    n_ctx: int
    qkv_bias: bool
    tied_embeddings: bool
    default_vocab: Path


SHAPES = {
    "qwen2.5-0.5b": Shape(
        arch="qwen2", n_embd=896, n_layer=24, n_head=14, n_head_kv=2, head_dim=64, n_ff=4864,
        n_vocab=151936, rope_theta=1e6, rms_eps=1e-6, n_ctx=32768, qkv_bias=True,
        tied_embeddings=True,
        default_vocab=REPO / "models" / "qwen2.5-coder-0.5b-instruct.q4_k_m.gguf"),
    "tinyllama-1.1b": Shape(
        arch="llama", n_embd=2048, n_layer=22, n_head=32, n_head_kv=4, head_dim=64, n_ff=5632,
        n_vocab=32000, rope_theta=10000.0, rms_eps=1e-5, n_ctx=2048, qkv_bias=False,
        tied_embeddings=False,
        default_vocab=Path("/work/shared/data/tokenizer/ggml-vocab-llama-spm.gguf")),
}

QT = gguf.GGMLQuantizationType
TYPES = {
    "f32": (QT.F32, gguf.LlamaFileType.ALL_F32),
    "f16": (QT.F16, gguf.LlamaFileType.MOSTLY_F16),
    "q8_0": (QT.Q8_0, gguf.LlamaFileType.MOSTLY_Q8_0),
    "q4_0": (QT.Q4_0, gguf.LlamaFileType.MOSTLY_Q4_0),
}

WEIGHT_STD = 0.02
NORM_MEAN, NORM_STD = 1.0, 0.05
BIAS_STD = 0.02
CHUNK_ELEMS = 1 << 22

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def stream_key(seed: int, name: str) -> np.uint64:
    """Each tensor gets its own stream, so adding or cutting layers leaves others unchanged."""
    digest = hashlib.sha256(f"yak-random-model:{seed}:{name}".encode()).digest()
    return np.uint64(int.from_bytes(digest[:8], "little"))


def splitmix64(key: np.uint64, start: int, count: int) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = np.arange(start + 1, start + count + 1, dtype=np.uint64) * _GOLDEN + key
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        return z ^ (z >> np.uint64(31))


def normalish(key: np.uint64, start: int, count: int) -> np.ndarray:
    """Mean 0, variance 1; Irwin-Hall of four 16-bit uniforms (bounded by +-2*sqrt(3))."""
    bits = splitmix64(key, start, count)
    mask = np.uint64(0xFFFF)
    total = np.zeros(count, dtype=np.int64)
    for shift in (0, 16, 32, 48):
        total += ((bits >> np.uint64(shift)) & mask).astype(np.int64)
    # Sum of four uniforms on {0..65535} has mean 131070 and variance 4*(65536^2-1)/12.
    centred = (total - 131070).astype(np.float64)
    return centred * (np.sqrt(3.0) / 65536.0)


def tensor_values(seed: int, name: str, n_rows: int, n_cols: int, row0: int, rows: int,
                  mean: float, std: float) -> np.ndarray:
    key = stream_key(seed, name)
    values = normalish(key, row0 * n_cols, rows * n_cols) * std + mean
    return values.astype(np.float32).reshape(rows, n_cols)


@dataclass(frozen=True)
class TensorSpec:
    name: str
    rows: int  # numpy shape (rows, cols); GGUF lists it reversed as [cols, rows]
    cols: int
    kind: str  # "weight", "norm" or "bias"


def tensor_specs(shape: Shape, n_layer: int) -> list[TensorSpec]:
    q_dim = shape.n_head * shape.head_dim
    kv_dim = shape.n_head_kv * shape.head_dim
    e, f = shape.n_embd, shape.n_ff
    specs = [TensorSpec("token_embd.weight", shape.n_vocab, e, "weight"),
             TensorSpec("output_norm.weight", 1, e, "norm")]
    if not shape.tied_embeddings:
        specs.append(TensorSpec("output.weight", shape.n_vocab, e, "weight"))
    for i in range(n_layer):
        p = f"blk.{i}."
        specs += [TensorSpec(p + "attn_norm.weight", 1, e, "norm"),
                  TensorSpec(p + "attn_q.weight", q_dim, e, "weight"),
                  TensorSpec(p + "attn_k.weight", kv_dim, e, "weight"),
                  TensorSpec(p + "attn_v.weight", kv_dim, e, "weight")]
        if shape.qkv_bias:
            specs += [TensorSpec(p + "attn_q.bias", 1, q_dim, "bias"),
                      TensorSpec(p + "attn_k.bias", 1, kv_dim, "bias"),
                      TensorSpec(p + "attn_v.bias", 1, kv_dim, "bias")]
        specs += [TensorSpec(p + "attn_output.weight", e, q_dim, "weight"),
                  TensorSpec(p + "ffn_norm.weight", 1, e, "norm"),
                  TensorSpec(p + "ffn_gate.weight", f, e, "weight"),
                  TensorSpec(p + "ffn_up.weight", f, e, "weight"),
                  TensorSpec(p + "ffn_down.weight", e, f, "weight")]
    return specs


def spec_type(spec: TensorSpec, weight_type: QT) -> QT:
    return weight_type if spec.kind == "weight" else QT.F32


def spec_nbytes(spec: TensorSpec, qtype: QT) -> int:
    block, type_size = gguf.GGML_QUANT_SIZES[qtype]
    if spec.cols % block != 0:
        raise SystemExit(f"{spec.name}: row length {spec.cols} is not a multiple of {block}")
    return spec.rows * (spec.cols // block) * type_size


def encode_rows(values: np.ndarray, qtype: QT) -> np.ndarray:
    if qtype == QT.F32:
        return values
    if qtype == QT.F16:
        return values.astype(np.float16)
    return gguf.quants.quantize(values, qtype)


def make_tensor(seed: int, spec: TensorSpec, qtype: QT) -> np.ndarray:
    mean, std = {"weight": (0.0, WEIGHT_STD), "norm": (NORM_MEAN, NORM_STD),
                 "bias": (0.0, BIAS_STD)}[spec.kind]
    rows_per_chunk = max(1, CHUNK_ELEMS // spec.cols)
    parts = []
    for row0 in range(0, spec.rows, rows_per_chunk):
        rows = min(rows_per_chunk, spec.rows - row0)
        values = tensor_values(seed, spec.name, spec.rows, spec.cols, row0, rows, mean, std)
        parts.append(encode_rows(values, qtype))
    data = np.concatenate(parts, axis=0)
    return data.reshape(spec.cols) if spec.rows == 1 and spec.kind != "weight" else data


def copy_tokenizer_keys(writer: gguf.GGUFWriter, vocab_path: Path, n_vocab: int) -> None:
    if not vocab_path.is_file():
        raise SystemExit(f"vocabulary source {vocab_path} is missing (run scripts/setup.sh, or "
                         "pass --vocab-from FILE.gguf)")
    reader = gguf.GGUFReader(vocab_path)
    tokens = reader.fields.get("tokenizer.ggml.tokens")
    if tokens is None:
        raise SystemExit(f"{vocab_path} has no tokenizer.ggml.tokens")
    if len(tokens.data) != n_vocab:
        raise SystemExit(f"{vocab_path} has {len(tokens.data)} tokens, the shape needs {n_vocab}")
    for key, field in reader.fields.items():
        if not key.startswith("tokenizer."):
            continue
        vtype = field.types[0]
        sub_type = field.types[1] if vtype == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(key, field.contents(), vtype, sub_type)


def write_model(args: argparse.Namespace) -> None:
    shape = SHAPES[args.shape]
    n_layer = shape.n_layer if args.layers is None else args.layers
    if not 1 <= n_layer <= shape.n_layer:
        raise SystemExit(f"--layers must be within 1..{shape.n_layer}")
    weight_type, file_type = TYPES[args.type]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")

    writer = gguf.GGUFWriter(tmp, shape.arch)
    layer_note = "" if n_layer == shape.n_layer else f", {n_layer} layers"
    writer.add_name(f"Yak random {args.shape} {args.type} (seed {args.seed}{layer_note})")
    writer.add_string("general.description",
                      "Deterministic pseudo-random weights written by tools/make_random_model.py")
    writer.add_file_type(int(file_type))
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
    writer.add_context_length(shape.n_ctx)
    writer.add_embedding_length(shape.n_embd)
    writer.add_block_count(n_layer)
    writer.add_feed_forward_length(shape.n_ff)
    writer.add_head_count(shape.n_head)
    writer.add_head_count_kv(shape.n_head_kv)
    writer.add_rope_freq_base(shape.rope_theta)
    writer.add_layer_norm_rms_eps(shape.rms_eps)
    if shape.arch == "llama":
        writer.add_rope_dimension_count(shape.head_dim)
        writer.add_vocab_size(shape.n_vocab)
    vocab_path = Path(args.vocab_from) if args.vocab_from else shape.default_vocab
    copy_tokenizer_keys(writer, vocab_path, shape.n_vocab)

    specs = tensor_specs(shape, n_layer)
    for spec in specs:
        qtype = spec_type(spec, weight_type)
        gguf_shape = (spec.rows, spec.cols) if spec.kind == "weight" else (spec.cols,)
        writer.add_tensor_info(spec.name, gguf_shape, np.dtype(np.float32),
                               spec_nbytes(spec, qtype), raw_dtype=qtype)
    writer.write_header_to_file(tmp)
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for i, spec in enumerate(specs):
        if not args.quiet and (i % 20 == 0 or i == len(specs) - 1):
            print(f"  tensor {i + 1}/{len(specs)}: {spec.name}", flush=True)
        writer.write_tensor_data(make_tensor(args.seed, spec, spec_type(spec, weight_type)))
    writer.close()
    tmp.replace(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", choices=sorted(SHAPES), required=True)
    parser.add_argument("--type", choices=sorted(TYPES), default="q8_0",
                        help="type of the 2-D weights (norms and biases stay F32)")
    parser.add_argument("--layers", type=int, help="cut the depth to N layers for quick tests")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--vocab-from", help="GGUF file whose tokenizer.* keys are copied "
                        "(default: the shape's real vocabulary file)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--quiet", action="store_true")
    write_model(parser.parse_args())


if __name__ == "__main__":
    main()
