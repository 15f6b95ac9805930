"""Loads ARC-Easy's test split from the local JSONL copy (shared/data/eval/arc/), in the shape of
the Hugging Face `allenai/ai2_arc` data set that lm-evaluation-harness's arc_easy task reads:
{"id", "question", "choices": {"text": [...], "label": [...]}, "answerKey"}."""

from __future__ import annotations

import json
import os
from pathlib import Path

import datasets

REPO = Path(__file__).resolve().parents[2]


def default_path() -> Path:
    shared = Path(os.environ.get("YAK_SHARED_DIR", REPO.parent / "shared"))
    return shared / "data/eval/arc/ARC-Easy-Test.jsonl"


def read_docs(path: Path) -> list[dict]:
    docs = []
    with open(path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            choices = row["question"]["choices"]
            doc = {
                "id": row["id"],
                "question": row["question"]["stem"],
                "choices": {"text": [c["text"] for c in choices],
                            "label": [c["label"] for c in choices]},
                "answerKey": row["answerKey"],
            }
            if doc["answerKey"] not in doc["choices"]["label"]:
                raise ValueError(f"{path}:{line_no}: answerKey {doc['answerKey']!r} is not a label")
            docs.append(doc)
    return docs


def load(arc_easy_jsonl: str | None = None, **_metadata) -> datasets.DatasetDict:
    path = Path(arc_easy_jsonl) if arc_easy_jsonl else default_path()
    if not path.is_file():
        raise FileNotFoundError(f"ARC-Easy test file not found: {path}")
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(read_docs(path))})
