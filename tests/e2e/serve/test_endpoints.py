"""GET /health, /v1/models, /metrics and /tokenizer_info; POST /tokenize and /detokenize."""

from __future__ import annotations

import requests

import pytest

from serve_helpers import metric_families, parse_prometheus, scaled


def test_health(server):
    r = requests.get(server.url("/health"), timeout=scaled(10))
    assert r.status_code == 200


def test_models(server):
    r = server.get("/v1/models")
    assert r.status_code == 200
    body = r.json()
    assert body["object"] == "list"
    assert len(body["data"]) == 1
    model = body["data"][0]
    assert model["object"] == "model" and model["id"]
    assert isinstance(model.get("created"), int) and model.get("owned_by")


@pytest.mark.yak_only
def test_metrics_have_vllm_names(server, client, model_name):
    client.chat.completions.create(model=model_name, max_tokens=3, temperature=0,
                                   messages=[{"role": "user", "content": "Hi"}])
    r = server.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    kinds = metric_families(r.text)
    values = parse_prometheus(r.text)
    want = {
        "yak:num_requests_running": "gauge",
        "yak:num_requests_waiting": "gauge",
        "yak:kv_cache_usage_perc": "gauge",
        "yak:prefix_cache_queries": "counter",
        "yak:prefix_cache_hits": "counter",
        "yak:num_preemptions": "counter",
        "yak:prompt_tokens": "counter",
        "yak:generation_tokens": "counter",
        "yak:request_success": "counter",
        "yak:time_to_first_token_seconds": "histogram",
        "yak:inter_token_latency_seconds": "histogram",
        "yak:e2e_request_latency_seconds": "histogram",
        "yak:request_queue_time_seconds": "histogram",
    }
    # A counter's TYPE line may name it with or without _total (prometheus_client, which
    # vLLM uses, writes name_total in the text format).
    missing = {name: kind for name, kind in want.items()
               if kind not in (kinds.get(name), kinds.get(name + "_total"))}
    assert not missing, f"missing or of another type: {missing}; have {kinds}"
    for name, kind in want.items():
        if kind == "counter":
            assert name + "_total" in values, name
        if kind == "histogram":
            assert values[name + "_count"] >= 1, name
            assert any(k.startswith(name + "_bucket{") and 'le="+Inf"' in k for k in values), name
    assert 0 <= values["yak:kv_cache_usage_perc"] <= 1
    assert values["yak:generation_tokens_total"] >= 3
    assert any(k.startswith('yak:request_success_total{') and 'finished_reason="length"' in k
               for k in values), "no request_success_total{finished_reason=\"length\"}"


def test_tokenize_detokenize_round_trip(server):
    text = "Hello, wörld! 日本語のテキスト 🙂 and\ttabs\nnew lines"
    tokens = server.tokenize(text, add_special_tokens=False)
    assert tokens and all(isinstance(t, int) for t in tokens)
    assert server.detokenize(tokens) == text


@pytest.mark.yak_only
def test_tokenize_shape_for_lm_eval(server):
    r = server.post("/tokenize", {"prompt": "Hello world", "add_special_tokens": False})
    body = r.json()
    assert r.status_code == 200 and isinstance(body["tokens"], list)
    assert body.get("count") == len(body["tokens"])
    r = server.post("/detokenize", {"tokens": body["tokens"]})
    assert r.status_code == 200 and r.json()["prompt"] == "Hello world"
    r = server.get("/tokenizer_info")
    assert r.status_code == 200
    info = r.json()
    assert info["eos_token"] and info["chat_template"]
    # lm-evaluation-harness takes encode(eos_token)[0] as the end-of-text id: the control
    # token's text must tokenize to that one token.
    eos = server.tokenize(info["eos_token"], add_special_tokens=False)
    assert len(eos) == 1, f"{info['eos_token']!r} -> {eos}"
    bad = server.post("/detokenize", {"tokens": [99999999]})
    assert bad.status_code == 400
    assert server.post("/tokenize", {"prompt": 5}).status_code == 400
