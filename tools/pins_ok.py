#!/usr/bin/env python3
"""Exit 0 when every `name==version` pin of a requirements file is installed at that version.

Lets the set-up scripts skip pip entirely on a machine that is already set up. Local version
suffixes (torch's "+cpu", "+cu132") are ignored; `-r other.txt` lines are followed. A pin with
extras (`lm_eval[api]==0.4.13`) also needs every package that those extras pull in directly
(any version: pip chose it when it installed them).
"""

import re
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
        extras = []
        if "[" in name:
            name, _, rest = name.partition("[")
            extras = [e.strip() for e in rest.rstrip("]").split(",") if e.strip()]
        yield name.strip(), version, extras


def version_of(name: str):
    try:
        return metadata.version(name).split("+", 1)[0]
    except metadata.PackageNotFoundError:
        return None


def extra_requirements(name: str, extra: str):
    """Names of the packages that `name[extra]` adds, from the installed package's metadata."""
    wanted = re.compile(r"""extra\s*==\s*["']""" + re.escape(extra) + r"""["']""")
    for req in metadata.requires(name) or []:
        spec, _, marker = req.partition(";")
        if wanted.search(marker):
            yield re.match(r"[A-Za-z0-9._-]+", spec.strip()).group(0)


def main() -> int:
    missing = []
    for req in sys.argv[1:]:
        for name, want, extras in pins(Path(req)):
            have = version_of(name)
            if have != want:
                missing.append(f"{name}=={want} (installed: {have or 'none'})")
                continue
            for extra in extras:
                for dep in extra_requirements(name, extra):
                    if version_of(dep) is None:
                        missing.append(f"{dep} for {name}[{extra}] (installed: none)")
    for line in missing:
        print(f"  needs {line}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
