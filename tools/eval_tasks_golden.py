#!/usr/bin/env python3
"""Prints the loglikelihood requests lm-evaluation-harness builds for the first items of
each task `yak eval tasks` runs, from the same local data (shared/data/eval), as JSON.

lm-eval's own task objects do the work: each task's YAML (with its includes and utils.py
functions) is loaded from the installed lm_eval package, and its dataset is replaced by the
local files converted to the Hugging Face datasets' schema, so nothing is downloaded.
HellaSwag's local layout joins ctx_a and ctx_b; they are split again as Yak splits them
(the lower-case fragment after the last ". " of a non-WikiHow context is ctx_b), so for
HellaSwag this checks the preprocessing and prompt but not that split.

  python3 tools/eval_tasks_golden.py /work/shared/data/eval > tests/data/eval_tasks_golden.json
"""
import csv
import io
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
import datasets  # noqa: E402
import lm_eval  # noqa: E402
from lm_eval.api.task import ConfigurableTask  # noqa: E402
from lm_eval.tasks._yaml_loader import load_yaml  # noqa: E402

TASKS_DIR = Path(lm_eval.__file__).parent / "tasks"
N_ITEMS = 2


def arc(data, name):
    rows = [json.loads(l) for l in open(data / "arc" / f"{name}-Test.jsonl") if l.strip()]
    return {"test": [{"id": r["id"], "question": r["question"]["stem"],
                      "choices": {"text": [c["text"] for c in r["question"]["choices"]],
                                  "label": [c["label"] for c in r["question"]["choices"]]},
                      "answerKey": r["answerKey"]} for r in rows[:N_ITEMS]]}


def mmlu(data, subject):
    def read(split):
        rows = list(csv.reader(open(data / "mmlu" / split / f"{subject}_{split}.csv",
                                    newline="", encoding="utf-8")))[1:]
        return [{"question": r[0], "subject": subject, "choices": r[1:5], "answer": int(r[5])}
                for r in rows]
    return {"test": read("test")[:N_ITEMS], "dev": read("dev")}


def cmmlu(data, subject):
    def read(split):
        rows = list(csv.reader(open(data / "cmmlu" / split / f"{subject}.csv", newline="",
                                    encoding="utf-8")))[1:]
        return [dict(zip(["Question", "A", "B", "C", "D", "Answer"], r[1:])) for r in rows]
    return {"test": read("test")[:N_ITEMS], "dev": read("dev")}


def truthfulqa(data):
    docs = json.load(open(data / "truthfulqa" / "mc_task.json"))[:N_ITEMS]
    return {"validation": [{"question": d["question"],
                            "mc1_targets": {"choices": list(d["mc1_targets"]),
                                            "labels": list(d["mc1_targets"].values())},
                            "mc2_targets": {"choices": list(d["mc2_targets"]),
                                            "labels": list(d["mc2_targets"].values())}}
                           for d in docs]}


def bbq(data):
    rows = [json.loads(l) for l in open(data / "bbq" / "Age.jsonl") if l.strip()]
    return {"test": rows[:N_ITEMS]}


def hellaswag(data):
    lines = open(data / "hellaswag" / "hellaswag_val_full.txt").read().split("\n")
    docs = []
    for i in range(N_ITEMS):
        label, ctx = lines[6 * i].split(": ", 1)
        ctx_a, ctx_b = ctx, ""
        if not ctx.startswith("How to"):
            dot = ctx.rfind(". ")
            b = 0 if dot < 0 else dot + 2
            if b < len(ctx) and ctx[b].islower():
                ctx_a, ctx_b = ctx[:b].rstrip(" "), ctx[b:]
        docs.append({"ind": i, "activity_label": label, "ctx_a": ctx_a, "ctx_b": ctx_b,
                     "ctx": ctx, "endings": lines[6 * i + 2:6 * i + 6], "source_id": "",
                     "split": "val", "split_type": "", "label": lines[6 * i + 1]})
    return {"validation": docs}


def requests(yaml_path, splits, shots):
    cfg = load_yaml(TASKS_DIR / yaml_path)
    for key in ("tag", "group", "dataset_path", "dataset_name"):
        cfg.pop(key, None)
    dataset = datasets.DatasetDict({k: datasets.Dataset.from_list(v) for k, v in splits.items()})
    cfg["custom_dataset"] = lambda **kwargs: dataset
    cfg["num_fewshot"] = shots
    for split in ("training_split", "validation_split", "test_split", "fewshot_split"):
        if cfg.get(split) and cfg[split] not in splits:
            cfg[split] = None
    task = ConfigurableTask(config=cfg)
    task.build_all_requests(limit=N_ITEMS, rank=0, world_size=1)
    items = {}
    for inst in task.instances:
        context, continuation = inst.args
        item = items.setdefault(inst.doc_id, {"context": context, "continuations": []})
        assert item["context"] == context
        item["continuations"].append(continuation)
    return [items[k] for k in sorted(items)]


def main():
    data = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/eval")
    cases = [
        ("hellaswag", "hellaswag/hellaswag.yaml", hellaswag(data), 0),
        ("arc_easy", "arc/arc_easy.yaml", arc(data, "ARC-Easy"), 0),
        ("arc_challenge", "arc/arc_challenge.yaml", arc(data, "ARC-Challenge"), 0),
        ("mmlu_anatomy", "mmlu/default/mmlu_anatomy.yaml", mmlu(data, "anatomy"), 0),
        ("mmlu_anatomy", "mmlu/default/mmlu_anatomy.yaml", mmlu(data, "anatomy"), 5),
        ("cmmlu_agronomy", "cmmlu/cmmlu_agronomy.yaml", cmmlu(data, "agronomy"), 0),
        ("cmmlu_agronomy", "cmmlu/cmmlu_agronomy.yaml", cmmlu(data, "agronomy"), 5),
        ("truthfulqa_mc1", "truthfulqa/truthfulqa_mc1.yaml", truthfulqa(data), 0),
        ("truthfulqa_mc2", "truthfulqa/truthfulqa_mc2.yaml", truthfulqa(data), 0),
        ("bbq", "bbq/bbq_multiple_choice.yaml", bbq(data), 0),
    ]
    out = []
    for name, yaml_path, splits, shots in cases:
        for i, item in enumerate(requests(yaml_path, splits, shots)):
            out.append({"task": name, "shots": shots, "item": i, **item})
    json.dump({"lm_eval": lm_eval.__version__ if hasattr(lm_eval, "__version__") else "0.4",
               "requests": out}, sys.stdout, ensure_ascii=False, indent=1)
    print()


if __name__ == "__main__":
    main()
