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
from dataclasses import dataclass

PROMPT_TOKENS = 128
GENERATED_TOKENS = 64
# A chunk with some text: a completion's text or a chat delta's content.
_TEXT = re.compile(rb'"(?:text|content)":\s*"[^"]')


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


@dataclass
class TimedStream:
    """One streamed reply as a plain socket client saw it."""
    first: float  # perf_counter at the first chunk with text
    end: float  # perf_counter at the end of the stream
    completion_tokens: int  # the server's usage count
    body: bytes  # the HTTP response, head and all

    def decode_rate(self) -> float:
        """Tokens/s after the first one."""
        if self.completion_tokens < 2 or self.end <= self.first:
            raise RuntimeError(f"the stream carried {self.completion_tokens} completion tokens")
        return (self.completion_tokens - 1) / (self.end - self.first)

    def events(self) -> list[dict]:
        """The stream's data objects, parsed after the timing is done."""
        text = self.body[self.body.find(b"\r\n\r\n") + 4:].decode("utf-8", "replace")
        out = []
        for line in text.splitlines():
            if line.startswith("data: ") and line != "data: [DONE]":
                out.append(json.loads(line[6:]))
        return out


def timed_stream(base_url: str, path: str, request: dict, timeout_s: float) -> TimedStream:
    """POSTs a streamed request (`stream` and usage are set here) and times the reply,
    reading it with a socket and a byte search so that the client costs next to nothing
    while the server streams. The server must answer without chunked encoding or with
    chunk sizes that do not split the search (both yak serve and llama-server do)."""
    url = urllib.parse.urlsplit(base_url)
    body = json.dumps({**request, "stream": True,
                       "stream_options": {"include_usage": True}}).encode()
    head = (f"POST {path} HTTP/1.1\r\nHost: {url.hostname}\r\n"
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
        raise RuntimeError(f"{path} got {status.decode(errors='replace')!r}: "
                           f"{bytes(received[-300:]).decode(errors='replace')}")
    if first is None:
        raise RuntimeError(f"the stream of {path} carried no text")
    return TimedStream(first, end, _completion_tokens(bytes(received)), bytes(received))


def decode_rate(base_url: str, model: str, ids: list[int], timeout_s: float) -> float:
    """Decode tokens/s of one streamed completion of `ids`, as the client sees it."""
    return timed_stream(base_url, "/v1/completions",
                        {"model": model, "prompt": ids, "max_tokens": GENERATED_TOKENS,
                         "temperature": 0, "ignore_eos": True}, timeout_s).decode_rate()
