#!/usr/bin/env python3
"""Writes tests/golden/templates/renders.json: chat templates rendered by transformers.

Every tests/golden/templates/*.jinja is rendered with transformers' own chat-template
machinery (transformers.utils.chat_template_utils.render_jinja_template, the function that
tokenizer.apply_chat_template calls), for a fixed set of conversations, with and without
add_generation_prompt, with tool definitions, and with Chinese/emoji content. Yak's
interpreter must reproduce each render byte for byte, or fail where transformers fails.

strftime_now is pinned to FIXED_NOW so that templates that print today's date (Llama 3.2,
Mistral Small, ...) render reproducibly; the C++ test passes the same instant.

Each case in the output:
  {"template": file stem, "conversation": name, "add_generation_prompt": bool,
   "bos_token": str, "eos_token": str, "messages": [...], "tools": [...] or absent,
   "expected": rendered text}  or, where transformers raised, "error": its message.

Usage: python3 tools/golden/make_template_golden.py [--dir PATH] [--out PATH]
"""

import argparse
import datetime as dt
import glob
import json
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_DIR = os.path.join(REPO, "tests", "golden", "templates")

# 2025-03-14 09:26:53, local time as the template sees it.
FIXED_NOW = (2025, 3, 14, 9, 26, 53)

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "The city, e.g. 北京 or Paris"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
        },
    },
}
TIME_TOOL = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "Current time in a timezone.",
        "parameters": {
            "type": "object",
            "properties": {"tz": {"type": "string"}},
            "required": ["tz"],
        },
    },
}

SYSTEM = {"role": "system", "content": "You are a helpful assistant."}

CONVERSATIONS = {
    "single_user": {"messages": [{"role": "user", "content": "Hello!"}]},
    "system_user": {"messages": [SYSTEM, {"role": "user", "content": "What is 2+2?"}]},
    "multi_turn": {
        "messages": [
            SYSTEM,
            {"role": "user", "content": "Hi there"},
            {"role": "assistant", "content": "  Hello! How can I help?  "},
            {"role": "user", "content": "Tell me a joke.\nMake it short."},
        ]
    },
    "multi_turn_no_system": {
        "messages": [
            {"role": "user", "content": "Who are you?"},
            {"role": "assistant", "content": "I am an assistant."},
            {"role": "user", "content": "Nice."},
            {"role": "assistant", "content": "Thanks!"},
        ]
    },
    "unicode": {
        "messages": [
            {"role": "system", "content": "你是一个乐于助人的助手。"},
            {"role": "user", "content": "你好，世界！🌍 \"quoted\" & <tag> \\ back\tslash"},
            {"role": "assistant", "content": "你好！😀 Ça va? naïve café — ✓"},
            {"role": "user", "content": "🦙🦙 emoji only"},
        ]
    },
    "tools": {
        "messages": [SYSTEM, {"role": "user", "content": "What's the weather in Paris?"}],
        "tools": [WEATHER_TOOL, TIME_TOOL],
    },
    "tool_call_round": {
        "messages": [
            {"role": "user", "content": "Weather in 北京?"},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {
                        "id": "call12345",
                        "type": "function",
                        "function": {
                            "name": "get_weather",
                            "arguments": {"city": "北京", "unit": "celsius"},
                        },
                    }
                ],
            },
            {
                "role": "tool",
                "tool_call_id": "call12345",
                "name": "get_weather",
                "content": "{\"temperature\": 21, \"sky\": \"clear\"}",
            },
        ],
        "tools": [WEATHER_TOOL],
    },
}

TOKENS = {"bos_token": "<s>", "eos_token": "</s>"}


def pin_clock():
    import transformers.utils.chat_template_utils as ctu

    class FixedDateTime(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(*FIXED_NOW)

    ctu.datetime = FixedDateTime


def render(source, conv, add_generation_prompt):
    from transformers.utils.chat_template_utils import render_jinja_template

    rendered, _ = render_jinja_template(
        conversations=[conv["messages"]],
        tools=conv.get("tools"),
        chat_template=source,
        add_generation_prompt=add_generation_prompt,
        **TOKENS,
    )
    return rendered[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", default=DEFAULT_DIR)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    out = args.out or os.path.join(args.dir, "renders.json")
    pin_clock()

    cases = []
    for path in sorted(glob.glob(os.path.join(args.dir, "*.jinja"))):
        stem = os.path.splitext(os.path.basename(path))[0]
        with open(path, encoding="utf-8") as f:
            source = f.read()
        for conv_name, conv in CONVERSATIONS.items():
            for agp in (False, True):
                case = {
                    "template": stem,
                    "conversation": conv_name,
                    "add_generation_prompt": agp,
                    **TOKENS,
                    "messages": conv["messages"],
                }
                if "tools" in conv:
                    case["tools"] = conv["tools"]
                try:
                    case["expected"] = render(source, conv, agp)
                except Exception as e:  # the template refused this conversation
                    case["error"] = f"{type(e).__name__}: {e}"
                cases.append(case)
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"fixed_now": list(FIXED_NOW), "cases": cases}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    errors = sum(1 for c in cases if "error" in c)
    print(f"wrote {len(cases)} cases ({errors} errors) to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
