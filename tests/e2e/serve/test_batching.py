"""Many requests at once on the continuous-batching engine: concurrent streams equal the same
requests run alone, clients that leave free their sequences, preemption under a tiny KV pool
loses nothing, and a repeated long prompt is served from the prefix cache."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import time

import pytest
import requests

from serve_helpers import (ServerConfig, async_client_for, client_for, open_stream_and_leave,
                           scaled)

TOPICS = ["a lighthouse", "the moon", "a bakery", "rain", "a robot", "the sea", "a garden",
          "winter", "a library", "trains", "a cat", "music", "mountains", "a market",
          "an old map", "bees"]


def prompt_for(i: int) -> list[dict]:
    return [{"role": "user", "content": f"Write three sentences about {TOPICS[i % len(TOPICS)]}."}]


async def stream_text(client, model, messages, max_tokens):
    stream = await client.chat.completions.create(model=model, messages=messages,
                                                  max_tokens=max_tokens, temperature=0,
                                                  stream=True)
    parts = []
    async for chunk in stream:
        if chunk.choices:
            parts.append(chunk.choices[0].delta.content or "")
    return "".join(parts)


def test_16_concurrent_streams_equal_sequential(server, client, model_name, figures):
    alone = []
    t0 = time.monotonic()
    for i in range(16):
        r = client.chat.completions.create(model=model_name, messages=prompt_for(i),
                                           max_tokens=32, temperature=0)
        alone.append(r.choices[0].message.content)
    sequential_s = time.monotonic() - t0

    async def together():
        aclient = async_client_for(server)
        try:
            return await asyncio.gather(*(stream_text(aclient, model_name, prompt_for(i), 32)
                                          for i in range(16)))
        finally:
            await aclient.close()

    t0 = time.monotonic()
    concurrent = asyncio.run(asyncio.wait_for(together(), scaled(180)))
    concurrent_s = time.monotonic() - t0
    figures("concurrency", sequential_16x32_s=round(sequential_s, 2),
            concurrent_16x32_s=round(concurrent_s, 2))
    for i in range(16):
        assert concurrent[i] == alone[i], f"request {i} differs when run beside 15 others"


@pytest.mark.yak_only  # yak:num_requests_running
def test_disconnects_free_their_sequences(server, client, model_name, figures):
    long_story = {"model": model_name, "stream": True, "max_tokens": 900, "temperature": 0,
                  "messages": [{"role": "user", "content": "Tell an endless story."}]}
    parallel = server.config.parallel
    for _ in range(parallel):
        open_stream_and_leave(server.port, long_story, read_first_chunk=True)
    long_prompt = dict(long_story, messages=[{"role": "user",
                                              "content": "word " * 700 + "Summarize."}])
    for _ in range(parallel):
        open_stream_and_leave(server.port, long_prompt, read_first_chunk=False)
    t0 = time.monotonic()
    server.wait_metric("yak:num_requests_running", lambda v: v == 0, timeout=20)
    server.wait_metric("yak:num_requests_waiting", lambda v: v == 0, timeout=20)
    freed_s = time.monotonic() - t0

    async def full_house():
        aclient = async_client_for(server)
        try:
            return await asyncio.gather(*(stream_text(aclient, model_name, prompt_for(i), 16)
                                          for i in range(parallel)))
        finally:
            await aclient.close()

    t0 = time.monotonic()
    texts = asyncio.run(asyncio.wait_for(full_house(), scaled(60)))
    figures("disconnects", clients_left=2 * parallel, freed_within_s=round(freed_s, 2),
            then_parallel_requests_s=round(time.monotonic() - t0, 2))
    assert all(texts)
    m = server.metrics()
    assert m.get("yak:num_requests_running") == 0


@pytest.mark.yak_only  # --kv-tokens
def test_preemption_under_a_tiny_kv_pool(make_server, model_name, figures):
    s = make_server(ServerConfig(parallel=4, ctx=256, kv_tokens=256))
    client = client_for(s)
    prompts = [[{"role": "user", "content": f"Write a long poem about {t}."}] for t in TOPICS[:4]]
    want = []
    for messages in prompts:  # one at a time: each fits the pool alone
        r = client.chat.completions.create(model=model_name, messages=messages,
                                           max_tokens=140, temperature=0)
        assert r.usage.prompt_tokens + r.usage.completion_tokens <= 256
        want.append((r.choices[0].message.content, r.usage.completion_tokens))
    before = s.metrics().get("yak:num_preemptions_total", 0)

    async def together():
        aclient = async_client_for(s)
        try:
            return await asyncio.gather(*(aclient.chat.completions.create(
                model=model_name, messages=m, max_tokens=140, temperature=0) for m in prompts))
        finally:
            await aclient.close()

    got = asyncio.run(asyncio.wait_for(together(), scaled(180)))
    preemptions = s.metrics().get("yak:num_preemptions_total", 0) - before
    figures("preemption", kv_tokens=256, requests=4,
            tokens_needed=sum(r.usage.prompt_tokens + r.usage.completion_tokens for r in got),
            preemptions=preemptions)
    assert [(r.choices[0].message.content, r.usage.completion_tokens) for r in got] == want
    assert preemptions > 0 or "preempt" in s.log_text().lower(), \
        "4 requests needing more than the pool ran without a preemption"
    assert preemptions > 0, "yak:num_preemptions_total did not count the preemptions"


@pytest.mark.yak_only  # usage.prompt_tokens_details.cached_tokens, yak:prefix_cache_*
def test_prefix_cache_hits_in_usage(server, client, model_name, figures):
    rng = random.Random(2024)
    words = " ".join(rng.choice(["apple", "river", "stone", "cloud", "lamp", "paper"])
                     for _ in range(400))
    messages = [{"role": "system", "content": f"Context {rng.random()}: {words}"},
                {"role": "user", "content": "Which word comes first?"}]
    before = server.metrics()
    first = client.chat.completions.create(model=model_name, messages=messages, max_tokens=4,
                                           temperature=0)
    second = client.chat.completions.create(model=model_name, messages=messages, max_tokens=4,
                                            temperature=0)
    after = server.metrics()
    n = first.usage.prompt_tokens
    assert n > 300
    cold = first.usage.prompt_tokens_details.cached_tokens
    warm = second.usage.prompt_tokens_details.cached_tokens
    figures("prefix_cache", prompt_tokens=n, first_cached=cold, second_cached=warm)
    assert cold == 0
    assert n - 64 <= warm < n  # all full blocks but the last token's, at least
    assert second.choices[0].message.content == first.choices[0].message.content
    hits = after["yak:prefix_cache_hits_total"] - before["yak:prefix_cache_hits_total"]
    queries = after["yak:prefix_cache_queries_total"] - before["yak:prefix_cache_queries_total"]
    assert hits >= warm and queries >= 2 * n - 1


@pytest.mark.yak_only
def test_sigterm_lets_running_streams_finish(make_server, model_name):
    s = make_server(ServerConfig(parallel=2, ctx=512))
    body = {"model": model_name, "stream": True, "max_tokens": 48, "temperature": 0,
            "messages": [{"role": "user", "content": "Tell a story about a fox."}]}
    with requests.post(s.url("/v1/chat/completions"), json=body, stream=True,
                       timeout=scaled(60)) as r:
        lines = r.iter_lines()
        first = next(line for line in lines if line.startswith(b"data: "))
        assert first != b"data: [DONE]"
        s.proc.send_signal(signal.SIGTERM)
        rest = [line for line in lines if line.startswith(b"data: ")]
    assert rest and rest[-1] == b"data: [DONE]", rest[-3:]
    chunks = [json.loads(line[6:]) for line in [first, *rest[:-1]]]
    finish = [c["choices"][0]["finish_reason"] for c in chunks
              if c.get("choices") and c["choices"][0].get("finish_reason")]
    assert finish == ["length"], finish  # it ran to its end, not cut off
    s.proc.wait(timeout=scaled(30))
    assert s.proc.returncode == 0
