"""POST /v1/completions: prompt forms, streaming, usage, and the echo + logprobs scoring that
lm-evaluation-harness's local-completions model sends."""

from __future__ import annotations

import pytest

PROMPT = "The capital of France is"


def complete(client, model, prompt=PROMPT, **kw):
    kw.setdefault("temperature", 0)
    kw.setdefault("max_tokens", 8)
    return client.completions.create(model=model, prompt=prompt, **kw)


def test_plain_completion(server, client, model_name):
    r = complete(client, model_name)
    assert r.object == "text_completion"
    assert r.id and r.created and r.model
    assert len(r.choices) == 1 and r.choices[0].index == 0
    assert "Paris" in r.choices[0].text
    assert r.choices[0].finish_reason in ("stop", "length")
    assert r.usage.prompt_tokens == len(server.tokenize(PROMPT))
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens


def test_streamed_completion_equals_plain(client, model_name):
    plain = complete(client, model_name, max_tokens=16)
    chunks = list(complete(client, model_name, max_tokens=16, stream=True,
                           stream_options={"include_usage": True}))
    text = "".join(c.choices[0].text for c in chunks if c.choices)
    assert text == plain.choices[0].text
    usage = [c.usage for c in chunks if c.usage is not None]
    assert len(usage) == 1 and chunks[-1].choices == []
    assert usage[0].completion_tokens == plain.usage.completion_tokens
    assert usage[0].prompt_tokens == plain.usage.prompt_tokens
    finish = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finish == [plain.choices[0].finish_reason]


def test_prompt_forms(server, client, model_name):
    text = complete(client, model_name).choices[0].text
    ids = server.tokenize(PROMPT)
    assert complete(client, model_name, prompt=ids).choices[0].text == text
    two = complete(client, model_name, prompt=[PROMPT, "One, two, three,"])
    assert sorted(c.index for c in two.choices) == [0, 1]
    assert next(c.text for c in two.choices if c.index == 0) == text
    lists = complete(client, model_name, prompt=[ids, server.tokenize("One, two, three,")])
    assert [c.text for c in sorted(lists.choices, key=lambda c: c.index)] == \
        [c.text for c in sorted(two.choices, key=lambda c: c.index)]
    assert two.usage.prompt_tokens == len(ids) + len(server.tokenize("One, two, three,"))


@pytest.mark.yak_only  # llama-server refuses echo
def test_echo_logprobs_max_tokens_0(server, client, model_name):
    r = complete(client, model_name, echo=True, logprobs=1, max_tokens=0)
    choice = r.choices[0]
    assert choice.text == PROMPT
    lp = choice.logprobs
    n = len(server.tokenize(PROMPT))
    assert r.usage.prompt_tokens == n and r.usage.completion_tokens == 0
    assert len(lp.tokens) == len(lp.token_logprobs) == len(lp.top_logprobs) == n
    assert "".join(lp.tokens) == PROMPT
    assert lp.token_logprobs[0] is None and lp.top_logprobs[0] is None
    assert all(v <= 0 for v in lp.token_logprobs[1:])
    assert all(isinstance(t, dict) and 1 <= len(t) <= 2 for t in lp.top_logprobs[1:])
    assert lp.text_offset[0] == 0 and lp.text_offset == sorted(lp.text_offset)


@pytest.mark.yak_only
def test_echo_scoring_matches_generation(server, client, model_name):
    """What lm-evaluation-harness sends: token ids, echo, logprobs 1, max_tokens 1. The
    log-probability a prompt token gets when echoed equals what it got when generated."""
    ids = server.tokenize(PROMPT)
    gen = complete(client, model_name, max_tokens=1, logprobs=1)
    next_token = gen.choices[0].logprobs.tokens[0]
    next_lp = gen.choices[0].logprobs.token_logprobs[0]
    scored_ids = ids + server.tokenize(next_token, add_special_tokens=False)
    r = complete(client, model_name, prompt=[scored_ids], echo=True, logprobs=1, max_tokens=1)
    lp = r.choices[0].logprobs
    assert len(lp.token_logprobs) == len(scored_ids) + 1
    assert lp.token_logprobs[0] is None
    assert lp.token_logprobs[len(ids)] == pytest.approx(next_lp, abs=2e-3)
    # Greedy continuation: the scored token is the top alternative at its position.
    top = lp.top_logprobs[len(ids)]
    assert max(top.values()) == pytest.approx(lp.token_logprobs[len(ids)], abs=1e-4)


def test_generation_logprobs(client, model_name):
    r = complete(client, model_name, max_tokens=4, logprobs=3)
    lp = r.choices[0].logprobs
    assert len(lp.tokens) == len(lp.token_logprobs) == r.usage.completion_tokens
    assert "".join(lp.tokens) == r.choices[0].text
    assert all(len(t) == 3 for t in lp.top_logprobs)


def test_completion_stop_and_seed(client, model_name):
    text = complete(client, model_name, prompt="One, two, three,", max_tokens=16).choices[0].text
    assert "," in text
    r = complete(client, model_name, prompt="One, two, three,", max_tokens=16, stop=",")
    assert r.choices[0].text == text[:text.index(",")]
    assert r.choices[0].finish_reason == "stop"
    a = complete(client, model_name, temperature=1.0, seed=3, max_tokens=12).choices[0].text
    b = complete(client, model_name, temperature=1.0, seed=3, max_tokens=12).choices[0].text
    assert a == b
