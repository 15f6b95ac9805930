#!/usr/bin/env bash
# `yak eval report`: the default model and a Q8_0 made from it by `yak quantize`, with tiny
# chunks and limits; the rerun reuses every result; --collect-only measures nothing; bad
# inputs give clear errors, and a base with another vocabulary leaves the KLD column saying why.
# Needs shared/data/eval beside the checkout.
# Usage: eval_report_test.sh PATH_TO_YAK SOURCE_DIR
set -u
# Absolute: the report runs from the scratch folder (to see the default zh text lookup).
YAK="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
SRC="$(cd "$2" && pwd)"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -f "$MODEL" ] || { echo "FAIL: model missing: $MODEL (run scripts/setup.sh)"; echo "0 passed, 1 failed"; exit 1; }
DATA="${YAK_SHARED_DIR:-$SRC/../shared}/data/eval"
[ -d "$DATA" ] || { echo "FAIL: eval data missing: $DATA"; echo "0 passed, 1 failed"; exit 1; }
WIKI="$DATA/wikitext-2/wiki.test.raw"
# A Chinese text: the cleaned fortunes-zh when setup.sh made it, else a few lines of our own.
ZH="$SRC/eval-text/fortunes-zh.txt"
if [ ! -f "$ZH" ]; then
  ZH="$TMP/zh.txt"
  for i in $(seq 1 200); do echo "学而时习之，不亦说乎？有朋自远方来，不亦乐乎？人不知而不愠，不亦君子乎？$i"; done >"$ZH"
fi

Q4="$TMP/SmolLM2-135M-Instruct.Q4_1.gguf"
Q8="$TMP/SmolLM2-135M-Instruct.Q8_0.gguf"
ln -s "$MODEL" "$Q4"
check "quantize a Q8_0" timeout $((120 * TIME_SCALE)) "$YAK" quantize "$MODEL" "$Q8" Q8_0

OUT="$TMP/report"
LIMIT=3
report() {  # report JSON_OUT ARGS... : the small report, its JSON on JSON_OUT, the log in $TMP/log
  local json="$1"; shift
  (cd "$TMP" && timeout $((240 * TIME_SCALE)) "$YAK" eval report -m "$Q4" -m "$Q8" --base "$Q8" \
    --data "$DATA" --text "en=$WIKI" --text "zh=$ZH" --task arc_easy --task truthfulqa_mc2 \
    --task bbq --limit "$LIMIT" --chunks 2 -c 128 -t 2 -o "$OUT" --json "$@" >"$json" 2>"$TMP/log")
}

start=$(date +%s)
check "first run measures everything" report "$TMP/r1.json"
first_s=$(( $(date +%s) - start ))
echo "    first run: ${first_s} s"
# 2 models x (ppl-en, ppl-zh, kld-en, 3 tasks) = 12 results.
check "counts of the first run" python3 - "$TMP/r1.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert (d["ran"], d["reused"], d["missing"], d["failed"]) == (12, 0, 0, 0), d
m = {x["stem"]: x for x in d["models"]}
q4, q8 = m["SmolLM2-135M-Instruct.Q4_1"], m["SmolLM2-135M-Instruct.Q8_0"]
assert q4["file_type"] == "Q4_1" and q8["file_type"] == "Q8_0", (q4["file_type"], q8["file_type"])
assert q4["family"] == q8["family"] == "SmolLM2-135M-Instruct"
assert 4.5 < q4["bits_per_weight"] < q8["bits_per_weight"] < 9, (q4["bits_per_weight"], q8["bits_per_weight"])
# The Q8_0 against itself: no divergence; the Q4_1 some.
k8 = q8["results"]["kld-en"]["result"]
assert abs(k8["kld"]["mean"]) < 1e-6 and k8["same_top"]["value"] == 1, k8["kld"]
assert q4["results"]["kld-en"]["result"]["kld"]["mean"] > 1e-4
for x in (q4, q8):
    for key in ("ppl-en", "ppl-zh"):
        r = x["results"][key]["result"]
        assert r["n_chunks"] == 2 and r["n_ctx"] == 128 and r["ppl"] > 1, (key, r)
    assert x["results"]["task-bbq"]["result"]["results"][0]["task"] == "bbq"
PY
check "cache files as eval perplexity|kld|tasks --json print them" python3 - "$OUT" <<'PY'
import json, os, sys
base = os.path.join(sys.argv[1], "results")
for stem in ("SmolLM2-135M-Instruct.Q4_1", "SmolLM2-135M-Instruct.Q8_0"):
    names = sorted(os.listdir(os.path.join(base, stem)))
    want = ["kld-en.json", "ppl-en.json", "ppl-zh.json", "task-arc_easy.json", "task-bbq.json",
            "task-truthfulqa_mc2.json"]
    if stem.endswith("Q8_0"):
        want = sorted(want + ["base-logits-en.bin"])
    assert names == want, names
    ppl = json.load(open(os.path.join(base, stem, "ppl-en.json")))
    for k in ("model", "model_bytes", "text_file", "precision", "n_ctx", "n_chunks", "ppl",
              "ppl_uncertainty", "nll", "running_ppl"):
        assert k in ppl, k
PY
check "the page is offline and its plots are PNG" python3 - "$OUT" <<'PY'
import base64, os, re, struct, sys
d = sys.argv[1]
html = open(os.path.join(d, "report.html"), encoding="utf-8").read()
uris = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
assert len(uris) == 3, len(uris)
for u in uris:
    png = base64.b64decode(u)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    assert struct.unpack(">II", png[16:24]) == (800, 480)
rest = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
for bad in ("http:", "https:", "//", "<script", "url(", "@import", "href="):
    assert bad not in rest, bad
assert all(s == "" for s in re.findall(r'src="([^"]*)"', rest))  # every src was a data: URI
for f in ("ppl_vs_bpw.png", "kld_vs_bpw.png", "task_scores.png", "report.md", "report.json"):
    assert os.path.getsize(os.path.join(d, f)) > 0, f
md = open(os.path.join(d, "report.md"), encoding="utf-8").read()
assert "![Perplexity against bits per weight](ppl_vs_bpw.png)" in md
assert "| SmolLM2-135M-Instruct.Q8_0 | Q8_0 |" in md, md[:600]
PY

start=$(date +%s)
check "rerun" report "$TMP/r2.json"
rerun_s=$(( $(date +%s) - start ))
echo "    rerun: ${rerun_s} s"
check "rerun reuses every result" python3 -c "
import json; d = json.load(open('$TMP/r2.json'))
assert (d['ran'], d['reused'], d['missing'], d['failed']) == (0, 12, 0, 0), d"
grep -q "base: computing" "$TMP/log" && fail "rerun computed the base again" || pass "rerun leaves the base alone"

# Another limit: collect-only measures nothing and names the stale task results.
LIMIT=2
check "collect-only" report "$TMP/r3.json" --collect-only
LIMIT=3
check "collect-only names what is missing" python3 -c "
import json; d = json.load(open('$TMP/r3.json'))
assert (d['ran'], d['reused'], d['missing']) == (0, 6, 6), d
note = d['models'][0]['results']['task-bbq']['note']
assert 'limit is 3, not 2' in note, note"

# No zh text given and none in the current folder: the column is absent, and the log says so.
check "without a zh text" bash -c "cd '$TMP' && timeout $((120 * TIME_SCALE)) '$YAK' eval report -m '$Q4' --data '$DATA' --text 'en=$WIKI' --no-tasks --chunks 2 -c 128 -t 2 -o '$TMP/r-nozh' >'$TMP/nozh.log' 2>&1"
grep -q "no zh column" "$TMP/nozh.log" && pass "the log says there is no zh column" || fail "the log says there is no zh column"
grep -q "PPL zh" "$TMP/r-nozh/report.md" && fail "no zh column in the table" || pass "no zh column in the table"

expect_error "missing model" "the model file $TMP/nope.gguf does not exist" \
  timeout 30 "$YAK" eval report -m "$TMP/nope.gguf" --data "$DATA" --text "en=$WIKI" --no-tasks -o "$TMP/x"
expect_error "unknown task" "unknown task 'nope'" \
  timeout 30 "$YAK" eval report -m "$Q4" --data "$DATA" --text "en=$WIKI" --task nope -o "$TMP/x"
expect_error "missing text" "the zh text file $TMP/none.txt does not exist" \
  timeout 30 "$YAK" eval report -m "$Q4" --data "$DATA" --text "en=$WIKI" --text "zh=$TMP/none.txt" --no-tasks -o "$TMP/x"
expect_error "bad --text" "--text takes NAME=FILE" \
  timeout 30 "$YAK" eval report -m "$Q4" --data "$DATA" --text "$WIKI" --no-tasks -o "$TMP/x"
for bad in mmlu mmlu=x mmlu=-1 =3 mmlu=; do
  expect_error "bad --task-limit $bad" "--task-limit takes TASK=N with N >= 0 (e.g. mmlu=10), not '$bad'" \
    timeout 30 "$YAK" eval report -m "$Q4" --data "$DATA" --text "en=$WIKI" --task-limit "$bad" -o "$TMP/x"
done

# A base with another vocabulary: the report is written, and its KLD column says why.
RANDOM_QWEN="$SRC/models/qwen2-0.5b-random.q8_0.gguf"
if [ -f "$RANDOM_QWEN" ]; then
  check "base with another vocabulary" bash -c "cd '$TMP' && timeout $((240 * TIME_SCALE)) '$YAK' eval report -m '$Q4' --base '$RANDOM_QWEN' --data '$DATA' --text 'en=$WIKI' --no-tasks --chunks 2 -c 128 -t 2 -o '$TMP/r-vocab' --json >'$TMP/vocab.json' 2>'$TMP/vocab.log'"
  check "the KLD column says why" python3 - "$TMP/vocab.json" "$TMP/r-vocab/report.md" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["failed"] == 1 and d["ran"] == 1, d
item = d["models"][0]["results"]["kld-en"]
assert item["status"] == "failed" and "vocabulary" in item["note"], item
md = open(sys.argv[2], encoding="utf-8").read()
assert "not measured: the model's vocabulary" in md, md
PY
else
  echo "SKIP base with another vocabulary: $RANDOM_QWEN is missing (scripts/setup.sh)"
fi

finish
