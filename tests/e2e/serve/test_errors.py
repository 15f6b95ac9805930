"""What bad requests get: a status from the issue's list and an OpenAI error object, never a
500; wrongly typed fields are a 400 that names the field."""

from __future__ import annotations

import concurrent.futures
import socket
import time

import openai
import pytest
import requests

from serve_helpers import ServerConfig, client_for, scaled

CHAT = "/v1/chat/completions"
COMPLETIONS = "/v1/completions"
MESSAGES = [{"role": "user", "content": "Hi"}]


def error_of(r: requests.Response, status: int) -> dict:
    assert r.status_code == status, f"{r.status_code} (want {status}): {r.text[:300]}"
    body = r.json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert {"message", "type", "param", "code"} <= set(err), err
    assert isinstance(err["message"], str) and err["message"]
    return err


def chat_body(model_name, **fields):
    body = {"model": model_name, "messages": MESSAGES, "max_tokens": 2, "temperature": 0}
    body.update(fields)
    return body


WRONG_CHAT_FIELDS = [
    ("messages", "hi"), ("messages", []), ("messages", [{"role": "user", "content": 5}]),
    ("messages", [{"role": "wizard", "content": "x"}]), ("messages", [{"content": "x"}]),
    ("messages", ["hi"]), ("max_tokens", "ten"), ("max_tokens", -1), ("max_tokens", 1.5),
    ("max_completion_tokens", "ten"), ("temperature", "hot"), ("temperature", -1),
    ("top_p", []), ("top_p", 2), ("n", "two"), ("n", 0), ("n", 1000), ("stream", "yes"),
    ("stop", 5), ("stop", ["a", "b", "c", "d", "e"]), ("stop", [1]), ("seed", "x"),
    ("seed", 1.5), ("logit_bias", "x"), ("logit_bias", {"abc": 1}), ("logit_bias", {"1": "x"}),
    ("logit_bias", {"99999999": 1}), ("logprobs", "yes"), ("top_logprobs", 21),
    ("top_logprobs", -1), ("top_logprobs", "x"), ("frequency_penalty", "x"),
    ("presence_penalty", {}), ("stream_options", 5), ("model", 5), ("user", 5),
    ("top_k", "x"), ("min_p", "x"), ("repeat_penalty", "x"),
]


@pytest.mark.parametrize("field,value", WRONG_CHAT_FIELDS,
                         ids=[f"{f}={v!r}"[:40] for f, v in WRONG_CHAT_FIELDS])
def test_wrong_chat_field_is_400_naming_it(server, model_name, field, value):
    err = error_of(server.post(CHAT, chat_body(model_name, **{field: value})), 400)
    assert field in err["message"], err
    assert err["param"] is not None and err["param"].split("[")[0].split(".")[0] == field, err


WRONG_COMPLETION_FIELDS = [
    ("prompt", 5), ("prompt", []), ("prompt", [1, "a"]), ("prompt", [[1], "a"]),
    ("prompt", [-5]), ("prompt", [999999999]), ("prompt", {"text": "x"}), ("echo", "x"),
    ("logprobs", "x"), ("logprobs", -1), ("max_tokens", "x"), ("stop", {}),
    ("suffix", 5),
]


@pytest.mark.parametrize("field,value", WRONG_COMPLETION_FIELDS,
                         ids=[f"{f}={v!r}"[:40] for f, v in WRONG_COMPLETION_FIELDS])
def test_wrong_completion_field_is_400_naming_it(server, model_name, field, value):
    body = {"model": model_name, "prompt": "Hi", "max_tokens": 2, field: value}
    err = error_of(server.post(COMPLETIONS, body), 400)
    assert field in err["message"], err


def test_unknown_fields_are_ignored(server, model_name):
    r = server.post(CHAT, chat_body(model_name, foo=1, metadata={"a": "b"}, store=False))
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("field,value", [
    ("audio", {"voice": "alloy", "format": "wav"}),
])
def test_not_yet_supported_fields_are_400_saying_so(server, model_name, field, value):
    err = error_of(server.post(CHAT, chat_body(model_name, **{field: value})), 400)
    assert "not supported" in err["message"].lower(), err
    assert field in err["message"], err


def test_bad_bodies_are_400(server):
    for body in (b"", b"{", b"[1, 2]", b"null", b'"text"', b"{\"messages\": [}",
                 b'{"messages": [{"role": "user", "content": "\xff\xfe"}]}',
                 b'{"model": "x", "messages": [{"role": "user", "content": "\\ud800"}]}'):
        error_of(server.post(CHAT, body), 400)


def test_context_overflow_is_400_with_the_numbers(server, model_name):
    ctx = server.config.ctx
    err = error_of(server.post(CHAT, chat_body(model_name, max_tokens=ctx * 4)), 400)
    assert str(ctx) in err["message"], err
    long_prompt = "hello " * (ctx + 100)
    err = error_of(server.post(COMPLETIONS, {"model": model_name, "prompt": long_prompt,
                                              "max_tokens": 1}), 400)
    assert str(ctx) in err["message"], err


# Bad values of every field, of every JSON type: each is either accepted or a 400, never a
# 500, and the server answers the next request.
ODD_VALUES = [None, "x", "", 1.5, -1, 0, 2**63, -(2**63) - 1, 1e308, True, [], [None], {},
              {"a": [1]}]
EVERY_FIELD = ["model", "messages", "stream", "stream_options", "max_tokens",
               "max_completion_tokens", "temperature", "top_p", "n", "stop", "seed",
               "frequency_penalty", "presence_penalty", "logit_bias", "logprobs",
               "top_logprobs", "user", "top_k", "min_p", "repeat_penalty"]


def test_odd_values_never_500(server, model_name):
    statuses = {}
    for field in EVERY_FIELD:
        for value in ODD_VALUES:
            body = chat_body(model_name, max_tokens=1)
            body[field] = value
            r = server.post(CHAT, body)
            statuses.setdefault(r.status_code, []).append(f"{field}={value!r}")
            assert r.status_code in (200, 400), f"{field}={value!r}: {r.status_code} {r.text[:200]}"
            if r.status_code == 400:
                error_of(r, 400)
    assert 400 in statuses and 200 in statuses


def test_unknown_path_404_and_wrong_method_405(server):
    for method, path in (("GET", "/v1/nope"), ("POST", "/v1/nope"), ("GET", "/assets/nope.js"),
                         ("GET", "/v1/chat/completions/x")):
        r = requests.request(method, server.url(path), headers=server.auth_headers(),
                             timeout=scaled(10))
        error_of(r, 404)
    for method, path in (("GET", CHAT), ("PUT", COMPLETIONS), ("DELETE", "/v1/models"),
                         ("POST", "/v1/models"), ("GET", "/tokenize"), ("POST", "/health")):
        r = requests.request(method, server.url(path), headers=server.auth_headers(),
                             timeout=scaled(10))
        error_of(r, 405)


def send_huge(port: int, head: bytes, body_bytes: int, timeout: float = 20.0) -> bytes:
    """Sends `head` and up to `body_bytes` of body, reading the answer as it comes: a server
    may answer 413 and close before the body is all sent."""
    deadline = time.monotonic() + scaled(timeout)
    got = b""
    with socket.create_connection(("127.0.0.1", port), timeout=scaled(timeout)) as sock:
        try:
            sock.sendall(head)
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered and closed before all of it went: the answer is still there to read
        sock.setblocking(False)
        chunk = b"a" * 65536
        sent = 0
        while time.monotonic() < deadline:
            try:
                piece = sock.recv(65536)
                if not piece:
                    break
                got += piece
                if b"\r\n\r\n" in got:
                    break
            except BlockingIOError:
                pass
            except ConnectionResetError:
                break
            if sent < body_bytes:
                try:
                    sent += sock.send(chunk[:body_bytes - sent])
                except BlockingIOError:
                    time.sleep(0.001)
                except (BrokenPipeError, ConnectionResetError):
                    sent = body_bytes
            else:
                time.sleep(0.01)
    return got


def test_huge_body_is_413(server):
    declared = (b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n")
    got = send_huge(server.port, declared, 0, timeout=10)
    assert got.startswith(b"HTTP/1.1 413"), got[:200]
    sent = 64 << 20
    real = (b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % sent)
    got = send_huge(server.port, real, sent)
    assert got.startswith(b"HTTP/1.1 413"), got[:200]
    chunked = (b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
               b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    body = b"".join(b"10000\r\n" + b"a" * 65536 + b"\r\n" for _ in range(16))
    got = send_huge(server.port, chunked + body * 64, 0)
    assert got.startswith(b"HTTP/1.1 413"), got[:200]
    assert server.get("/health").status_code == 200


@pytest.mark.yak_only
def test_unknown_model_name(server, client):
    # yak serve serves one model: any model name is accepted and answered by it (as
    # llama-server does), and the response names the served model.
    served = server.get("/v1/models").json()["data"][0]["id"]
    r = client.chat.completions.create(model="no-such-model", messages=MESSAGES, max_tokens=2)
    assert r.model == served


def test_api_key(make_server, model_name):
    s = make_server(ServerConfig(parallel=2, ctx=512, api_key="sesame-42"))
    assert requests.get(s.url("/health"), timeout=scaled(10)).status_code == 200
    body = chat_body(model_name)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "sesame-42"},
                    {"Authorization": "Bearer sesame-4"}, {"Authorization": "Bearer sesame-421"},
                    {"Authorization": "Basic c2VzYW1lLTQy"}):
        r = requests.post(s.url(CHAT), json=body, headers=headers, timeout=scaled(10))
        error_of(r, 401)
        r = requests.get(s.url("/v1/models"), headers=headers, timeout=scaled(10))
        error_of(r, 401)
    ok = client_for(s).chat.completions.create(model=model_name, messages=MESSAGES, max_tokens=2)
    assert ok.choices[0].message.content is not None
    wrong = client_for(s)
    wrong.api_key = "wrong"
    with pytest.raises(openai.AuthenticationError):
        wrong.chat.completions.create(model=model_name, messages=MESSAGES, max_tokens=2)


@pytest.mark.yak_only  # --max-queue, and --timeout ending a request with "length"
def test_full_queue_is_429_with_retry_after_and_timeout_ends_requests(make_server, model_name):
    s = make_server(ServerConfig(parallel=1, ctx=1024, timeout=2, extra=["--max-queue", "1"]))
    long = {"model": model_name, "max_tokens": 900, "temperature": 0,
            "messages": [{"role": "user", "content": "Tell an endless story."}]}
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        running = pool.submit(s.post, CHAT, long)
        deadline = time.monotonic() + scaled(10)
        while s.metrics().get("yak:num_requests_running", 0) < 1:
            assert time.monotonic() < deadline, "the first request never started"
            time.sleep(0.02)
        queued = pool.submit(s.post, CHAT, long)
        while s.metrics().get("yak:num_requests_waiting", 0) < 1:
            assert time.monotonic() < deadline, "the second request never queued"
            time.sleep(0.02)
        refused = s.post(CHAT, long)
        err = error_of(refused, 429)
        assert int(refused.headers["Retry-After"]) >= 1, refused.headers
        assert err["message"]
        t0 = time.monotonic()
        first = running.result(timeout=scaled(30))
        second = queued.result(timeout=scaled(30))
    for r in (first, second):
        assert r.status_code == 200, r.text[:200]
        body = r.json()
        assert body["choices"][0]["finish_reason"] == "length"
        assert body["usage"]["completion_tokens"] < 900  # cut off by --timeout 2
    assert time.monotonic() - t0 < scaled(10)
