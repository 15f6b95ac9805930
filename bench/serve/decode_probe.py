"""The 1-client decode probe of bench/compare-serve: what serving costs one stream.

`yak bench -p 128 -n 64` decodes 64 tokens after a 128-token prompt. The probe asks a server
for the same work: a streamed /v1/completions request whose prompt is 128 token ids, greedy,
max_tokens 64 and `ignore_eos`, and times it as the load generator does: (completion tokens
- 1) / (end of stream - first content chunk).

It reads the stream with a plain socket and a byte search, not with the openai client: on a
2-core machine the openai client's per-chunk parsing takes about a tenth of a core, which
is taken from the server's compute threads and would be charged to the server. The synthetic
set's 1-client decode (openai client, prompts of 16 to 1024 tokens, so decode at other
context lengths) is still reported beside it.

Each prompt is new (seeded token ids), so no request finds its prompt cached.
"""

from __future__ import annotations

import json
import random
import re
import socket
import time
import urllib.parse

PROMPT_TOKENS = 128
GENERATED_TOKENS = 64
_TEXT = re.compile(rb'"text":\s*"[^"]')  # a chunk with some text


def prompt_ids(seed: int, index: int, vocab_low: int = 1000, vocab_high: int = 20000) -> list[int]:
    """A 128-token prompt of ordinary (not special) token ids, different for every index."""
    rng = random.Random(seed * 1_000_003 + index)
    return [rng.randrange(vocab_low, vocab_high) for _ in range(PROMPT_TOKENS)]


def _completion_tokens(body: bytes) -> int:
    key = b'"completion_tokens":'
    at = body.rfind(key)
    if at < 0:
        raise RuntimeError("the stream carried no usage object")
    digits = body[at + len(key):at + len(key) + 16].lstrip()
    end = 0
    while end < len(digits) and digits[end:end + 1].isdigit():
        end += 1
    return int(digits[:end])


def decode_rate(base_url: str, model: str, ids: list[int], timeout_s: float) -> float:
    """Decode tokens/s of one streamed completion of `ids`, as the client sees it."""
    url = urllib.parse.urlsplit(base_url)
    body = json.dumps({"model": model, "prompt": ids, "max_tokens": GENERATED_TOKENS,
                       "temperature": 0, "stream": True, "ignore_eos": True,
                       "stream_options": {"include_usage": True}}).encode()
    head = (f"POST /v1/completions HTTP/1.1\r\nHost: {url.hostname}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"Connection: close\r\n\r\n").encode()
    deadline = time.monotonic() + timeout_s
    with socket.create_connection((url.hostname, url.port), timeout=timeout_s) as sock:
        sock.sendall(head + body)
        first = None
        received = bytearray()
        while True:
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            data = sock.recv(1 << 16)
            if not data:
                break
            if first is None and _TEXT.search(data):
                first = time.perf_counter()
            received += data
        end = time.perf_counter()
    status = bytes(received[:received.find(b"\r\n")])
    if b" 200 " not in status + b" ":
        raise RuntimeError(f"the probe request got {status.decode(errors='replace')!r}")
    if first is None:
        raise RuntimeError("the probe stream carried no text")
    tokens = _completion_tokens(bytes(received))
    if tokens < 2 or end <= first:
        raise RuntimeError(f"the probe stream carried {tokens} completion tokens")
    return (tokens - 1) / (end - first)
