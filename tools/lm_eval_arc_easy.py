#!/usr/bin/env python3
"""Scores ARC-Easy (tools/eval/arc_easy_local.yaml, from shared/data; nothing downloaded) with
lm-evaluation-harness against a server this script starts on a free loopback port, and stops.

  tools/lm_eval_arc_easy.py                       # yak serve, build/bin/yak, default model
  tools/lm_eval_arc_easy.py --limit 100           # the first 100 questions (CI)
  tools/lm_eval_arc_easy.py --server llama-server # the same task on llama.cpp's llama-server

yak serve is scored the way any OpenAI-compatible server is: lm-eval's `local-completions`
model, token-id prompts with echo + logprobs, and yak's /tokenize, /detokenize and
/tokenizer_info as its tokenizer (tokenizer_backend=remote). llama-server cannot echo prompt
log-probabilities, so it is scored through tools/eval/llama_server_lm.py (one request per
continuation token, the token forced); the prompts, choices and metrics are the same.

Prints lm-eval's table, then one line: `arc_easy_local acc=... acc_norm=... n=...`.
With --json FILE the figures are also written there. Needs the pins of
tools/requirements-test.txt (lm_eval[api]); runs offline.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EVAL_DIR = REPO / "tools/eval"
TASK = "arc_easy_local"
DEFAULT_BINS = {"yak": REPO / "build/bin/yak",
                "llama-server": Path.home() / ".cache/yak-peers/llama.cpp-build/bin/llama-server"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_argv(args, port: int) -> list[str]:
    if args.server == "yak":
        return [str(args.bin), "serve", "-m", args.model, "--host", "127.0.0.1", "--port",
                str(port), "--parallel", str(args.parallel), "-c", str(args.ctx), "-t",
                str(args.threads)]
    return [str(args.bin), "-m", args.model, "--host", "127.0.0.1", "--port", str(port),
            "-np", str(args.parallel), "-c", str(args.ctx * args.parallel), "-t",
            str(args.threads), "--no-webui"]


def get_json(url: str, timeout: float = 5.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, json.loads(r.read() or b"null")


def wait_healthy(proc: subprocess.Popen, base: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode} while starting")
        try:
            if get_json(base + "/health", 2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the server gave no 200 on /health within {timeout:.0f} s")


def lm_eval_argv(args, base: str, model_name: str, out_dir: str) -> list[str]:
    if args.server == "yak":
        model = "local-completions"
        model_args = (f"model={model_name},base_url={base}/v1/completions,"
                      f"tokenizer_backend=remote,tokenized_requests=True,"
                      f"num_concurrent={args.num_concurrent},max_retries=1,"
                      f"max_length={args.ctx}")
    else:
        model = "llama-server-forced"
        model_args = f"base_url={base},num_concurrent={args.num_concurrent}"
    argv = ["run", "--model", model, "--model_args", model_args, "--tasks", TASK,
            "--include_path", str(EVAL_DIR), "--output_path", out_dir, "--seed", "1234"]
    if args.data:
        argv += ["--metadata", json.dumps({"arc_easy_jsonl": args.data})]
    if args.limit:
        argv += ["--limit", str(args.limit)]
    return argv


def read_results(out_dir: str) -> dict:
    files = sorted(Path(out_dir).rglob("results_*.json"))
    if not files:
        raise SystemExit(f"lm-eval wrote no results under {out_dir}")
    return json.loads(files[-1].read_text())


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--server", choices=sorted(DEFAULT_BINS), default="yak")
    p.add_argument("--bin", type=Path, help="the server binary (default: per --server)")
    p.add_argument("--model", default=str(REPO / "models/SmolLM2-135M-Instruct.Q4_1.gguf"))
    p.add_argument("--data", help="ARC-Easy-Test.jsonl (default: shared/data/eval/arc/)")
    p.add_argument("--limit", type=int, default=0, help="questions to score (0: all 2,376)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--parallel", type=int, default=4)
    p.add_argument("--num-concurrent", type=int, default=4)
    p.add_argument("--ctx", type=int, default=2048, help="context per request")
    p.add_argument("--json", help="also write the figures to this file")
    args = p.parse_args()
    args.bin = args.bin or DEFAULT_BINS[args.server]
    if not os.access(args.bin, os.X_OK):
        raise SystemExit(f"no server binary at {args.bin}")

    env = dict(os.environ, HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    with tempfile.TemporaryDirectory(prefix="yak-lm-eval-") as tmp:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log_path = Path(tmp) / "server.log"
        with open(log_path, "wb") as log:
            server = subprocess.Popen(server_argv(args, port), stdout=log,
                                      stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      start_new_session=True)
        try:
            wait_healthy(server, base, 120)
            model_name = get_json(base + "/v1/models")[1]["data"][0]["id"]
            runner = ("import sys; sys.path.insert(0, sys.argv.pop(1)); import llama_server_lm; "
                      "from lm_eval.__main__ import cli_evaluate; cli_evaluate()")
            cmd = [sys.executable, "-c", runner, str(EVAL_DIR)] if args.server != "yak" else \
                [sys.executable, "-m", "lm_eval"]
            argv = cmd + lm_eval_argv(args, base, model_name, str(Path(tmp) / "out"))
            print("+", " ".join(argv), flush=True)
            t0 = time.monotonic()
            done = subprocess.run(argv, env=env)
            seconds = time.monotonic() - t0
            if done.returncode != 0:
                print(log_path.read_text(errors="replace")[-3000:], file=sys.stderr)
                return done.returncode
            results = read_results(str(Path(tmp) / "out"))
        finally:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait()
    r = results["results"][TASK]
    n = results.get("n-samples", {}).get(TASK, {}).get("effective")
    figures = {"server": args.server, "model": Path(args.model).name, "n": n,
               "acc": r["acc,none"], "acc_stderr": r["acc_stderr,none"],
               "acc_norm": r["acc_norm,none"], "acc_norm_stderr": r["acc_norm_stderr,none"],
               "seconds": round(seconds, 1)}
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    print(f"{TASK} acc={figures['acc']:.4f}±{figures['acc_stderr']:.4f} "
          f"acc_norm={figures['acc_norm']:.4f}±{figures['acc_norm_stderr']:.4f} n={n} "
          f"server={args.server} seconds={figures['seconds']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
