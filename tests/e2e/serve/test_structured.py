"""Structured output through the official openai client: response_format json_schema (every
schema of tests/data/json_schema/, at temperature 0 and 1, each output validated with the
jsonschema package), json_object, llama.cpp's grammar and json_schema fields, streaming, n > 1,
and the 400s for schemas and grammars that cannot be used."""

from __future__ import annotations

import concurrent.futures
import json
from pathlib import Path

import jsonschema
import pytest

pytestmark = pytest.mark.yak_only  # llama-server takes json_schema but not all of the suite

SUITE = Path(__file__).resolve().parents[2] / "data" / "json_schema"
MAX_TOKENS = 480  # the shared server's context is 1024 tokens


def suite() -> list[tuple[str, dict]]:
    files = sorted(SUITE.glob("*.json"))
    assert len(files) >= 40, f"the schema suite has {len(files)} schemas in {SUITE}, want 40+"
    return [(f.stem, json.loads(f.read_text())["schema"]) for f in files]


def schema_format(name: str, schema: dict) -> dict:
    return {"type": "json_schema",
            "json_schema": {"name": name.replace(".", "_")[:64], "schema": schema, "strict": True}}


def ask(client, model, name, schema, temperature, seed=11, **kw):
    # The schema in the prompt too, as applications do: the grammar guarantees the shape, the
    # prompt tells a small model what to write, and when to stop.
    system = ("Reply with one short JSON value that follows this JSON Schema: "
              + json.dumps(schema, separators=(",", ":")))
    return client.chat.completions.create(
        model=model, temperature=temperature, seed=seed, max_tokens=MAX_TOKENS,
        messages=[{"role": "system", "content": system},
                  {"role": "user", "content": f"Give an example of a {name.replace('_', ' ')} "
                                              "as JSON."}],
        response_format=schema_format(name, schema), **kw)


def check(schema, text) -> str | None:
    """None when `text` is JSON valid against `schema`, else why not."""
    try:
        value = json.loads(text)
    except ValueError as e:
        return f"not JSON ({e}): {text[:200]!r}"
    errors = list(jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER).iter_errors(value))
    return None if not errors else f"{errors[0].message}: {text[:200]!r}"


def test_every_schema_of_the_suite_gives_valid_json(client, model_name, figures):
    cases = [(name, schema, t) for name, schema in suite() for t in (0.0, 1.0)]

    def one(case):
        name, schema, t = case
        # llama.cpp's usual repeat penalty: greedy decoding of a 135M model otherwise loops
        # inside unbounded strings, numbers and arrays until max_tokens (28 of 102 outputs
        # without it, 17 with it; none of them invalid, only unfinished).
        r = ask(client, model_name, name, schema, t,
                extra_body={"repeat_penalty": 1.1, "repeat_last_n": 64})
        return case, r.choices[0].finish_reason, r.choices[0].message.content

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, cases))
    invalid, cut = [], []
    for (name, schema, t), finish, text in results:
        if finish == "length":
            cut.append(f"{name} t={t}")
            continue
        assert finish == "stop", (name, t, finish)
        if (why := check(schema, text)) is not None:
            invalid.append(f"{name} t={t}: {why}")
    figures("structured_output_suite", outputs=len(results), valid=len(results) - len(invalid)
            - len(cut), invalid=len(invalid), cut_by_max_tokens=len(cut))
    assert not invalid, "\n".join(invalid)
    # A cut output is a prefix of a valid one (the grammar allowed every token of it); the
    # model loops in a few kinds of schema (emails, unbounded integers, unanchored patterns).
    assert len(cut) <= len(results) // 5, cut


def test_json_object_mode_gives_an_object(client, model_name):
    for t in (0.0, 1.0):
        r = client.chat.completions.create(
            model=model_name, temperature=t, seed=3, max_tokens=MAX_TOKENS,
            messages=[{"role": "user", "content": "Describe a cat in JSON with the keys name, color "
                                                  "and age."}],
            response_format={"type": "json_object"})
        assert r.choices[0].finish_reason == "stop"
        assert isinstance(json.loads(r.choices[0].message.content), dict)


def test_llama_cpp_grammar_and_json_schema_fields(client, model_name):
    r = client.chat.completions.create(
        model=model_name, temperature=1.0, seed=5, max_tokens=20,
        messages=[{"role": "user", "content": "Is water wet?"}],
        extra_body={"grammar": 'root ::= ("yes" | "no") "."'})
    assert r.choices[0].message.content in ("yes.", "no.")
    schema = {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 9},
              "minItems": 2, "maxItems": 4}
    r = client.completions.create(model=model_name, prompt="Some digits:", temperature=1.0,
                                  seed=5, max_tokens=60, extra_body={"json_schema": schema})
    assert check(schema, r.choices[0].text) is None, r.choices[0].text


def test_streamed_output_equals_the_plain_one(client, model_name):
    name, schema = suite()[0]
    plain = ask(client, model_name, name, schema, 0.0).choices[0].message.content
    chunks = ask(client, model_name, name, schema, 0.0, stream=True)
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == plain


def test_choices_of_n_each_follow_the_schema(client, model_name):
    schema = {"type": "object", "properties": {"city": {"type": "string", "maxLength": 20},
                                               "rank": {"type": "integer"}},
              "required": ["city", "rank"], "additionalProperties": False}
    r = ask(client, model_name, "ranked_city", schema, 1.0, n=3)
    assert len(r.choices) == 3
    for c in r.choices:
        assert c.finish_reason == "stop"
        assert check(schema, c.message.content) is None


@pytest.mark.parametrize("body_part,param,names", [
    ({"response_format": schema_format("a", {"type": "object", "not": {}})},
     "response_format.json_schema.schema", "not"),
    ({"response_format": schema_format("a", {"type": 5})},
     "response_format.json_schema.schema", "type"),
    ({"response_format": schema_format("a", {"$ref": "#/$defs/missing"})},
     "response_format.json_schema.schema", "missing"),
    ({"response_format": {"type": "json_schema"}}, "response_format.json_schema", "json_schema"),
    ({"grammar": "root ::= [a-z"}, "grammar", "grammar"),
    ({"grammar": "root ::= other"}, "grammar", "other"),
    ({"grammar": 'root ::= "a" root'}, "grammar", "matches no finite text"),
    ({"response_format": schema_format("a", {"type": "string", "enum": []})},
     "response_format.json_schema.schema", "enum"),
    ({"json_schema": {"type": "string", "pattern": "(?<=a)b"}}, "json_schema", "pattern"),
])
def test_unusable_constraints_are_400_naming_the_problem(server, model_name, body_part, param,
                                                         names):
    body = {"model": model_name, "max_tokens": 4,
            "messages": [{"role": "user", "content": "Hi"}], **body_part}
    r = server.post("/v1/chat/completions", body)
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["param"] == param, err
    assert names in err["message"], err
    # The server goes on serving.
    ok = server.post("/v1/chat/completions", {"model": model_name, "max_tokens": 2,
                                              "messages": [{"role": "user", "content": "Hi"}]})
    assert ok.status_code == 200
