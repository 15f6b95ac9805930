"""POST /v1/chat/completions through the official openai client: shapes, streaming, usage,
stop strings, seeds, n, log-probabilities and logit_bias."""

from __future__ import annotations

import json
import math
import time

import pytest
import requests

from serve_helpers import render_chat, scaled

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]
STORY = [{"role": "user", "content": "Write a long story about a dragon who learns to cook."}]


def chat(client, model, messages=QUESTION, **kw):
    kw.setdefault("temperature", 0)
    kw.setdefault("max_tokens", 16)
    return client.chat.completions.create(model=model, messages=messages, **kw)


def stream_chat(client, model, messages=QUESTION, **kw):
    """(chunks, text, finish_reason, usage) of a streamed request, usage asked for."""
    kw.setdefault("temperature", 0)
    kw.setdefault("max_tokens", 16)
    chunks = list(client.chat.completions.create(
        model=model, messages=messages, stream=True,
        stream_options={"include_usage": True}, **kw))
    n = kw.get("n", 1)
    texts = {i: "" for i in range(n)}
    finish = {i: [] for i in range(n)}
    for c in chunks:
        for choice in c.choices:
            texts[choice.index] += choice.delta.content or ""
            if choice.finish_reason:
                finish[choice.index].append(choice.finish_reason)
    usage = [c.usage for c in chunks if c.usage is not None]
    assert all(len(f) == 1 for f in finish.values()), f"finish_reason chunks per choice: {finish}"
    assert len(usage) == 1, f"usage in {len(usage)} chunks"
    if n > 1:
        return chunks, [texts[i] for i in range(n)], [finish[i][0] for i in range(n)], usage[0]
    return chunks, texts[0], finish[0][0], usage[0]


def test_plain_response_has_openai_shape(client, model_name):
    before = int(time.time())
    r = chat(client, model_name)
    assert r.object == "chat.completion"
    assert r.id and isinstance(r.id, str)
    assert before - 1 <= r.created <= time.time() + 1
    assert r.model
    assert isinstance(r.system_fingerprint, str) and r.system_fingerprint
    assert len(r.choices) == 1
    choice = r.choices[0]
    assert choice.index == 0
    assert choice.message.role == "assistant"
    assert isinstance(choice.message.content, str) and choice.message.content
    assert choice.finish_reason in ("stop", "length")
    u = r.usage
    assert 0 < u.completion_tokens <= 16
    assert u.total_tokens == u.prompt_tokens + u.completion_tokens


def test_prompt_tokens_equal_tokenize_of_rendered_prompt(server, client, model_name):
    messages = [{"role": "system", "content": "You answer in one word."}, *QUESTION]
    r = chat(client, model_name, messages=messages, max_tokens=2)
    rendered = render_chat(server, messages)
    assert "France" in rendered
    assert r.usage.prompt_tokens == len(server.tokenize(rendered, add_special_tokens=False))


def test_max_tokens_ends_with_length(client, model_name):
    for field in ("max_tokens", "max_completion_tokens"):
        r = client.chat.completions.create(model=model_name, messages=STORY, temperature=0,
                                           **{field: 5})
        assert r.choices[0].finish_reason == "length", field
        assert r.usage.completion_tokens == 5, field


def test_stream_equals_plain_and_counts_tokens(client, model_name):
    plain = chat(client, model_name, messages=STORY, max_tokens=24)
    chunks, text, finish, usage = stream_chat(client, model_name, messages=STORY, max_tokens=24,
                                              logprobs=True)
    assert text == plain.choices[0].message.content
    assert finish == plain.choices[0].finish_reason == "length"
    assert chunks[0].choices[0].delta.role == "assistant"
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert len({c.id for c in chunks}) == 1
    assert chunks[-1].choices == []  # usage comes alone, after the last choice chunk
    streamed_tokens = sum(len(c.choices[0].logprobs.content) for c in chunks
                          if c.choices and c.choices[0].logprobs is not None)
    assert usage.completion_tokens == streamed_tokens == plain.usage.completion_tokens == 24
    assert usage.prompt_tokens == plain.usage.prompt_tokens


def test_stream_wire_format(server, model_name):
    body = {"model": model_name, "messages": QUESTION, "stream": True, "max_tokens": 8,
            "temperature": 0}
    with requests.post(server.url("/v1/chat/completions"), json=body, stream=True,
                       headers=server.auth_headers(), timeout=scaled(60)) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        raw = r.content.decode()
    events = [e for e in raw.split("\n\n") if e and not e.startswith(":")]
    assert raw.endswith("data: [DONE]\n\n")
    assert events[-1] == "data: [DONE]"
    for event in events[:-1]:
        assert event.startswith("data: "), event
        chunk = json.loads(event[len("data: "):])
        assert chunk["object"] == "chat.completion.chunk"
        assert "usage" not in chunk or chunk["usage"] is None  # not asked for


def test_stop_string(client, model_name):
    base = chat(client, model_name, messages=STORY, max_tokens=40)
    text = base.choices[0].message.content
    words = [w for w in text.split() if w.isalpha() and len(w) >= 4]
    assert len(words) >= 3, text
    stop = words[len(words) // 2]
    want = text[:text.index(stop)]
    r = chat(client, model_name, messages=STORY, max_tokens=40, stop=stop)
    assert r.choices[0].message.content == want
    assert r.choices[0].finish_reason == "stop"
    _, streamed, finish, _ = stream_chat(client, model_name, messages=STORY, max_tokens=40,
                                         stop=[stop])
    assert streamed == want and finish == "stop"


def split_stop(entries, text: str):
    """A stop string made of the last 2 bytes of one token and the first 2 of the next, that
    occurs in `text` first exactly there; and the text before it."""
    pieces = [bytes(e.bytes) for e in entries]
    for k in range(2, len(pieces) - 1):
        a, b = pieces[k], pieces[k + 1]
        if len(a) < 3 or len(b) < 3 or not (a + b).isascii() or not (a[-2:] + b[:2]).strip():
            continue
        stop = (a[-2:] + b[:2]).decode()
        at = sum(len(p) for p in pieces[:k]) + len(a) - 2
        if text.encode().find(stop.encode()) == at:
            return stop, text.encode()[:at].decode()
    return None, None


def test_stop_string_split_across_tokens(client, model_name):
    base = chat(client, model_name, messages=STORY, max_tokens=40, logprobs=True)
    text = base.choices[0].message.content
    stop, want = split_stop(base.choices[0].logprobs.content, text)
    assert stop is not None, f"no token pair to split in {text!r}"
    r = chat(client, model_name, messages=STORY, max_tokens=40, stop=["@@never@@", stop])
    assert (r.choices[0].message.content, r.choices[0].finish_reason) == (want, "stop")
    chunks, streamed, finish, _ = stream_chat(client, model_name, messages=STORY,
                                              max_tokens=40, stop=stop)
    # Text that could still become the stop string is held back: a server that streamed the
    # first half and then matched would have sent more than `want`.
    assert (streamed, finish) == (want, "stop")


def test_seed_reproducible_at_temperature_1(client, model_name):
    def sample(seed):
        return chat(client, model_name, messages=STORY, temperature=1.0, top_p=1.0,
                    max_tokens=24, seed=seed).choices[0].message.content

    first = sample(1234)
    assert sample(1234) == first
    others = {sample(seed) for seed in (1, 2, 3, 4)}
    assert len(others | {first}) >= 2, "five seeds gave one text"


def test_greedy_is_deterministic(client, model_name):
    texts = {chat(client, model_name, messages=STORY, max_tokens=24).choices[0].message.content
             for _ in range(3)}
    assert len(texts) == 1


def test_n_2(client, model_name):
    r = chat(client, model_name, messages=STORY, n=2, temperature=1.0, seed=99, max_tokens=8)
    assert sorted(c.index for c in r.choices) == [0, 1]
    assert all(c.finish_reason == "length" for c in r.choices)
    assert r.usage.completion_tokens == 16
    again = chat(client, model_name, messages=STORY, n=2, temperature=1.0, seed=99, max_tokens=8)
    assert [c.message.content for c in again.choices] == [c.message.content for c in r.choices]
    greedy = chat(client, model_name, messages=STORY, n=2, max_tokens=8)
    assert greedy.choices[0].message.content == greedy.choices[1].message.content
    _, texts, finishes, usage = stream_chat(client, model_name, messages=STORY, n=2, max_tokens=8)
    assert usage.completion_tokens == 16 and finishes == ["length", "length"]
    assert texts == [greedy.choices[0].message.content] * 2


def test_logprobs(client, model_name):
    r = chat(client, model_name, messages=STORY, max_tokens=8, logprobs=True, top_logprobs=5)
    content = r.choices[0].logprobs.content
    assert len(content) == r.usage.completion_tokens == 8
    joined = b""
    for entry in content:
        assert isinstance(entry.token, str)
        assert entry.logprob <= 0
        raw = bytes(entry.bytes)
        joined += raw
        assert len(entry.top_logprobs) == 5
        tops = [t.logprob for t in entry.top_logprobs]
        assert tops == sorted(tops, reverse=True)
        assert sum(math.exp(t) for t in tops) <= 1.0 + 1e-3
        # Greedy: the chosen token is the most likely one, with the same log-probability.
        assert entry.top_logprobs[0].token == entry.token
        assert entry.top_logprobs[0].logprob == pytest.approx(entry.logprob, abs=1e-4)
        for t in [entry, *entry.top_logprobs]:
            try:
                assert bytes(t.bytes).decode() == t.token
            except UnicodeDecodeError:
                pass  # part of a character: token is then not the bytes' text
    assert joined.decode() == r.choices[0].message.content
    none = chat(client, model_name, messages=STORY, max_tokens=2, logprobs=True, top_logprobs=0)
    assert all(e.top_logprobs == [] for e in none.choices[0].logprobs.content)
    plain = chat(client, model_name, messages=STORY, max_tokens=2)
    assert plain.choices[0].logprobs is None


def test_logit_bias_forces_a_token(server, client, model_name):
    token = 19556  # "Hello" in SmolLM2's vocabulary
    want = server.detokenize([token]) * 4
    r = chat(client, model_name, messages=STORY, max_tokens=4, logit_bias={str(token): 100})
    assert r.choices[0].message.content == want
    r = client.completions.create(model=model_name, prompt="Once upon a time", max_tokens=4,
                                  temperature=0, logit_bias={str(token): 100})
    assert r.choices[0].text == want
    # -100 bans: the greedy first token is never chosen again.
    first = chat(client, model_name, messages=STORY, max_tokens=1, logprobs=True)
    banned = first.choices[0].logprobs.content[0].token
    ids = server.tokenize(banned, add_special_tokens=False)
    assert len(ids) == 1
    r = chat(client, model_name, messages=STORY, max_tokens=1, logit_bias={str(ids[0]): -100})
    assert r.choices[0].message.content != banned


def test_message_forms(client, model_name):
    parts = [{"role": "system", "content": [{"type": "text", "text": "Answer briefly."}]},
             {"role": "user", "content": [{"type": "text", "text": "What is the capital"},
                                          {"type": "text", "text": " of France?"}]},
             {"role": "assistant", "content": "Paris."},
             {"role": "user", "content": "And of Italy?"}]
    r = chat(client, model_name, messages=parts, max_tokens=8)
    assert r.choices[0].message.content


def test_extensions_and_penalties_accepted(client, model_name):
    r = chat(client, model_name, messages=STORY, max_tokens=8, temperature=0.8, seed=5,
             frequency_penalty=0.5, presence_penalty=0.5, user="e2e",
             extra_body={"top_k": 20, "min_p": 0.05, "repeat_penalty": 1.1})
    assert r.usage.completion_tokens == 8
