"""Hostile clients on loopback, each bounded in time: slowloris, 500 idle connections, huge
bodies, deep JSON, invalid UTF-8, abrupt disconnects and garbage bytes. During each, another
client's ordinary request still succeeds within a bound, the server's RSS stays under twice
its idle RSS plus 64 MiB, and the server is alive afterwards. What each one did is recorded
in the figures printed at the end."""

from __future__ import annotations

import json
import os
import random
import resource
import select
import socket
import threading
import time
from contextlib import contextmanager

import pytest
import requests

from serve_helpers import (KIND, Server, ServerConfig, body_of, finish, open_stream_and_leave,
                           raw_exchange, scaled, status_of)

PROBE_BOUND_S = 15.0  # an ordinary request must be answered within this while under attack
RSS_SLACK_KIB = 64 * 1024


@pytest.fixture(scope="module")
def target(yak_bin, model_path):
    s = Server(yak_bin, model_path, ServerConfig(parallel=4, ctx=1024), KIND).start()
    s.model_name = s.get("/v1/models").json()["data"][0]["id"]
    for _ in range(3):  # warm up: the first requests allocate the buffers a request needs
        probe(s)
    s.idle_rss_kib = s.rss_kib()
    yield s
    assert s.alive(), "the server died under hostile clients\n" + s.log_tail()
    finish(s)


def probe(server: Server) -> float:
    """One ordinary chat request from a well-behaved client; returns its seconds."""
    t0 = time.monotonic()
    r = requests.post(server.url("/v1/chat/completions"), timeout=scaled(PROBE_BOUND_S),
                      json={"model": server.model_name, "max_tokens": 4, "temperature": 0,
                            "messages": [{"role": "user", "content": "Say hi."}]})
    seconds = time.monotonic() - t0
    assert r.status_code == 200, r.text[:300]
    assert r.json()["choices"][0]["message"]["content"] is not None
    assert seconds < scaled(PROBE_BOUND_S)
    return seconds


@contextmanager
def watched(server: Server, name: str, figures):
    """Samples the server's RSS while the block runs; afterwards checks the bound, that the
    server is alive and that it still answers; records the figures under `name`."""
    peak = [server.rss_kib()]
    stop = threading.Event()

    def sample():
        while not stop.wait(0.05):
            try:
                peak[0] = max(peak[0], server.rss_kib())
            except (FileNotFoundError, ProcessLookupError):
                return

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    record = {}
    t0 = time.monotonic()
    try:
        yield record
    finally:
        stop.set()
        thread.join(5)
    record["seconds"] = round(time.monotonic() - t0, 2)
    record["idle_rss_mib"] = round(server.idle_rss_kib / 1024, 1)
    record["peak_rss_mib"] = round(peak[0] / 1024, 1)
    assert server.alive(), f"server died during {name}\n" + server.log_tail()
    record["probe_after_s"] = round(probe(server), 3)
    figures(f"hostile.{name}", **record)
    bound = 2 * server.idle_rss_kib + RSS_SLACK_KIB
    assert peak[0] < bound, f"RSS peaked at {peak[0]} KiB, bound {bound} KiB"


def probes_during(server: Server, seconds: float, record: dict) -> None:
    """Ordinary requests, one after another, for `seconds`; their worst time is recorded."""
    times = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline or not times:
        times.append(probe(server))
    record["probes"] = len(times)
    record["worst_probe_s"] = round(max(times), 3)


def is_closed(sock: socket.socket) -> bool:
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except (ConnectionResetError, OSError):
        return True


def test_slowloris(target, figures):
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]}).encode()
    request = (b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
               b"\r\nContent-Length: %d\r\n\r\n" % len(body)) + body
    n = 40
    socks = [socket.create_connection(("127.0.0.1", target.port)) for _ in range(n)]
    # Half trickle their headers, half send whole headers and trickle the body.
    head_len = request.index(b"\r\n\r\n") + 4
    sent = [0 if i % 2 == 0 else head_len for i in range(n)]
    for i, s in enumerate(socks):
        if sent[i]:
            s.sendall(request[:sent[i]])
    stop = threading.Event()

    def trickle():
        while not stop.wait(0.5):
            for i, s in enumerate(socks):
                if sent[i] < len(request) - 1:  # never the last byte: stay incomplete
                    try:
                        s.send(request[sent[i]:sent[i] + 1])
                        sent[i] += 1
                    except OSError:
                        pass

    thread = threading.Thread(target=trickle, daemon=True)
    with watched(target, "slowloris", figures) as record:
        thread.start()
        # Past yak's 10 s limit for a request head, so the figures show whether it cut off
        # the head tricklers (the body tricklers have the longer body limit).
        probes_during(target, 11, record)
        stop.set()
        thread.join(5)
        record["connections"] = n
        record["bytes_per_connection_per_s"] = 2
        record["head_tricklers_closed"] = sum(is_closed(s) for s in socks[0::2])
        record["body_tricklers_closed"] = sum(is_closed(s) for s in socks[1::2])
    for s in socks:
        s.close()


def test_500_idle_connections(target, figures):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2048:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(2048, hard), hard))
    with watched(target, "idle_connections", figures) as record:
        socks = [socket.create_connection(("127.0.0.1", target.port), timeout=scaled(10))
                 for _ in range(500)]
        try:
            for s in socks[:100]:  # a fifth start a request and stop mid-line
                s.sendall(b"GET /health HT")
            probes_during(target, scaled(5), record)
            record["connections"] = len(socks)
            record["closed_by_server"] = sum(is_closed(s) for s in socks)
        finally:
            for s in socks:
                s.close()


def test_huge_bodies(target, figures):
    results = []

    def flood():
        head = (b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                b"\r\nContent-Length: 1073741824\r\n\r\n")
        got = b""
        pushed = 0
        deadline = time.monotonic() + scaled(10)
        try:
            with socket.create_connection(("127.0.0.1", target.port), timeout=2) as s:
                s.sendall(head)
                s.setblocking(False)
                chunk = b"{" * 65536
                while pushed < (32 << 20) and time.monotonic() < deadline:
                    try:
                        got += s.recv(65536)
                        if b"\r\n\r\n" in got:
                            break
                    except BlockingIOError:
                        pass
                    try:
                        pushed += s.send(chunk)
                    except BlockingIOError:
                        time.sleep(0.002)
        except OSError:
            pass
        results.append((status_of(got), pushed))

    with watched(target, "huge_bodies", figures) as record:
        threads = [threading.Thread(target=flood) for _ in range(8)]
        for t in threads:
            t.start()
        probes_during(target, scaled(3), record)
        for t in threads:
            t.join(scaled(30))
        record["connections"] = len(threads)
        record["declared_bytes"] = 1 << 30
        record["mib_pushed_per_connection"] = sorted(round(p / 2**20, 1) for _, p in results)
        record["statuses"] = sorted(code for code, _ in results)
    assert all(code in (0, 413) for code, _ in results), results
    assert any(code == 413 for code, _ in results), results


def deep(depth: int, open_: str, close: str) -> bytes:
    return (open_ * depth + close * depth).encode()


def test_deep_json(target, figures):
    bodies = {
        "arrays_100k": deep(100_000, "[", "]"),
        "objects_100k": ('{"a":' * 100_000 + "1" + "}" * 100_000).encode(),
        "messages_arrays_100k": b'{"model":"m","messages":' + deep(100_000, "[", "]") + b"}",
        "content_objects_50k": (b'{"model":"m","messages":[{"role":"user","content":'
                                + ('{"text":' * 50_000 + '"x"' + "}" * 50_000).encode() + b"}]}"),
        "unclosed_1m": b"[" * 1_000_000,
    }
    with watched(target, "deep_json", figures) as record:
        for name, body in bodies.items():
            r = requests.post(target.url("/v1/chat/completions"), data=body,
                              headers={"Content-Type": "application/json"}, timeout=scaled(20))
            record[name] = r.status_code
            assert r.status_code in (400, 413), f"{name}: {r.status_code} {r.text[:200]}"
            assert "error" in r.json()


def test_invalid_utf8(target, figures):
    cases = {
        "lone_continuation": b"\x80",
        "ff": b"\xff\xfe",
        "overlong_slash": b"\xc0\xaf",
        "surrogate_bytes": b"\xed\xa0\x80",
        "truncated_euro": b"\xe2\x82",
        "above_10ffff": b"\xf4\x90\x80\x80",
    }
    with watched(target, "invalid_utf8", figures) as record:
        for name, raw in cases.items():
            body = b'{"model":"m","max_tokens":2,"messages":[{"role":"user","content":"a' + raw + b'b"}]}'
            r = requests.post(target.url("/v1/chat/completions"), data=body,
                              headers={"Content-Type": "application/json"}, timeout=scaled(20))
            record[name] = r.status_code
            assert r.status_code == 400, f"{name}: {r.status_code} {r.text[:200]}"
            body = b'{"prompt":"a' + raw + b'b"}'
            r = requests.post(target.url("/tokenize"), data=body,
                              headers={"Content-Type": "application/json"}, timeout=scaled(20))
            assert r.status_code == 400, f"/tokenize {name}: {r.status_code}"
        escaped = b'{"model":"m","max_tokens":2,"messages":[{"role":"user","content":"\\ud800x"}]}'
        r = requests.post(target.url("/v1/chat/completions"), data=escaped,
                          headers={"Content-Type": "application/json"}, timeout=scaled(20))
        record["escaped_lone_surrogate"] = r.status_code
        assert r.status_code == 400
        got = raw_exchange(target.port, b"GET /v1/mod\xffels HTTP/1.1\r\nHost: \xfe\r\n\r\n")
        record["bad_bytes_in_path_and_header"] = status_of(got)
        assert status_of(got) in (0, 400, 404), got[:200]


def test_abrupt_disconnects(target, figures):
    stream = {"model": target.model_name, "stream": True, "max_tokens": 500, "temperature": 0,
              "messages": [{"role": "user", "content": "Tell a long story."}]}
    prefill = dict(stream, messages=[{"role": "user", "content": "lorem ipsum " * 400}])
    with watched(target, "abrupt_disconnects", figures) as record:
        for i in range(20):
            open_stream_and_leave(target.port, prefill, read_first_chunk=False)
            open_stream_and_leave(target.port, stream, read_first_chunk=True)
            if i % 5 == 4:
                probe(target)
        record["mid_prefill"] = 20
        record["mid_stream"] = 20
        if KIND == "yak":
            t0 = time.monotonic()
            target.wait_metric("yak:num_requests_running", lambda v: v == 0, timeout=20)
            record["all_freed_within_s"] = round(time.monotonic() - t0, 2)


def test_garbage_bytes(target, figures):
    rng = random.Random(7)
    cases = {f"random_{i}": bytes(rng.getrandbits(8) for _ in range(65536)) for i in range(4)}
    cases.update({
        "nul_bytes": b"\x00" * 4096,
        "http_9_9": b"GET /health HTTP/9.9\r\n\r\n",
        "no_version": b"GET /health\r\n\r\n",
        "bad_method": b"\x01\x02 /health HTTP/1.1\r\n\r\n",
        "header_1mib": b"GET /health HTTP/1.1\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n",
        "headers_10k": b"GET /health HTTP/1.1\r\n" + b"X-A: b\r\n" * 10_000 + b"\r\n",
        "cl_and_te": (b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\nzzzz\r\n"),
        "negative_length": b"POST /v1/completions HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
        "bad_chunk_size": (b"POST /v1/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                           b"zz\r\nabc\r\n0\r\n\r\n"),
        "tls_hello": bytes.fromhex("160301007a0100007603035f") + os.urandom(100),
    })
    with watched(target, "garbage_bytes", figures) as record:
        statuses = {}
        for name, data in cases.items():
            got = raw_exchange(target.port, data, timeout=5)
            code = status_of(got)
            statuses[name] = code
            # An answer, if any, is a client error; no answer means the server hung up.
            assert code == 0 or 400 <= code < 500, f"{name}: {got[:200]!r}"
            if code:
                assert b"error" in body_of(got) or code in (400, 431), f"{name}: {got[:300]!r}"
        record.update(statuses)
        probes_during(target, 1, record)
