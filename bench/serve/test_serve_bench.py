"""Tests of bench/compare-serve's parts that need no model or server binary:
python3 -m unittest discover -s bench/serve -v

The server-lifecycle tests start a small Python HTTP server as a stand-in (loopback only, each
bounded by a few seconds).
"""

import asyncio
import sys
import tempfile
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import load  # noqa: E402  (path set up above)
import prompt_sets as ps  # noqa: E402
import report  # noqa: E402
from servers import Failure, Server, free_ports  # noqa: E402

FAKE_SERVER = r"""
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


class SyntheticPromptTest(unittest.TestCase):
    def setUp(self):
        self.sentences = ps.load_sentences()

    def test_same_seed_and_index_give_the_same_prompt(self):
        a = ps.synthetic_prompt(self.sentences, 7, 3, 16, 1024)
        b = ps.synthetic_prompt(self.sentences, 7, 3, 16, 1024)
        self.assertEqual(a, b)
        self.assertNotEqual(a, ps.synthetic_prompt(self.sentences, 7, 4, 16, 1024))
        self.assertNotEqual(a, ps.synthetic_prompt(self.sentences, 8, 3, 16, 1024))

    def test_lengths_span_the_range(self):
        words = [len(ps.synthetic_prompt(self.sentences, 1, i, 16, 1024)[0]["content"].split())
                 for i in range(300)]
        self.assertGreaterEqual(min(words), round(16 / ps.TOKENS_PER_WORD) - 1)
        self.assertLessEqual(max(words), round(1024 / ps.TOKENS_PER_WORD) + 1)
        # Log-uniform: about as many prompts under the geometric middle (128) as above it.
        under = sum(w < 128 / ps.TOKENS_PER_WORD for w in words)
        self.assertTrue(100 < under < 200, under)
        self.assertGreater(max(words), 600)  # long prompts reuse sentences after a reshuffle

    def test_prompt_ends_with_a_task(self):
        content = ps.synthetic_prompt(self.sentences, 1, 0, 16, 1024)[0]["content"]
        self.assertTrue(any(content.endswith("\n\n" + t) for t in ps.TASKS))


class ConversationTest(unittest.TestCase):
    def setUp(self):
        self.m = ps.ChatMaterial.load()

    def test_first_turns_differ_across_all_pairs(self):
        n = len(self.m.people) * len(self.m.openers)
        firsts = {ps.conversation(self.m, 1, i, 5).user_turns[0] for i in range(n)}
        self.assertEqual(len(firsts), n)

    def test_shared_system_prompt_and_turn_count(self):
        c = ps.conversation(self.m, 1, 5, 4)
        self.assertEqual(c.system, self.m.system)
        self.assertEqual(len(c.user_turns), 4)
        self.assertEqual(len(set(c.user_turns[1:])), 3)
        self.assertEqual(c, ps.conversation(self.m, 1, 5, 4))

    def test_too_many_turns_is_refused(self):
        with self.assertRaises(ValueError):
            ps.conversation(self.m, 1, 0, len(self.m.follow_ups) + 2)


class ReportTest(unittest.TestCase):
    def test_percentile_interpolates_like_numpy(self):
        xs = [1.0, 2.0, 3.0, 4.0, 10.0]
        self.assertEqual(report.percentile(xs, 50), 3.0)
        self.assertAlmostEqual(report.percentile(xs, 99), 9.76)
        self.assertEqual(report.percentile([5.0], 99), 5.0)
        self.assertTrue(report.percentile([], 50) != report.percentile([], 50))  # nan

    def test_summary_counts_tokens_errors_and_cache(self):
        ok = [load.RequestResult(ok=True, ttft=0.1 * (i + 1), e2e=1.0 + i, itl=[0.01, 0.03],
                                 completion_tokens=10, prompt_tokens=100, cached_tokens=50)
              for i in range(3)]
        bad = load.RequestResult(ok=False, error="HTTP 500")
        run = load.LevelRun("yak", "synthetic", 4, 0, 2.0, [*ok, bad])
        s = report.summarize([run])
        self.assertEqual((s.requests, s.errors), (4, 1))
        self.assertAlmostEqual(s.out_tok_per_s, 15.0)
        self.assertAlmostEqual(s.req_per_s, 1.5)
        self.assertAlmostEqual(s.cached_share, 0.5)
        self.assertAlmostEqual(s.ttft_mean_ms, 200.0)
        self.assertAlmostEqual(s.itl_p50_ms, 20.0)
        self.assertEqual(s.first_errors, ["HTTP 500"])
        self.assertIn("| 4       | yak", report.table([s], ["yak"]))

    def test_ratio_line_and_bar(self):
        def summary(server, prompt_set, level, tok, p99, mean):
            run = load.LevelRun(server, prompt_set, level, 0, 1.0, [
                load.RequestResult(ok=True, ttft=p99 / 1e3, e2e=2.0, completion_tokens=tok)])
            s = report.summarize([run])
            s.ttft_mean_ms = mean
            return s

        ss = [summary("yak", "synthetic", 16, 300, 100, 100),
              summary("llama", "synthetic", 16, 100, 200, 200),
              summary("yak", "multi-turn", 16, 100, 100, 40),
              summary("llama", "multi-turn", 16, 100, 100, 100)]
        line = report.ratio_line(ss, "yak", "llama")
        self.assertIn("out tok/s synthetic: 16c 3.00x", line)
        self.assertIn("p99 TTFT 16c synthetic: 0.50x", line)
        self.assertIn("mean TTFT multi-turn: 16c 0.40x", line)
        bar = "\n".join(report.bar_lines(ss, "yak", "llama", None))
        self.assertIn("synthetic at 16 clients: output tok/s 3.00x (bar >= 1.5x: yes)", bar)
        self.assertIn("multi-turn at 16 clients: output tok/s 1.00x (bar >= 1.5x: NO)", bar)
        self.assertIn("mean TTFT 0.40x (bar <= 0.5x: yes)", bar)


class ServerLifecycleTest(unittest.TestCase):
    def test_free_ports_are_distinct(self):
        a, b = free_ports(2)
        self.assertNotEqual(a, b)

    def test_waits_for_health_and_stops_the_process(self):
        (port,) = free_ports(1)
        with tempfile.TemporaryDirectory() as d:
            s = Server("fake", [sys.executable, "-c", FAKE_SERVER, str(port)], port,
                       Path(d) / "log")
            s.start()
            try:
                self.assertLess(s.wait_healthy(10), 10)
                self.assertGreater(s.peak_rss_mib(), 1)
                self.assertIsNotNone(s.cpu_seconds())
            finally:
                s.stop(grace_s=5)
            self.assertFalse(s.alive())

    def test_a_server_that_exits_fails_fast_with_its_log(self):
        (port,) = free_ports(1)
        with tempfile.TemporaryDirectory() as d:
            s = Server("quitter", [sys.executable, "-c", "print('bad flag'); exit(3)"], port,
                       Path(d) / "log")
            s.start()
            start = time.monotonic()
            try:
                with self.assertRaisesRegex(Failure, r"(?s)exited with 3.*bad flag"):
                    s.wait_healthy(30)
            finally:
                s.stop()
            self.assertLess(time.monotonic() - start, 10)


class RequestErrorTest(unittest.TestCase):
    def test_a_refused_connection_is_an_error_not_an_exception(self):
        try:
            import openai
        except ImportError:
            self.skipTest("openai is not installed (python3 -m pip install openai)")
        (port,) = free_ports(1)  # nothing listens there

        async def go():
            client = openai.AsyncOpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="x",
                                        max_retries=0, timeout=5)
            s = load.RequestSettings("m", 4, 1, True, 5)
            r = await load.one_request(client, [{"role": "user", "content": "hi"}], s)
            await client.close()
            return r

        r = asyncio.run(go())
        self.assertFalse(r.ok)
        self.assertIn("Connection", r.error)


if __name__ == "__main__":
    unittest.main()
