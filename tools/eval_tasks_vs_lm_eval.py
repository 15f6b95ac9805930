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
    "mmlu_anatomy": ("mmlu/default/mmlu_anatomy.yaml", lambda d: golden.mmlu(d, "anatomy")),
    "truthfulqa_mc2": ("truthfulqa/truthfulqa_mc2.yaml", golden.truthfulqa),
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--task", default="arc_easy", choices=sorted(CASES))
    p.add_argument("--limit", type=int, default=200)
    p.add_argument("--data", default="/work/shared/data/eval")
    p.add_argument("--base-url", default="http://127.0.0.1:8080/v1/completions")
    p.add_argument("--concurrent", type=int, default=4)
    a = p.parse_args()
    golden.N_ITEMS = a.limit
    yaml_path, make = CASES[a.task]
    splits = make(Path(a.data))
    cfg = load_yaml(golden.TASKS_DIR / yaml_path)
    for key in ("tag", "group", "dataset_path", "dataset_name"):
        cfg.pop(key, None)
    dataset = datasets.DatasetDict({k: datasets.Dataset.from_list(v) for k, v in splits.items()})
    cfg["custom_dataset"] = lambda **kwargs: dataset
    cfg["num_fewshot"] = 0
    for split in ("training_split", "validation_split", "test_split", "fewshot_split"):
        if cfg.get(split) and cfg[split] not in splits:
            cfg[split] = None
    task = ConfigurableTask(config=cfg)
    lm = get_model("local-completions").create_from_arg_string(
        f"model=yak,base_url={a.base_url},num_concurrent={a.concurrent},tokenized_requests=True")
    results = evaluator.evaluate(lm=lm, task_dict={a.task: task}, limit=a.limit)
    print(json.dumps(results["results"], indent=1, default=str))


if __name__ == "__main__":
    main()
