"""The two prompt sets of bench/compare-serve, built deterministically from committed text.

synthetic   one user message per request, of a length drawn log-uniformly between a minimum
            and a maximum number of tokens: shuffled sentences of paragraphs.txt followed by
            a task ("Continue the text above." ...). Every index gives a different prompt,
            so no two requests of a run share more than the chat template's opening.
multi-turn  conversations that all start with the same system prompt (multi-turn.json); the
            first user turn pairs a person with an opening question, later turns are
            follow-ups. The client sends each turn with every earlier turn and the server's
            actual replies, so a server that caches prefixes recomputes only the new turn.

Lengths are targets in tokens, converted to words at TOKENS_PER_WORD (about what Llama-style
BPE vocabularies give for this prose); the servers' usage counts give the real numbers.
"""

from __future__ import annotations

import json
import math
import random
import re
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PARAGRAPHS = HERE / "paragraphs.txt"
MULTI_TURN = HERE / "multi-turn.json"
TOKENS_PER_WORD = 1.3

TASKS = (
    "Continue the text above.",
    "Summarize the text above in a few sentences.",
    "Write a short story inspired by the notes above.",
    "List the main facts in the text above.",
    "Explain the text above to a child.",
    "Write a letter to a friend about the text above.",
    "Answer: what is the text above mostly about?",
    "Rewrite the text above as a news report.",
)


def load_sentences(path: Path = PARAGRAPHS) -> list[str]:
    """The sentences of a paragraph file (one paragraph a line, '#' lines are comments)."""
    sentences: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        sentences += [s for s in re.split(r"(?<=[.!?])\s+", line) if s]
    if len(sentences) < 10:
        raise ValueError(f"{path} has only {len(sentences)} sentences; it needs at least 10")
    return sentences


def target_tokens(rng: random.Random, low: int, high: int) -> int:
    """A length between low and high, log-uniform: as many short prompts as long ones."""
    return int(round(math.exp(rng.uniform(math.log(low), math.log(high)))))


def synthetic_prompt(sentences: list[str], seed: int, index: int, low: int,
                     high: int) -> list[dict]:
    """The chat messages of synthetic prompt `index`: one user message of about
    target_tokens(low, high) tokens. The same (seed, index) always gives the same prompt."""
    rng = random.Random(f"{seed}/synthetic/{index}")
    want_words = max(4, round(target_tokens(rng, low, high) / TOKENS_PER_WORD))
    task = rng.choice(TASKS)
    text_words = max(1, want_words - len(task.split()))
    words: list[str] = []
    order: list[str] = []
    while len(words) < text_words:
        if not order:
            order = sentences[:]
            rng.shuffle(order)
        words += order.pop().split()
    text = " ".join(words[:text_words]).rstrip(",;:")
    if not text.endswith((".", "!", "?")):
        text += "."
    return [{"role": "user", "content": f"{text}\n\n{task}"}]


@dataclass(frozen=True)
class Conversation:
    system: str
    user_turns: tuple[str, ...]


@dataclass(frozen=True)
class ChatMaterial:
    system: str
    people: tuple[str, ...]
    openers: tuple[str, ...]
    follow_ups: tuple[str, ...]

    @staticmethod
    def load(path: Path = MULTI_TURN) -> "ChatMaterial":
        data = json.loads(path.read_text(encoding="utf-8"))
        try:
            m = ChatMaterial(data["system"], tuple(data["people"]), tuple(data["openers"]),
                             tuple(data["follow_ups"]))
        except KeyError as e:
            raise ValueError(f"{path} has no {e.args[0]!r} field") from e
        if not (m.system and m.people and m.openers and m.follow_ups):
            raise ValueError(f"{path}: system, people, openers and follow_ups must be non-empty")
        return m


def conversation(material: ChatMaterial, seed: int, index: int, turns: int) -> Conversation:
    """Conversation `index` of `turns` user turns. The first turns of indices 0 .. P*O-1
    (P people, O openers) are all different: the pairs are dealt from one seeded shuffle."""
    if not 1 <= turns <= len(material.follow_ups) + 1:
        raise ValueError(f"turns must be between 1 and {len(material.follow_ups) + 1}")
    n_pairs = len(material.people) * len(material.openers)
    deal = list(range(n_pairs))
    random.Random(f"{seed}/pairs").shuffle(deal)
    pair = deal[index % n_pairs]
    person = material.people[pair // len(material.openers)]
    opener = material.openers[pair % len(material.openers)]
    rng = random.Random(f"{seed}/conversation/{index}")
    follow = rng.sample(material.follow_ups, turns - 1)
    return Conversation(material.system, (f"{person} {opener}", *follow))
