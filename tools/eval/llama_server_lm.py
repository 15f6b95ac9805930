"""An lm-evaluation-harness model, `llama-server-forced`, that scores multiple-choice tasks on
llama.cpp's llama-server, to cross-check what `yak serve` scores through local-completions.

llama-server refuses `echo` ("Only no echo is supported"), so it cannot return the prompt's
log-probabilities that local-completions asks for. Instead each continuation token is scored
by its own request: the context plus the continuation so far as the prompt, one token to
generate, that token forced by a +100 logit bias, and `post_sampling_probs: false`, under
which llama-server reports the forced token's log-probability in the model's own (unbiased)
distribution, and the most likely token beside it (for lm-eval's is_greedy). The prompt cache
makes each request cost about one token of prefill.

Tokenization is llama-server's /tokenize of the same GGUF file, split into context and
continuation exactly as lm-eval's TemplateLM does for every causal model.

    model_args: base_url=http://127.0.0.1:PORT,num_concurrent=4
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import requests
from lm_eval.api.model import TemplateLM
from lm_eval.api.registry import register_model
from tqdm import tqdm


@register_model("llama-server-forced")
class LlamaServerForcedLM(TemplateLM):
    def __init__(self, base_url: str, num_concurrent: int = 4, timeout: int = 120, **_kw):
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.workers = int(num_concurrent)
        self.timeout = int(timeout)
        self.session = requests.Session()
        props = self._call("GET", "/props")
        self._eos_id = self.tok_encode(props["eos_token"])[0]

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        r = self.session.request(method, self.base_url + path, json=body, timeout=self.timeout)
        r.raise_for_status()
        return r.json()

    @property
    def eot_token_id(self) -> int:
        return self._eos_id

    def tok_encode(self, string: str, add_special_tokens: bool | None = None, **_kw) -> list[int]:
        body = {"content": string, "add_special": bool(add_special_tokens), "parse_special": True}
        return self._call("POST", "/tokenize", body)["tokens"]

    def _score_token(self, prefix: list[int], token: int) -> tuple[float, bool]:
        out = self._call("POST", "/completion", {
            "prompt": prefix, "n_predict": 1, "n_probs": 1, "post_sampling_probs": False,
            "temperature": 0, "logit_bias": [[token, 100]], "cache_prompt": True})
        prob = out["completion_probabilities"][0]
        if prob["id"] != token:
            raise RuntimeError(f"llama-server sampled {prob['id']}, not the forced {token}")
        return prob["logprob"], prob["top_logprobs"][0]["id"] == token

    def _score(self, context: list[int], continuation: list[int]) -> tuple[float, bool]:
        total, greedy = 0.0, True
        for i, token in enumerate(continuation):
            logprob, top = self._score_token(context + continuation[:i], token)
            total += logprob
            greedy = greedy and top
        return total, greedy

    def _loglikelihood_tokens(self, requests_, disable_tqdm: bool = False, **_kw):
        pairs = [(ctx, cont) for _, ctx, cont in requests_]
        with ThreadPoolExecutor(self.workers) as pool:
            results = list(tqdm(pool.map(lambda p: self._score(*p), pairs), total=len(pairs),
                                disable=disable_tqdm, desc="llama-server forced scoring"))
        for total, _ in results:
            if not math.isfinite(total):
                raise RuntimeError("a log-probability was not finite")
        return results

    def loglikelihood_rolling(self, requests_, disable_tqdm: bool = False):
        raise NotImplementedError("llama-server-forced scores multiple-choice tasks only")

    def generate_until(self, requests_, disable_tqdm: bool = False):
        raise NotImplementedError("llama-server-forced scores multiple-choice tasks only")
