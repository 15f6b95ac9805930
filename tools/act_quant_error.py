#!/usr/bin/env python3
"""How much the 8-bit activation formats lose on a model's real activations: the inputs of
every linear layer of one window (transformers loading the GGUF, float32), quantized with one
scale per 32 values (ggml's Q8_0, and Yak's fast path for every weight type) and with one scale
per 256 values (ggml's Q8_K, which llama.cpp's CPU backend uses for the K-quant weight types),
then the relative RMS error of the activations and of the products with the layer's weights.

  python3 tools/act_quant_error.py -m /tmp/rc/ll-q4km.gguf \
      -f ../shared/data/eval/wikitext-2/wiki.test.raw -c 512

Needs torch, transformers and gguf (scripts/setup-reference.sh).
"""
import argparse
import collections
import os
from pathlib import Path

import torch

from ppl_transformers import load


def quantize_per_32(x):
    """Q8_0's rule: d = amax / 127 per 32 values, q = round(x / d)."""
    blocks = x.reshape(-1, 32)
    d = blocks.abs().amax(dim=1, keepdim=True) / 127
    q = torch.where(d > 0, torch.round(blocks / torch.where(d > 0, d, 1)), 0)
    return (q * d).reshape(x.shape)


def quantize_per_256(x):
    """Q8_K's rule: per 256 values, the value of largest magnitude `max` sets
    iscale = -127 / max, q = min(127, round(iscale * x)), d = 1 / iscale."""
    blocks = x.reshape(-1, 256)
    index = blocks.abs().argmax(dim=1, keepdim=True)
    peak = blocks.gather(1, index)
    iscale = torch.where(peak != 0, -127 / torch.where(peak != 0, peak, 1), 0)
    q = torch.clamp(torch.round(iscale * blocks), max=127)
    d = torch.where(iscale != 0, 1 / torch.where(iscale != 0, iscale, 1), 0)
    return (q * d).reshape(x.shape)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-m", "--model", required=True)
    p.add_argument("-f", "--file", required=True)
    p.add_argument("-c", "--ctx-size", type=int, default=512)
    p.add_argument("-t", "--threads", type=int, default=os.cpu_count())
    a = p.parse_args()

    tok, model = load(a.model, a.threads)
    text = Path(a.file).read_text(encoding="utf-8")[:20 * a.ctx_size]
    ids = tok(text, add_special_tokens=False)["input_ids"][:a.ctx_size]

    # kind -> [sum |dx|^2, sum |x|^2, sum |W dx|^2, sum |W x|^2] per quantizer
    sums = collections.defaultdict(lambda: torch.zeros(2, 4, dtype=torch.float64))

    def hook(kind):
        def record(module, inputs, _output):
            x = inputs[0].reshape(-1, inputs[0].shape[-1]).double()
            w = module.weight.double()
            for i, quantize in enumerate((quantize_per_32, quantize_per_256)):
                if x.shape[-1] % 256 and i == 1:
                    continue
                dx = quantize(x.float()).double() - x
                sums[kind][i] += torch.tensor([dx.square().sum(), x.square().sum(),
                                               (dx @ w.T).square().sum(),
                                               (x @ w.T).square().sum()])
        return record

    for name, module in model.named_modules():
        if isinstance(module, torch.nn.Linear):
            module.register_forward_hook(hook(name.split(".")[-1]))
    with torch.no_grad():
        model(torch.tensor([ids]))

    print(f"{'linear':10} {'cols':>5}  {'act err /32':>11} {'act err /256':>12}  "
          f"{'out err /32':>11} {'out err /256':>12}")
    for name, module in model.named_modules():
        kind = name.split(".")[-1]
        if kind not in sums:
            continue
        s = sums.pop(kind)
        cols = module.weight.shape[1]
        err = [(s[i, 0] / s[i, 1]).sqrt().item() for i in range(2)]
        out = [(s[i, 2] / s[i, 3]).sqrt().item() for i in range(2)]
        k = "—" if cols % 256 else f"{100 * err[1]:.3f}%"
        ko = "—" if cols % 256 else f"{100 * out[1]:.3f}%"
        print(f"{kind:10} {cols:>5}  {100 * err[0]:>10.3f}% {k:>12}  {100 * out[0]:>10.3f}% "
              f"{ko:>12}")


if __name__ == "__main__":
    main()
