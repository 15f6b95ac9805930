#!/usr/bin/env python3
"""Run llama.cpp's convert_hf_to_gguf.py, naming the BPE pre-tokenizer it cannot recognize
(and, with --fix-baichuan, mending the vendored converter's Baichuan recursion).

The converter identifies a BPE tokenizer's pre-tokenizer by hashing the token ids it gives for
a fixed test text, and refuses tokenizers whose hash it has not seen. The family test models
use tiny BPE vocabularies trained here (tools/golden/family_hf.py) with Qwen2's pre-tokenizer
split, so their ids, and hash, are new although the pre-tokenizer is exactly the one llama.cpp
calls "qwen2". This wrapper lets the converter try first and, only where it raises its
not-recognized error, answers with the name given here; a hash the converter does recognize
must agree with that name. Nothing else in the conversion changes.

--fix-baichuan: the vendored BaichuanModel.modify_tensors (llama-cpp-python 0.3.36) passes
every tensor but W_pack to `self.modify_tensors` again instead of the base class's, which
recurses until Python's stack limit: no Baichuan checkpoint converts. The fix sends them to
TextModel.modify_tensors, as every other model class does; W_pack's split is untouched.

Usage: convert_with_pretokenizer.py CONVERTER.py PRE_NAME|- [--fix-baichuan] [converter args...]
"""

import runpy
import sys
from pathlib import Path


def fix_baichuan(base) -> None:
    import conversion.baichuan as baichuan

    split_w_pack = baichuan.BaichuanModel.modify_tensors

    def modify_tensors(self, data_torch, name, bid):
        if bid is not None and name == f"model.layers.{bid}.self_attn.W_pack.weight":
            yield from split_w_pack(self, data_torch, name, bid)
        else:
            yield from base.TextModel.modify_tensors(self, data_torch, name, bid)

    baichuan.BaichuanModel.modify_tensors = modify_tensors


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    converter = Path(sys.argv[1]).resolve()
    pre_name = sys.argv[2]
    # The converter's own conversion package and gguf-py, ahead of any installed gguf.
    sys.path[0:0] = [str(converter.parent), str(converter.parent / "gguf-py")]
    import conversion.base as base

    recognize = base.TextModel.get_vocab_base_pre

    def get_vocab_base_pre(self, tokenizer):
        try:
            name = recognize(self, tokenizer)
        except NotImplementedError:
            print(f"convert_with_pretokenizer: unknown BPE hash, using {pre_name!r}",
                  file=sys.stderr)
            return pre_name
        if name != pre_name:
            sys.exit(f"the converter recognized pre-tokenizer {name!r}, not {pre_name!r}")
        return name

    if pre_name != "-":  # "-": a SentencePiece family, nothing to name
        base.TextModel.get_vocab_base_pre = get_vocab_base_pre
    args = sys.argv[3:]
    if args[:1] == ["--fix-baichuan"]:
        args = args[1:]
        fix_baichuan(base)
    sys.argv = [str(converter)] + args
    runpy.run_path(str(converter), run_name="__main__")


if __name__ == "__main__":
    main()
