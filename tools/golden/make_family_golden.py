#!/usr/bin/env python3
"""Reference logits for the Step 9 model families, on small GGUF files that CI can rebuild.

For each family of tools/golden/family_table.py:
 1. a random-weight Hugging Face checkpoint of the family's shrunk real config, with a tiny
    tokenizer, is converted to GGUF (F32) by the convert_hf_to_gguf.py that llama-cpp-python's
    source package vendors (bench/setup-peers.sh unpacks it);
 2. the converted file is checked against the checkpoint: transformers (or the inverse
    mapping of family_hf.hub_tensors) must read back the same weights and logits;
 3. its skeleton (metadata, tensor layout, a fill rule per tensor) goes to
    tests/golden/families/NAME.skeleton.json and family_gguf.write_gguf() fills it with
    deterministic values into models/families/NAME.gguf, the file Yak is tested on
    (tools/write_family_models.py rebuilds it byte for byte without torch);
 4. the reference logits of that file (transformers, or llama.cpp where no transformers class
    exists) go to tests/golden/families/NAME.json, in the format of tests/golden/models/*.json,
    after the fill seed has been moved on until every greedy step and every expert choice has a
    clear margin;
 5. llama.cpp computes the same file as a cross-check (and, for Baichuan 13B, a float64 ALiBi
    forward does), and the differences are recorded in the golden.

Needs the reference tools (scripts/setup-reference.sh; tools/requirements-reference.txt) and
the peer build of llama.cpp (bench/setup-peers.sh). Tests never run this; they read its output.

Example:
  python3 tools/golden/make_family_golden.py               # every family
  python3 tools/golden/make_family_golden.py qwen3 gemma3  # some
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path[0:0] = [str(HERE), str(REPO / "tools")]

import family_gguf as fg  # noqa: E402
import family_hf as fh  # noqa: E402
import family_reference as fr  # noqa: E402
import make_random_model as rm  # noqa: E402
from family_table import FAMILIES  # noqa: E402

GENERATOR = "tools/golden/make_family_golden.py"
CONVERTER = fr.LLAMA_CPP_SRC / "convert_hf_to_gguf.py"
CONVERTER_NAME = "convert_hf_to_gguf.py of llama-cpp-python 0.3.36 (vendored llama.cpp)"
HF_SEED = 1234           # torch seed of the random checkpoints (only the converter check sees them)
PROMPT_LENGTHS = [4, 12, 33, 57, 80]  # past Gemma's window of 8 and Mistral's of 16
N_GREEDY = 24
N_TOP = 16
N_SAMPLE = 64
LOGIT_STD = 4.0          # output-matrix scale: logits of a few units, greedy margins of ~1
TIED_INPUT_RMS = 0.1     # input scale of a tied embedding (see fill_rule)
ROUTER_STD = 3.0         # router-matrix scale: expert logits of ~3, clear top-k choices
ROUTER_MARGIN_FACTOR = 10  # per MoE layer: k-th vs (k+1)-th router logit gap, in float32 errors
MIN_GREEDY_GAP = 2e-3     # top-1 vs top-2 logit at every greedy step (2x the test tolerance)
MIN_DISTINCT_GREEDY = 4   # a continuation must not be one or two tokens repeated
SEED_TRIES = 40
MAX_GOLDEN_BYTES = 1 << 20


# --- Checkpoint and conversion ---------------------------------------------------------------

def convert(name: str, family: dict, work: Path):
    """Random checkpoint + tokenizer in work/yak-tiny-NAME, converted to work/converted.gguf.
    Returns the transformers model of the checkpoint and the converted file."""
    hf_dir = work / f"yak-tiny-{name}"  # the converter names the model after the folder
    hf_dir.mkdir(parents=True, exist_ok=True)
    tok = family["tokenizer"]
    if tok["kind"] == "spm":
        fh.write_spm_tokenizer(hf_dir, tok, family["vocab"])
    else:
        fh.write_bpe_tokenizer(hf_dir, tok, family["vocab"])
    model = fh.write_checkpoint(family, hf_dir, HF_SEED)
    out = work / "converted.gguf"
    cmd = [sys.executable, str(HERE / "convert_with_pretokenizer.py"), str(CONVERTER),
           tok.get("pre", "-"), *family.get("converter_flags", []), str(hf_dir),
           "--outtype", "f32", "--outfile", str(out)]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"{name}: the converter failed:\n{run.stderr[-4000:]}")
    (work / "converter.log").write_text(run.stderr)
    return model, hf_dir, out


# --- Skeleton and fill -----------------------------------------------------------------------

def fill_rule(name: str, shape: list[int], model: dict, reader) -> dict:
    """Mean and spread of a tensor's values, by what the tensor is (GGUF names; shape[0] is the
    input width of a matrix). Every norm weight in these files is the multiplier itself (the
    converter stores Gemma's 1+w), so 'about 1' fits them all.

    With tied embeddings the one matrix is both the input and the output: at the output scale
    the input token dominates the residual stream and a random model just repeats it. So the
    embedding is made small (its rows reach the first layer with RMS TIED_INPUT_RMS, after
    Gemma's sqrt(n_embd) scale) and the final norm's weight brings the logits back to
    LOGIT_STD."""
    if name.startswith("rope_factors"):  # configuration, not weights: keep the converter's
        return {"values": [fg.exact_float(v, fg.VT.FLOAT32)
                           for v in fg.tensor_data(reader, name).reshape(-1)]}
    n_embd = model["n_embd"]
    tied_std = TIED_INPUT_RMS / model["embd_scale"]
    if name == "output_norm.weight" and model["tied"]:
        return {"mean": LOGIT_STD / (tied_std * math.sqrt(n_embd)), "std": 0.1}
    if name.endswith("norm.weight"):
        return {"mean": 1.0, "std": 0.1}
    if name.endswith(".bias"):
        return {"mean": 0.0, "std": 0.05}
    n_in = shape[0]
    if name == "token_embd.weight":
        return {"mean": 0.0, "std": tied_std if model["tied"] else 1.0}
    if name == "output.weight":
        return {"mean": 0.0, "std": LOGIT_STD / math.sqrt(n_in)}
    if name.endswith("ffn_gate_inp.weight"):
        return {"mean": 0.0, "std": ROUTER_STD / math.sqrt(n_in)}
    if name.endswith("attn_k_b.weight"):  # [qk_nope, kv_lora, heads]: it is used transposed
        n_in = shape[1]
    return {"mean": 0.0, "std": 1.0 / math.sqrt(n_in)}


def make_skeleton(name: str, family: dict, layout: dict, converted: Path, seed: int) -> dict:
    import gguf

    reader = gguf.GGUFReader(converted)
    arch = family["arch"]
    n_embd = next(m["value"] for m in layout["metadata"]
                  if m["key"] == f"{arch}.embedding_length")
    model = {"n_embd": n_embd,
             "tied": not any(t["name"] == "output.weight" for t in layout["tensors"]),
             "embd_scale": math.sqrt(n_embd) if arch == "gemma3" else 1.0}
    metadata = list(layout["metadata"])
    for extra in family.get("extra_metadata", []):
        last_arch_key = max(i for i, m in enumerate(metadata)
                            if m["key"].startswith(family["arch"] + "."))
        metadata.insert(last_arch_key + 1, dict(extra))
    gains = family.get("fill_gain", {})
    tensors = []
    for t in layout["tensors"]:
        fill = fill_rule(t["name"], t["shape"], model, reader)
        gain = gains.get(t["name"].split(".", 2)[-1] if t["name"].startswith("blk.") else "")
        if gain is not None:
            fill["std"] *= gain
        tensors.append(dict(t, fill=fill))
    return {
        "format": fg.FORMAT, "family": name, "real_model": family["real"],
        "generator": GENERATOR,
        "converter": CONVERTER_NAME + " ".join([""] + family.get("converter_flags", [])),
        "changes": family["changes"], "seed": seed, "alignment": layout["alignment"],
        "metadata": metadata, "tensors": tensors,
    }


def metadata_value(skeleton: dict, key: str, default=None):
    return next((m["value"] for m in skeleton["metadata"] if m["key"] == key), default)


def prompts(skeleton: dict) -> list[list[int]]:
    """Token-id prompts: deterministic draws from the vocabulary's normal tokens, after BOS
    where the file asks for one."""
    types = metadata_value(skeleton, "tokenizer.ggml.token_type")
    normal = np.asarray([i for i, t in enumerate(types) if t == 1], dtype=np.uint64)
    bos = metadata_value(skeleton, "tokenizer.ggml.bos_token_id")
    add_bos = metadata_value(skeleton, "tokenizer.ggml.add_bos_token", False)
    cases = []
    for n in PROMPT_LENGTHS:
        draws = rm.splitmix64(rm.stream_key(0, f"family-prompt-{n}"), 0, n)
        ids = [int(normal[int(d % np.uint64(len(normal)))]) for d in draws]
        cases.append(([int(bos)] + ids[1:]) if add_bos and bos is not None else ids)
    return cases


# --- References -------------------------------------------------------------------------------

def reference_model(name: str, family: dict, gguf_path: Path, work: Path):
    if family["reference"] == "gguf-transformers":
        return fh.load_gguf_model(family, gguf_path)
    if family["reference"] == "hub-transformers":
        return fh.load_hub_model(family, fh.hub_tensors(family, gguf_path), work / "hub")
    return None


def reference_cases(name, family, gguf_path, cases, work, llamacpp):
    """(per-case logits, per-MoE-layer routing margins) of the reference for the filled
    file."""
    model = reference_model(name, family, gguf_path, work)
    if model is None:  # llama.cpp is the reference
        n_vocab = fh.vocab_size(family)
        return fr.llamacpp_cases(llamacpp, gguf_path, cases, N_GREEDY, n_vocab, work), []
    result = [fr.transformers_case(model, ids, N_GREEDY) for ids in cases]
    routing = fr.router_margins(model, family, [ids + r.greedy for ids, r in zip(cases, result)])
    return result, routing


def greedy_gaps(result: list) -> list[float]:
    """Top-1 margins of the logits each greedy token was chosen from."""
    return [fr.top_gap(s) for r in result for s in [r.prompt[-1], *r.steps[:-1]]]


def judge(result: list, routing: list[tuple[float, float]]) -> list[str]:
    """Why a fill seed is unusable (empty when it is fine). routing: (margin, error) of each
    MoE layer's expert choices (family_reference.router_margins)."""
    problems = []
    if not all(np.isfinite(r.prompt).all() and np.isfinite(r.steps).all() for r in result):
        problems.append("non-finite logits")
    gap = min(greedy_gaps(result))
    if gap < MIN_GREEDY_GAP:
        problems.append(f"greedy top-1 gap {gap:.2e}")
    tight = [(m, e) for m, e in routing if m < ROUTER_MARGIN_FACTOR * e]
    if tight:
        m, e = min(tight, key=lambda me: me[0] / me[1])
        problems.append(f"router margin {m:.2e} against float32 error {e:.1e}")
    distinct = min(len(set(r.greedy)) for r in result)
    if distinct < MIN_DISTINCT_GREEDY:
        problems.append(f"a greedy path of {distinct} distinct tokens")
    return problems


# --- Checks -----------------------------------------------------------------------------------

def converter_check(name, family, hf_model, hf_dir, converted, cases, work) -> dict:
    """The converted (unfilled) file against the checkpoint it came from: the weights read back
    by the reference path must be the checkpoint's, and so must the logits."""
    import torch
    from safetensors.numpy import load_file

    ids = cases[2]
    with torch.no_grad():
        truth = hf_model(torch.tensor([ids])).logits[0].float().numpy()
    if family["reference"] == "gguf-transformers":
        model = fh.load_gguf_model(family, converted)
        ours = dict(model.state_dict())
        want = dict(hf_model.state_dict())
        if ours.keys() != want.keys():
            odd = sorted(ours.keys() ^ want.keys())
            sys.exit(f"{name}: transformers' GGUF load and the checkpoint differ in parameters "
                     f"{odd}")
        param_diff = max(float((ours[k].float() - want[k].float()).abs().max()) for k in want)
    else:
        tensors = fh.hub_tensors(family, converted)
        if "as_llama" in family:
            want = {k: v.detach().numpy() for k, v in hf_model.state_dict().items()}
        else:
            want = load_file(str(hf_dir / "model.safetensors"))
        if tensors.keys() != want.keys():
            sys.exit(f"{name}: inverse mapping gives {sorted(tensors.keys() ^ want.keys())} "
                     "beyond the checkpoint's tensors, or misses them")
        param_diff = max(float(np.abs(tensors[k] - want[k]).max()) for k in want)
        model = None if family["reference"] == "llama.cpp" else \
            fh.load_hub_model(family, tensors, work / "hub-unfilled")
    if model is None:
        logits_diff = None
    else:
        with torch.no_grad():
            got = model(torch.tensor([ids])).logits[0].float().numpy()
        logits_diff = float(np.abs(got - truth).max())
    return {"sequence_tokens": len(ids), "max_weight_diff": param_diff,
            "max_logit_diff": logits_diff, "logit_std": float(truth.std())}


def crosscheck(ref: list, other: list) -> dict:
    """Differences of a second implementation from the reference on the same prompts."""
    prompt_diff = max(float(np.abs(a.prompt - b.prompt).max()) for a, b in zip(ref, other))
    same = [a.greedy == b.greedy for a, b in zip(ref, other)]
    step_diff = max(float(np.abs(a.steps - b.steps).max())
                    for a, b, s in zip(ref, other, same) if s) if any(same) else None
    return {"max_prompt_logit_diff": prompt_diff, "greedy_identical": f"{sum(same)}/{len(same)}",
            "max_greedy_step_logit_diff": step_diff}


def variant_cases(family: dict, gguf_path: Path, cases, variant: str) -> list:
    """transformers on the same file, computing what llama.cpp computes where it differs from
    the reference (family_table's llamacpp_variant)."""
    if variant == "no-sliding-window":
        model = fh.load_gguf_model(dict(family, hf=dict(family["hf"], sliding_window=None)),
                                   gguf_path)
    elif variant == "fp16-gelu":
        model = fh.load_gguf_model(family, gguf_path)
        fr.fp16_gelu_like_ggml(model)
    else:
        raise SystemExit(f"unknown llamacpp_variant {variant!r}")
    return [fr.transformers_case(model, ids, N_GREEDY) for ids in cases]


def alibi_crosscheck(family, gguf_path, cases, ref) -> dict:
    tensors = fh.hub_tensors(family, gguf_path)
    prompt_diff = 0.0
    step_diff = 0.0
    for ids, r in zip(cases, ref):
        logits = fr.alibi_forward(tensors, family, ids + r.greedy)
        prompt_diff = max(prompt_diff, float(np.abs(logits[: len(ids)] - r.prompt).max()))
        step_diff = max(step_diff, float(np.abs(logits[len(ids):] - r.steps).max()))
        # the greedy path must be the float64 forward's argmax too
        if [int(i) for i in np.argmax(logits[len(ids) - 1:-1], axis=-1)] != r.greedy:
            sys.exit("llama.cpp's greedy path is not the float64 ALiBi forward's")
    return {"max_prompt_logit_diff": prompt_diff, "greedy_identical": f"{len(cases)}/{len(cases)}",
            "max_greedy_step_logit_diff": step_diff}


# --- Golden file ------------------------------------------------------------------------------

def f32(x) -> float:
    return float(str(np.float32(float(x))))


def position_record(logits: np.ndarray, sample_ids: list[int]) -> dict:
    top = np.argsort(-logits, kind="stable")[:N_TOP]
    as64 = logits.astype(np.float64)
    lse = float(as64.max() + np.log(np.exp(as64 - as64.max()).sum()))
    return {"top_ids": [int(i) for i in top], "top_logits": [f32(logits[i]) for i in top],
            "sample_logits": [f32(logits[i]) for i in sample_ids], "max_logit": f32(logits.max()),
            "logsumexp": lse}


def golden_doc(name, family, skeleton, gguf_path, cases, ref, checks) -> dict:
    import torch
    import transformers

    n_vocab = ref[0].prompt.shape[1]
    sample_ids = [int(round(x)) for x in np.linspace(0, n_vocab - 1, N_SAMPLE)]
    reference = {"gguf-transformers": "transformers, loading the GGUF file",
                 "hub-transformers": "transformers, from the GGUF tensors mapped back to the "
                                     "hub layout (tools/golden/family_hf.py)",
                 "llama.cpp": "llama.cpp libllama, F32 (tools/golden/llamacpp_logits.cpp)"}
    return {
        "model_file": f"families/{name}.gguf",
        "model_sha256": fg.sha256_of(gguf_path),
        "generator": GENERATOR,
        "family": name,
        "architecture": metadata_value(skeleton, "general.architecture"),
        "real_model": family["real"],
        "reference": reference[family["reference"]],
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
        "llama_cpp": "llama-cpp-python 0.3.36 (vendored llama.cpp)",
        "fill_seed": skeleton["seed"],
        "prompts_are_token_ids": True,
        "checks": checks,
        "n_vocab": n_vocab,
        "sample_ids": sample_ids,
        "cases": [{"prompt": f"{len(ids)} token ids (no text: the test feeds the ids)",
                   "tokens": ids,
                   "positions": [position_record(row, sample_ids) for row in r.prompt],
                   "greedy": r.greedy}
                  for ids, r in zip(cases, ref)],
    }


def dump_golden(doc: dict) -> str:
    head = {k: v for k, v in doc.items() if k not in ("sample_ids", "cases")}
    lines = ["{"]
    for k, v in head.items():
        lines.append(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},")
    lines.append(f'"sample_ids": {json.dumps(doc["sample_ids"], separators=(",", ":"))},')
    lines.append('"cases": [')
    for ci, case in enumerate(doc["cases"]):
        lines.append("{" + f'"prompt": {json.dumps(case["prompt"])},')
        lines.append(f'"tokens": {json.dumps(case["tokens"], separators=(",", ":"))},')
        lines.append('"positions": [')
        n = len(case["positions"])
        for pi, pos in enumerate(case["positions"]):
            lines.append(json.dumps(pos, separators=(",", ":")) + ("," if pi + 1 < n else ""))
        lines.append("],")
        sep = "," if ci + 1 < len(doc["cases"]) else ""
        lines.append(f'"greedy": {json.dumps(case["greedy"], separators=(",", ":"))}' + "}" + sep)
    lines.append("]}")
    text = "\n".join(lines) + "\n"
    json.loads(text)
    return text


# --- Driver -----------------------------------------------------------------------------------

def make_family(name: str, args, llamacpp: Path) -> dict:
    family = FAMILIES[name]
    work = args.work / name
    started = time.time()
    hf_model, hf_dir, converted = convert(name, family, work)
    layout = fg.read_layout(converted)
    base = make_skeleton(name, family, layout, converted, family["seed"])
    cases = prompts(base)
    conv = converter_check(name, family, hf_model, hf_dir, converted, cases, work)
    print(f"  converter check: weights {conv['max_weight_diff']:.3g}, logits "
          f"{conv['max_logit_diff']} (logit std {conv['logit_std']:.3g})", flush=True)

    gguf_path = args.models / f"{name}.gguf"
    n_vocab = fh.vocab_size(family)
    rejected = []
    for seed in range(family["seed"], family["seed"] + SEED_TRIES):
        skeleton = make_skeleton(name, family, layout, converted, seed)
        fg.write_gguf(skeleton, gguf_path)
        # llama.cpp screens a seed in a fraction of a second; the reference decides.
        other = fr.llamacpp_cases(llamacpp, gguf_path, cases, N_GREEDY, n_vocab, work)
        problems = judge(other, [])
        if not problems:
            ref, routing = reference_cases(name, family, gguf_path, cases, work, llamacpp)
            problems = judge(ref, routing)
        if not problems:
            break
        rejected.append(f"seed {seed}: {', '.join(problems)}")
        print(f"  {rejected[-1]}", flush=True)
    else:
        sys.exit(f"{name}: no usable fill seed in {SEED_TRIES} tries")

    if family["reference"] == "llama.cpp":
        cross = {"float64 ALiBi forward": alibi_crosscheck(family, gguf_path, cases, ref)}
    else:
        cross = {"llama.cpp": crosscheck(ref, other)}
        variant = family.get("llamacpp_variant")
        if variant:
            cross[f"llama.cpp vs transformers, {variant}"] = crosscheck(
                variant_cases(family, gguf_path, cases, variant), other)
    gaps = greedy_gaps(ref)
    checks = {
        "converter": conv,
        "cross_checks": cross,
        "rejected_seeds": rejected,
        "min_greedy_top1_gap": min(gaps),
        "min_router_margin": min((m for m, _ in routing), default=None),
        "max_router_float32_error": max((e for _, e in routing), default=None),
        "min_router_margin_over_error": min((m / e for m, e in routing), default=None),
        "greedy_distinct_tokens": [len(set(r.greedy)) for r in ref],
        "prompt_logit_std": float(np.mean([r.prompt.std(axis=1).mean() for r in ref])),
    }
    doc = golden_doc(name, family, skeleton, gguf_path, cases, ref, checks)
    text = dump_golden(doc)
    if len(text.encode()) > MAX_GOLDEN_BYTES:
        sys.exit(f"{name}: golden would be {len(text.encode())} bytes")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{name}.skeleton.json").write_text(fg.dump_skeleton(skeleton), encoding="utf-8")
    (args.out / f"{name}.json").write_text(text, encoding="utf-8")
    print(f"  seed {skeleton['seed']}, {gguf_path.stat().st_size / 1e6:.2f} MB, golden "
          f"{len(text.encode()) / 1e3:.0f} kB, {time.time() - started:.0f} s; cross-check "
          f"{json.dumps(cross)}", flush=True)
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("families", nargs="*", help=f"default: all ({', '.join(FAMILIES)})")
    parser.add_argument("--work", type=Path, default=Path("/tmp/yak-family-golden"),
                        help="scratch folder for checkpoints and converted files")
    parser.add_argument("--out", type=Path, default=REPO / "tests" / "golden" / "families")
    parser.add_argument("--models", type=Path, default=REPO / "models" / "families")
    args = parser.parse_args()
    for name in args.families:
        if name not in FAMILIES:
            sys.exit(f"unknown family {name!r} (known: {', '.join(FAMILIES)})")
    if not CONVERTER.is_file():
        sys.exit(f"{CONVERTER} is missing; run bench/setup-peers.sh")
    llamacpp = fr.build_llamacpp_program(args.work)
    for name in args.families or list(FAMILIES):
        print(f"{name} ({FAMILIES[name]['real']}):", flush=True)
        make_family(name, args, llamacpp)


if __name__ == "__main__":
    main()
