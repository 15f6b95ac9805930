#!/usr/bin/env python3
"""Writes the Hugging Face token ids of the tokenizer golden tests.

Default: tests/golden/tokenizer/smollm2.jsonl (below). --families: one file per tokenizer
family over tests/golden/tokenizer/corpus.jsonl (see "Every tokenizer family" further down).
--write-llama3-vocab: the Llama 3 vocabulary-only GGUF those tests load.

smollm2.jsonl: SmolLM2's ids.

Each line is {"text": ..., "ids": [...]}: the ids of tokenizer.encode(text,
add_special_tokens=False), i.e. no BOS/EOS, with special tokens such as <|im_start|>
recognised in the text (Hugging Face always matches added tokens). Every text also
round-trips: decode(ids) == text.

The tokenizer is built by transformers from the GGUF file itself
(AutoTokenizer.from_pretrained(dir, gguf_file=...)), an implementation independent of
Yak's. transformers gives every byte-level GGUF GPT-2's pre-tokenizer, while SmolLM2's own
tokenizer.json (the model repository's, not on this machine) splits digits first:
  "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
      {"type": "Digits", "individual_digits": true},
      {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}]}
so that pre-tokenizer is set here (llama.cpp's "smollm" pre-tokenizer does the same).

Usage: python3 tools/golden/make_tokenizer_golden.py [--model PATH] [--out PATH]
       python3 tools/golden/make_tokenizer_golden.py --write-llama3-vocab
       python3 tools/golden/make_tokenizer_golden.py --families all
"""

import argparse
import json
import os
import random
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_MODEL = os.path.join(REPO, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
DEFAULT_OUT = os.path.join(REPO, "tests", "golden", "tokenizer", "smollm2.jsonl")

HANDWRITTEN = [
    "",
    " ",
    "  ",
    "\n",
    "\n\n\n",
    "\t",
    "\t\t x",
    "Hello world",
    " Hello world",
    "Hello, world! How are you today?",
    "The quick brown fox jumps over the lazy dog.",
    "I'm sure they'll say it's fine, don't you think? We've seen it. I'd go.",
    "I'M SURE THEY'LL SAY IT'S FINE. DON'T.",
    "Café naïve résumé façade Ångström coöperate",
    "e\u0301 combining acute, a\u0308 umlaut, n\u0303",
    "你好，世界！这是一个测试。",
    "我们在北京大学学习人工智能和机器学习。",
    "這是繁體中文的句子，臺灣與香港使用。",
    "日本語のテキストとカタカナ、ひらがな。東京都",
    "ｶﾀｶﾅ 半角 全角ＡＢＣ１２３",
    "한국어 텍스트입니다. 안녕하세요!",
    "Привет, мир! Как дела?",
    "Γειά σου Κόσμε",
    "مرحبا بالعالم",
    "שלום עולם",
    "नमस्ते दुनिया",
    "สวัสดีชาวโลก",
    "Tiếng Việt có dấu",
    "😀😃😄 emoji 🎉🎊",
    "👨‍👩‍👧‍👦 family ZWJ sequence",
    "👍🏽 skin tone, 🏳️‍🌈 flag, 🇺🇸🇯🇵 regional indicators",
    "❤️ variation selector ❤︎",
    "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
    "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 42); return 0; }",
    "for (int i = 0; i < 10; ++i) {\n\tsum += a[i] * b[i];\n}",
    "const x = {a: 1, b: [2, 3], 'c': \"d\"}; // comment",
    "SELECT id, name FROM users WHERE age >= 21 ORDER BY name DESC;",
    "<html><body><div class=\"x\">Hi &amp; bye</div></body></html>",
    "$ echo $HOME && ls -la | grep '.txt' > out.log 2>&1",
    "x = [i**2 for i in range(100) if i % 3 == 0]",
    "fn main() -> Result<(), Box<dyn Error>> { Ok(()) }",
    "0",
    "12",
    "123",
    "1234567890",
    "3.14159265358979",
    "1,000,000.00 and 1e-9 and 0x1F and -42",
    "The year 2024 had 366 days; 10% of 250 is 25.",
    "٣٤٥ Arabic-Indic digits, ५६७ Devanagari digits, ①②③ circled, Ⅻ roman",
    "   leading spaces",
    "trailing spaces   ",
    "multiple     internal      spaces",
    "tabs\tand\nnewlines\r\nmixed\r",
    " \n \n  \n\t\n",
    "a\u00a0b non-breaking space, a\u2003b em space, a\u3000b ideographic",
    "a\u0085b next line, a\u2028b line separator, a\u2029b paragraph separator",
    "a\u180e\u180eb Mongolian vowel separator, a \u180e b, x\u1680\u1680y ogham, "
    "a\u180e! \u180e\u180e?. x \u180ey",
    "zero\u200bwidth\u200cjoiners\u200d and \ufeff BOM",
    "\u0000 null and \u0007 bell and \u001b[31m escape",
    "soft\u00adhyphen",
    "math: ∀x ∈ ℝ, ∃y: x² + y² ≤ 1 ⇒ √(x²) ≤ 1; ∑ ∫ ∂ ∞",
    "quotes: “double” ‘single’ «guillemets» „low“",
    "dashes: – — ― and ellipsis…",
    "𝕳𝖊𝖑𝖑𝖔 mathematical fraktur, 𝓗𝓮𝓵𝓵𝓸 script",
    "Ａｌｐｈａ fullwidth latin",
    "ﬁ ligature ﬂ ligature",
    "K Kelvin sign, Ω ohm sign, Å angstrom sign",
    "\U0001F600\U0001F64F\U0001F680\U0001F9FF astral plane",
    "\U00020000\U0002A6DF CJK extension B",
    "<|im_start|>",
    "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, "
    "trained by Hugging Face<|im_end|>\n",
    "text<|endoftext|>more text",
    "<|im_end|><|im_end|>",
    "<|im_start <|im_end| im_start|>",
    "<repo_name>yak<file_sep>src/main.cpp<filename>x.py<gh_stars>100",
    "<issue_start>title<issue_comment>body<issue_closed>",
    "<jupyter_start><jupyter_text>md<jupyter_code>print(1)<jupyter_output>1<empty_output>",
    "<jupyter_script>",
    "< | im_start | >",
    "<<|im_start|>>",
    "email: someone@example.com, url: https://example.com/a/b?c=d&e=f#g",
    "path C:\\Users\\name\\file.txt and /usr/local/bin",
    "hashtags #AI #ML @user_name",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "................................................",
    "--------------------------------------------------------",
    "================",
    "!!!???!!!",
    "''''\"\"\"\"``````",
    "'s 't 're 've 'm 'll 'd",
    "don't won't can't shouldn't y'all",
    "'S 'T 'RE 'VE 'M 'LL 'D",
    "it’s with a curly apostrophe",
    "ŉ ǅ ǈ ǋ titlecase letters",
    "İstanbul ı ß ẞ",
    "a" * 300,
    "ab " * 100,
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
    "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "
    "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.",
    "Mixed 中文 and English 和 日本語 with 한국어 and emoji 🤖 in one line.",
    "    \n    indented\n        more\n",
    "\r\n\r\n",
    "word\n\nword",
    "ends with newline\n",
    " 1 22 333 4444",
    "a1b2c3",
    "v1.2.3-beta+build.42",
    "¡Hola! ¿Qué tal?",
    "Ça va? Oui, ça va très bien.",
    "Grüße aus München",
    "Zażółć gęślą jaźń",
    "Þórður ðæ œ ø",
]

POOLS = {
    "ascii": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?'\"()[]{}<>-_=+*/\\|@#$%^&~`",
    "space": " \t\n\r\u00a0\u3000\u2009\u0085",
    "latin": "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿœšžßĀāĒēĪīŌōŪūŁłŃńŚśŹźŻż",
    "cjk": "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持音",
    "kana": "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんアイウエオカキクケコサシスセソタチツテトーッャュョ",
    "hangul": "가나다라마바사아자차카타파하한국어글말씀드리겠습니다",
    "emoji": "😀😂🥲🤖👍🏽❤️🔥✨🎉🚀🌍🍕⚽\u200d",
    "symbols": "©®™°±×÷€£¥•…→←↑↓∞≈≠≤≥√∑∏∫",
    "cyrillic": "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГД",
}


def random_strings(count, seed):
    rng = random.Random(seed)
    names = sorted(POOLS)
    out = []
    for _ in range(count):
        picked = rng.sample(names, rng.randint(1, 3))
        length = rng.randint(1, 60)
        chars = []
        for _ in range(length):
            pool = POOLS[rng.choice(picked)]
            if rng.random() < 0.2:
                chars.append(rng.choice(POOLS["ascii"][:52]) * rng.randint(1, 8))
            else:
                chars.append(rng.choice(pool))
        text = "".join(chars)
        if rng.random() < 0.1:
            text = rng.choice(["<|im_start|>", "<|im_end|>", "<|endoftext|>"]).join(
                [text[: len(text) // 2], text[len(text) // 2:]])
        out.append(text)
    return out


# ---------------------------------------------------------------------------------------
# Every tokenizer family over tests/golden/tokenizer/corpus.jsonl (--families).
#
# The Hugging Face tokenizer of each family is built with the `tokenizers` library in the
# structure of that family's public tokenizer.json, from the vocabulary, merges and token
# types of a GGUF file (GGUF token types mirror tokenizer.json's added tokens: control =
# special added token, user-defined = non-special added token). Each reference is checked
# against llama.cpp's test vectors (made with the models' own tokenizer.json files) before
# anything is written. Why not transformers' GGUF loader: it gives byte-level vocabularies
# GPT-2's pre-tokenizer whatever the family, and SentencePiece vocabularies a Metaspace
# pre-tokenizer with prepend_scheme "first", which is neither sentencepiece's behaviour nor
# Llama 2's tokenizer.json (" Hello" -> [15043] instead of [29871, 15043]).

LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                  r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"
                 r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
DEEPSEEK_CJK = "[\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+"
DEEPSEEK_LLM_SPLITS = [
    "[\r\n]",
    "\\s?[A-Za-z\u00b5\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u01ba\u01bc-\u01bf\u01c4-\u0293"
    "\u0295-\u02af\u0370-\u0373\u0376\u0377\u037b-\u037d\u037f\u0386\u0388-\u038a\u038c"
    "\u038e-\u03a1\u03a3-\u03f5\u03f7-\u0481\u048a-\u052f\u0531-\u0556\u10a0-\u10c5"
    "\u13a0-\u13f5\u13f8-\u13fd\u1c90-\u1cba\u1cbd-\u1cbf\u1d00-\u1d2b\u1d6b-\u1d77"
    "\u1d79-\u1d9a\u1e00-\u1f15\u1f18-\u1f1d\u1f20-\u1f45\u1f48-\u1f4d\u1f50-\u1f57\u1f59"
    "\u1f5b\u1f5d\u1f5f-\u1f7d\u1f80-\u1fb4\u1fb6-\u1fbc\u1fbe\u1fc2-\u1fc4\u1fc6-\u1fcc"
    "\u1fd0-\u1fd3\u1fd6-\u1fdb\u1fe0-\u1fec\u1ff2-\u1ff4\u1ff6-\u1ffc\u2102\u2107"
    "\u210a-\u2113\u2115\u2119-\u211d\u2124\u2126\u2128\u212a-\u212d\u212f-\u2134\u2139"
    "\u213c-\u213f\u2145-\u2149\u214e\u2183\u2184\u2c00-\u2c7b\u2c7e-\u2ce4\u2ceb-\u2cee"
    "\u2cf2\u2cf3\ua640-\ua66d\ua680-\ua69b\ua722-\ua76f\ua771-\ua787\ua78b-\ua78e"
    "\uab70-\uabbf\ufb00-\ufb06\ufb13-\ufb17\uff21-\uff3a\uff41-\uff5a\U00010400-\U0001044f"
    "\U000104b0-\U000104d3\U000104d8-\U000104fb\U00010c80-\U00010cb2\U00010cc0-\U00010cf2"
    "\U000118a0-\U000118df\U0001e900-\U0001e943]+",
    "\\s?[!-/:-~\uff01-\uff0f\uff1a-\uff5e\u2018-\u201f\u3000-\u3002]+",
    "\\s+$",
    DEEPSEEK_CJK,
    "\\p{N}+",
]
DEEPSEEK_CODER_SPLITS = ["[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", DEEPSEEK_CJK, "\\p{N}"]

TOKDATA = os.path.join(os.path.dirname(REPO), "shared", "data", "tokenizer")
MODELS = os.path.join(REPO, "models")
LLAMA3_GGUF = os.path.join(MODELS, "ggml-vocab-llama3.gguf")

# family: (vocab file, llama.cpp vectors or None, how the pre-tokenizer is built)
FAMILIES = {
    "smollm2": (os.path.join(MODELS, "SmolLM2-135M-Instruct.Q4_1.gguf"), None, "smollm"),
    "gpt-2": (os.path.join(TOKDATA, "ggml-vocab-gpt-2.gguf"), "gpt-2", "gpt2"),
    "llama3": (LLAMA3_GGUF, "llama-bpe", "llama3"),
    "qwen2": (os.path.join(MODELS, "qwen2.5-coder-0.5b-instruct.q4_k_m.gguf"), "qwen2", "qwen2"),
    "deepseek-llm": (os.path.join(TOKDATA, "ggml-vocab-deepseek-llm.gguf"), "deepseek-llm",
                     "deepseek-llm"),
    "deepseek-coder": (os.path.join(TOKDATA, "ggml-vocab-deepseek-coder.gguf"),
                       "deepseek-coder", "deepseek-coder"),
    "llama-spm": (os.path.join(TOKDATA, "ggml-vocab-llama-spm.gguf"), "llama-spm", "spm"),
}


def read_gguf_vocab(path):
    from gguf import GGUFReader
    reader = GGUFReader(path)

    def field(key):
        f = reader.fields.get(key)
        if f is None:
            return None
        if len(f.data) == 1 and f.types[0].name != "ARRAY":
            v = f.parts[f.data[0]]
            return bytes(v).decode("utf-8") if f.types[-1].name == "STRING" else v[0].item()
        if f.types[-1].name == "STRING":
            return [bytes(f.parts[i]).decode("utf-8") for i in f.data]
        return [f.parts[i][0].item() for i in f.data]

    return {k: field("tokenizer.ggml." + k) for k in
            ("model", "pre", "tokens", "scores", "token_type", "merges", "bos_token_id",
             "eos_token_id", "unknown_token_id")}


def build_byte_level(vocab, kind):
    """A tokenizers.Tokenizer shaped like the family's tokenizer.json."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers
    from tokenizers import pre_tokenizers as pt
    ids = {}
    for i, t in enumerate(vocab["tokens"]):
        ids.setdefault(t, i)  # duplicates: the first id wins (as in llama.cpp and Yak)
    merges = []
    for m in vocab["merges"]:
        cut = m.find(" ", 1)
        merges.append((m[:cut], m[cut + 1:]))
    model = models.BPE(vocab=ids, merges=merges, ignore_merges=(kind == "llama3"),
                       fuse_unk=False, byte_fallback=False,
                       unk_token=None)
    tok = Tokenizer(model)
    if kind == "gpt2":
        tok.pre_tokenizer = pt.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)
    elif kind == "smollm":
        tok.pre_tokenizer = pt.Sequence([pt.Digits(individual_digits=True),
                                         pt.ByteLevel(add_prefix_space=False, use_regex=True)])
    else:
        splits = {"llama3": [LLAMA3_PATTERN], "qwen2": [QWEN2_PATTERN],
                  "deepseek-llm": DEEPSEEK_LLM_SPLITS,
                  "deepseek-coder": DEEPSEEK_CODER_SPLITS}[kind]
        tok.pre_tokenizer = pt.Sequence(
            [pt.Split(Regex(p), behavior="isolated", invert=False) for p in splits] +
            [pt.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)])
    if kind == "qwen2":
        tok.normalizer = normalizers.NFC()
    tok.decoder = decoders.ByteLevel()
    types = vocab["token_type"] or [1] * len(vocab["tokens"])
    specials, plain_added = [], []
    for i, (t, ty) in enumerate(zip(vocab["tokens"], types)):
        if ty in (3, 4) and ids[t] == i:
            (specials if ty == 3 else plain_added).append(
                AddedToken(t, special=(ty == 3), normalized=False))
    tok.add_special_tokens(specials)
    tok.add_tokens(plain_added)
    return tok


def build_sentencepiece(path):
    """Llama 2's tokenizer.json layout: Prepend + Replace normalizer, BPE with byte fallback."""
    from tokenizers import normalizers
    from transformers import AutoTokenizer
    # transformers turns the GGUF's scores into BPE merges; its pre-tokenizer is replaced.
    hf = AutoTokenizer.from_pretrained(os.path.dirname(path), gguf_file=os.path.basename(path))
    tok = hf.backend_tokenizer
    tok.pre_tokenizer = None
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"),
                                           normalizers.Replace(" ", "\u2581")])
    return tok


def load_vectors(name):
    base = os.path.join(TOKDATA, f"ggml-vocab-{name}.gguf")
    with open(base + ".inp", encoding="utf-8", newline="") as f:
        inputs = f.read().split("\n__ggml_vocab_test__\n")
    if inputs and inputs[-1] == "":
        inputs.pop()
    with open(base + ".out", encoding="utf-8") as f:
        expected = [[int(x) for x in line.split()] for line in f.read().split("\n")]
    return inputs, expected[: len(inputs)]


def check_vectors(family, tok, name):
    inputs, expected = load_vectors(name)
    bad = [(t, e, tok.encode(t, add_special_tokens=False).ids)
           for t, e in zip(inputs, expected)
           if tok.encode(t, add_special_tokens=False).ids != e]
    if bad:
        for t, e, got in bad[:5]:
            print(f"  {family}: {t!r}: expected {e}, got {got}", file=sys.stderr)
        sys.exit(f"{family}: the reference tokenizer fails {len(bad)} of llama.cpp's "
                 f"{len(inputs)} '{name}' vectors")
    print(f"{family}: reference matches all {len(inputs)} llama.cpp '{name}' vectors")


def reference(family):
    path, vectors, kind = FAMILIES[family]
    if not os.path.exists(path):
        sys.exit(f"{family}: missing {path}" + (" (make it with --write-llama3-vocab)"
                                                 if family == "llama3" else ""))
    tok = build_sentencepiece(path) if kind == "spm" else build_byte_level(read_gguf_vocab(path),
                                                                          kind)
    if vectors:
        check_vectors(family, tok, vectors)
    return tok


def smollm2_cross_check(tok):
    """The SmolLM2 reference built here agrees with the transformers-built one above."""
    rows = []
    with open(DEFAULT_OUT, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    for row in rows:
        if tok.encode(row["text"], add_special_tokens=False).ids != row["ids"]:
            sys.exit(f"smollm2: references disagree on {row['text']!r}")
    print(f"smollm2: reference agrees with {os.path.relpath(DEFAULT_OUT, REPO)} "
          f"({len(rows)} strings)")


def write_family(family, corpus, out_dir):
    tok = reference(family)
    if family == "smollm2":
        smollm2_cross_check(tok)
    lines = []
    for text in corpus:
        ids = tok.encode(text, add_special_tokens=False).ids
        row = {"ids": ids}
        tok.encode_special_tokens = True
        plain = tok.encode(text, add_special_tokens=False).ids
        tok.encode_special_tokens = False
        if plain != ids:
            row["plain"] = plain
        decoded = tok.decode(ids, skip_special_tokens=False)
        if decoded != text:
            row["dec"] = decoded
        lines.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
    os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, f"{family}.jsonl")
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{family}: wrote {len(lines)} rows to {out} ({os.path.getsize(out)} bytes)")


# --- Llama 3: Meta's tiktoken file (PyPI llama-models) to a vocabulary-only GGUF ---------

def gpt2_chars():
    printable = (list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) +
                 list(range(0xAE, 0x100)))
    table, extra = {}, 0
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def tiktoken_merges(ranks):
    """BPE merges from tiktoken ranks, as transformers' TikTokenConverter (which made Llama
    3's tokenizer.json, 280147 merges) derives them: every split of a token into two tokens
    is a merge; merges are ordered by the rank of the token they make, then by the ranks
    of the left and right parts."""
    merges = []
    for token, rank in ranks.items():
        local = []
        for i in range(1, len(token)):
            left, right = token[:i], token[i:]
            if left in ranks and right in ranks:
                local.append((rank, ranks[left], ranks[right], left, right))
        merges.extend(sorted(local))
    merges.sort(key=lambda m: m[0])
    return [(m[0], m[3], m[4]) for m in merges]


def write_llama3_vocab(out):
    import base64
    import importlib.util
    from gguf import GGUFWriter, TokenType
    spec = importlib.util.find_spec("llama_models")
    if spec is None:
        sys.exit("llama3: install Meta's tokenizer first: "
                 "pip install --no-deps llama-models==0.3.0")
    model = os.path.join(os.path.dirname(spec.origin), "llama3", "tokenizer.model")
    ranks = {}
    with open(model, "rb") as f:
        for line in f.read().splitlines():
            if line:
                token, rank = line.split()
                ranks[base64.b64decode(token)] = int(rank)
    chars = gpt2_chars()
    enc = lambda b: "".join(chars[x] for x in b)  # noqa: E731
    tokens = [None] * len(ranks)
    for token, rank in ranks.items():
        tokens[rank] = enc(token)
    # The special tokens of llama_models/llama3/tokenizer.py, 256 of them after the ranks.
    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
                "<|reserved_special_token_1|>", "<|finetune_right_pad_id|>", "<|step_id|>",
                "<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>", "<|eot_id|>",
                "<|python_tag|>", "<|image|>"]
    specials += [f"<|reserved_special_token_{2 + i}|>" for i in range(256 - len(specials))]
    types = [TokenType.NORMAL] * len(tokens) + [TokenType.CONTROL] * len(specials)
    tokens += specials
    merges = [f"{enc(a)} {enc(b)}" for _, a, b in tiktoken_merges(ranks)]
    writer = GGUFWriter(out, "llama")
    writer.add_name("Llama 3 tokenizer (vocabulary only)")
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("llama-bpe")
    writer.add_token_list(tokens)
    writer.add_token_types([int(t) for t in types])
    writer.add_token_merges(merges)
    writer.add_bos_token_id(128000)
    writer.add_eos_token_id(128009)
    writer.add_add_bos_token(True)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    print(f"llama3: wrote {out} ({len(tokens)} tokens, {len(merges)} merges, "
          f"{os.path.getsize(out)} bytes)")


def families_main(names, corpus_path, out_dir):
    with open(corpus_path, encoding="utf-8") as f:
        corpus = [json.loads(line)["t"] for line in f]
    for family in names:
        write_family(family, corpus, out_dir)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--random", type=int, default=220, help="number of random strings")
    parser.add_argument("--families", help="comma-separated families, or 'all': write "
                        "tests/golden/tokenizer/families/FAMILY.jsonl over the corpus")
    parser.add_argument("--corpus", default=os.path.join(REPO, "tests", "golden", "tokenizer",
                                                         "corpus.jsonl"))
    parser.add_argument("--families-out",
                        default=os.path.join(REPO, "tests", "golden", "tokenizer", "families"))
    parser.add_argument("--write-llama3-vocab", metavar="PATH", nargs="?", const=LLAMA3_GGUF,
                        help=f"write the Llama 3 vocabulary-only GGUF (default {LLAMA3_GGUF})")
    args = parser.parse_args()

    if args.write_llama3_vocab:
        write_llama3_vocab(args.write_llama3_vocab)
    if args.families:
        names = list(FAMILIES) if args.families == "all" else args.families.split(",")
        families_main(names, args.corpus, args.families_out)
    if args.write_llama3_vocab or args.families:
        return

    from tokenizers import pre_tokenizers
    from transformers import AutoTokenizer

    model = os.path.realpath(args.model)
    tok = AutoTokenizer.from_pretrained(os.path.dirname(model), gguf_file=os.path.basename(model))
    tok.backend_tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True),
    ])

    texts = HANDWRITTEN + random_strings(args.random, seed=1234)
    seen = set()
    rows = []
    for text in texts:
        if text in seen:
            continue
        seen.add(text)
        ids = tok.encode(text, add_special_tokens=False)
        decoded = tok.decode(ids, skip_special_tokens=False, clean_up_tokenization_spaces=False)
        if decoded != text:
            sys.exit(f"HF does not round-trip {text!r}: {decoded!r}")
        rows.append({"text": text, "ids": ids})

    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} strings to {args.out} ({os.path.getsize(args.out)} bytes)")


if __name__ == "__main__":
    main()
