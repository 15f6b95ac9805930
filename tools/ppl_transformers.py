#!/usr/bin/env python3
"""Perplexity of a GGUF file under Hugging Face transformers, scored by llama-perplexity's rule,
as an independent third reference for `yak eval perplexity` and llama.cpp's `llama-perplexity`.

transformers reads the GGUF itself (`gguf_file=`): its config and tokenizer from the metadata,
every tensor dequantized to float32 by the gguf package. The forward pass is float32 PyTorch,
so this is the figure of the file's weights with no activation quantization at all.

The rule (docs/eval.md): the whole text tokenized once (BOS only where the file's tokenizer
adds it), cut into n_tokens / n_ctx windows of n_ctx tokens; where BOS is added, each window's
first token becomes BOS; only positions j = n_ctx/2 .. n_ctx-2 count, the NLL of token j+1
under log-softmax of the logits at j (here in float64).

  python3 tools/ppl_transformers.py -m /tmp/rc/ll-q4km.gguf \
      -f ../shared/data/eval/wikitext-2/wiki.test.raw -c 512 --chunks 6 --json

Needs torch, transformers and gguf (scripts/setup-reference.sh). Offline: nothing is fetched.
"""
import argparse
import json
import math
import os
import sys
import time
from pathlib import Path


def load(model_path, threads):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(threads)
    path = Path(model_path).resolve()
    tok = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    model = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name,
                                                 dtype=torch.float32)
    model.eval()
    return tok, model


def adds_bos(model_path):
    import gguf

    reader = gguf.GGUFReader(model_path)
    field = reader.fields.get("tokenizer.ggml.add_bos_token")
    if field is None:
        return False, None
    add = bool(field.parts[field.data[0]][0])
    bos_field = reader.fields.get("tokenizer.ggml.bos_token_id")
    bos = int(bos_field.parts[bos_field.data[0]][0]) if bos_field is not None else None
    return add, bos


def window_nlls(model, window, n_ctx):
    """NLL (float64) of each scored token of one window: positions n_ctx/2 .. n_ctx-2 predict
    the token after them."""
    import torch

    with torch.no_grad():
        logits = model(torch.tensor([window])).logits[0].double()
    first = n_ctx // 2
    logp = torch.log_softmax(logits[first:n_ctx - 1], dim=-1)
    targets = torch.tensor(window[first + 1:n_ctx])
    return (-logp.gather(1, targets[:, None])[:, 0]).tolist()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-m", "--model", required=True, help="GGUF file")
    p.add_argument("-f", "--file", required=True, help="text to score (UTF-8)")
    p.add_argument("-c", "--ctx-size", type=int, default=512)
    p.add_argument("--chunks", type=int, default=0, help="at most this many windows (0: all)")
    p.add_argument("-t", "--threads", type=int, default=os.cpu_count())
    p.add_argument("--json", action="store_true", help="print one JSON object")
    a = p.parse_args()
    n_ctx = a.ctx_size

    tok, model = load(a.model, a.threads)
    add_bos, bos_id = adds_bos(a.model)
    text = Path(a.file).read_text(encoding="utf-8")
    tokens = tok(text, add_special_tokens=False)["input_ids"]
    if add_bos:
        tokens = [bos_id] + tokens
    if len(tokens) < 2 * n_ctx:
        sys.exit(f"ppl_transformers: {len(tokens)} tokens, fewer than 2 * n_ctx = {2 * n_ctx}")
    n_chunks = len(tokens) // n_ctx
    if a.chunks > 0:
        n_chunks = min(n_chunks, a.chunks)

    nlls, running = [], []
    start = time.time()
    for i in range(n_chunks):
        window = tokens[i * n_ctx:(i + 1) * n_ctx]
        if add_bos:
            window[0] = bos_id
        nlls.extend(window_nlls(model, window, n_ctx))
        running.append(math.exp(sum(nlls) / len(nlls)))
        print(f"[{i + 1}]{running[-1]:.4f}", end=",", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    seconds = time.time() - start

    count = len(nlls)
    mean = sum(nlls) / count
    mean_sq = sum(x * x for x in nlls) / count
    nll_unc = math.sqrt(max(mean_sq - mean * mean, 0.0) / (count - 1))
    ppl = math.exp(mean)
    result = {
        "model": a.model, "text_file": a.file, "n_ctx": n_ctx, "n_text_tokens": len(tokens),
        "n_chunks": n_chunks, "n_scored": count, "ppl": ppl, "ppl_uncertainty": ppl * nll_unc,
        "nll": {"value": mean, "uncertainty": nll_unc}, "seconds": seconds,
        "running_ppl": running,
    }
    if a.json:
        print(json.dumps(result))
    else:
        print(f"Final estimate: PPL = {ppl:.4f} +/- {ppl * nll_unc:.5f}")


if __name__ == "__main__":
    main()
