"""A conversation in the chat page: streamed answers, Stop, Regenerate, Edit, reload, Chinese
text and input-method composition."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from serve_helpers import scaled

STREAM_PROBE = """
() => {
  window.__renders = [];
  const messages = document.getElementById('messages');
  const stop = document.getElementById('stop-button');
  new MutationObserver(() => {
    const answers = messages.querySelectorAll('article.assistant .content');
    const last = answers[answers.length - 1];
    if (last && !stop.hidden) window.__renders.push(last.textContent.length);
  }).observe(messages, {subtree: true, childList: true, characterData: true});
}
"""


def test_answer_streams_in_as_it_is_generated(server, open_page, figures):
    chat = open_page(server)
    model_id = server.get("/v1/models").json()["data"][0]["id"]
    expect(chat.page.locator("#model-name")).to_have_text(model_id)
    chat.settings(max_tokens=96, temperature=0)
    chat.page.evaluate(STREAM_PROBE)
    answer = chat.ask("Tell me about the sun in three sentences.")
    assert answer.strip(), "the answer is empty"
    partial = sorted(set(n for n in chat.page.evaluate("window.__renders") if n > 0))
    assert len(partial) >= 3, f"the answer appeared in {len(partial)} steps, not as a stream"
    assert partial[0] < len(answer.strip()), "the first render already held the whole answer"
    stats = chat.page.inner_text("article.message.assistant .stats")
    assert model_id in stats and "first token" in stats and "tokens/s" in stats, stats
    figures("web_stream", renders=len(partial), stats=stats)


def test_stop_ends_the_generation_on_the_server(server, open_page):
    chat = open_page(server)
    chat.settings(max_tokens=1500, temperature=0.9)
    chat.send("Write a very long story about a yak who travels around the world.")
    expect(chat.page.locator("article.message.assistant .content")).not_to_have_text(
        "", timeout=20_000)
    expect(chat.page.locator("article.message.assistant .content .typing")).to_have_count(0)
    chat.page.click("#stop-button")
    chat.wait_idle(10)
    expect(chat.page.locator("article.message.assistant .stopped-tag")).to_be_visible()
    deadline = time.monotonic() + scaled(10)
    while "finish=cancelled" not in server.log_text():
        assert time.monotonic() < deadline, "the server logged no cancelled request:\n" + \
            server.log_tail()
        time.sleep(0.05)
    line = [l for l in server.log_text().splitlines() if "finish=cancelled" in l][-1]
    generated = int(line.split("generated=")[1].split()[0])
    assert generated < 1500, f"the server generated all {generated} tokens despite Stop"
    # The partial answer is kept, and the next message goes through.
    kept = chat.answers()[-1]
    assert kept.strip()
    chat.settings(max_tokens=16)
    assert chat.ask("Thanks.").strip()


def test_regenerate_replaces_the_last_answer(server, open_page):
    chat = open_page(server)
    chat.settings(max_tokens=32, temperature=0.8)
    chat.ask("Name a colour.")
    chat.page.click("article.message.assistant button[data-action=regenerate]")
    chat.wait_generating()
    chat.wait_idle()
    bodies = chat.log.chat_bodies()
    assert len(bodies) == 2
    assert bodies[1]["messages"] == bodies[0]["messages"], "regenerate changed the question"
    assert [m["role"] for m in bodies[1]["messages"]] == ["user"]
    expect(chat.articles()).to_have_count(2)
    assert chat.answers()[-1].strip()


def test_edit_an_earlier_message_and_continue_from_there(server, open_page):
    chat = open_page(server)
    chat.settings(max_tokens=24, temperature=0)
    chat.ask("What is 2 + 2?")
    chat.ask("And 3 + 3?")
    expect(chat.articles()).to_have_count(4)
    first = chat.page.locator("article.message.user").first
    first.locator("button[data-action=edit]").click()
    editor = chat.page.locator("article.message.user textarea.edit-area")
    expect(editor).to_have_value("What is 2 + 2?")
    editor.fill("What is 5 + 5?")
    chat.page.click("text=Save and send")
    chat.wait_generating()
    chat.wait_idle()
    expect(chat.articles()).to_have_count(2)
    assert chat.user_messages() == ["What is 5 + 5?"]
    last = chat.log.chat_bodies()[-1]["messages"]
    assert last == [{"role": "user", "content": "What is 5 + 5?"}], last


def test_conversation_survives_a_reload(server, open_page):
    chat = open_page(server)
    chat.settings(max_tokens=24, temperature=0)
    chat.ask("Remember the word pineapple.")
    answer = chat.answers()[-1]
    chat.reload()
    # The URL names the conversation, so it is open again, and the list has it.
    assert chat.user_messages() == ["Remember the word pineapple."]
    assert chat.answers() == [answer]
    chat.expect_titles(["Remember the word pineapple."])
    chat.page.click("#new-chat")
    expect(chat.articles()).to_have_count(0)
    chat.page.goto(server.base_url + "/")
    chat.wait_ready()
    chat.page.click("#conversation-list .conversation-open")
    expect(chat.page.locator("article.message.user .content")).to_have_text(
        ["Remember the word pineapple."])
    assert chat.answers() == [answer]


def test_a_chinese_conversation(server, open_page):
    chat = open_page(server)
    chat.settings(max_tokens=48, temperature=0)
    question = "你好！请用中文介绍一下你自己。"
    chat.type_message(question)
    counted = server.post("/tokenize", {"messages": [{"role": "user", "content": question}]})
    expected = counted.json()["count"]
    expect(chat.page.locator("#token-count")).to_have_text(f"{expected:,} / 2,048 tokens")
    chat.page.keyboard.press("Enter")
    chat.wait_generating()
    chat.wait_idle()
    assert chat.log.chat_bodies()[-1]["messages"] == [{"role": "user", "content": question}]
    assert chat.user_messages() == [question]
    assert chat.answers()[-1].strip()
    chat.expect_titles([question])
    assert chat.log.bodies("/tokenize")[-1]["messages"][-1]["content"] == question


def test_enter_while_an_input_method_composes_does_not_send(server, open_page):
    chat = open_page(server)
    chat.page.click("#prompt")
    cdp = chat.page.context.new_cdp_session(chat.page)
    # Pinyin being typed: the IME shows "nihao" underlined; Enter picks it, never sends.
    cdp.send("Input.imeSetComposition", {"text": "nihao", "selectionStart": 5,
                                         "selectionEnd": 5})
    chat.page.keyboard.press("Enter")
    composing = chat.page.evaluate("""() => {
      const area = document.getElementById('prompt');
      // Safari's order: compositionend first, then a keydown of keyCode 229.
      const late = new KeyboardEvent('keydown', {key: 'Enter', keyCode: 229, bubbles: true,
                                                 cancelable: true});
      area.dispatchEvent(late);
      const during = new KeyboardEvent('keydown', {key: 'Enter', isComposing: true,
                                                   bubbles: true, cancelable: true});
      area.dispatchEvent(during);
      return [late.defaultPrevented, during.defaultPrevented];
    }""")
    assert composing == [False, False], "the page took an IME's Enter as its own"
    cdp.send("Input.insertText", {"text": "你好"})  # the candidate chosen: composition ends
    chat.page.wait_for_timeout(300)
    assert chat.log.chat_bodies() == [], "Enter during composition sent the message"
    assert "你好" in chat.page.input_value("#prompt")
    chat.settings(max_tokens=16, temperature=0)
    chat.page.click("#prompt")
    chat.page.keyboard.press("End")
    chat.page.keyboard.press("Shift+Enter")
    chat.page.keyboard.insert_text("second line")
    chat.page.keyboard.press("Enter")
    chat.wait_generating()
    chat.wait_idle()
    sent = chat.log.chat_bodies()[-1]["messages"][-1]["content"]
    assert "你好" in sent and sent.endswith("\nsecond line"), repr(sent)
