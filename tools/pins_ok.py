#!/usr/bin/env python3
"""Exit 0 when every `name==version` pin of a requirements file is installed at that version.

Lets the set-up scripts skip pip entirely on a machine that is already set up. Local version
suffixes (torch's "+cpu", "+cu132") are ignored; `-r other.txt` lines are followed.
"""

import sys
from importlib import metadata
from pathlib import Path


def pins(path: Path):
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r "):
            yield from pins(path.parent / line[3:].strip())
            continue
        if "==" not in line:
            raise SystemExit(f"{path}: '{line}' is not pinned with ==")
        name, version = (part.strip() for part in line.split("==", 1))
        yield name, version


def main() -> int:
    missing = []
    for req in sys.argv[1:]:
        for name, want in pins(Path(req)):
            try:
                have = metadata.version(name).split("+", 1)[0]
            except metadata.PackageNotFoundError:
                have = None
            if have != want:
                missing.append(f"{name}=={want} (installed: {have or 'none'})")
    for line in missing:
        print(f"  needs {line}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
