#!/usr/bin/env bash
# `yak eval tasks`: a --limit run of every task with its --json fields, and the errors users
# meet (unknown task, missing data). Needs shared/data/eval beside the checkout.
# Usage: eval_tasks_test.sh PATH_TO_YAK SOURCE_DIR
set -u
YAK="$1"
SRC="$2"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -f "$MODEL" ] || { echo "FAIL: model missing: $MODEL (run scripts/setup.sh)"; echo "0 passed, 1 failed"; exit 1; }
DATA="${YAK_SHARED_DIR:-$SRC/../shared}/data/eval"
[ -d "$DATA" ] || { echo "FAIL: eval data missing: $DATA"; echo "0 passed, 1 failed"; exit 1; }

run_json() {  # run_json OUT TASK... : a small run of the tasks as JSON into OUT
  local out="$1"; shift
  local args=()
  for t in "$@"; do args+=(--task "$t"); done
  timeout $((120 * TIME_SCALE)) "$YAK" eval tasks -m "$MODEL" --data "$DATA" "${args[@]}" --limit 4 -t 2 --json \
    >"$out" 2>"$TMP/progress"
}

# Each task's figures: the metric names lm-eval reports, values in [0, 1] (bias scores in
# [-1, 1]), n = the limit.
check "eval tasks --json, all tasks" run_json "$TMP/all.json" hellaswag arc_easy arc_challenge \
  mmlu_anatomy cmmlu_agronomy truthfulqa_mc1 truthfulqa_mc2 bbq
check "json fields" python3 - "$TMP/all.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
want = {"hellaswag": ["acc", "acc_norm"], "arc_easy": ["acc", "acc_norm"],
        "arc_challenge": ["acc", "acc_norm"], "mmlu_anatomy": ["acc"],
        "cmmlu_agronomy": ["acc", "acc_norm"], "truthfulqa_mc1": ["acc"],
        "truthfulqa_mc2": ["acc"],
        "bbq": ["acc", "accuracy_amb", "accuracy_disamb", "amb_bias_score",
                "disamb_bias_score", "amb_bias_score_Age", "disamb_bias_score_Age"]}
got = {r["task"]: r for r in d["results"]}
assert set(got) == set(want), got.keys()
for task, metrics in want.items():
    r = got[task]
    assert r["n"] == 4, (task, r["n"])
    for m in metrics:
        v = r["metrics"][m]
        lo = -1 if "bias" in m else 0
        assert v is not None and lo <= v <= 1, (task, m, v)
        assert m + "_stderr" in r["metrics"], (task, m)
    if task != "bbq":
        assert r["metrics"]["acc_stderr"] is not None, task
assert d["limit"] == 4 and d["seconds"] > 0
PY
grep -q "ETA" "$TMP/progress" && pass "progress with ETA on stderr" || fail "progress with ETA on stderr"

# A group: its subjects, then its categories, then mmlu itself (weighted by items).
check "mmlu group" run_json "$TMP/mmlu.json" mmlu
check "mmlu group rows" python3 - "$TMP/mmlu.json" <<'PY'
import json, sys
r = {x["task"]: x for x in json.load(open(sys.argv[1]))["results"]}
assert len(r) == 57 + 4 + 1, len(r)
assert r["mmlu"]["group"] and r["mmlu"]["n"] == 57 * 4
for c in ("stem", "other", "social_sciences", "humanities"):
    assert r["mmlu_" + c]["group"]
subjects = [x for x in r.values() if not x["group"]]
mean = sum(x["metrics"]["acc"] * x["n"] for x in subjects) / sum(x["n"] for x in subjects)
assert abs(mean - r["mmlu"]["metrics"]["acc"]) < 1e-9
PY

# The table.
check "table" bash -c "timeout 60 '$YAK' eval tasks -m '$MODEL' --data '$DATA' --task arc_easy --limit 2 -q | grep -q '| arc_easy .* acc_norm'"

expect_error "unknown task" "unknown task 'nope' (known tasks: arc_challenge, arc_easy, bbq" \
  timeout 30 "$YAK" eval tasks -m "$MODEL" --data "$DATA" --task nope
expect_error "missing data dir" "does not exist" \
  timeout 30 "$YAK" eval tasks -m "$MODEL" --data "$TMP/no-such-dir" --task arc_easy
expect_error "few-shot without a first-n split" "few-shot examples are not available" \
  timeout 30 "$YAK" eval tasks -m "$MODEL" --data "$DATA" --task hellaswag --shots 1

finish
