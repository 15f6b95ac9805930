"""The server's refusals as the page shows them: a missing or wrong API key, a full queue, a
server that went away. Each is a sentence on screen, never a silent failure."""

from __future__ import annotations

import threading

import requests
from playwright.sync_api import expect

from serve_helpers import ServerConfig, scaled


def test_the_page_asks_for_the_api_key_and_says_when_it_is_wrong(make_server, open_page):
    server = make_server(ServerConfig(parallel=1, ctx=2048, api_key="sesame"))
    chat = open_page(server, wait_ready=False)
    dialog = chat.page.locator("#dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("API key")
    chat.page.fill("#dialog-input", "wrong key")
    chat.page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    expect(chat.page.locator("#dialog-text")).to_contain_text("not valid")
    chat.page.fill("#dialog-input", "sesame")
    chat.page.click("#dialog-confirm")
    chat.wait_ready()
    model_id = server.get("/v1/models").json()["data"][0]["id"]
    expect(chat.page.locator("#model-name")).to_have_text(model_id)
    chat.settings(max_tokens=12, temperature=0)
    assert chat.ask("Hello!").strip()
    # The key is kept for the next visit, and sent only to this server.
    chat.reload()
    expect(dialog).to_be_hidden()
    expect(chat.page.locator("#model-name")).to_have_text(model_id)


def test_a_cancelled_key_prompt_leaves_a_readable_error(make_server, open_page):
    server = make_server(ServerConfig(parallel=1, ctx=2048, api_key="sesame"))
    chat = open_page(server, wait_ready=False)
    expect(chat.page.locator("#dialog")).to_be_visible()
    chat.page.keyboard.press("Escape")
    chat.wait_ready()
    assert "API key" in chat.notice()
    expect(chat.page.locator("#model-name")).to_have_text("not connected")


def test_a_full_queue_is_reported(make_server, open_page):
    server = make_server(ServerConfig(parallel=1, ctx=2048, extra=["--max-queue", "1"]))
    chat = open_page(server)
    chat.settings(max_tokens=8, temperature=0)
    # Two long streams: one runs, one waits, so the page's request finds the queue full.
    stop = threading.Event()

    def occupy():
        body = {"messages": [{"role": "user", "content": "Count to a thousand."}],
                "max_tokens": 1500, "stream": True, "temperature": 0.9, "ignore_eos": True}
        with requests.post(server.url("/v1/chat/completions"), json=body, stream=True,
                           timeout=scaled(60)) as r:
            for _ in r.iter_lines():
                if stop.is_set():
                    break

    workers = [threading.Thread(target=occupy, daemon=True) for _ in range(2)]
    try:
        # One at a time: two arriving together could both be waiting, and the second refused.
        workers[0].start()
        server.wait_metric("yak:num_requests_running", lambda v: v >= 1)
        workers[1].start()
        server.wait_metric("yak:num_requests_waiting", lambda v: v >= 1)
        chat.send("Hello?")
        chat.wait_idle(30)
        error = chat.page.locator("article.message.assistant .message-error").inner_text()
        assert "The server is busy" in error, error
    finally:
        stop.set()
        for w in workers:
            if w.is_alive():
                w.join(scaled(30))
    # Once the queue drains, Regenerate goes through.
    chat.page.click("article.message.assistant button[data-action=regenerate]")
    chat.wait_generating()
    chat.wait_idle()
    expect(chat.page.locator("article.message.assistant .message-error")).to_have_count(0)


def test_a_server_that_went_away_is_named(make_server, open_page):
    server = make_server(ServerConfig(parallel=1, ctx=2048))
    chat = open_page(server)
    server.stop()
    chat.send("Are you there?")
    assert "Cannot reach the Yak server" in chat.notice()
    # Nothing was lost: the question waits in the box to be sent again.
    assert chat.page.input_value("#prompt") == "Are you there?"
    expect(chat.articles()).to_have_count(0)


def test_a_loading_model_is_waited_for(server, browser):
    # The first /v1/models answers as a server still loading its model does; the page says
    # so and asks again after Retry-After, without a reload.
    context = browser.new_context()
    answered = []

    def loading_once(route):
        if answered:
            route.continue_()
            return
        answered.append(1)
        route.fulfill(status=503, headers={"retry-after": "1", "content-type": "application/json"},
                      body='{"error": {"message": "the model is still loading; try again shortly",'
                           ' "type": "unavailable_error", "param": null, "code": "loading"}}')

    context.route("**/v1/models", loading_once)
    page = context.new_page()
    try:
        page.goto(server.base_url + "/")
        expect(page.locator("#notice")).to_contain_text("the model is still loading")
        expect(page.locator("#notice")).to_contain_text("try again by itself")
        model_id = server.get("/v1/models").json()["data"][0]["id"]
        expect(page.locator("#model-name")).to_have_text(model_id, timeout=10_000)
        expect(page.locator("#notice")).to_be_hidden()
    finally:
        context.close()
