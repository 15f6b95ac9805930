"""Tests of bench/compare-serve's parts that need no model or server binary:
python3 -m unittest discover -s bench/serve -v

The server-lifecycle tests start a small Python HTTP server as a stand-in (loopback only, each
bounded by a few seconds).
"""

import asyncio
import http.server
import json
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import decode_probe  # noqa: E402  (path set up above)
import load  # noqa: E402
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
        bar = "\n".join(report.bar_lines(ss, "yak", "llama", 300.0, 360.0))
        self.assertIn("synthetic at 16 clients: output tok/s 3.00x (bar >= 1.5x: yes)", bar)
        self.assertIn("multi-turn at 16 clients: output tok/s 1.00x (bar >= 1.5x: NO)", bar)
        self.assertIn("mean TTFT 0.40x (bar <= 0.5x: yes)", bar)
        self.assertIn("1-client decode probe 300.0 tok/s vs yak bench 360.0: 0.83 "
                      "(bar within 10%: NO)", bar)
        self.assertNotIn("decode probe", "\n".join(report.bar_lines(ss, "yak", "llama",
                                                                     None, 360.0)))


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


class FakeOpenAIHandler(http.server.BaseHTTPRequestHandler):
    """Streams 5 one-word chunks and a usage chunk per chat completion; records each body;
    closes the connection unanswered on the requests whose number is in `drop`."""
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        srv = self.server
        srv.count += 1
        if srv.count in srv.drop:
            self.close_connection = True
            return
        srv.bodies.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def event(obj):
            data = f"data: {json.dumps(obj)}\n\n".encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        base = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m"}
        event({**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]})
        for i in range(5):
            time.sleep(0.01)
            event({**base, "choices": [{"index": 0, "delta": {"content": f" w{i}"}}]})
        event({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]})
        event({**base, "choices": [], "usage": {
            "prompt_tokens": 20, "completion_tokens": 5, "total_tokens": 25,
            "prompt_tokens_details": {"cached_tokens": 16}}})
        data = b"data: [DONE]\n\n"
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n\r\n")

    def log_message(self, *args):
        pass


class LoadGeneratorTest(unittest.TestCase):
    def setUp(self):
        try:
            import openai
        except ImportError:
            self.skipTest("openai is not installed (python3 -m pip install openai)")
        self.openai = openai
        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAIHandler)
        self.srv.count, self.srv.drop, self.srv.bodies = 0, set(), []
        self.thread = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.thread.start()
        self.settings = load.RequestSettings("m", 5, 1, True, 10)

    def tearDown(self):
        if hasattr(self, "srv"):
            self.srv.shutdown()
            self.srv.server_close()

    def run_with_client(self, fn):
        async def go():
            client = self.openai.AsyncOpenAI(
                base_url=f"http://127.0.0.1:{self.srv.server_port}/v1", api_key="x",
                max_retries=0, timeout=10)
            try:
                return await fn(client)
            finally:
                await client.close()

        return asyncio.run(go())

    def test_measures_a_streamed_reply(self):
        r = self.run_with_client(lambda c: load.one_request(
            c, [{"role": "user", "content": "hi"}], self.settings))
        self.assertTrue(r.ok, r.error)
        self.assertEqual((r.completion_tokens, r.prompt_tokens, r.cached_tokens), (5, 20, 16))
        self.assertEqual((r.content_chunks, len(r.itl), r.retries), (5, 4, 0))
        self.assertEqual(r.text, " w0 w1 w2 w3 w4")
        self.assertEqual(r.finish_reason, "length")
        self.assertTrue(0 < r.ttft < r.e2e)
        body = self.srv.bodies[0]
        self.assertEqual((body["ignore_eos"], body["temperature"], body["max_tokens"]),
                         (True, 0.0, 5))
        self.assertEqual(body["stream_options"], {"include_usage": True})

    def test_an_unanswered_request_is_resent_once_and_counted(self):
        self.srv.drop = {1}
        r = self.run_with_client(lambda c: load.one_request(
            c, [{"role": "user", "content": "hi"}], self.settings))
        self.assertTrue(r.ok, r.error)
        self.assertEqual(r.retries, 1)

    def test_a_second_unanswered_attempt_is_an_error(self):
        self.srv.drop = {1, 2}
        r = self.run_with_client(lambda c: load.one_request(
            c, [{"role": "user", "content": "hi"}], self.settings))
        self.assertFalse(r.ok)
        self.assertEqual(r.retries, 1)
        self.assertIn("without sending a response", r.error)

    def test_conversations_resend_history_with_actual_replies(self):
        m = ps.ChatMaterial.load()
        convs = [ps.conversation(m, 1, i, 3) for i in range(4)]
        wall, results = self.run_with_client(
            lambda c: load.run_conversations(c, convs, 2, self.settings))
        self.assertEqual(len(results), 12)
        self.assertTrue(all(r.ok for r in results))
        lengths = sorted(len(b["messages"]) for b in self.srv.bodies)
        self.assertEqual(lengths, [2] * 4 + [4] * 4 + [6] * 4)
        third = [b for b in self.srv.bodies if len(b["messages"]) == 6][0]["messages"]
        self.assertEqual(third[0]["role"], "system")
        self.assertEqual([x["content"] for x in third if x["role"] == "assistant"],
                         [" w0 w1 w2 w3 w4"] * 2)

    def test_synthetic_runs_every_prompt_once(self):
        prompts = [[{"role": "user", "content": f"p{i}"}] for i in range(7)]
        wall, results = self.run_with_client(
            lambda c: load.run_synthetic(c, prompts, 3, self.settings))
        self.assertEqual(len(results), 7)
        self.assertEqual(sorted(b["messages"][0]["content"] for b in self.srv.bodies),
                         sorted(f"p{i}" for i in range(7)))
        self.assertGreater(wall, 0)


class FakeCompletionsHandler(http.server.BaseHTTPRequestHandler):
    """Streams 9 text chunks 10 ms apart and a usage chunk counting 9 tokens, or a 400 when
    the server's `status` says so; records each body."""

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.bodies.append(body)
        if self.server.status != 200:
            self.send_response(self.server.status)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for i in range(9):
            if i:
                time.sleep(0.01)
            chunk = {"choices": [{"index": 0, "text": f" t{i}"}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
        usage = {"choices": [], "usage": {"prompt_tokens": 128, "completion_tokens": 9}}
        self.wfile.write(f"data: {json.dumps(usage)}\n\ndata: [DONE]\n\n".encode())

    def log_message(self, *args):
        pass


class DecodeProbeTest(unittest.TestCase):
    def setUp(self):
        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeCompletionsHandler)
        self.srv.bodies, self.srv.status = [], 200
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.srv.server_port}"

    def tearDown(self):
        self.srv.shutdown()
        self.srv.server_close()

    def test_prompts_are_new_token_ids_of_the_benchmark_length(self):
        a, b = decode_probe.prompt_ids(1, 0), decode_probe.prompt_ids(1, 1)
        self.assertEqual(len(a), decode_probe.PROMPT_TOKENS)
        self.assertNotEqual(a, b)
        self.assertEqual(a, decode_probe.prompt_ids(1, 0))
        self.assertTrue(all(isinstance(t, int) and t >= 1000 for t in a))

    def test_rate_counts_tokens_after_the_first_over_the_stream(self):
        rate = decode_probe.decode_rate(self.url, "m", [5, 6, 7], 10)
        # 8 tokens after the first, over 8 gaps of 10 ms: about 100 tok/s, less for overhead.
        self.assertGreater(rate, 40)
        self.assertLess(rate, 110)
        body = self.srv.bodies[0]
        self.assertEqual(body["prompt"], [5, 6, 7])
        self.assertEqual(body["max_tokens"], decode_probe.GENERATED_TOKENS)
        self.assertTrue(body["stream"] and body["ignore_eos"])
        self.assertEqual(body["temperature"], 0)

    def test_an_error_status_is_a_failure(self):
        self.srv.status = 400
        with self.assertRaisesRegex(RuntimeError, "400"):
            decode_probe.decode_rate(self.url, "m", [5], 10)


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
