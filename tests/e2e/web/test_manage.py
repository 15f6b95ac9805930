"""The conversation list: new chat, rename, search, delete, and a conversation's export and
import as a JSON file."""

from __future__ import annotations

import json

from playwright.sync_api import expect


def two_conversations(chat):
    chat.settings(max_tokens=12, temperature=0)
    chat.ask("Tell me about cats.")
    chat.page.click("#new-chat")
    chat.settings(max_tokens=12, temperature=0)
    chat.ask("讲一个关于熊猫的故事")
    expect(chat.page.locator("#conversation-list .conversation")).to_have_count(2)


def test_rename_search_and_delete(server, open_page):
    chat = open_page(server)
    two_conversations(chat)
    chat.expect_titles(["讲一个关于熊猫的故事", "Tell me about cats."])

    cats_id = chat.page.locator("#conversation-list .conversation",
                                has_text="cats").get_attribute("data-id")
    cats = chat.page.locator(f'#conversation-list .conversation[data-id="{cats_id}"]')
    cats.hover()  # the row's buttons show on hover and focus
    cats.locator("button[data-action=rename]").click()
    chat.page.fill("#dialog-input", "Feline facts")
    chat.page.keyboard.press("Enter")
    expect(cats.locator(".conversation-open")).to_have_text("Feline facts")

    chat.page.fill("#search", "熊猫")
    chat.expect_titles(["讲一个关于熊猫的故事"])
    chat.page.fill("#search", "feline")  # case does not matter
    chat.expect_titles(["Feline facts"])
    chat.page.fill("#search", "no such words anywhere")
    expect(chat.page.locator("#conversation-list")).to_contain_text("No conversation matches")
    chat.page.fill("#search", "")

    panda = chat.page.locator("#conversation-list .conversation", has_text="熊猫")
    panda.hover()
    panda.locator("button[data-action=delete]").click()
    expect(chat.page.locator("#dialog")).to_contain_text("cannot be undone")
    chat.page.click("#dialog-confirm")
    chat.expect_titles(["Feline facts"])
    chat.reload()  # renames and deletions are stored, not just drawn
    chat.expect_titles(["Feline facts"])


def test_cancelled_delete_keeps_the_conversation(server, open_page):
    chat = open_page(server)
    chat.settings(max_tokens=8, temperature=0)
    chat.ask("Hi there.")
    chat.page.click("#conversation-list button[data-action=delete]")
    chat.page.keyboard.press("Escape")
    chat.expect_titles(["Hi there."])


def test_export_then_import_a_conversation(server, open_page, tmp_path):
    chat = open_page(server)
    chat.settings(max_tokens=16, temperature=0, system="Be brief.")
    chat.ask("What is a yak?")
    answer = chat.answers()[-1]
    with chat.page.expect_download() as download:
        chat.page.click("#export-button")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    exported = json.loads(path.read_text(encoding="utf-8"))
    assert exported["format"] == "yak-conversation" and exported["version"] == 1
    conversation = exported["conversation"]
    assert conversation["title"] == "What is a yak?"
    assert conversation["settings"]["system"] == "Be brief."
    assert [m["role"] for m in conversation["messages"]] == ["user", "assistant"]

    # Into another browser profile, as when moving to another machine.
    other = open_page(server)
    with other.page.expect_file_chooser() as chooser:
        other.page.click("#import-button")
    chooser.value.set_files(str(path))
    expect(other.page.locator("#conversation-title")).to_have_text("What is a yak?")
    assert other.user_messages() == ["What is a yak?"]
    assert other.answers() == [answer]
    other.expect_titles(["What is a yak?"])


def test_a_file_that_is_not_a_conversation_is_refused(server, open_page, tmp_path):
    chat = open_page(server)
    bad = tmp_path / "notes.json"
    for content, expected in (("not json at all", "not JSON"),
                              ('{"format": "something-else"}', "not a Yak conversation"),
                              ('{"format": "yak-conversation", "version": 1, "conversation":'
                               ' {"messages": [{"role": "robot", "content": "x"}]}}',
                               'role "robot"')):
        bad.write_text(content, encoding="utf-8")
        with chat.page.expect_file_chooser() as chooser:
            chat.page.click("#import-button")
        chooser.value.set_files(str(bad))
        expect(chat.page.locator("#notice .notice-text")).to_contain_text(expected)
        assert "Cannot import notes.json" in chat.notice()
    chat.expect_titles([])
