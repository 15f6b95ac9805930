#!/usr/bin/env python3
"""Write reference logits of a GGUF model, computed by Hugging Face transformers, as JSON.

transformers dequantizes the GGUF weights to float32 and runs its own implementation of the
architecture on the CPU; Yak's forward pass is compared with these numbers
(tests/golden/models/*.json). Needs the reference tools (scripts/setup-reference.sh); tests
never run this script, they only read its output.

Example:
  python3 tools/golden/make_model_golden.py --model models/SmolLM2-135M-Instruct.Q4_1.gguf \\
      --out tests/golden/models/smollm2-135m-q4_1.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

GENERATOR = "tools/golden/make_model_golden.py"
N_TOP = 32
N_SAMPLE = 256
N_GREEDY = 64
MAX_FILE_BYTES = 1 << 20

PROMPTS_EN = [
    "The capital of France is",
    "Once upon a time, there was a little girl who",
    "def fibonacci(n):\n    if n < 2:\n        return n\n    return",
    "Water boils at 100 degrees Celsius. In Fahrenheit, that is",
    "1, 2, 3, 5, 8, 13,",
]
PROMPT_CHAT = ("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
               "<|im_start|>user\nWhat is the tallest mountain on Earth?<|im_end|>\n"
               "<|im_start|>assistant\n")
PROMPT_ZH = "人工智能是计算机科学的一个分支，它的目标是"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def f32(x: float) -> float:
    """Shortest decimal that reads back as the same float32: exact, and half the digits."""
    return float(str(np.float32(float(x))))


def read_metadata(path: Path) -> tuple[bool, bool]:
    import gguf
    reader = gguf.GGUFReader(path)
    field = reader.fields.get("tokenizer.ggml.add_bos_token")
    add_bos = bool(field.contents()) if field is not None else False
    has_output = any(t.name == "output.weight" for t in reader.tensors)
    return add_bos, has_output


def position_record(logits, sample_ids) -> dict:
    import torch
    top = torch.topk(logits, N_TOP)
    as64 = logits.double()
    return {
        "top_ids": [int(i) for i in top.indices],
        "top_logits": [f32(v) for v in top.values],
        "sample_logits": [f32(v) for v in logits[sample_ids]],
        "max_logit": f32(logits.max()),
        "logsumexp": float(torch.logsumexp(as64, dim=0)),
    }


def greedy(model, ids: list[int]) -> list[int]:
    """Argmax continuation that ignores EOS, so every case has the same length."""
    import torch
    out = model(torch.tensor([ids]), use_cache=True)
    # transformers 5 renamed past_key_values to cache; accept either.
    cache_key = "cache" if "cache" in out else "past_key_values"
    result = []
    for _ in range(N_GREEDY):
        next_id = int(torch.argmax(out.logits[0, -1]))
        result.append(next_id)
        out = model(torch.tensor([[next_id]]), use_cache=True, **{cache_key: out[cache_key]})
    return result


def dump(doc: dict) -> str:
    """One position per line: small diffs, readable, compact."""
    head = {k: v for k, v in doc.items() if k not in ("sample_ids", "cases")}
    lines = ["{"]
    for k, v in head.items():
        lines.append(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},")
    lines.append(f'"sample_ids": {json.dumps(doc["sample_ids"], separators=(",", ":"))},')
    lines.append('"cases": [')
    for ci, case in enumerate(doc["cases"]):
        lines.append("{" + f'"prompt": {json.dumps(case["prompt"], ensure_ascii=False)},')
        lines.append(f'"tokens": {json.dumps(case["tokens"], separators=(",", ":"))},')
        lines.append('"positions": [')
        n = len(case["positions"])
        for pi, pos in enumerate(case["positions"]):
            sep = "," if pi + 1 < n else ""
            lines.append(json.dumps(pos, separators=(",", ":")) + sep)
        lines.append("],")
        sep = "," if ci + 1 < len(doc["cases"]) else ""
        lines.append(f'"greedy": {json.dumps(case["greedy"], separators=(",", ":"))}' + "}" + sep)
    lines.append("]}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="GGUF file")
    parser.add_argument("--out", required=True, help="JSON file to write")
    parser.add_argument("--chinese", action="store_true", help="add a Chinese prompt")
    args = parser.parse_args()

    try:
        import torch
        import transformers
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as e:
        sys.exit(f"make_model_golden.py: {e}; run scripts/setup-reference.sh")

    model_path = Path(args.model).resolve()
    if not model_path.is_file():
        sys.exit(f"model file {model_path} is missing; run scripts/setup.sh")
    add_bos, has_output = read_metadata(model_path)

    started = time.time()
    kwargs = {"gguf_file": model_path.name}
    tokenizer = AutoTokenizer.from_pretrained(model_path.parent, **kwargs)
    model = AutoModelForCausalLM.from_pretrained(
        model_path.parent, dtype=torch.float32, attn_implementation="eager", **kwargs)
    model.eval()
    loaded = time.time()
    # A wrong guess here would silently use the embedding as output head (or the reverse).
    if bool(model.config.tie_word_embeddings) == has_output:
        sys.exit(f"transformers set tie_word_embeddings={model.config.tie_word_embeddings}, "
                 f"but the file {'has' if has_output else 'lacks'} output.weight")

    n_vocab = int(model.get_output_embeddings().weight.shape[0])
    sample_ids = [int(round(x)) for x in np.linspace(0, n_vocab - 1, N_SAMPLE)]
    prompts = PROMPTS_EN + [PROMPT_CHAT] + ([PROMPT_ZH] if args.chinese else [])

    cases = []
    with torch.no_grad():
        for prompt in prompts:
            ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
            if add_bos:
                ids = [tokenizer.bos_token_id] + ids
            logits = model(torch.tensor([ids])).logits[0].float()
            if logits.shape[-1] != n_vocab:
                sys.exit(f"logits have {logits.shape[-1]} columns, expected {n_vocab}")
            cases.append({
                "prompt": prompt,
                "tokens": ids,
                "positions": [position_record(row, sample_ids) for row in logits],
                "greedy": greedy(model, ids),
            })
            print(f"  {len(ids):3d} tokens, greedy: {tokenizer.decode(cases[-1]['greedy'])!r}",
                  flush=True)
    finished = time.time()

    doc = {
        "model_file": model_path.name,
        "model_sha256": sha256_of(model_path),
        "generator": GENERATOR,
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
        "n_vocab": n_vocab,
        "sample_ids": sample_ids,
        "cases": cases,
    }
    text = dump(doc)
    json.loads(text)  # the hand-made layout must stay valid JSON
    if len(text.encode()) > MAX_FILE_BYTES:
        sys.exit(f"golden file would be {len(text.encode())} bytes, over {MAX_FILE_BYTES}; "
                 "shorten the prompts")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text, encoding="utf-8")

    maxes = [p["max_logit"] for c in cases for p in c["positions"]]
    mins = [min(p["sample_logits"]) for c in cases for p in c["positions"]]
    gaps = [p["top_logits"][0] - p["top_logits"][1] for c in cases for p in c["positions"]]
    print(f"wrote {args.out}: {len(text.encode())} bytes, {len(maxes)} positions")
    print(f"  load {loaded - started:.1f} s, forward+greedy {finished - loaded:.1f} s")
    print(f"  max logit range [{min(maxes):.3f}, {max(maxes):.3f}], min sampled logit "
          f"{min(mins):.3f}, smallest top1-top2 gap {min(gaps):.5f}, "
          f"median gap {float(np.median(gaps)):.4f}")


if __name__ == "__main__":
    main()
