"""Figures and tables of bench/compare-serve: per (prompt set, level, server) over all its
repeats, the table printed per prompt set, the ratio line and the check against the bar of
issue 11 section 5."""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass

from load import LevelRun


def percentile(xs: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); nan when empty."""
    if not xs:
        return math.nan
    s = sorted(xs)
    pos = (len(s) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def mean(xs: list[float]) -> float:
    return statistics.fmean(xs) if xs else math.nan


@dataclass
class Summary:
    server: str
    prompt_set: str
    level: int
    requests: int
    errors: int
    retries: int
    wall_s: float
    req_per_s: float
    out_tok_per_s: float
    tokens_per_request: float
    prompt_tokens_mean: float
    cached_share: float  # cached / prompt tokens over requests that report both; nan if none
    ttft_p50_ms: float
    ttft_p99_ms: float
    ttft_mean_ms: float
    itl_p50_ms: float
    itl_p99_ms: float
    e2e_p50_s: float
    decode_tps_median: float
    first_errors: list[str]


def summarize(runs: list[LevelRun]) -> Summary:
    """One summary over the repeats of one (server, prompt set, level)."""
    results = [r for run in runs for r in run.results]
    ok = [r for r in results if r.ok]
    wall = sum(run.wall_s for run in runs)
    tokens = sum(r.completion_tokens for r in ok)
    ttft = [r.ttft * 1e3 for r in ok if r.ttft is not None]
    itl = [g * 1e3 for r in ok for g in r.itl]
    reporting = [r for r in ok if r.cached_tokens is not None and r.prompt_tokens]
    prompt = [r.prompt_tokens for r in ok if r.prompt_tokens is not None]
    decode = [d for r in ok if (d := r.decode_tps()) is not None]
    errors = [r.error or "unknown" for r in results if not r.ok]
    return Summary(
        server=runs[0].server, prompt_set=runs[0].prompt_set, level=runs[0].level,
        requests=len(results), errors=len(errors), retries=sum(r.retries for r in results),
        wall_s=wall,
        req_per_s=len(ok) / wall if wall > 0 else math.nan,
        out_tok_per_s=tokens / wall if wall > 0 else math.nan,
        tokens_per_request=tokens / len(ok) if ok else math.nan,
        prompt_tokens_mean=mean(prompt),
        cached_share=(sum(r.cached_tokens for r in reporting)
                      / sum(r.prompt_tokens for r in reporting)) if reporting else math.nan,
        ttft_p50_ms=percentile(ttft, 50), ttft_p99_ms=percentile(ttft, 99),
        ttft_mean_ms=mean(ttft), itl_p50_ms=percentile(itl, 50),
        itl_p99_ms=percentile(itl, 99), e2e_p50_s=percentile([r.e2e for r in ok], 50),
        decode_tps_median=statistics.median(decode) if decode else math.nan,
        first_errors=errors[:3])


def _num(x: float, digits: int) -> str:
    return "-" if x is None or math.isnan(x) else f"{x:.{digits}f}"


def ratio(a: float, b: float) -> str:
    if a is None or b is None or math.isnan(a) or math.isnan(b) or b == 0:
        return "-"
    return f"{a / b:.2f}x"


COLUMNS = (
    ("clients", None, 0), ("server", None, 0), ("req/s", "req_per_s", 2),
    ("out tok/s", "out_tok_per_s", 1), ("tok/req", "tokens_per_request", 1),
    ("prompt tok", "prompt_tokens_mean", 0), ("cached", "cached_share", None),
    ("TTFT p50 ms", "ttft_p50_ms", 0), ("TTFT p99 ms", "ttft_p99_ms", 0),
    ("TTFT mean ms", "ttft_mean_ms", 0), ("ITL p50 ms", "itl_p50_ms", 1),
    ("ITL p99 ms", "itl_p99_ms", 1), ("E2E p50 s", "e2e_p50_s", 2), ("errors", "errors", 0),
    ("retried", "retries", 0),
)


def table(summaries: list[Summary], servers: list[str]) -> str:
    rows = []
    levels = sorted({s.level for s in summaries})
    by_key = {(s.level, s.server): s for s in summaries}
    for level in levels:
        for server in servers:
            s = by_key.get((level, server))
            if s is None:
                continue
            cells = [str(level), server]
            for _, attr, digits in COLUMNS[2:]:
                value = getattr(s, attr)
                if attr == "cached_share":
                    cells.append("-" if math.isnan(value) else f"{100 * value:.0f}%")
                elif attr in ("errors", "retries"):
                    cells.append(str(value))
                else:
                    cells.append(_num(value, digits))
            rows.append(cells)
    head = [c[0] for c in COLUMNS]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) if i < 2 else c.rjust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths))) + " |"

    out = [line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in rows]
    return "\n".join(out)


def summaries_dicts(summaries: list[Summary]) -> list[dict]:
    return [asdict(s) for s in summaries]


def ratio_line(summaries: list[Summary], yak: str, peer: str) -> str:
    """Yak/peer: output tok/s at each level of each set, p99 TTFT at 16 clients, mean TTFT
    of the multi-turn set at each level."""
    by = {(s.prompt_set, s.level, s.server): s for s in summaries}
    sets = list(dict.fromkeys(s.prompt_set for s in summaries))

    def cells(ps: str, attr: str) -> str:
        levels = sorted({s.level for s in summaries if s.prompt_set == ps})
        return " ".join(
            f"{lv}c {ratio(getattr(by[(ps, lv, yak)], attr), getattr(by[(ps, lv, peer)], attr))}"
            for lv in levels if (ps, lv, yak) in by and (ps, lv, peer) in by)

    parts = [f"out tok/s {ps}: {cells(ps, 'out_tok_per_s')}" for ps in sets]
    for ps in sets:
        if (ps, 16, yak) in by and (ps, 16, peer) in by:
            parts.append(f"p99 TTFT 16c {ps}: "
                         f"{ratio(by[(ps, 16, yak)].ttft_p99_ms, by[(ps, 16, peer)].ttft_p99_ms)}")
    if "multi-turn" in sets:
        parts.append(f"mean TTFT multi-turn: {cells('multi-turn', 'ttft_mean_ms')}")
    return f"ratios {yak}/{peer}: " + " | ".join(parts)


def bar_lines(summaries: list[Summary], yak: str, peer: str,
              probe_decode_tps: float | None, bench_decode_tps: float | None) -> list[str]:
    """The bar of issue 11 section 5, item by item, on the figures of this run; the
    1-client decode item compares the decode probe with `yak bench` on the same work."""
    by = {(s.prompt_set, s.level, s.server): s for s in summaries}
    lines = []
    yak_errors = sum(s.errors for s in summaries if s.server == yak)
    lines.append(f"  zero errors at every level ({yak}): "
                 f"{'yes' if yak_errors == 0 else f'NO ({yak_errors})'}")
    for ps in ("synthetic", "multi-turn"):
        y, p = by.get((ps, 16, yak)), by.get((ps, 16, peer))
        if y is None or p is None:
            continue
        tok = y.out_tok_per_s / p.out_tok_per_s if p.out_tok_per_s else math.nan
        lines.append(f"  {ps} at 16 clients: output tok/s {tok:.2f}x (bar >= 1.5x: "
                     f"{'yes' if tok >= 1.5 else 'NO'}), p99 TTFT {y.ttft_p99_ms:.0f} vs "
                     f"{p.ttft_p99_ms:.0f} ms (bar no worse: "
                     f"{'yes' if y.ttft_p99_ms <= p.ttft_p99_ms else 'NO'})")
    mt = [(by[("multi-turn", lv, yak)], by[("multi-turn", lv, peer)])
          for lv in sorted({s.level for s in summaries})
          if ("multi-turn", lv, yak) in by and ("multi-turn", lv, peer) in by]
    for y, p in mt:
        r = y.ttft_mean_ms / p.ttft_mean_ms if p.ttft_mean_ms else math.nan
        lines.append(f"  multi-turn at {y.level} clients: mean TTFT {r:.2f}x (bar <= 0.5x: "
                     f"{'yes' if r <= 0.5 else 'NO'})")
    if probe_decode_tps and bench_decode_tps:
        r = probe_decode_tps / bench_decode_tps
        lines.append(f"  1-client decode probe {probe_decode_tps:.1f} tok/s vs yak bench "
                     f"{bench_decode_tps:.1f}: {r:.2f} (bar within 10%: "
                     f"{'yes' if abs(r - 1) <= 0.10 else 'NO'})")
    return lines
