#!/usr/bin/env python3
"""Exit 0 when every `name==version` pin of a requirements file is installed at that version.

Lets the set-up scripts skip pip entirely on a machine that is already set up. Local version
suffixes (torch's "+cpu", "+cu132") are ignored; `-r other.txt` lines are followed. A pinned
package's own direct requirements must be installed too (any version: pip chose it), those
without an environment marker and those of the extras asked for (`lm_eval[api]==0.4.13`), so
that a half-finished install is not taken for a whole one.
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


def direct_requirements(name: str, extras: list[str]):
    """Names of the packages `name[extras]` needs directly, from its installed metadata:
    those without a marker and those whose marker is just one of `extras`."""
    wanted = [re.compile(r"""^\s*extra\s*==\s*["']""" + re.escape(e) + r"""["']\s*$""")
              for e in extras]
    for req in metadata.requires(name) or []:
        spec, _, marker = req.partition(";")
        if not marker.strip() or any(w.match(marker) for w in wanted):
            yield re.match(r"[A-Za-z0-9._-]+", spec.strip()).group(0)


def main() -> int:
    missing = []
    for req in sys.argv[1:]:
        for name, want, extras in pins(Path(req)):
            have = version_of(name)
            if have != want:
                missing.append(f"{name}=={want} (installed: {have or 'none'})")
                continue
            for dep in direct_requirements(name, extras):
                if version_of(dep) is None:
                    missing.append(f"{dep} for {name} (installed: none)")
    for line in missing:
        print(f"  needs {line}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
