"""Fixtures of the chat page's browser suite (run by tests/e2e/web_test.sh).

A real `yak serve` with the default model serves the page; Playwright drives Debian's
chromium, headless, through executable_path (Playwright's own browser download is neither
wanted nor possible offline). Every test gets a fresh browser context, so its IndexedDB starts
empty, and fails if the page asked any host but the server for anything.

Environment:
  YAK_BIN, YAK_MODEL      as for the serve suite (tests/e2e/serve/conftest.py)
  YAK_CHROMIUM            the browser (default /usr/bin/chromium)
  YAK_WEB_SCREENSHOTS     where the layout screenshots go (web_test.sh sets it)
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "serve"))
from serve_helpers import (Server, ServerConfig, finish, model_from_env,  # noqa: E402
                           yak_binary_from_env)

from web_helpers import ChatPage, RequestLog  # noqa: E402

SRC = Path(__file__).resolve().parents[3]
FIGURES: dict[str, dict] = {}

# A small context, so that an attachment of a few pages is already too long for it.
WEB = ServerConfig(parallel=2, ctx=2048)


def pytest_terminal_summary(terminalreporter):
    if not FIGURES:
        return
    terminalreporter.section("figures")
    for name, values in FIGURES.items():
        terminalreporter.write_line(f"{name}: {json.dumps(values, sort_keys=True)}")


@pytest.fixture(scope="session")
def figures():
    def record(name: str, **values):
        FIGURES.setdefault(name, {}).update(values)

    return record


@pytest.fixture(scope="session")
def yak_bin() -> str:
    return yak_binary_from_env()


@pytest.fixture(scope="session")
def model_path() -> str:
    return model_from_env()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    path = Path(os.environ.get("YAK_WEB_SCREENSHOTS", SRC / "build/web-screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def server(yak_bin, model_path):
    s = Server(yak_bin, model_path, WEB).start()
    yield s
    finish(s)


@pytest.fixture
def make_server(yak_bin, model_path):
    """Servers with other flags for one test; each is stopped and checked after it."""
    started: list[Server] = []

    def make(config: ServerConfig) -> Server:
        s = Server(yak_bin, model_path, config)
        started.append(s)
        return s.start()

    yield make
    for s in started:
        finish(s)


@pytest.fixture(scope="session")
def browser():
    executable = os.environ.get("YAK_CHROMIUM", "/usr/bin/chromium")
    if not os.access(executable, os.X_OK):
        pytest.fail(f"no browser at {executable}: scripts/setup.sh installs Debian's chromium",
                    pytrace=False)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, headless=True,
                              args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture
def open_page(browser):
    """open_page(server, **context options) -> ChatPage, loaded and ready. After the test,
    fails on any request to another host, any page error and any CSP-blocked fetch."""
    opened: list[tuple[ChatPage, RequestLog]] = []

    def open_(server: Server, wait_ready: bool = True, **options) -> ChatPage:
        options.setdefault("viewport", {"width": 1280, "height": 800})
        context = browser.new_context(**options)
        context.set_default_timeout(20_000)
        log = RequestLog(server.base_url)
        context.on("request", log.on_request)
        page = ChatPage(context.new_page(), server, log)
        opened.append((page, log))
        page.load(wait_ready=wait_ready)
        return page

    yield open_
    problems = []
    for page, log in opened:
        problems += log.problems()
        problems += page.problems()
        page.page.context.close()
    assert not problems, "\n".join(problems)
