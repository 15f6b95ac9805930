#!/usr/bin/env python3
"""lm-evaluation-harness's own score of a task on the first N local items, with lm-eval
driving `yak serve` through its `local-completions` model, to compare with
`yak eval tasks --task TASK --limit N` on the same items. Offline: the task's dataset is the
local data (as in tools/eval_tasks_golden.py).

  build/bin/yak serve -m MODEL --port 8080 &
  python3 tools/eval_tasks_vs_lm_eval.py --task arc_easy --limit 200 \
      --base-url http://127.0.0.1:8080/v1/completions
"""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import eval_tasks_golden as golden  # noqa: E402

import datasets  # noqa: E402
from lm_eval import evaluator  # noqa: E402
from lm_eval.api.registry import get_model  # noqa: E402
from lm_eval.api.task import ConfigurableTask  # noqa: E402
from lm_eval.tasks._yaml_loader import load_yaml  # noqa: E402

CASES = {
    "arc_easy": ("arc/arc_easy.yaml", lambda d: golden.arc(d, "ARC-Easy")),
    "arc_challenge": ("arc/arc_challenge.yaml", lambda d: golden.arc(d, "ARC-Challenge")),
    "hellaswag": ("hellaswag/hellaswag.yaml", golden.hellaswag),
    "truthfulqa_mc1": ("truthfulqa/truthfulqa_mc1.yaml", golden.truthfulqa),
    "truthfulqa_mc2": ("truthfulqa/truthfulqa_mc2.yaml", golden.truthfulqa),
}


def case(name):
    """(lm-eval YAML path, local-data loader) of a task name: the CASES, or any
    mmlu_<subject> / cmmlu_<subject> whose YAML lm-eval has."""
    if name in CASES:
        return CASES[name]
    if name.startswith("mmlu_"):
        subject = name[len("mmlu_"):]
        return f"mmlu/default/{name}.yaml", lambda d: golden.mmlu(d, subject)
    if name.startswith("cmmlu_"):
        subject = name[len("cmmlu_"):]
        return f"cmmlu/{name}.yaml", lambda d: golden.cmmlu(d, subject)
    raise SystemExit(f"unknown task {name}: one of {sorted(CASES)}, mmlu_<subject>, "
                     "cmmlu_<subject>")


def local_task(name, limit, data, shots=0):
    """lm-eval's own task object for `name`, its dataset replaced by the first `limit` items
    of the local data (nothing downloaded)."""
    golden.N_ITEMS = limit
    yaml_path, make = case(name)
    if not (golden.TASKS_DIR / yaml_path).exists():
        raise SystemExit(f"lm-eval has no {yaml_path} for task {name}")
    splits = make(Path(data))
    cfg = load_yaml(golden.TASKS_DIR / yaml_path)
    for key in ("tag", "group", "dataset_path", "dataset_name"):
        cfg.pop(key, None)
    dataset = datasets.DatasetDict({k: datasets.Dataset.from_list(v) for k, v in splits.items()})
    cfg["custom_dataset"] = lambda **kwargs: dataset
    cfg["num_fewshot"] = shots
    for split in ("training_split", "validation_split", "test_split", "fewshot_split"):
        if cfg.get(split) and cfg[split] not in splits:
            cfg[split] = None
    return ConfigurableTask(config=cfg)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--task", default="arc_easy",
                   help=f"one of {sorted(CASES)}, mmlu_<subject>, cmmlu_<subject>")
    p.add_argument("--limit", type=int, default=200)
    p.add_argument("--data", default="/work/shared/data/eval")
    p.add_argument("--base-url", default="http://127.0.0.1:8080/v1/completions")
    p.add_argument("--concurrent", type=int, default=4)
    a = p.parse_args()
    task = local_task(a.task, a.limit, a.data)
    lm = get_model("local-completions").create_from_arg_string(
        f"model=yak,base_url={a.base_url},num_concurrent={a.concurrent},tokenized_requests=True")
    results = evaluator.evaluate(lm=lm, task_dict={a.task: task}, limit=a.limit)
    print(json.dumps(results["results"], indent=1, default=str))


if __name__ == "__main__":
    main()
