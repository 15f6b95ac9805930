"""Forward passes behind the Step 9 family goldens: transformers' logits and greedy paths,
expert-routing margins, llama.cpp's logits (tools/golden/llamacpp_logits.cpp), and a float64
ALiBi forward for the Baichuan 13B layout.

Used by tools/golden/make_family_golden.py; needs torch and transformers.
"""

from __future__ import annotations

import math
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PEERS = Path(os.environ.get("YAK_PEERS_DIR", Path.home() / ".cache" / "yak-peers"))
LLAMA_CPP_SRC = PEERS / "llama-cpp-python-0.3.36" / "vendor" / "llama.cpp"
LLAMA_CPP_BUILD = PEERS / "llama.cpp-build"
HERE = Path(__file__).resolve().parent


@dataclass
class CaseLogits:
    """Logits of one prompt (float32, [n_tokens, n_vocab]), its greedy continuation, and the
    logits each greedy token was chosen from ([n_greedy, n_vocab])."""
    prompt: np.ndarray
    greedy: list[int]
    steps: np.ndarray


def transformers_case(model, ids: list[int], n_greedy: int) -> CaseLogits:
    """Prompt logits and a greedy continuation. The continuation is found through
    transformers' KV cache (fast), then the whole sequence is recomputed in one pass without
    a cache, and those logits are the ones recorded: a cache fault (sliding windows, MLA)
    cannot enter the reference, and would stop the script where the two disagree on a token."""
    import torch

    with torch.no_grad():
        prompt = model(torch.tensor([ids])).logits[0].float().numpy()
        out = model(torch.tensor([ids]), use_cache=True)
        cache_key = "cache" if "cache" in out else "past_key_values"
        greedy = []
        for _ in range(n_greedy):
            greedy.append(int(torch.argmax(out.logits[0, -1])))
            out = model(torch.tensor([[greedy[-1]]]), use_cache=True,
                        **{cache_key: out[cache_key]})
        full = model(torch.tensor([ids + greedy])).logits[0].float().numpy()
    steps = full[len(ids):]
    chosen = [int(i) for i in np.argmax(full[len(ids) - 1:-1], axis=-1)]
    if chosen != greedy:
        step = next(i for i, (a, b) in enumerate(zip(chosen, greedy)) if a != b)
        raise SystemExit(f"transformers' cached greedy path leaves its uncached argmax at step "
                         f"{step}")
    return CaseLogits(prompt, greedy, steps)


def fp16_gelu_like_ggml(model) -> None:
    """Makes a Gemma model's GELU compute what ggml's CPU kernel does: the input rounded to
    fp16, the tanh GELU of that, rounded to fp16 again (ggml_table_gelu_f16), identity from
    10 up and 0 from -10 down."""
    import torch

    class TableGelu(torch.nn.Module):
        def forward(self, x):
            h = x.to(torch.float16).float()
            y = torch.nn.functional.gelu(h, approximate="tanh").to(torch.float16).float()
            return torch.where(x >= 10, x, torch.where(x <= -10, torch.zeros_like(x), y))

    for layer in model.model.layers:
        layer.mlp.act_fn = TableGelu()


def top_gap(logits: np.ndarray) -> float:
    top = np.sort(logits.astype(np.float64))[-2:]
    return float(top[1] - top[0])


def router_margins(model, family: dict, sequences: list[list[int]]) -> list[tuple[float, float]]:
    """Per MoE layer, (margin, error) of its expert choices over every token of the
    sequences. margin: the smallest gap between the k-th and (k+1)-th router logit (softmax
    then top-k and top-k of the logits rank experts alike, so the logits are where it counts).
    error: the largest difference between the float32 model's router logits and those of the
    same model run in float64, the size of the rounding by which two float32 implementations
    can differ there (it grows with depth). Where a layer's margin is not well above its error,
    another implementation could pick different experts. Empty for a dense model."""
    import copy

    import torch

    k = family["hf"].get("num_experts_per_tok")
    if k is None:
        return []

    def router_logits(m, dtype) -> dict[str, list[torch.Tensor]]:
        captured: dict[str, list[torch.Tensor]] = {}
        hooks = []
        for name, module in m.named_modules():
            if name.endswith("mlp.gate") and hasattr(module, "weight"):
                def hook(mod, args, name=name):
                    w = mod.weight.detach().to(dtype)
                    x = args[0].detach().to(dtype).reshape(-1, w.shape[1])
                    captured.setdefault(name, []).append((x @ w.T).double())
                hooks.append(module.register_forward_pre_hook(hook))
        if not hooks:
            raise SystemExit(f"{family['real']}: no router (mlp.gate) found in the model")
        try:
            with torch.no_grad():
                for seq in sequences:
                    m(torch.tensor([seq]))
        finally:
            for h in hooks:
                h.remove()
        return {name: torch.cat(parts) for name, parts in captured.items()}

    single = router_logits(model, torch.float32)
    in_double = copy.deepcopy(model).double()
    in_double.config._experts_implementation = "eager"
    double = router_logits(in_double, torch.float64)
    layers = []
    for name, logits in single.items():
        top = torch.sort(logits, dim=-1, descending=True).values
        layers.append((float((top[:, k - 1] - top[:, k]).min()),
                       float((logits - double[name]).abs().max())))
    return layers


# --- llama.cpp ------------------------------------------------------------------------------

def build_llamacpp_program(work: Path) -> Path:
    """Compiles llamacpp_logits.cpp against the peer build's static libraries (once)."""
    exe = work / "llamacpp_logits"
    src = HERE / "llamacpp_logits.cpp"
    libs = [LLAMA_CPP_BUILD / "src" / "libllama.a",
            LLAMA_CPP_BUILD / "ggml" / "src" / "libggml.a",
            LLAMA_CPP_BUILD / "ggml" / "src" / "libggml-cpu.a",
            LLAMA_CPP_BUILD / "ggml" / "src" / "libggml-base.a"]
    missing = [str(p) for p in libs if not p.is_file()]
    if missing:
        raise SystemExit(f"llama.cpp libraries missing ({', '.join(missing)}); "
                         "run bench/setup-peers.sh")
    newest = max(p.stat().st_mtime for p in libs + [src])
    if exe.is_file() and exe.stat().st_mtime >= newest:
        return exe
    work.mkdir(parents=True, exist_ok=True)
    cmd = ["g++", "-std=c++17", "-O2", f"-I{LLAMA_CPP_SRC / 'include'}",
           f"-I{LLAMA_CPP_SRC / 'ggml' / 'include'}", str(src), *map(str, libs),
           "-fopenmp", "-lpthread", "-ldl", "-lm", "-o", str(exe)]
    subprocess.run(cmd, check=True)
    return exe


def llamacpp_cases(exe: Path, model: Path, cases: list[list[int]], n_greedy: int,
                   n_vocab: int, work: Path) -> list[CaseLogits]:
    work.mkdir(parents=True, exist_ok=True)
    cases_file = work / f"{model.stem}.cases.txt"
    out_file = work / f"{model.stem}.llamacpp.bin"
    cases_file.write_text("".join(" ".join(map(str, ids)) + "\n" for ids in cases))
    subprocess.run([str(exe), str(model), str(cases_file), str(n_greedy), str(out_file)],
                   check=True)
    data = out_file.read_bytes()
    offset = 0

    def take(dtype, count):
        nonlocal offset
        arr = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
        offset += arr.nbytes
        return arr

    result = []
    for _ in cases:
        n = int(take(np.int32, 1)[0])
        prompt = take(np.float32, n * n_vocab).reshape(n, n_vocab)
        g = int(take(np.int32, 1)[0])
        greedy = [int(x) for x in take(np.int32, g)]
        steps = take(np.float32, g * n_vocab).reshape(g, n_vocab)
        result.append(CaseLogits(prompt.copy(), greedy, steps.copy()))
    if offset != len(data):
        raise SystemExit(f"{out_file}: {len(data) - offset} bytes left over")
    return result


# --- Baichuan 13B: ALiBi ---------------------------------------------------------------------

def alibi_slopes(n_head: int, max_bias: float = 8.0) -> np.ndarray:
    """Baichuan-13B's (and ALiBi's) head slopes: geometric for the largest power of two of
    heads, the odd steps of the next power's sequence for the rest."""
    def power_of_2(n):
        start = 2.0 ** (-max_bias / n)
        return [start ** (i + 1) for i in range(n)]
    closest = 2 ** int(math.floor(math.log2(n_head)))
    slopes = power_of_2(closest)
    if closest < n_head:
        slopes += power_of_2(2 * closest)[0::2][: n_head - closest]
    return np.asarray(slopes, dtype=np.float64)


def alibi_forward(tensors: dict[str, np.ndarray], family: dict, ids: list[int]) -> np.ndarray:
    """Logits of Baichuan-13B's computation (RMSNorm, ALiBi attention without rope, SwiGLU)
    in float64, from LlamaForCausalLM-named tensors (family_hf.hub_tensors)."""
    hf = family["hf"]
    n_head = hf["num_attention_heads"]
    eps = hf["rms_norm_eps"]
    t = {k: v.astype(np.float64) for k, v in tensors.items()}

    def rms(x, w):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w

    n = len(ids)
    x = t["model.embed_tokens.weight"][ids]
    d = x.shape[1] // n_head
    slopes = alibi_slopes(n_head)
    rel = np.arange(n)[None, :] - np.arange(n)[:, None]  # key - query
    bias = slopes[:, None, None] * rel[None]
    bias = np.where(rel[None] > 0, -np.inf, bias)
    for layer in range(hf["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        h = rms(x, t[p + "input_layernorm.weight"])
        q = (h @ t[p + "self_attn.q_proj.weight"].T).reshape(n, n_head, d).transpose(1, 0, 2)
        k = (h @ t[p + "self_attn.k_proj.weight"].T).reshape(n, n_head, d).transpose(1, 0, 2)
        v = (h @ t[p + "self_attn.v_proj.weight"].T).reshape(n, n_head, d).transpose(1, 0, 2)
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(d) + bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        attn = (scores / scores.sum(axis=-1, keepdims=True)) @ v
        x = x + attn.transpose(1, 0, 2).reshape(n, -1) @ t[p + "self_attn.o_proj.weight"].T
        h = rms(x, t[p + "post_attention_layernorm.weight"])
        gate = h @ t[p + "mlp.gate_proj.weight"].T
        up = h @ t[p + "mlp.up_proj.weight"].T
        x = x + (gate / (1 + np.exp(-gate)) * up) @ t[p + "mlp.down_proj.weight"].T
    return rms(x, t["model.norm.weight"]) @ t["lm_head.weight"].T
