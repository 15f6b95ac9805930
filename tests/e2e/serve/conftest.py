"""Fixtures of the `yak serve` end-to-end suite (run by tests/e2e/serve_test.sh).

Environment:
  YAK_BIN              the yak binary (required; build-asan/bin/yak for the sanitizer run)
  YAK_MODEL            the model (default: models/SmolLM2-135M-Instruct.Q4_1.gguf)
  YAK_E2E_SERVER_KIND  yak (default) or llama: drive llama.cpp's llama-server at YAK_BIN with
                       the same tests, to check the tests themselves; yak-only tests skip
  YAK_E2E_TIME_SCALE   multiplies every timeout (the sanitizer run sets 4)
  YAK_E2E_FIGURES      a file to write the measured figures to (JSON)
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import openai  # noqa: F401  (a missing client must fail the run here, not skip)
import pytest

from serve_helpers import (KIND, Server, ServerConfig, client_for, finish, model_from_env,
                           yak_binary_from_env)

FIGURES: dict[str, dict] = {}

# The shared server: most tests run on it. 8 sequences at once, so 16 concurrent streams
# also exercise the queue.
SHARED = ServerConfig(parallel=8, ctx=1024)


def pytest_configure(config):
    config.addinivalue_line("markers", "yak_only: needs a feature llama-server does not have")


def pytest_collection_modifyitems(config, items):
    if KIND == "yak":
        return
    skip = pytest.mark.skip(reason="yak-only feature, running against llama-server")
    for item in items:
        if "yak_only" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    if not FIGURES:
        return
    terminalreporter.section("figures")
    for name, values in FIGURES.items():
        terminalreporter.write_line(f"{name}: {json.dumps(values, sort_keys=True)}")
    out = os.environ.get("YAK_E2E_FIGURES")
    if out:
        Path(out).write_text(json.dumps(FIGURES, indent=2, sort_keys=True) + "\n")


@pytest.fixture(scope="session")
def yak_bin() -> str:
    return yak_binary_from_env()


@pytest.fixture(scope="session")
def model_path() -> str:
    return model_from_env()


@pytest.fixture(scope="session")
def server(yak_bin, model_path):
    s = Server(yak_bin, model_path, SHARED, KIND).start()
    yield s
    finish(s)


@pytest.fixture
def make_server(yak_bin, model_path):
    """Starts servers with other flags for one test; each is stopped and checked after it."""
    started: list[Server] = []

    def make(config: ServerConfig) -> Server:
        s = Server(yak_bin, model_path, config, KIND)
        started.append(s)
        return s.start()

    yield make
    errors = []
    for s in started:
        try:
            finish(s)
        except AssertionError as e:
            errors.append(str(e))
    assert not errors, "\n".join(errors)


@pytest.fixture(scope="session")
def client(server) -> openai.OpenAI:
    return client_for(server)


@pytest.fixture(scope="session")
def model_name(server) -> str:
    r = server.get("/v1/models")
    r.raise_for_status()
    return r.json()["data"][0]["id"]


@pytest.fixture(scope="session")
def figures():
    """figures(name, **values): records what a test measured, printed at the end."""

    def record(name: str, **values):
        FIGURES.setdefault(name, {}).update(values)

    return record
