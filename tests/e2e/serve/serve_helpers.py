"""Starting and stopping a real `yak serve` (or, for comparison, llama.cpp's llama-server) on
a free loopback port, and the small HTTP, metrics and /proc helpers the tests share.

Every wait here is bounded: a server that does not come up, answer or go away in time fails
the test that needed it, and is always killed.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import openai
import requests

# Sanitizer builds run several times slower; every timeout is multiplied by this.
TIME_SCALE = float(os.environ.get("YAK_E2E_TIME_SCALE", "1"))
THREADS = int(os.environ.get("YAK_E2E_THREADS", "2"))
KIND = os.environ.get("YAK_E2E_SERVER_KIND", "yak")  # or "llama": llama-server
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "ThreadSanitizer", "SUMMARY: UndefinedBehaviorSanitizer")


SRC = Path(__file__).resolve().parents[3]


def yak_binary_from_env() -> str:
    """YAK_BIN, which must be an executable; the session fails (never skips) without it."""
    import pytest  # here, so that the load generator can import this module without pytest

    path = os.environ.get("YAK_BIN")
    if not path or not os.access(path, os.X_OK):
        pytest.fail(f"YAK_BIN must name the yak binary (got {path!r})", pytrace=False)
    return path


def model_from_env() -> str:
    """YAK_MODEL, else the default model; the session fails when the file is missing."""
    import pytest

    path = os.environ.get("YAK_MODEL", str(SRC / "models/SmolLM2-135M-Instruct.Q4_1.gguf"))
    if not Path(path).is_file():
        pytest.fail(f"model missing: {path} (run scripts/setup.sh)", pytrace=False)
    return path


def scaled(seconds: float) -> float:
    return seconds * TIME_SCALE


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ServerConfig:
    """What a test asks of a server: yak serve's own flag names; translated for llama-server."""

    parallel: int = 4
    ctx: int = 1024  # per request
    kv_tokens: int | None = None
    batch_tokens: int | None = None
    api_key: str | None = None
    timeout: int | None = None
    extra: list[str] = field(default_factory=list)


class Server:
    """One server process. Use as a context manager, or start() and stop() (stop always kills)."""

    def __init__(self, binary: str, model: str, config: ServerConfig, kind: str = "yak"):
        self.binary = binary
        self.model = model
        self.config = config
        self.kind = kind
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self._log_dir = tempfile.TemporaryDirectory(prefix="yak-serve-e2e-")
        self.log_path = Path(self._log_dir.name) / "server.log"
        self.exit_code: int | None = None

    # -- life cycle -------------------------------------------------------------------------

    def argv(self) -> list[str]:
        c = self.config
        if self.kind == "yak":
            argv = [self.binary, "serve", "-m", self.model, "--host", "127.0.0.1",
                    "--port", str(self.port), "--parallel", str(c.parallel), "-c", str(c.ctx),
                    "-t", str(THREADS)]
            if c.kv_tokens is not None:
                argv += ["--kv-tokens", str(c.kv_tokens)]
            if c.batch_tokens is not None:
                argv += ["--batch-tokens", str(c.batch_tokens)]
        else:  # llama-server: -c is the whole KV cache, shared by the slots
            argv = [self.binary, "-m", self.model, "--host", "127.0.0.1",
                    "--port", str(self.port), "-np", str(c.parallel),
                    "-c", str(c.ctx * c.parallel), "-t", str(THREADS), "--metrics",
                    "--no-webui"]
            if c.batch_tokens is not None:
                argv += ["-b", str(c.batch_tokens)]
        if c.api_key is not None:
            argv += ["--api-key", c.api_key]
        if c.timeout is not None:
            argv += ["--timeout", str(c.timeout)]
        return argv + c.extra

    def start(self, timeout: float = 60.0) -> "Server":
        last_error = ""
        for _attempt in range(3):  # another process may take the free port before we bind it
            self.port = free_port()
            log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(self.argv(), stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
            log.close()
            try:
                self._wait_healthy(scaled(timeout))
                return self
            except RuntimeError as e:
                last_error = str(e)
                self.kill()
                if "address already in use" not in self.log_tail().lower():
                    break
        raise RuntimeError(f"server did not start: {last_error}\n--- log ---\n{self.log_tail()}")

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode} while starting")
            try:
                r = requests.get(self.url("/health"), timeout=2)
                if r.status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"no 200 from /health within {timeout:.0f} s")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, grace: float = 15.0) -> int | None:
        """SIGTERM, then SIGKILL after `grace` seconds; returns the exit code (None: killed)."""
        if self.proc is None:
            return self.exit_code
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=scaled(grace))
            except subprocess.TimeoutExpired:
                self.kill()
                self.exit_code = None
                self.proc = None
                return None
        self.exit_code = self.proc.returncode
        self.proc = None
        return self.exit_code

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=30)

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def cleanup(self) -> None:
        self.kill()
        self._log_dir.cleanup()

    # -- looking at it ----------------------------------------------------------------------

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def sanitizer_reports(self) -> list[str]:
        return [line for line in self.log_text().splitlines()
                if any(mark in line for mark in SANITIZER_MARKS)]

    def rss_kib(self) -> int:
        return proc_status_kib(self.pid, "VmRSS")

    def metrics(self) -> dict[str, float]:
        r = requests.get(self.url("/metrics"), headers=self.auth_headers(), timeout=scaled(10))
        r.raise_for_status()
        return parse_prometheus(r.text)

    def auth_headers(self) -> dict[str, str]:
        key = self.config.api_key
        return {"Authorization": f"Bearer {key}"} if key else {}

    def post(self, path: str, body, timeout: float = 60.0, headers=None) -> requests.Response:
        h = {"Content-Type": "application/json", **self.auth_headers(), **(headers or {})}
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return requests.post(self.url(path), data=data, headers=h, timeout=scaled(timeout))

    def get(self, path: str, timeout: float = 30.0, headers=None) -> requests.Response:
        h = {**self.auth_headers(), **(headers or {})}
        return requests.get(self.url(path), headers=h, timeout=scaled(timeout))

    def tokenize(self, text: str, add_special_tokens: bool = True) -> list[int]:
        if self.kind == "yak":
            r = self.post("/tokenize", {"prompt": text, "add_special_tokens": add_special_tokens})
        else:
            r = self.post("/tokenize", {"content": text, "add_special": add_special_tokens,
                                        "parse_special": True})
        r.raise_for_status()
        return r.json()["tokens"]

    def detokenize(self, tokens: list[int]) -> str:
        r = self.post("/detokenize", {"tokens": tokens})
        r.raise_for_status()
        body = r.json()
        return body["prompt"] if "prompt" in body else body["content"]

    def wait_metric(self, name: str, predicate, timeout: float = 15.0) -> float:
        """Polls /metrics until predicate(value of `name`) holds; returns the value."""
        deadline = time.monotonic() + scaled(timeout)
        value = None
        while time.monotonic() < deadline:
            value = self.metrics().get(name)
            if value is not None and predicate(value):
                return value
            time.sleep(0.1)
        raise AssertionError(f"{name} stayed {value} for {scaled(timeout):.0f} s")


def finish(server: Server) -> None:
    """Stops a server and fails when it did not exit 0 on SIGTERM or printed a sanitizer
    report: a server that crashed or leaked after its tests passed is still a failure."""
    code = server.stop()
    reports = server.sanitizer_reports()
    tail = server.log_tail(15)
    server.cleanup()
    assert not reports, "sanitizer reports:\n" + "\n".join(reports[:20]) + "\n" + tail
    assert code == 0, f"server exit code {code} after SIGTERM (None: had to be killed)\n{tail}"


def client_for(server: Server, **kw) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url("/v1"), api_key=server.config.api_key or "none",
                         max_retries=0, timeout=scaled(kw.pop("timeout", 120)), **kw)


def async_client_for(server: Server, **kw) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=server.url("/v1"),
                              api_key=server.config.api_key or "none", max_retries=0,
                              timeout=scaled(kw.pop("timeout", 120)), **kw)



def proc_status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)")


def parse_prometheus(text: str) -> dict[str, float]:
    """Samples of a Prometheus text exposition: 'name' and 'name{labels}' -> value. A name
    with labels is also summed under the bare name, so totals over labels read directly."""
    out: dict[str, float] = {}
    sums: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            raise ValueError(f"not a Prometheus sample line: {line!r}")
        name, labels, value = m.group(1), m.group(2), float(m.group(3))
        if labels:
            out[name + labels] = value
            sums[name] = sums.get(name, 0.0) + value
        else:
            out[name] = value
    for name, total in sums.items():
        out.setdefault(name, total)
    return out


def metric_families(text: str) -> dict[str, str]:
    """'# TYPE name kind' lines: name -> kind."""
    kinds = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[:2] == ["#", "TYPE"]:
            kinds[parts[2]] = parts[3]
    return kinds


def raw_exchange(port: int, data: bytes, timeout: float = 10.0, read_limit: int = 1 << 20) -> bytes:
    """Sends bytes on a fresh connection and returns what comes back until the server closes
    the connection, `read_limit` bytes, or `timeout` seconds pass."""
    deadline = time.monotonic() + scaled(timeout)
    got = b""
    with socket.create_connection(("127.0.0.1", port), timeout=scaled(timeout)) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        while len(got) < read_limit:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            sock.settimeout(left)
            try:
                piece = sock.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not piece:
                break
            got += piece
            if _complete_response(got):
                break
    return got


def open_stream_and_leave(port: int, body: dict, read_first_chunk: bool) -> None:
    """Starts a streamed request on a raw socket, optionally waits for its first SSE chunk,
    then closes the connection at once (RST, as a killed client does)."""
    data = json.dumps(body).encode()
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=scaled(30))
    try:
        sock.sendall(head + data)
        if read_first_chunk:
            got = b""
            deadline = time.monotonic() + scaled(30)
            while b"data: " not in got and time.monotonic() < deadline:
                piece = sock.recv(4096)
                if not piece:
                    break
                got += piece
            assert b"data: " in got, got[:300]
    finally:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()


def _complete_response(data: bytes) -> bool:
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    return m is not None and len(body) >= int(m.group(1))


def status_of(response: bytes) -> int:
    m = re.match(rb"HTTP/1\.[01] (\d{3})", response)
    return int(m.group(1)) if m else 0


def body_of(response: bytes) -> bytes:
    return response.partition(b"\r\n\r\n")[2]


def render_chat(server: Server, messages: list[dict]) -> str:
    """The prompt text the model's chat template makes of `messages`, with the generation
    prompt: from /tokenizer_info's template (as lm-evaluation-harness renders it), or
    llama-server's /apply-template."""
    if server.kind != "yak":
        r = server.post("/apply-template", {"messages": messages})
        r.raise_for_status()
        return r.json()["prompt"]
    import jinja2.sandbox

    info = server.get("/tokenizer_info").json()
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    template = env.from_string(info["chat_template"])
    return template.render(messages=messages, add_generation_prompt=True,
                           bos_token=info.get("bos_token") or "",
                           eos_token=info.get("eos_token") or "")
