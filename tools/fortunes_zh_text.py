#!/usr/bin/env python3
"""Writes the Chinese perplexity text: Debian's fortunes-zh, cleaned.

The package's three fortune files (chinese, song100, tang300 under /usr/share/games/fortunes)
are UTF-8 text with ANSI colour escapes around titles and authors, and a line holding only
"%" between fortunes. The text Yak and llama-perplexity score is the same files in that order
with the escapes removed, each "%" line replaced by an empty line (so fortunes stay apart as
paragraphs), runs of empty lines squeezed to one and trailing spaces dropped. The output is
deterministic: its sha256 is printed so that figures from different machines can be checked
to come from the same text.

Usage: tools/fortunes_zh_text.py [OUT]   (default: eval-text/fortunes-zh.txt in the repository)
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FORTUNES = Path("/usr/share/games/fortunes")
FILES = ("chinese", "song100", "tang300")
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def clean(raw: str) -> str:
    lines: list[str] = []
    # A few escapes in the package are nested ("ESC[;ESC[34;1mm"): removing the inner one
    # completes the outer, so remove until none is left.
    while True:
        stripped = ANSI_ESCAPE.sub("", raw)
        if stripped == raw:
            break
        raw = stripped
    for line in raw.splitlines():
        line = "" if line.strip() == "%" else line.rstrip()
        if line == "" and (not lines or lines[-1] == ""):
            continue
        lines.append(line)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "eval-text" / "fortunes-zh.txt"
    missing = [name for name in FILES if not (FORTUNES / name).is_file()]
    if missing:
        print(f"fortunes_zh_text: {', '.join(missing)} not found in {FORTUNES}: "
              "install Debian's fortunes-zh (scripts/setup.sh does)", file=sys.stderr)
        return 1
    parts = []
    for name in FILES:
        try:
            parts.append(clean((FORTUNES / name).read_text(encoding="utf-8")))
        except UnicodeDecodeError as e:
            print(f"fortunes_zh_text: {FORTUNES / name} is not UTF-8: {e}", file=sys.stderr)
            return 1
    text = "\n".join(parts)
    data = text.encode("utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    print(f"{out}: {len(text)} characters, {len(data)} bytes, "
          f"sha256 {hashlib.sha256(data).hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
