"""What goes into a request: attachments counted against the context, and the per-conversation
settings (system prompt, sampling, max tokens, JSON mode)."""

from __future__ import annotations

import json

from playwright.sync_api import expect


def test_an_attachment_goes_with_the_message(server, open_page, tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("# Shopping\n\n- apples\n- 牛奶 (milk)\n", encoding="utf-8")
    chat = open_page(server)
    chat.settings(max_tokens=24, temperature=0)
    chat.page.set_input_files("#attach-file", str(notes))
    expect(chat.page.locator("#attachments .attachment-chip")).to_contain_text("notes.md")
    chat.type_message("What is on the list?")
    expect(chat.page.locator("#token-count")).to_contain_text("/ 2,048 tokens")
    chat.page.keyboard.press("Enter")
    chat.wait_generating()
    chat.wait_idle()
    sent = chat.log.chat_bodies()[-1]["messages"][-1]["content"]
    assert 'Attached file "notes.md"' in sent and "牛奶 (milk)" in sent
    assert sent.endswith("What is on the list?")
    expect(chat.page.locator("article.message.user .attachment-chip")).to_contain_text("notes.md")
    expect(chat.page.locator("#attachments .attachment-chip")).to_have_count(0)


def test_an_attachment_too_long_for_the_context_is_refused_before_sending(
        server, open_page, tmp_path):
    book = tmp_path / "book.txt"
    book.write_text("\n".join(f"Line {i}: the quick brown fox jumps over the lazy dog."
                              for i in range(800)), encoding="utf-8")
    chat = open_page(server)
    chat.page.set_input_files("#attach-file", str(book))
    chat.type_message("Summarise this book.")
    expect(chat.page.locator("#token-count.over")).to_be_visible()
    chat.page.keyboard.press("Enter")
    notice = chat.notice()
    assert "does not fit" in notice and "2,048" in notice, notice
    assert chat.log.chat_bodies() == [], "the page sent a request that cannot fit"
    # Nothing typed is lost: the draft and its attachment wait for the user.
    assert chat.page.input_value("#prompt") == "Summarise this book."
    expect(chat.page.locator("#attachments .attachment-chip")).to_contain_text("book.txt")
    chat.page.click("#attachments .attachment-chip button")
    expect(chat.page.locator("#token-count.over")).to_have_count(0)


def test_a_pasted_long_text_becomes_an_attachment(server, open_page):
    chat = open_page(server, permissions=["clipboard-read", "clipboard-write"])
    text = "word " * 2000
    chat.page.evaluate("(t) => navigator.clipboard.writeText(t)", text)
    chat.page.click("#prompt")
    chat.page.keyboard.press("Control+V")
    expect(chat.page.locator("#attachments .attachment-chip")).to_contain_text("pasted text 1.txt")
    assert chat.page.input_value("#prompt") == ""


def test_files_that_are_not_text_are_refused(server, open_page, tmp_path):
    blob = tmp_path / "weights.txt"
    blob.write_bytes(b"\x00\x01\xffGGUF\xfe\x00")
    chat = open_page(server)
    chat.page.set_input_files("#attach-file", str(blob))
    assert "weights.txt is not UTF-8 text" in chat.notice()
    expect(chat.page.locator("#attachments .attachment-chip")).to_have_count(0)


def test_settings_reach_the_server(server, open_page):
    chat = open_page(server)
    chat.settings(system="You answer in one short sentence.", temperature=0.3, top_p=0.8,
                  max_tokens=20)
    chat.ask("Why is the sky blue?")
    body = chat.log.chat_bodies()[-1]
    assert body["messages"][0] == {"role": "system",
                                   "content": "You answer in one short sentence."}
    assert body["temperature"] == 0.3 and body["top_p"] == 0.8 and body["max_tokens"] == 20
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert "response_format" not in body
    # Settings belong to the conversation: a new chat starts from the defaults.
    chat.page.click("#new-chat")
    chat.page.click("#settings-button")
    expect(chat.page.locator("#system-prompt")).to_have_value("")
    expect(chat.page.locator("#temperature")).to_have_value("0.7")


def test_json_mode_answers_are_json(server, open_page):
    chat = open_page(server, permissions=["clipboard-read", "clipboard-write"])
    chat.settings(json_mode=True, max_tokens=200, temperature=0)
    chat.ask("Give the name and age of a person as JSON.")
    body = chat.log.chat_bodies()[-1]
    assert body["response_format"] == {"type": "json_object"}
    expect(chat.page.locator("article.message.assistant .truncated-tag")).to_have_count(0)
    # The Copy button gives the answer's own text, not its rendering.
    chat.page.click("article.message.assistant button[data-action=copy]")
    expect(chat.page.locator("article.message.assistant button[data-action=copy]")).to_have_text(
        "Copied")
    answer = chat.page.evaluate("navigator.clipboard.readText()")
    assert isinstance(json.loads(answer), dict), answer
