#!/usr/bin/env python3
"""Checks that every #include "..." in src/ and include/yak/ points only down the layer stack.

Each layer (a folder under src/) may include its own headers, the public API (yak/...) and the
layers listed below it. The CLI, like any application embedding Yak, may include only the public
API and its own headers; the public headers include only each other. Prints each violation as
file:line and exits 1 when there is any.
"""
import pathlib
import re
import sys

# What each layer may include besides itself and yak/ (DESIGN.md's order, bottom to top).
ALLOWED = {
    "core": set(),
    "format": {"core"},
    "kernels": {"core", "format"},
    "tokenizer": {"core", "format"},
    "model": {"core", "format", "kernels"},
    "runtime": {"core", "format", "kernels", "tokenizer", "model"},
    "serve": set(),  # the server, like the CLI, uses only the public API (include/yak/)
    "eval": {"core", "format", "kernels", "tokenizer", "model", "runtime"},
    "derive": {"core", "format", "kernels", "tokenizer", "model", "runtime"},
    "cli": set(),
}
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def violations(root: pathlib.Path):
    for path in sorted(root.glob("src/**/*")) + sorted(root.glob("include/yak/**/*")):
        if not path.is_file() or path.suffix not in {".h", ".cpp", ".inc", ".hpp", ".cc"}:
            continue
        rel = path.relative_to(root)
        layer = rel.parts[1] if rel.parts[0] == "src" else "yak"
        if layer not in ALLOWED and layer != "yak":
            yield f"{rel}: folder src/{layer} is not a known layer (add it to {__file__})"
            continue
        allowed = {"yak"} | ({layer} | ALLOWED[layer] if layer != "yak" else set())
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            target = match.group(1)
            top = target.split("/", 1)[0] if "/" in target else None
            if top is None:
                # A bare name is a file beside this one (e.g. an .inc); it stays in the layer.
                if not (path.parent / target).exists():
                    yield f"{rel}:{number}: \"{target}\" is not beside the file"
            elif top not in allowed:
                yield f"{rel}:{number}: {layer} may not include \"{target}\" ({top} is not below it)"


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    found = list(violations(root))
    for v in found:
        print(v)
    print(f"layer check: {len(found)} violation(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
