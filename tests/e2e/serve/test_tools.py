"""Tool calls through the official openai client: with Qwen2.5-Coder 0.5B (its template renders
tools; hermes format) and the default SmolLM2 (no tools in its template; Yak's generic format
in a system message). A full round trip, "required" and named choices giving valid calls, two
parallel calls, streamed deltas that reassemble into the non-streamed calls, and the 400s of
bad tool requests.

"required" and a named choice are enforced by the call grammar (GenerateOptions::grammar):
those tests need the scheduler to apply it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from serve_helpers import KIND, Server, ServerConfig, client_for, finish

SRC = Path(__file__).resolve().parents[3]
QWEN = SRC / "models/qwen2.5-coder-0.5b-instruct.q4_k_m.gguf"

pytestmark = pytest.mark.yak_only

WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"], "additionalProperties": False}}}
TIME = {"type": "function", "function": {
    "name": "get_time", "description": "Get the current time in a time zone",
    "parameters": {"type": "object",
                   "properties": {"zone": {"type": "string", "enum": ["UTC", "CET", "JST"]}},
                   "required": ["zone"], "additionalProperties": False}}}
TOOLS = [WEATHER, TIME]
SCHEMAS = {t["function"]["name"]: t["function"]["parameters"] for t in TOOLS}
ASK_WEATHER = [{"role": "user", "content": "What is the weather in Paris?"}]


@pytest.fixture(scope="module")
def qwen(yak_bin):
    if not QWEN.is_file():
        pytest.skip(f"model missing: {QWEN} (run scripts/setup.sh)")
    s = Server(yak_bin, str(QWEN), ServerConfig(parallel=2, ctx=2048), KIND).start()
    yield client_for(s)
    finish(s)


@pytest.fixture(params=["qwen", "smol"])
def any_model(request, client):
    return request.getfixturevalue("qwen") if request.param == "qwen" else client


def ask(client, messages, **kw):
    kw.setdefault("temperature", 0)
    kw.setdefault("seed", 7)
    kw.setdefault("max_tokens", 120)
    kw.setdefault("tools", TOOLS)
    return client.chat.completions.create(model="m", messages=messages, **kw)


def check_calls(message, names=None):
    """Each call: an id, type function, an offered name, arguments valid for its schema."""
    assert message.tool_calls, f"no tool call: {message}"
    ids = set()
    for call in message.tool_calls:
        assert call.type == "function"
        assert call.id.startswith("call_") and call.id not in ids, call.id
        ids.add(call.id)
        assert call.function.name in (names or SCHEMAS), call.function.name
        arguments = json.loads(call.function.arguments)
        jsonschema.validate(arguments, SCHEMAS[call.function.name])
    return [(c.function.name, json.loads(c.function.arguments)) for c in message.tool_calls]


def history_of(message) -> dict:
    """The assistant message as a client sends it back."""
    return message.model_dump(exclude_none=True, include={"role", "content", "tool_calls"})


def test_round_trip_qwen(qwen):
    first = ask(qwen, ASK_WEATHER)
    assert first.choices[0].finish_reason == "tool_calls"
    message = first.choices[0].message
    assert message.content is None
    assert check_calls(message) == [("get_weather", {"city": "Paris"})]
    messages = ASK_WEATHER + [history_of(message), {
        "role": "tool", "tool_call_id": message.tool_calls[0].id,
        "content": "18 degrees C and sunny"}]
    # This small model calls again when it may, so the answer turn says "none".
    final = ask(qwen, messages, tool_choice="none")
    assert final.choices[0].finish_reason == "stop"
    assert final.choices[0].message.tool_calls is None
    assert "18" in final.choices[0].message.content


def test_round_trip_default_model(client):
    first = ask(client, ASK_WEATHER, tool_choice="required")
    message = first.choices[0].message
    calls = check_calls(message)
    assert first.choices[0].finish_reason == "tool_calls"
    messages = ASK_WEATHER + [history_of(message)] + [
        {"role": "tool", "tool_call_id": c.id, "content": "18 degrees C and sunny"}
        for c in message.tool_calls]
    final = ask(client, messages, tool_choice="none")
    assert final.choices[0].message.tool_calls is None
    assert final.choices[0].message.content, calls


def test_required_gives_valid_calls(any_model):
    r = ask(any_model, [{"role": "user", "content": "Tell me a joke."}], tool_choice="required")
    check_calls(r.choices[0].message)
    assert r.choices[0].finish_reason == "tool_calls"


def test_named_choice_calls_that_function(any_model):
    # The question is about the weather: only the grammar makes the model ask for the time.
    r = ask(any_model, ASK_WEATHER,
            tool_choice={"type": "function", "function": {"name": "get_time"}})
    calls = check_calls(r.choices[0].message, names={"get_time"})
    assert len(calls) == 1
    assert r.choices[0].finish_reason == "tool_calls"


# A turn with two calls shows the model how; then it makes two of its own.
TWO_CITIES = [
    {"role": "user", "content": "What is the weather in Oslo and in Bergen?"},
    {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_a", "type": "function",
         "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}},
        {"id": "call_b", "type": "function",
         "function": {"name": "get_weather", "arguments": '{"city": "Bergen"}'}}]},
    {"role": "tool", "tool_call_id": "call_a", "content": "5C"},
    {"role": "tool", "tool_call_id": "call_b", "content": "7C"},
    {"role": "assistant", "content": "It is 5C in Oslo and 7C in Bergen."},
    {"role": "user", "content": "Use get_weather for Paris and for Rome."}]


def test_two_parallel_calls(qwen):
    r = ask(qwen, TWO_CITIES, tools=[WEATHER])
    calls = check_calls(r.choices[0].message)
    assert calls == [("get_weather", {"city": "Paris"}), ("get_weather", {"city": "Rome"})]
    assert r.choices[0].finish_reason == "tool_calls"


def reassembled(stream):
    """(content, [(id, name, arguments)], finish_reason) from streamed deltas, checking that
    each call's first delta has index, id, type and name, and the later ones only arguments."""
    content, calls, finish_reason = "", {}, None
    for chunk in stream:
        for choice in chunk.choices:
            delta = choice.delta
            content += delta.content or ""
            for tc in delta.tool_calls or []:
                if tc.index not in calls:
                    assert tc.id and tc.type == "function" and tc.function.name, tc
                    calls[tc.index] = [tc.id, tc.function.name, tc.function.arguments or ""]
                else:
                    assert tc.id is None and tc.type is None and tc.function.name is None, tc
                    calls[tc.index][2] += tc.function.arguments or ""
            finish_reason = choice.finish_reason or finish_reason
    assert sorted(calls) == list(range(len(calls)))
    return content, [tuple(calls[i]) for i in sorted(calls)], finish_reason


@pytest.mark.parametrize("messages,tools", [(ASK_WEATHER, TOOLS), (TWO_CITIES, [WEATHER])],
                         ids=["one", "two"])
def test_stream_reassembles_to_the_whole_calls(qwen, messages, tools):
    whole = ask(qwen, messages, tools=tools)
    content, calls, finish_reason = reassembled(ask(qwen, messages, tools=tools, stream=True))
    message = whole.choices[0].message
    assert finish_reason == whole.choices[0].finish_reason == "tool_calls"
    assert (content or None) == message.content
    assert [(name, args) for _, name, args in calls] == [
        (c.function.name, c.function.arguments) for c in message.tool_calls]


def test_none_calls_nothing(qwen):
    r = ask(qwen, ASK_WEATHER, tool_choice="none")
    assert r.choices[0].message.tool_calls is None
    assert r.choices[0].finish_reason in ("stop", "length")
    assert isinstance(r.choices[0].message.content, str)


def error_of(server, body):
    r = server.post("/v1/chat/completions", body)
    assert r.status_code == 400, r.text[:300]
    return r.json()["error"]


@pytest.mark.parametrize("extra,param", [
    ({"tools": [WEATHER, WEATHER]}, "tools[1].function.name"),
    ({"tools": [{"type": "function", "function": {"name": "bad name"}}]},
     "tools[0].function.name"),
    ({"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "array"}}}]},
     "tools[0].function.parameters.type"),
    ({"tools": [{"type": "function", "function": {"name": "f", "parameters": {
        "type": "object", "properties": {"x": {"type": "string", "notAKeyword": 1}}}}}]},
     "tools[0].function.parameters"),
    ({"tools": TOOLS, "tool_choice": {"type": "function", "function": {"name": "nope"}}},
     "tool_choice.function.name"),
    ({"tool_choice": "required"}, "tool_choice"),
    ({"tools": TOOLS, "tool_choice": "sometimes"}, "tool_choice"),
    ({"functions": [{"name": "f"}]}, "functions"),
    ({"messages": [{"role": "tool", "content": "42"}]}, "messages[0].tool_call_id"),
    ({"messages": [{"role": "user", "content": "x"},
                   {"role": "tool", "content": "42", "tool_call_id": "call_x"}]},
     "messages[1].tool_call_id"),
    ({"messages": [{"role": "assistant", "tool_calls": [{"id": "c", "type": "function",
        "function": {"name": "f", "arguments": "{oops"}}]}]},
     "messages[0].tool_calls[0].function.arguments"),
])
def test_bad_tool_requests_are_400_naming_the_field(server, extra, param):
    body = {"model": "m", "messages": ASK_WEATHER, "max_tokens": 4, **extra}
    err = error_of(server, body)
    assert err["param"] == param, err
    assert param.split("[")[0].split(".")[0] in err["message"], err
