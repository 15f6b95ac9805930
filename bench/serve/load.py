"""The load generator of bench/compare-serve: `concurrency` clients on one openai.AsyncOpenAI
client, each taking the next piece of work from a shared list until it is empty.

Every request is a streamed chat completion (stream_options.include_usage) with greedy
sampling, a fixed seed, a fixed max_tokens and, unless told otherwise, llama.cpp's
`ignore_eos` extension, so that every reply is max_tokens long on a server that honours it.
Times come from time.perf_counter() on arrival of each streamed chunk:

  TTFT  request sent -> first chunk with non-empty delta.content
  ITL   gaps between successive chunks with content (a chunk may carry several tokens)
  E2E   request sent -> end of the stream

Completion tokens are the server's usage count when it sends one, else the content chunks.
Any exception (HTTP status, error object in the stream, timeout, broken connection) makes the
request an error, except a kept-alive connection closed before any response, which is resent
once and counted as a retry (see one_request); a multi-turn conversation stops at its first
error.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from prompt_sets import Conversation


@dataclass
class RequestResult:
    ok: bool
    error: str | None = None
    start: float = 0.0  # perf_counter at send
    ttft: float | None = None  # seconds
    e2e: float | None = None
    itl: list[float] = field(default_factory=list)
    content_chunks: int = 0
    completion_tokens: int = 0
    prompt_tokens: int | None = None
    cached_tokens: int | None = None
    finish_reason: str | None = None
    text: str = ""
    turn: int = 0  # multi-turn: 0-based turn of its conversation
    retries: int = 0  # resent after the server closed the connection unanswered

    def decode_tps(self) -> float | None:
        """Tokens/s after the first one: the generation speed this request saw."""
        if self.ttft is None or self.e2e is None or self.completion_tokens < 2:
            return None
        span = self.e2e - self.ttft
        return (self.completion_tokens - 1) / span if span > 0 else None


@dataclass
class RequestSettings:
    model: str
    max_tokens: int
    seed: int
    ignore_eos: bool
    timeout_s: float


@dataclass
class LevelRun:
    server: str
    prompt_set: str
    level: int
    repeat: int
    wall_s: float
    results: list[RequestResult]
    cpu_s: dict[str, float | None] = field(default_factory=dict)  # per server, during the run
    peak_rss_mib: float | None = None  # the server's VmHWM right after the run
    load_avg: float | None = None  # the machine's 1-minute load average right after the run


async def _stream_once(client, messages: list[dict], s: RequestSettings) -> RequestResult:
    body = {"ignore_eos": True} if s.ignore_eos else {}
    r = RequestResult(ok=False, start=time.perf_counter())
    stream = await client.chat.completions.create(
        model=s.model, messages=messages, max_tokens=s.max_tokens, temperature=0.0,
        seed=s.seed, stream=True, stream_options={"include_usage": True}, extra_body=body)
    last = None
    parts: list[str] = []
    usage = None
    async for chunk in stream:
        now = time.perf_counter()
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices or []:
            if choice.finish_reason:
                r.finish_reason = choice.finish_reason
            content = choice.delta.content if choice.delta is not None else None
            if not content:
                continue
            parts.append(content)
            r.content_chunks += 1
            if last is None:
                r.ttft = now - r.start
            else:
                r.itl.append(now - last)
            last = now
    r.e2e = time.perf_counter() - r.start
    r.text = "".join(parts)
    r.completion_tokens = r.content_chunks
    if usage is not None:
        r.completion_tokens = usage.completion_tokens or r.content_chunks
        r.prompt_tokens = usage.prompt_tokens
        details = getattr(usage, "prompt_tokens_details", None)
        if details is not None and getattr(details, "cached_tokens", None) is not None:
            r.cached_tokens = details.cached_tokens
    r.ok = True
    return r


async def one_request(client, messages: list[dict], s: RequestSettings) -> RequestResult:
    """One request, retried once (and counted in `retries`) only when the server closed a
    kept-alive connection without sending any response: the request never reached it, and
    the openai client's own default retries would resend it just the same. llama-server's
    HTTP library does this now and then right after a streamed reply. Times count from the
    first attempt."""
    start = time.perf_counter()
    retries = 0
    while True:
        try:
            r = await asyncio.wait_for(_stream_once(client, messages, s),
                                       s.timeout_s - (time.perf_counter() - start))
        except asyncio.TimeoutError:
            return RequestResult(ok=False, error=f"timeout after {s.timeout_s:.0f} s",
                                 start=start, retries=retries)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # noqa: BLE001  every failure counts as an error of the request
            if retries == 0 and unanswered(e):
                retries += 1
                continue
            return RequestResult(ok=False, error=describe(e), start=start, retries=retries)
        if retries:
            shift = r.start - start
            r.start, r.retries = start, retries
            r.ttft = None if r.ttft is None else r.ttft + shift
            r.e2e += shift
        return r


def unanswered(e: BaseException) -> bool:
    """True when the connection closed before any byte of a response arrived."""
    while e is not None:
        if type(e).__name__ == "RemoteProtocolError" and "without sending a response" in str(e):
            return True
        e = e.__cause__ or e.__context__
    return False


def describe(e: BaseException) -> str:
    """The exception and its causes on one line (the openai client wraps httpx's errors)."""
    parts = []
    while e is not None and len(parts) < 4:
        text = str(e).replace("\n", " ")[:200]
        parts.append(f"{type(e).__name__}: {text}" if text else type(e).__name__)
        e = e.__cause__ or e.__context__
    return " <- ".join(parts)


async def run_synthetic(client, prompts: list[list[dict]], concurrency: int,
                        s: RequestSettings) -> tuple[float, list[RequestResult]]:
    """Runs every prompt once with `concurrency` clients; returns (wall seconds, results)."""
    results: list[RequestResult | None] = [None] * len(prompts)
    next_index = 0

    async def client_loop() -> None:
        nonlocal next_index
        while next_index < len(prompts):
            i = next_index
            next_index += 1
            results[i] = await one_request(client, prompts[i], s)

    start = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(concurrency)))
    return time.perf_counter() - start, [r for r in results if r is not None]


async def run_conversations(client, conversations: list[Conversation], concurrency: int,
                            s: RequestSettings) -> tuple[float, list[RequestResult]]:
    """Each client runs whole conversations: turn k sends the system prompt, every earlier
    user turn and the server's actual replies, and the new user turn."""
    results: list[RequestResult] = []
    next_index = 0

    async def client_loop() -> None:
        nonlocal next_index
        while next_index < len(conversations):
            conv = conversations[next_index]
            next_index += 1
            messages = [{"role": "system", "content": conv.system}]
            for turn, user in enumerate(conv.user_turns):
                messages.append({"role": "user", "content": user})
                r = await one_request(client, messages, s)
                r.turn = turn
                results.append(r)
                if not r.ok:
                    break
                messages.append({"role": "assistant", "content": r.text})

    start = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(concurrency)))
    return time.perf_counter() - start, results
