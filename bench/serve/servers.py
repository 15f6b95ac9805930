"""Server processes for bench/compare-serve: start on a free loopback port, wait for /health,
read memory and CPU figures from /proc, and always stop (the process group, then SIGKILL).

Each server runs in its own session (process group), and with PR_SET_PDEATHSIG, so that it
dies with the benchmark even when the benchmark itself is killed with SIGKILL.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

PR_SET_PDEATHSIG = 1


class Failure(Exception):
    """A problem the user can fix; printed without a traceback."""


def free_ports(count: int) -> list[int]:
    """Distinct ports the kernel calls free on 127.0.0.1 (held open together, then closed)."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _die_with_parent() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def yak_command(yak: Path, model: Path, port: int, slots: int, ctx: int, threads: int,
                kv_tokens: int | None, batch_tokens: int | None, extra: list[str]) -> list[str]:
    cmd = [str(yak), "serve", "-m", str(model), "--host", "127.0.0.1", "--port", str(port),
           "--parallel", str(slots), "-c", str(ctx), "-t", str(threads)]
    if kv_tokens:
        cmd += ["--kv-tokens", str(kv_tokens)]
    if batch_tokens:
        cmd += ["--batch-tokens", str(batch_tokens)]
    return cmd + extra


def llama_server_command(exe: Path, model: Path, port: int, slots: int, ctx: int,
                         threads: int, batch_tokens: int | None, extra: list[str]) -> list[str]:
    # llama-server's -c is the whole KV cache, split evenly over its -np slots.
    cmd = [str(exe), "-m", str(model), "--host", "127.0.0.1", "--port", str(port),
           "-np", str(slots), "-c", str(slots * ctx), "-t", str(threads), "-tb", str(threads),
           "--cont-batching"]
    if batch_tokens:
        cmd += ["-b", str(batch_tokens), "-ub", str(batch_tokens)]
    return cmd + extra


@dataclass
class Server:
    name: str
    cmd: list[str]
    port: int
    log_path: Path
    proc: subprocess.Popen | None = None
    _log: object = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._log = open(self.log_path, "wb")
        try:
            self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=self._log,
                                         stderr=subprocess.STDOUT, start_new_session=True,
                                         preexec_fn=_die_with_parent)
        except OSError as e:
            raise Failure(f"cannot run {self.cmd[0]}: {e.strerror}") from e

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.strip().splitlines()[-lines:])

    def wait_healthy(self, timeout_s: float) -> float:
        """Seconds until GET /health answered 200; fails if the process exits first."""
        start = time.monotonic()
        while True:
            if self.proc is None or self.proc.poll() is not None:
                code = None if self.proc is None else self.proc.returncode
                raise Failure(f"{self.name} exited with {code} before it was healthy:\n"
                              f"{self.log_tail()}\ncommand: {' '.join(self.cmd)}")
            try:
                with urllib.request.urlopen(self.base_url + "/health", timeout=2) as r:
                    if r.status == 200:
                        return time.monotonic() - start
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass  # not listening yet, or 503 while loading
            if time.monotonic() - start > timeout_s:
                raise Failure(f"{self.name} was not healthy after {timeout_s:.0f} s:\n"
                              f"{self.log_tail()}")
            time.sleep(0.2)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _status_kib(self, key: str) -> int | None:
        if not self.alive():
            return None
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        except (OSError, ValueError):
            return None
        return None

    def peak_rss_mib(self) -> float | None:
        kib = self._status_kib("VmHWM")
        return None if kib is None else kib / 1024

    def rss_mib(self) -> float | None:
        kib = self._status_kib("VmRSS")
        return None if kib is None else kib / 1024

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the server process so far."""
        if not self.alive():
            return None
        try:
            stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        except OSError:
            return None
        fields = stat[stat.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self, grace_s: float = 10.0) -> None:
        if self.proc is not None and self.proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 5.0)):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if self._log is not None:
            self._log.close()
            self._log = None
