"""Tests of the Step 9 family test models: the skeleton writer (tools/family_gguf.py) and
tools/write_family_models.py. Only numpy and gguf are needed; the committed skeletons must
turn into exactly the files their golden logits were computed from.
"""

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

TOOLS = Path(__file__).resolve().parent.parent
REPO = TOOLS.parent
GOLDEN = REPO / "tests" / "golden" / "families"
sys.path.insert(0, str(TOOLS))

import family_gguf as fg  # noqa: E402
import gguf  # noqa: E402


def small_skeleton() -> dict:
    return {
        "format": fg.FORMAT, "family": "test", "seed": 3, "alignment": 32,
        "metadata": [
            {"key": "general.architecture", "type": "STRING", "value": "llama"},
            {"key": "llama.block_count", "type": "UINT32", "value": 1},
            {"key": "llama.rope.freq_base", "type": "FLOAT32", "value": 10000.0},
            {"key": "llama.attention.layer_norm_rms_epsilon", "type": "FLOAT32",
             "value": fg.exact_float(1e-5, fg.VT.FLOAT32)},
            {"key": "tokenizer.ggml.add_bos_token", "type": "BOOL", "value": True},
            {"key": "tokenizer.ggml.tokens", "type": "ARRAY", "item_type": "STRING",
             "value": ["<unk>", "<s>", "▁a", "🐉"]},
            {"key": "tokenizer.ggml.scores", "type": "ARRAY", "item_type": "FLOAT32",
             "value": [0.0, -1000.0, fg.exact_float(-1.1, fg.VT.FLOAT32), -2.5]},
            {"key": "tokenizer.ggml.token_type", "type": "ARRAY", "item_type": "INT32",
             "value": [2, 3, 1, 1]},
        ],
        "tensors": [
            {"name": "token_embd.weight", "shape": [8, 4], "type": "F32",
             "fill": {"mean": 0.0, "std": 1.0}},
            {"name": "rope_factors_long.weight", "shape": [3], "type": "F32",
             "fill": {"values": [1.0, 2.5, 40.0]}},
            {"name": "output_norm.weight", "shape": [8], "type": "F32",
             "fill": {"mean": 1.0, "std": 0.1}},
        ],
    }


class SkeletonWriterTest(unittest.TestCase):
    def test_fill_values_never_change(self):
        # The bytes of every family model hang on these values: a change here invalidates the
        # sha256 recorded in every tests/golden/families/*.json.
        values = fg.fill_values(1, "blk.0.attn_q.weight", [64, 128], {"mean": 0.0, "std": 0.125})
        self.assertEqual(values.shape, (128, 64))
        self.assertEqual(values.dtype, np.float32)
        self.assertEqual(hashlib.sha256(values.tobytes()).hexdigest(),
                         "f40f7476b528dafbc1a0da4583eb2f3e43fa6df3ecb9a0958d50a6819c513cbc")

    def test_literal_values_are_kept_and_counted(self):
        values = fg.fill_values(0, "x", [3], {"values": [1.0, 2.5, 40.0]})
        self.assertEqual(values.tolist(), [1.0, 2.5, 40.0])
        with self.assertRaises(ValueError):
            fg.fill_values(0, "x", [4], {"values": [1.0, 2.5, 40.0]})

    def test_written_file_reads_back_as_its_skeleton(self):
        skeleton = small_skeleton()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "t.gguf"
            fg.write_gguf(skeleton, path)
            layout = fg.read_layout(path)
            self.assertEqual(layout["metadata"], skeleton["metadata"])
            self.assertEqual(layout["alignment"], 32)
            self.assertEqual(layout["tensors"],
                             [{k: t[k] for k in ("name", "shape", "type")}
                              for t in skeleton["tensors"]])
            reader = gguf.GGUFReader(path)
            for t in skeleton["tensors"]:
                want = fg.fill_values(skeleton["seed"], t["name"], t["shape"], t["fill"])
                self.assertTrue(np.array_equal(fg.tensor_data(reader, t["name"]), want))
            self.assertFalse((Path(tmp) / "t.gguf.partial").exists())

    def test_dump_is_valid_json_of_the_same_skeleton(self):
        skeleton = small_skeleton()
        self.assertEqual(json.loads(fg.dump_skeleton(skeleton)), skeleton)

    def test_bad_skeletons_are_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            wrong_format = dict(small_skeleton(), format="other/1")
            with self.assertRaises(ValueError):
                fg.write_gguf(wrong_format, Path(tmp) / "a.gguf")
            no_arch = small_skeleton()
            no_arch["metadata"] = no_arch["metadata"][1:]
            with self.assertRaises(ValueError):
                fg.write_gguf(no_arch, Path(tmp) / "b.gguf")
            quantized = small_skeleton()
            quantized["tensors"][0]["type"] = "Q8_0"
            with self.assertRaises(ValueError):
                fg.write_gguf(quantized, Path(tmp) / "c.gguf")


def committed_families() -> list[str]:
    return sorted(p.name.removesuffix(".skeleton.json") for p in GOLDEN.glob("*.skeleton.json"))


class CommittedFamiliesTest(unittest.TestCase):
    def test_there_are_families(self):
        self.assertGreater(len(committed_families()), 0, f"no skeletons in {GOLDEN}")

    def test_every_skeleton_rebuilds_the_golden_file_bytes(self):
        # What CI runs on must be what transformers or llama.cpp computed the goldens from.
        with tempfile.TemporaryDirectory() as tmp:
            for name in committed_families():
                with self.subTest(family=name):
                    golden = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
                    self.assertEqual(golden["model_file"], f"families/{name}.gguf")
                    out = Path(tmp) / f"{name}.gguf"
                    fg.write_gguf(fg.load_skeleton(GOLDEN / f"{name}.skeleton.json"), out)
                    self.assertEqual(fg.sha256_of(out), golden["model_sha256"])
                    out.unlink()

    def test_goldens_have_the_model_golden_format(self):
        for name in committed_families():
            with self.subTest(family=name):
                doc = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
                n_vocab = doc["n_vocab"]
                self.assertTrue(all(0 <= i < n_vocab for i in doc["sample_ids"]))
                self.assertGreaterEqual(len(doc["cases"]), 5)
                for case in doc["cases"]:
                    self.assertEqual(len(case["positions"]), len(case["tokens"]))
                    self.assertTrue(all(0 <= t < n_vocab for t in case["tokens"] + case["greedy"]))
                    self.assertGreater(len(set(case["greedy"])), 1)
                    for pos in case["positions"]:
                        self.assertEqual(len(pos["sample_logits"]), len(doc["sample_ids"]))
                        self.assertEqual(pos["top_logits"], sorted(pos["top_logits"], reverse=True))


class WriteFamilyModelsTest(unittest.TestCase):
    def run_writer(self, *args):
        return subprocess.run([sys.executable, str(TOOLS / "write_family_models.py"), *args],
                              capture_output=True, text=True)

    def test_writes_then_leaves_alone(self):
        names = committed_families()[:1]
        self.assertTrue(names)
        with tempfile.TemporaryDirectory() as tmp:
            first = self.run_writer("--out", tmp, *names)
            self.assertEqual(first.returncode, 0, first.stderr)
            self.assertIn("written", first.stdout)
            second = self.run_writer("--out", tmp, *names)
            self.assertEqual(second.returncode, 0, second.stderr)
            self.assertIn("present", second.stdout)

    def test_a_changed_skeleton_fails_loudly(self):
        name = committed_families()[0]
        with tempfile.TemporaryDirectory() as tmp:
            golden = Path(tmp) / "golden"
            golden.mkdir()
            shutil.copy(GOLDEN / f"{name}.json", golden)
            skeleton = fg.load_skeleton(GOLDEN / f"{name}.skeleton.json")
            skeleton["seed"] += 1
            (golden / f"{name}.skeleton.json").write_text(fg.dump_skeleton(skeleton))
            run = self.run_writer("--golden", str(golden), "--out", str(Path(tmp) / "out"))
            self.assertNotEqual(run.returncode, 0)
            self.assertIn("sha256", run.stderr)
            self.assertFalse((Path(tmp) / "out" / f"{name}.gguf").exists())

    def test_unknown_family_is_an_error(self):
        run = self.run_writer("--out", tempfile.gettempdir(), "no-such-family")
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("no skeleton", run.stderr)


if __name__ == "__main__":
    unittest.main()
