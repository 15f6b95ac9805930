#!/usr/bin/env python3
"""Writes tests/golden/tokenizer/corpus.jsonl: the strings of the tokenizer golden tests.

Deterministic: the same inputs give the same file byte for byte. Each line is
{"c": category, "t": text}. Categories:
  hand        handwritten edge cases (those of the first SmolLM2 golden set and more)
  en          English: WikiText-2 test lines and MMLU questions
  zh-hans     simplified Chinese: fortunes-zh (Debian package fortunes-zh) and CMMLU
  zh-hant     traditional Chinese: handwritten, and Tang/Song poems mapped character by
              character to traditional forms
  ja, ko      Japanese and Korean: handwritten sentences and random mixes
  emoji       emoji, skin tones, ZWJ sequences, flags, keycaps, variation selectors
  code        snippets in several languages, re-indented with spaces and tabs
  num         numbers: many digits, decimals, separators, other digit scripts
  space       runs of spaces, tabs, newlines, CRLF between words
  odd         combining marks, RTL text with bidi marks, zero-width characters, NBSP,
              U+2028, U+3000, fullwidth forms, math symbols, random assigned code points
  mixed       several scripts in one string
  special     special-token strings of every family, whole and broken, inside text
  random      random mixes of character pools
  long        a few long texts (several KB)

Text is valid UTF-8 throughout (no surrogates). Inputs: ../shared/data/eval/{wikitext-2,
mmlu,cmmlu} beside the checkout (or $YAK_SHARED_DIR/data) and /usr/share/games/fortunes
(fortunes-zh). Usage: python3 tools/golden/make_tokenizer_corpus.py [--out PATH]
"""

import argparse
import csv
import glob
import json
import os
import random
import re
import sys
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_tokenizer_golden import HANDWRITTEN, POOLS, random_strings  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_OUT = os.path.join(REPO, "tests", "golden", "tokenizer", "corpus.jsonl")
FORTUNES = "/usr/share/games/fortunes"


def shared_data():
    if os.environ.get("YAK_SHARED_DIR"):
        return os.path.join(os.environ["YAK_SHARED_DIR"], "data")
    return os.path.join(os.path.dirname(REPO), "shared", "data")


MORE_HANDWRITTEN = [
    "Hello\r\nWorld\r\n",
    "\r",
    "\r\r\n\n\r",
    " \t \t ",
    "a\tb\tc\td",
    "x" + " " * 64 + "y",
    "\n" * 40,
    " " * 100,
    "\t" * 17 + "end",
    "line1\u2028line2\u2029para",
    "\u3000\u3000全角スペース\u3000",
    "ＡＢＣ１２３４５６７８９０ｘｙｚ",
    "１２３，４５６．７８",
    "\u00a0\u00a0nbsp\u00a0",
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e bidi controls",
    "العربية: 123 ثم English ثم עברית",
    "\u05e9\u05b8\u05c1\u05dc\u05d5\u05b9\u05dd with niqqud",
    "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324\u031e\u0349\u035a"
    "\u032f\u031e\u0320\u034dA\u0336\u0317\u032c\u0344L\u0337\u0318G\u0334O zalgo",
    "\ufeffBOM at start",
    "e\u0301\u0301\u0301 stacked",
    "가\u1100\u1161 jamo",
    "\u1100\u1161\u11a8 conjoining jamo",
    "𝟘𝟙𝟚 𝐀𝐁𝐂 math alphanumerics",
    "∮ E⋅da = Q,  n → ∞, ∑ f(i) = ∏ g(i)",
    "½ ¼ ¾ ⅓ ⅔ fractions, ² ³ superscripts, ₁₂ subscripts",
    "℃ ℉ № ™ ℠ letterlike",
    "©2024 ®",
    "'''quoted''' \"\"\"docstring\"\"\"",
    "I'd've",
    "HE'S THEY'RE WE'VE",
    "'ll'll'll",
    "123'456",
    "a'b'c",
    " 's",
    "\u2019s \u2019t curly",
    "tab\t\tafter",
    "trailing newline\n\n",
    "   \n   \n",
    "word \n word",
    "..." * 30,
    "😀" * 20,
    "中" * 50,
    "한" * 30,
    "ー" * 10,
    "0" * 50,
    "9" * 33,
    "-1234567890123456789012345678901234567890",
    "3.141592653589793238462643383279502884197169399375105820974944",
    "1_000_000 and 0b1010_1010 and 0o777 and 1e+308",
    "$1,234.56 €7.890,12 ¥10000 £3",
    "192.168.0.1:8080 and ::1 and fe80::1%eth0",
    "2024-01-31T23:59:59.999Z",
    "+1 (555) 123-4567",
    "These are MiXeD CaSe WoRdS",
    "camelCaseIdentifier snake_case_identifier SCREAMING_CASE kebab-case",
    "https://例え.jp/パス?クエリ=値",
]

TRADITIONAL_HANDWRITTEN = [
    "這是繁體中文的句子，臺灣與香港使用。",
    "我們應該學習如何與人溝通，並且尊重彼此的意見。",
    "電腦軟體與網際網路的發展，改變了現代人的生活。",
    "臺北市的捷運系統非常方便，每天載運數百萬乘客。",
    "香港的維多利亞港夜景聞名世界。",
    "請問這本書多少錢？大約三百五十元。",
    "他說：「我們明天見。」然後就離開了。",
    "經濟發展與環境保護之間需要取得平衡。",
    "學而時習之，不亦說乎？有朋自遠方來，不亦樂乎？",
    "颱風即將來襲，氣象局發布海上警報。",
    "圖書館裡有許多關於歷史與藝術的書籍。",
    "醫院的護理師們日夜辛勞地照顧病患。",
]

# Simplified -> traditional for common characters (one-to-one cases only), to turn
# Tang and Song poems into traditional-script text.
S2T = dict(zip(
    "这说们为国会个时来对学发开问见语过还后从样长门东车书马鸟鱼风云电话爱头华万与无声体龙归岁梦乡惊"
    "渐忆听写画寿两骑红绿尽谁诗远乐飞鸡钟钱铁银闻闲阳阴陆陈难灵顾须顷颜题风飘饮馆驾骨鸣黄齐时间问"
    "气汉湾关门问闭闪观规觉视亲认让记许论证识诗词读谈谢实宝宫寻对尘层岁岛峡帅帐带师币归录径总恋恶"
    "战戏户扫报拥择挥损摇数斗旧显晓书权极构枪树桥检楼欢残杀毕气汤沟泪泽浅济涛涨润渊渔湿满滚灭灯灾"
    "烟烦烧热爷牵犹狮独猎献环现琐电画畅疗症痒瘦盘盖监着矫矿码砖础硕确礼祷祸离秃秆种积称稳穷窃窍竖"
    "笔笋筑简粮纠红纤约级纪纯纱纲纳纵纷纸纹纺线练组细织终绍经绑结绕绘给络绝统继绩绪续绳维绵绿缓编缘",
    "這說們為國會個時來對學發開問見語過還後從樣長門東車書馬鳥魚風雲電話愛頭華萬與無聲體龍歸歲夢鄉驚"
    "漸憶聽寫畫壽兩騎紅綠盡誰詩遠樂飛雞鐘錢鐵銀聞閒陽陰陸陳難靈顧須頃顏題風飄飲館駕骨鳴黃齊時間問"
    "氣漢灣關門問閉閃觀規覺視親認讓記許論證識詩詞讀談謝實寶宮尋對塵層歲島峽帥帳帶師幣歸錄徑總戀惡"
    "戰戲戶掃報擁擇揮損搖數鬥舊顯曉書權極構槍樹橋檢樓歡殘殺畢氣湯溝淚澤淺濟濤漲潤淵漁濕滿滾滅燈災"
    "煙煩燒熱爺牽猶獅獨獵獻環現瑣電畫暢療症癢瘦盤蓋監著矯礦碼磚礎碩確禮禱禍離禿稈種積稱穩窮竊竅豎"
    "筆筍築簡糧糾紅纖約級紀純紗綱納縱紛紙紋紡線練組細織終紹經綁結繞繪給絡絕統繼績緒續繩維綿綠緩編緣",
))

JAPANESE = [
    "日本語のテキストとカタカナ、ひらがな。東京都",
    "今日はいい天気ですね。散歩に行きましょう。",
    "私の名前は田中です。よろしくお願いします。",
    "東京スカイツリーは高さ634メートルの電波塔です。",
    "吾輩は猫である。名前はまだ無い。",
    "国境の長いトンネルを抜けると雪国であった。",
    "コンピュータープログラミングを勉強しています。",
    "ラーメンと寿司、どちらが好きですか？",
    "新幹線で大阪から東京まで約2時間30分かかります。",
    "「ありがとう」と彼女は言った。",
    "株式会社ヤクは２０２４年に設立されました。",
    "ｶﾀｶﾅ 半角 全角ＡＢＣ１２３",
    "ゔ ゕ ゖ ヷ ヸ ヹ ヺ 珍しい仮名",
    "令和六年四月一日（月曜日）",
    "機械学習モデルのトークナイザーをテストする。",
    "お問い合わせはこちら→support@example.co.jp",
    "ワンピース、ナルト、ドラゴンボール",
    "桜の花が満開になりました🌸",
    "ですます調とである調の違い",
    "ｱｲｳｴｵ　ｶｷｸｹｺ　半角カナ",
]

KOREAN = [
    "한국어 텍스트입니다. 안녕하세요!",
    "대한민국의 수도는 서울입니다.",
    "오늘 날씨가 정말 좋네요. 산책하러 갈까요?",
    "저는 프로그래밍을 공부하고 있습니다.",
    "김치찌개와 된장찌개 중에 뭐가 더 좋아요?",
    "세종대왕은 1443년에 훈민정음을 창제하였다.",
    "인공지능과 기계학습에 관한 연구",
    "감사합니다. 좋은 하루 보내세요!",
    "한글은 자음 14개와 모음 10개로 이루어져 있다.",
    "ㄱㄴㄷㄹ ㅏㅑㅓㅕ 호환 자모",
    "서울특별시 종로구 세종대로 209",
    "ㅋㅋㅋㅋ ㅎㅎ 😂",
]

EMOJI = [
    "😀", "😂", "🥲", "🤖", "👍", "🔥", "✨", "🎉", "🚀", "🌍", "🍕", "⚽", "🐍", "🦀", "🧠",
    "❤️", "❤", "☺️", "✔️", "⚠️", "☕", "⌚", "🫠", "🫶", "🪿",
    "👍🏻", "👍🏽", "👍🏿", "👋🏼", "🧑🏾‍💻",
    "👨‍👩‍👧‍👦", "👩‍❤️‍👨", "🏳️‍🌈", "🏴‍☠️", "👁️‍🗨️", "🧑‍🚀", "👩🏽‍🔬", "🐕‍🦺", "🐻‍❄️",
    "🇺🇸", "🇯🇵", "🇨🇳", "🇰🇷", "🇩🇪", "🇫🇷", "🇧🇷", "🏴󠁧󠁢󠁳󠁣󠁴󠁿",
    "1️⃣", "#️⃣", "*️⃣", "🔟",
]

CODE = [
    "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
    "class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, x):\n"
    "        self.items.append(x)\n",
    "import numpy as np\nx = np.arange(10).reshape(2, 5)\nprint(x.T @ x)\n",
    "with open('data.txt', encoding='utf-8') as f:\n    lines = [l.rstrip('\\n') for l in f]\n",
    "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 42); return 0; }",
    "template <typename T>\nconstexpr T square(T x) noexcept { return x * x; }\n",
    "std::vector<std::unique_ptr<Node>> nodes;\nfor (auto& n : nodes) n->visit(*this);\n",
    "for (int i = 0; i < 10; ++i) {\n\tsum += a[i] * b[i];\n}",
    "const x = {a: 1, b: [2, 3], 'c': \"d\"}; // comment",
    "async function load(url) {\n  const r = await fetch(url);\n  return r.json();\n}\n",
    "document.querySelectorAll('.item').forEach(el => el.classList.toggle('active'));",
    "fn main() -> Result<(), Box<dyn Error>> { Ok(()) }",
    "impl<'a> Iterator for Tokens<'a> {\n    type Item = &'a str;\n    fn next(&mut self) -> "
    "Option<Self::Item> { None }\n}\n",
    "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"hello, 世界\")\n}\n",
    "SELECT id, name FROM users WHERE age >= 21 ORDER BY name DESC;",
    "CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT NOT NULL DEFAULT '');",
    "<html><body><div class=\"x\">Hi &amp; bye</div></body></html>",
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<root attr='1'><child/></root>",
    "$ echo $HOME && ls -la | grep '.txt' > out.log 2>&1",
    "#!/bin/bash\nset -euo pipefail\nfor f in *.gguf; do sha256sum \"$f\"; done\n",
    "{\"name\": \"yak\", \"version\": \"0.1.0\", \"tags\": [\"llm\", \"cpu\"], \"n\": null}",
    "key: value\nlist:\n  - one\n  - two\nnested:\n  a: 1\n",
    "public static void main(String[] args) {\n    System.out.println(\"Hi\");\n}",
    "x = [i**2 for i in range(100) if i % 3 == 0]",
    "lambda x: x if x else None  # noqa",
    "if (a && !b || c != d) { return a ?? b; }",
    "matrix[i][j] += alpha * A[i][k] * B[k][j];",
    "print(f\"{name!r:>10} = {value:.3f}\")",
    "\\begin{equation} E = mc^2 \\end{equation} % LaTeX",
    "-- Lua comment\nlocal t = {1, 2, 3}\nfor i, v in ipairs(t) do print(i, v) end",
    "diff --git a/x b/x\n@@ -1,3 +1,3 @@\n-old line\n+new line\n",
    "<?php echo $arr['key'] . \"\\n\"; ?>",
    "    \n    indented\n        more\n",
]

SPECIALS = [
    "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<s>", "</s>", "<unk>",
    "<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
    "<|eot_id|>", "<|eom_id|>", "<|python_tag|>", "<|reserved_special_token_0|>",
    "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|repo_name|>", "<|file_sep|>",
    "<|vision_start|>", "<|object_ref_start|>", "<tool_call>", "</tool_call>",
    "<repo_name>", "<file_sep>", "<filename>", "<gh_stars>", "<issue_start>",
    "<jupyter_code>", "<empty_output>",
    "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜fim▁hole｜>", "<｜fim▁begin｜>",
    "<|user|>", "<|assistant|>", "<|system|>", "<|end|>",
    "<EOT>", "[INST]", "[/INST]", "<<SYS>>", "<</SYS>>",
]
BROKEN_SPECIALS = [
    "<|im_start", "im_start|>", "<| im_start |>", "<|IM_START|>", "<<|im_end|>>",
    "<s", "s>", "< s>", "<S>", "<s><s>", "</s></s>", "<|begin_of_text", "<|eot_id|",
    "<｜begin of sentence｜>", "<|endoftext|>>", "<<s>>",
]

ENGLISH_WORDS = (
    "the of and to in is was for on that with as by at from his her it an were are which this "
    "be has or had not but their also first new one two after been other its who all more year "
    "model token text weight layer time people world state city water system").split()


def clip(rng, text, lo=8, hi=240):
    if len(text) <= hi:
        return text
    start = rng.randint(0, len(text) - lo)
    return text[start:start + rng.randint(lo, hi)]


def strip_ansi(text):
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def english(rng, data):
    out = []
    with open(os.path.join(data, "eval", "wikitext-2", "wiki.test.raw"), encoding="utf-8") as f:
        lines = [l for l in f.read().split("\n") if l.strip()]
    for line in rng.sample(lines, 300):
        # WikiText's own spacing (" @-@ ", leading space, "= Title =") is kept on purpose.
        out.append(clip(rng, line, 10, 160))
    files = sorted(glob.glob(os.path.join(data, "eval", "mmlu", "test", "*.csv")))
    rows = []
    for path in files:
        with open(path, encoding="utf-8", newline="") as f:
            rows.extend(r[0] for r in list(csv.reader(f))[1:] if r)
    out.extend(clip(rng, q, 10, 200) for q in rng.sample(rows, 100))
    return out


def fortune_entries(name):
    with open(os.path.join(FORTUNES, name), encoding="utf-8", errors="replace") as f:
        return [e.strip("\n") for e in f.read().split("\n%\n") if e.strip()]


def chinese_simplified(rng, data):
    out = []
    entries = fortune_entries("chinese")
    for e in rng.sample(entries, 180):
        text = e if rng.random() < 0.15 else strip_ansi(e)  # some keep their ANSI colours
        out.append(clip(rng, text, 6, 120))
    files = sorted(glob.glob(os.path.join(data, "eval", "cmmlu", "test", "*.csv")))
    rows = []
    for path in files:
        with open(path, encoding="utf-8", newline="") as f:
            for r in list(csv.reader(f))[1:]:
                if len(r) >= 6:
                    rows.append(r[1] + "\nA. " + r[2] + "\nB. " + r[3])
    out.extend(clip(rng, q, 6, 120) for q in rng.sample(rows, 100))
    return out


def chinese_traditional(rng):
    out = list(TRADITIONAL_HANDWRITTEN)
    entries = fortune_entries("tang300") + fortune_entries("song100")
    for e in rng.sample(entries, 130):
        text = "".join(S2T.get(ch, ch) for ch in strip_ansi(e))
        out.append(clip(rng, text, 6, 120))
    return out


def japanese(rng):
    out = list(JAPANESE)
    kana = POOLS["kana"]
    kanji = "日本語東京大学先生時間電車会社仕事天気今年学校友達映画音楽料理言葉手紙新聞世界"
    for _ in range(140):
        parts = []
        for _ in range(rng.randint(2, 12)):
            pool = rng.choice([kana, kanji, "、。！？「」・ー", "ABCxyz0123 "])
            parts.append("".join(rng.choice(pool) for _ in range(rng.randint(1, 5))))
        out.append("".join(parts))
    return out


def korean(rng):
    out = list(KOREAN)
    for _ in range(120):
        words = []
        for _ in range(rng.randint(1, 8)):
            word = ""
            for _ in range(rng.randint(1, 5)):
                # Hangul syllable from initial, medial and final jamo indexes.
                if rng.random() < 0.7:
                    word += chr(0xAC00 + (rng.randrange(19) * 21 + rng.randrange(21)) * 28 +
                                rng.randrange(28))
                else:
                    word += rng.choice(POOLS["hangul"])
            words.append(word)
        out.append(rng.choice([" ", " ", ", ", ". "]).join(words) + rng.choice(["", ".", "?", "!"]))
    return out


def emoji(rng):
    out = list(EMOJI[:20])
    for _ in range(160):
        parts = []
        for _ in range(rng.randint(1, 8)):
            parts.append(rng.choice(EMOJI))
            if rng.random() < 0.3:
                parts.append(rng.choice([" ", "", " and ", "\n", "!", "😀", "\u200d"]))
            if rng.random() < 0.2:
                parts.append(rng.choice(ENGLISH_WORDS))
        out.append("".join(parts))
    return out


def code(rng):
    out = list(CODE)
    for _ in range(150):
        snippet = rng.choice(CODE)
        indent = rng.choice(["  ", "    ", "\t", "        ", "\t\t"])
        lines = snippet.split("\n")
        lines = [(indent * rng.randint(0, 3)) + l.lstrip() for l in lines]
        sep = rng.choice(["\n", "\r\n", "\n\n"])
        out.append(sep.join(lines[: rng.randint(1, len(lines))]))
    return out


def numbers(rng):
    out = []
    digit_sets = ["0123456789"] * 6 + ["０１２３４５６７８９", "٠١٢٣٤٥٦٧٨٩", "०१२३४५६७८९",
                                       "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗", "〇一二三四五六七八九"]
    for _ in range(190):
        digits = rng.choice(digit_sets)
        count = rng.choice([1, 2, 3, 4, 5, 7, 9, 12, 20, 40])
        n = "".join(rng.choice(digits) for _ in range(count))
        form = rng.randrange(8)
        if form == 0:
            n = "-" + n
        elif form == 1:
            n = n + "." + "".join(rng.choice(digits) for _ in range(rng.randint(1, 10)))
        elif form == 2:
            n = f"{int(rng.random() * 10 ** rng.randint(3, 15)):,}"
        elif form == 3:
            n = f"{rng.random():.{rng.randint(1, 17)}e}"
        elif form == 4:
            n = hex(rng.getrandbits(rng.randint(4, 64)))
        elif form == 5:
            n = rng.choice(ENGLISH_WORDS) + " " + n + " " + rng.choice(ENGLISH_WORDS)
        elif form == 6:
            n = " ".join(n[i:i + 3] for i in range(0, len(n), 3))
        out.append(n)
    return out


def spaces(rng):
    out = []
    runs = [" ", "  ", "   ", " " * 8, " " * 33, "\t", "\t\t", "\n", "\n\n", "\r\n", "\r\n\r\n",
            " \n", "\n ", " \t\n", "\u00a0", "\u3000", "\r", "\v", "\f"]
    for _ in range(170):
        parts = []
        for _ in range(rng.randint(1, 10)):
            if rng.random() < 0.5:
                parts.append(rng.choice(ENGLISH_WORDS + ["中文", "日本", "123", "x", "'s", "."]))
            parts.append(rng.choice(runs) * rng.choice([1, 1, 1, 2, 3, 5]))
        out.append("".join(parts))
    return out


def assigned_chars():
    chars = []
    for cp in range(0x20, 0x30000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cat in ("Cn", "Co", "Cs"):
            continue
        chars.append(ch)
    return chars


def odd(rng):
    out = []
    combining = [chr(c) for c in range(0x300, 0x370)] + ["\u0483", "\u0591", "\u05b4", "\u064b",
                                                         "\u0651", "\u093c", "\u20d7", "\u302a"]
    zero_width = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e", "\u034f"]
    odd_spaces = ["\u00a0", "\u1680", "\u2000", "\u2002", "\u2003", "\u2007", "\u2009", "\u200a",
                  "\u202f", "\u205f", "\u3000", "\u2028", "\u2029", "\u0085", "\u180e"]
    rtl = ["مرحبا", "بالعالم", "שלום", "עולם", "فارسی", "اردو", "\u200f", "\u202e", "\u061c"]
    symbols = "∀∃∅∇∈∉∋∏∑−∓∔∕∗∘∙√∛∜∝∞∟∠∧∨∩∪∫∬∭∮∴∵≅≈≠≡≤≥⊂⊃⊆⊇⊕⊗⊥⋅⌈⌉⌊⌋〈〉ℵℏℑℜ℘"
    fullwidth = [chr(c) for c in range(0xFF01, 0xFF5F)]
    every = assigned_chars()
    base = "aeiouAEIOUxyz"
    for _ in range(240):
        kind = rng.randrange(7)
        if kind == 0:
            s = "".join(rng.choice(base) + "".join(rng.choice(combining)
                                                   for _ in range(rng.randint(0, 3)))
                        for _ in range(rng.randint(1, 8)))
        elif kind == 1:
            s = " ".join(rng.choice(rtl) for _ in range(rng.randint(1, 5)))
            s += rng.choice(["", " 123", " abc", " (test)"])
        elif kind == 2:
            s = rng.choice(zero_width).join(rng.sample(ENGLISH_WORDS, rng.randint(2, 4)))
        elif kind == 3:
            s = "".join(rng.choice(ENGLISH_WORDS) + rng.choice(odd_spaces) * rng.randint(1, 3)
                        for _ in range(rng.randint(1, 5)))
        elif kind == 4:
            s = "".join(rng.choice(symbols + "xyz0123 =+") for _ in range(rng.randint(3, 20)))
        elif kind == 5:
            s = "".join(rng.choice(fullwidth) for _ in range(rng.randint(1, 15)))
        else:
            s = "".join(rng.choice(every) for _ in range(rng.randint(1, 12)))
        out.append(s)
    return out


def mixed(rng, pieces):
    out = []
    for _ in range(160):
        out.append(rng.choice(["", " ", "\n"]).join(
            clip(rng, rng.choice(pieces), 2, 40) for _ in range(rng.randint(2, 5))))
    return out


def special(rng, pieces):
    out = list(SPECIALS) + list(BROKEN_SPECIALS)
    for _ in range(230):
        parts = []
        for _ in range(rng.randint(1, 4)):
            if rng.random() < 0.6:
                parts.append(clip(rng, rng.choice(pieces), 1, 30))
            parts.append(rng.choice(SPECIALS) if rng.random() < 0.8
                         else rng.choice(BROKEN_SPECIALS))
            if rng.random() < 0.3:
                parts.append(rng.choice([" ", "\n", "  ", "user\n", " Hello"]))
        out.append("".join(parts))
    out.append("<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"
               "<|start_header_id|>assistant<|end_header_id|>\n\n")
    out.append("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello </s>"
               "<s>[INST] Bye [/INST]")
    out.append("<｜begin▁of▁sentence｜>User: hi\n\nAssistant: hello<｜end▁of▁sentence｜>")
    out.append("<|fim_prefix|>def f(x):\n    <|fim_suffix|>\n    return y<|fim_middle|>")
    return out


def long_texts(rng, pieces):
    out = []
    for size in (1000, 2500, 5000):
        parts = []
        total = 0
        while total < size:
            p = rng.choice(pieces)
            parts.append(p)
            total += len(p)
        out.append("\n".join(parts))
    return out


def build(data):
    rng = random.Random(20240601)
    groups = [
        ("hand", HANDWRITTEN + MORE_HANDWRITTEN),
        ("en", english(rng, data)),
        ("zh-hans", chinese_simplified(rng, data)),
        ("zh-hant", chinese_traditional(rng)),
        ("ja", japanese(rng)),
        ("ko", korean(rng)),
        ("emoji", emoji(rng)),
        ("code", code(rng)),
        ("num", numbers(rng)),
        ("space", spaces(rng)),
        ("odd", odd(rng)),
    ]
    pieces = [t for _, texts in groups[1:] for t in texts]
    groups += [
        ("mixed", mixed(rng, pieces)),
        ("special", special(rng, pieces)),
        ("random", random_strings(120, seed=4321)),
        ("long", long_texts(rng, pieces)),
    ]
    seen = set()
    rows = []
    for category, texts in groups:
        for text in texts:
            if text in seen:
                continue
            # Lone surrogates cannot be UTF-8; nothing above makes them, but make sure.
            text.encode("utf-8")
            seen.add(text)
            rows.append({"c": category, "t": text})
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--data", default=shared_data(), help="the shared data folder")
    args = parser.parse_args()
    rows = build(args.data)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    counts = {}
    for row in rows:
        counts[row["c"]] = counts.get(row["c"], 0) + 1
    print(f"wrote {len(rows)} strings to {args.out} ({os.path.getsize(args.out)} bytes): "
          + ", ".join(f"{k} {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
