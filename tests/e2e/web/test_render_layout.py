"""How answers look and the page loads: Markdown, code, TeX and hostile HTML in an answer;
desktop and phone layouts in light and dark (screenshots saved); labels and keyboard use; load
time and the size of what is loaded."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from playwright.sync_api import expect

SHOWCASE = """Here is what I found.

| Model | Parameters | Context |
|---|---:|---:|
| SmolLM2 | 135M | 8K |
| Qwen2.5 | 0.5B | 32K |

```python
def greet(name: str) -> str:
    return f"Hello, {name}!"
```

Euler's identity is $e^{i\\pi} + 1 = 0$, and

$$\\int_0^1 x^2 \\, dx = \\frac{1}{3}$$

中文也可以：**加粗**、`代码` 和列表：

1. 第一
2. 第二

<img src="https://example.com/tracker.png" onerror="window.__pwned = 1">
<script>window.__pwned = 2</script>
<a href="javascript:window.__pwned = 3">click</a>
<span style="background: url(https://example.com/x.png)">styled</span>

![remote](https://example.com/picture.png)
"""


def import_showcase(chat, tmp_path):
    conversation = {
        "format": "yak-conversation", "version": 1,
        "conversation": {
            "title": "Rendering showcase",
            "messages": [
                {"role": "user", "content": "Show me a table, code, math and 中文."},
                {"role": "assistant", "content": SHOWCASE,
                 "stats": {"model": "SmolLM2-135M-Instruct.Q4_1", "ttft_ms": 41,
                           "tokens_per_s": 150.2, "completion_tokens": 187}},
            ],
        },
    }
    path = tmp_path / "showcase.json"
    path.write_text(json.dumps(conversation, ensure_ascii=False), encoding="utf-8")
    if chat.page.locator("#open-sidebar").is_visible():  # a phone: the list is a drawer
        chat.page.click("#open-sidebar")
    with chat.page.expect_file_chooser() as chooser:
        chat.page.click("#import-button")
    chooser.value.set_files(str(path))
    expect(chat.page.locator("#conversation-title")).to_have_text("Rendering showcase")
    if chat.page.locator("#open-sidebar").is_visible():
        chat.page.keyboard.press("Escape")


def test_markdown_code_and_math_render_and_hostile_html_does_not(server, open_page, tmp_path):
    chat = open_page(server, permissions=["clipboard-read", "clipboard-write"])
    import_showcase(chat, tmp_path)
    answer = chat.page.locator("article.message.assistant .content")
    expect(answer.locator("table th")).to_have_count(3)
    expect(answer.locator("table tbody tr")).to_have_count(2)
    expect(answer.locator(".code-block .code-lang")).to_have_text("python")
    assert answer.locator("code.hljs span.hljs-keyword").count() >= 1, "no highlighting"
    expect(answer.locator(".katex")).to_have_count(2)
    expect(answer.locator(".math-block .katex-display")).to_have_count(1)
    expect(answer.locator("strong")).to_have_text("加粗")
    expect(answer.locator("ol li")).to_have_count(2)
    # The hostile parts: no script ran, no handler or javascript: link survived, and nothing
    # was fetched from another host (the fixture fails the test on any such request).
    chat.page.wait_for_timeout(300)
    assert chat.page.evaluate("window.__pwned") is None
    assert answer.locator("script, img, [onerror]").count() == 0
    assert answer.locator("a[href^='javascript']").count() == 0
    assert "url(" not in (answer.locator("span:text('styled')").get_attribute("style") or "")
    expect(answer.locator("a.image-link")).to_have_text("[image: remote]")
    # Copying a code block gives its source, not its highlighted HTML.
    answer.locator(".copy-code").click()
    expect(answer.locator(".copy-code")).to_have_text("Copied")
    copied = chat.page.evaluate("navigator.clipboard.readText()")
    assert copied == 'def greet(name: str) -> str:\n    return f"Hello, {name}!"'


def test_layouts_on_desktop_and_phone_in_light_and_dark(server, open_page, tmp_path,
                                                         screenshot_dir, figures):
    saved = []
    for name, viewport, mobile in (("desktop", {"width": 1280, "height": 800}, False),
                                   ("phone", {"width": 375, "height": 812}, True)):
        for scheme in ("light", "dark"):
            chat = open_page(server, viewport=viewport, is_mobile=mobile, has_touch=mobile,
                             color_scheme=scheme, reduced_motion="reduce")
            import_showcase(chat, tmp_path)
            width = chat.page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"{name}: the page is {width} px wide"
            background = chat.page.evaluate("getComputedStyle(document.body).backgroundColor")
            assert (background == "rgb(255, 255, 255)") == (scheme == "light"), background
            sidebar = chat.page.locator("#sidebar")
            if mobile:
                expect(sidebar).to_be_hidden()
                chat.page.click("#open-sidebar")
                expect(sidebar).to_be_visible()
                path = screenshot_dir / f"{name}-{scheme}-sidebar.png"
                chat.page.screenshot(path=str(path))
                saved.append(path)
                chat.page.keyboard.press("Escape")
                expect(sidebar).to_be_hidden()
            else:
                expect(sidebar).to_be_visible()
            path = screenshot_dir / f"{name}-{scheme}.png"
            chat.page.screenshot(path=str(path))
            saved.append(path)
    figures("web_screenshots", files=[str(p) for p in saved])
    assert all(p.stat().st_size > 10_000 for p in saved)


def test_every_control_has_a_name_and_the_keyboard_reaches_it(server, open_page):
    chat = open_page(server)
    chat.settings(max_tokens=8, temperature=0)
    chat.ask("Hi.")
    chat.page.click("#settings-button")
    unnamed = chat.page.evaluate("""() => {
      const named = (el) => (el.getAttribute('aria-label') || '').trim() ||
        (el.labels && [...el.labels].some((l) => l.textContent.trim())) ||
        el.textContent.trim() || el.getAttribute('title');
      return [...document.querySelectorAll('button, input, textarea, select')]
        .filter((el) => el.offsetParent !== null && el.type !== 'file' && !named(el))
        .map((el) => el.outerHTML.slice(0, 80));
    }""")
    assert unnamed == [], unnamed
    chat.page.keyboard.press("Escape")
    expect(chat.page.locator("#settings")).to_be_hidden()
    # From the top of the page, Tab reaches the message box, and Enter there sends.
    chat.page.locator("body").focus()
    for _ in range(40):
        chat.page.keyboard.press("Tab")
        if chat.page.evaluate("document.activeElement.id") == "prompt":
            break
    assert chat.page.evaluate("document.activeElement.id") == "prompt"
    chat.page.keyboard.type("Bye.")
    chat.page.keyboard.press("Enter")
    chat.wait_generating()
    chat.wait_idle()
    expect(chat.articles()).to_have_count(4)


def test_the_page_loads_in_under_a_second_and_only_from_the_server(server, open_page,
                                                                   figures):
    chat = open_page(server)
    timing = chat.page.evaluate("""() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const resources = performance.getEntriesByType('resource');
      return {load: nav.loadEventEnd - nav.startTime, html: nav.decodedBodySize,
              resources: resources.map((r) => [r.name, r.decodedBodySize])};
    }""")
    origins = {urlsplit(name).netloc for name, _ in timing["resources"]}
    assert origins <= {urlsplit(server.base_url).netloc}, origins
    assets = sum(size for name, size in timing["resources"] if "/assets/" in name)
    assert timing["load"] < 1000, f"the page took {timing['load']:.0f} ms to load"
    figures("web_load", load_ms=round(timing["load"]), html_bytes=timing["html"],
            assets_loaded_bytes=assets, files=len(timing["resources"]) + 1)
