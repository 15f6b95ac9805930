#!/usr/bin/env python3
"""Writes tests/golden/tokenizer/smollm2.jsonl: Hugging Face token ids for SmolLM2.

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--random", type=int, default=220, help="number of random strings")
    args = parser.parse_args()

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
