#!/usr/bin/env python3
"""Write the small test models of the Step 9 families from their committed skeletons.

Each tests/golden/families/NAME.skeleton.json describes a GGUF file converted from a small
Hugging Face model of the family; NAME.json holds the reference logits of that file and its
sha256. This script (numpy and gguf only, see tools/family_gguf.py) writes
models/families/NAME.gguf with the skeleton's deterministic weights and checks the sha256, so
Yak is tested on exactly the bytes the reference saw. A file already present with the right
sha256 is left alone. Called by scripts/setup.sh; tools/golden/make_family_golden.py makes the
skeletons and goldens.

Usage: write_family_models.py [--golden DIR] [--out DIR] [NAME...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import family_gguf as fg  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def expected_sha(golden_dir: Path, name: str) -> str:
    golden = golden_dir / f"{name}.json"
    if not golden.is_file():
        raise SystemExit(f"{golden} is missing: every skeleton needs its golden file")
    with golden.open(encoding="utf-8") as f:
        doc = json.load(f)
    if doc.get("model_file") != f"families/{name}.gguf":
        raise SystemExit(f"{golden}: model_file is {doc.get('model_file')!r}, expected "
                         f"'families/{name}.gguf'")
    return doc["model_sha256"]


def write_family(golden_dir: Path, out_dir: Path, name: str) -> str:
    """Makes out_dir/NAME.gguf right; returns 'present' or 'written'."""
    want = expected_sha(golden_dir, name)
    out = out_dir / f"{name}.gguf"
    if out.is_file() and fg.sha256_of(out) == want:
        return "present"
    fg.write_gguf(fg.load_skeleton(golden_dir / f"{name}.skeleton.json"), out)
    got = fg.sha256_of(out)
    if got != want:
        out.unlink()
        raise SystemExit(f"{out}: sha256 {got}, but {name}.json was made from {want}; the "
                         "writer's output changed (gguf or numpy differ from "
                         "tools/requirements-test.txt, or the skeleton was edited)")
    return "written"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="families to write (default: every skeleton)")
    parser.add_argument("--golden", type=Path, default=REPO / "tests" / "golden" / "families")
    parser.add_argument("--out", type=Path, default=REPO / "models" / "families")
    args = parser.parse_args()
    names = args.names or sorted(p.name.removesuffix(".skeleton.json")
                                 for p in args.golden.glob("*.skeleton.json"))
    if not names:
        raise SystemExit(f"no skeletons in {args.golden}")
    for name in names:
        if not (args.golden / f"{name}.skeleton.json").is_file():
            raise SystemExit(f"no skeleton {args.golden / name}.skeleton.json")
        print(f"{name}.gguf: {write_family(args.golden, args.out, name)}", flush=True)


if __name__ == "__main__":
    main()
