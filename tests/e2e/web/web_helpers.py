"""Driving the chat page as a person would (typing, clicking, pressing keys), and watching
what it asks of the network."""

from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

# Records CSP violations where the page can see them; a blocked fetch of another host is a
# request the page tried to make, which the test must catch even though it never left.
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push({uri: e.blockedURI, directive: e.violatedDirective});
});
"""


class RequestLog:
    def __init__(self, base_url: str):
        self.origin = urlsplit(base_url).netloc
        self.requests: list[tuple[str, str, str | None]] = []
        self.foreign: list[str] = []

    def on_request(self, request) -> None:
        url = urlsplit(request.url)
        if url.scheme in ("data", "blob"):
            return
        if url.netloc != self.origin:
            self.foreign.append(f"{request.method} {request.url}")
        self.requests.append((request.method, request.url, request.post_data))

    def bodies(self, path: str) -> list[dict]:
        """The JSON bodies of every POST to `path`, in order."""
        return [json.loads(data) for method, url, data in self.requests
                if method == "POST" and urlsplit(url).path == path and data]

    def chat_bodies(self) -> list[dict]:
        return self.bodies("/v1/chat/completions")

    def problems(self) -> list[str]:
        return [f"request to another host: {r}" for r in self.foreign]


class ChatPage:
    def __init__(self, page: Page, server, log: RequestLog):
        self.page = page
        self.server = server
        self.log = log
        self.errors: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.add_init_script(CSP_WATCH)

    def load(self, wait_ready: bool = True) -> None:
        self.page.goto(self.server.base_url + "/")
        if wait_ready:
            self.wait_ready()

    def reload(self) -> None:
        self.page.reload()
        self.wait_ready()

    def wait_ready(self) -> None:
        self.page.wait_for_selector("html[data-ready=true]", state="attached")

    def problems(self) -> list[str]:
        try:
            violations = self.page.evaluate("window.__cspViolations || []")
        except Exception:  # the page is gone (a test closed it): nothing more to read
            violations = []
        blocked = [v for v in violations if v["uri"].startswith(("http:", "https:", "ws"))]
        return self.errors + [f"CSP blocked a fetch of {v['uri']} ({v['directive']})"
                              for v in blocked]

    # -- acting -----------------------------------------------------------------------------

    def settings(self, *, max_tokens=None, temperature=None, top_p=None, system=None,
                 json_mode=None) -> None:
        p = self.page
        p.click("#settings-button")
        expect(p.locator("#settings")).to_be_visible()
        for selector, value in (("#max-tokens", max_tokens), ("#temperature", temperature),
                                ("#top-p", top_p), ("#system-prompt", system)):
            if value is not None:
                p.fill(selector, str(value))
                p.press(selector, "Tab")  # the settings take effect on change, as on blur
        if json_mode is not None:
            p.set_checked("#json-mode", json_mode)
        p.click("#settings-button")
        expect(p.locator("#settings")).to_be_hidden()

    def type_message(self, text: str) -> None:
        self.page.click("#prompt")
        self.page.keyboard.insert_text(text)

    def send(self, text: str) -> None:
        self.type_message(text)
        self.page.keyboard.press("Enter")

    def wait_generating(self, timeout: float = 20) -> None:
        expect(self.page.locator("#stop-button")).to_be_visible(timeout=timeout * 1000)

    def wait_idle(self, timeout: float = 90) -> None:
        expect(self.page.locator("#send-button")).to_be_visible(timeout=timeout * 1000)
        expect(self.page.locator("#stop-button")).to_be_hidden()

    def ask(self, text: str, timeout: float = 90) -> str:
        """Sends a message and waits for the whole answer; returns its text."""
        before = len(self.log.chat_bodies())
        self.send(text)
        deadline = time.monotonic() + 20
        while len(self.log.chat_bodies()) == before:
            assert time.monotonic() < deadline, "the page sent no chat request"
            self.page.wait_for_timeout(50)
        self.wait_idle(timeout)
        return self.answers()[-1]

    # -- looking ----------------------------------------------------------------------------

    def articles(self):
        return self.page.locator("#messages article.message")

    def answers(self) -> list[str]:
        return self.page.locator("article.message.assistant .content").all_inner_texts()

    def user_messages(self) -> list[str]:
        return self.page.locator("article.message.user .content").all_inner_texts()

    def notice(self) -> str:
        expect(self.page.locator("#notice")).to_be_visible()
        return self.page.inner_text("#notice .notice-text")

    def expect_titles(self, titles: list[str]) -> None:
        """Waits until the conversation list shows exactly these titles, in this order."""
        expect(self.page.locator("#conversation-list .conversation-open")).to_have_text(titles)
