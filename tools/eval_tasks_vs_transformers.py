#!/usr/bin/env python3
"""`yak eval tasks --precision exact` against lm-evaluation-harness's `hf` model (Hugging Face
transformers loading the same GGUF, dequantized to float32) on the first N local items of each
task, with one command: both scores and their difference per task and metric.

lm-eval's own task objects are used, with the local data swapped in
(tools/eval_tasks_vs_lm_eval.py's local_task), so nothing is downloaded; transformers reads
its config and tokenizer from the GGUF's metadata (`gguf_file=`), so no Hugging Face
directory is needed either.

  python3 tools/eval_tasks_vs_transformers.py -m models/SmolLM2-135M-Instruct.Q4_1.gguf \
      --limit 50 --threads 2 [--task arc_easy:20 --task truthfulqa_mc2:5 ...]

Needs torch, transformers and lm_eval (scripts/setup-reference.sh) and a built build/bin/yak.
"""
import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).parent))
import eval_tasks_vs_lm_eval as local  # noqa: E402

from lm_eval import evaluator  # noqa: E402

DEFAULT_TASKS = ["arc_easy", "arc_challenge", "hellaswag", "truthfulqa_mc2",
                 "mmlu_high_school_psychology", "cmmlu_sociology"]
REPO = Path(__file__).resolve().parent.parent


def parse_task(spec, default_limit):
    """`name` or `name:N` (N items for this task instead of --limit)."""
    name, _, limit = spec.partition(":")
    return name, int(limit) if limit else default_limit


def transformers_scores(model_path, tasks, data, threads, batch_size):
    import torch
    from lm_eval.models.huggingface import HFLM

    torch.set_num_threads(threads)
    path = Path(model_path).resolve()
    lm = HFLM(pretrained=str(path.parent), gguf_file=path.name, device="cpu",
              dtype="float32", batch_size=batch_size)
    scores = {}
    for name, limit in tasks:
        start = time.time()
        task = local.local_task(name, limit, data)
        out = evaluator.evaluate(lm=lm, task_dict={name: task}, limit=limit)
        row = out["results"][name]
        scores[name] = {
            "n": min(limit, len(task.eval_docs)),
            "metrics": {k.split(",")[0]: v for k, v in row.items()
                        if k.endswith(",none") and isinstance(v, (int, float))},
            "seconds": time.time() - start,
        }
        print(f"transformers {name}: {scores[name]}", file=sys.stderr, flush=True)
    return scores


def yak_scores(yak, model_path, tasks, data, threads, scores):
    """`yak eval tasks --precision exact`, one task at a time (each with its own limit), into
    `scores`; run in a thread while transformers does its part, so the two share the machine
    rather than take turns."""
    for name, limit in tasks:
        start = time.time()
        cmd = [yak, "eval", "tasks", "-m", model_path, "--task", name, "--limit", str(limit),
               "--data", data, "--precision", "exact", "-t", str(threads), "--json", "-q"]
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0:
            scores[name] = {"error": run.stderr.strip()}
            continue
        for r in json.loads(run.stdout)["results"]:
            scores[r["task"]] = {"n": r["n"], "metrics": r["metrics"],
                                 "seconds": time.time() - start}
        print(f"yak {name}: {scores[name]}", file=sys.stderr, flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-m", "--model", default=str(REPO / "models/SmolLM2-135M-Instruct.Q4_1.gguf"))
    p.add_argument("--task", action="append",
                   help=f"NAME or NAME:LIMIT, repeatable (default: {DEFAULT_TASKS})")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--data", default="/work/shared/data/eval")
    p.add_argument("--yak", default=str(REPO / "build/bin/yak"))
    p.add_argument("-t", "--threads", type=int, default=os.cpu_count())
    p.add_argument("--batch-size", type=int, default=8, help="lm-eval hf batch size")
    p.add_argument("--json", help="also write every figure to this file")
    a = p.parse_args()
    tasks = [parse_task(spec, a.limit) for spec in (a.task or DEFAULT_TASKS)]

    yak = {}
    yak_thread = threading.Thread(target=yak_scores,
                                  args=(a.yak, a.model, tasks, a.data, a.threads, yak))
    yak_thread.start()
    hf = transformers_scores(a.model, tasks, a.data, a.threads, a.batch_size)
    yak_thread.join()

    print(f"{'task':32} {'n':>4} {'metric':9} {'yak exact':>10} {'lm-eval hf':>10} "
          f"{'diff (pts)':>10}")
    for name, _ in tasks:
        if "error" in yak[name]:
            print(f"{name:32} yak eval tasks failed: {yak[name]['error']}")
            continue
        for metric, value in sorted(yak[name]["metrics"].items()):
            if metric.endswith("_stderr") or metric not in hf[name]["metrics"]:
                continue
            other = hf[name]["metrics"][metric]
            print(f"{name:32} {yak[name]['n']:>4} {metric:9} {value:>10.4f} {other:>10.4f} "
                  f"{100 * (value - other):>+10.2f}")
    if a.json:
        Path(a.json).write_text(json.dumps({"model": a.model, "tasks": tasks, "yak": yak,
                                            "transformers": hf}, indent=1))


if __name__ == "__main__":
    main()
