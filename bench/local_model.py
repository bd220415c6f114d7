"""Generation speed of the embedded model through msm_nb, against calling llama.cpp directly.

Both paths use the one in-process server that `msm_nb.backends.local_server()` starts, so the
thread count and every model parameter are the same. Each pair sends the same prompt, max_tokens,
temperature and seed, once through `LLM("local/smollm2-135m").complete` (a fresh `variant` per
pair, so the ledger never hits) and once to `xllamacpp.Server.handle_chat_completions` directly.
The order inside a pair alternates. The script prints generated tokens per second for each path
and their ratio (target at least 0.9).

    python bench/local_model.py
    python bench/local_model.py --pairs 4 --max-tokens 128
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import benchlib
from msm_nb import backends
from msm_nb.backends import local_server, openai_params
from msm_nb.client import LLM
from msm_nb.llm import LOCAL_MODEL, Request, user

TARGET_RATIO = 0.9
PROMPT = "Write a short story about a lighthouse keeper who finds a letter in a bottle."


def direct_params(req: Request) -> dict:
    "Build the parameters LocalBackend sends for `req`: its key-derived seed and text sampling settings."
    params = openai_params(LOCAL_MODEL.split("/")[1], req)
    params["seed"] = int(req.key[:8], 16)
    if req.json_schema is None:
        # Sampling settings that LocalBackend adds to text calls, in versions that have them.
        params.update(getattr(backends, "LOCAL_TEXT_SAMPLING", {}))
    return params


async def timed_msm_nb(llm: LLM, req: Request) -> tuple[int, float, str]:
    "Return generated tokens, seconds and text of one call through msm_nb."
    start = time.perf_counter()
    response = await llm.complete(req)
    seconds = time.perf_counter() - start
    if response.cached:
        raise RuntimeError(f"variant {req.variant} came from the ledger; the measurement needs fresh calls")
    return response.usage.output_tokens, seconds, response.text


def timed_direct(req: Request) -> tuple[int, float, str]:
    "Return generated tokens, seconds and text of one direct `handle_chat_completions` call."
    server = local_server()
    params = direct_params(req)
    start = time.perf_counter()
    data = server.handle_chat_completions(params)
    seconds = time.perf_counter() - start
    if "error" in data:
        raise RuntimeError(f"direct call failed: {data['error']}")
    return data["usage"]["completion_tokens"], seconds, data["choices"][0]["message"]["content"]


async def measure(pairs: int, max_tokens: int, temperature: float, folder: Path) -> list[dict]:
    "Run `pairs` interleaved pairs of calls; return tokens and seconds of each call."
    llm = LLM(LOCAL_MODEL, ledger=folder / "ledger.sqlite", progress=False)
    base = Request(LOCAL_MODEL, [user(PROMPT)], max_tokens=max_tokens, temperature=temperature,
                   stage="bench")
    # One call each to load the model and fill llama.cpp's prompt cache, not measured.
    await llm.complete(base.with_(variant=10_000))
    timed_direct(base.with_(variant=10_001))

    rows = []
    for pair in range(pairs):
        req = base.with_(variant=pair)
        order = ("msm_nb", "direct") if pair % 2 == 0 else ("direct", "msm_nb")
        for path in order:
            if path == "msm_nb":
                tokens, seconds, text = await timed_msm_nb(llm, req)
            else:
                tokens, seconds, text = timed_direct(req)
            rows.append(dict(pair=pair, path=path, tokens=tokens, seconds=seconds, text=text))
    llm.ledger.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=8, help="interleaved pairs of calls")
    parser.add_argument("--max-tokens", type=int, default=200, help="max_tokens of each call")
    parser.add_argument("--temperature", type=float, default=1.0, help="sampling temperature")
    args = parser.parse_args()

    benchlib.header("Embedded model through msm_nb vs direct llama.cpp (bench/local_model.py)")
    server = local_server()
    print(f"model {LOCAL_MODEL}; server {server.listening_address}; prompt {PROMPT!r}; "
          f"max_tokens {args.max_tokens}; temperature {args.temperature}")
    benchlib.wait_for_quiet()
    before = benchlib.load()
    with tempfile.TemporaryDirectory(prefix="bench_local_") as folder:
        rows = asyncio.run(measure(args.pairs, args.max_tokens, args.temperature, Path(folder)))
    after = benchlib.load()

    print("\n| pair | path | tokens | seconds | tokens/s |")
    print("|---:|---|---:|---:|---:|")
    for row in rows:
        print(f"| {row['pair']} | {row['path']} | {row['tokens']} | {row['seconds']:.2f} | "
              f"{row['tokens'] / row['seconds']:.1f} |")

    def rate(path: str) -> float:
        chosen = [r for r in rows if r["path"] == path]
        return sum(r["tokens"] for r in chosen) / sum(r["seconds"] for r in chosen)

    per_pair = []
    for pair in range(args.pairs):
        ours, direct = (next(r for r in rows if r["pair"] == pair and r["path"] == p)
                        for p in ("msm_nb", "direct"))
        per_pair.append((ours["tokens"] / ours["seconds"]) / (direct["tokens"] / direct["seconds"]))
    ratio = rate("msm_nb") / rate("direct")
    mismatched = sum(1 for pair in range(args.pairs)
                     if len({r["text"] for r in rows if r["pair"] == pair}) > 1)
    print(f"\nload before {before}, after {after}")
    print(f"msm_nb {rate('msm_nb'):.1f} tokens/s, direct {rate('direct'):.1f} tokens/s "
          f"(total tokens over total seconds)")
    print(f"pairs whose two paths generated different text: {mismatched} of {args.pairs} "
          "(0 shows that both paths sent the same parameters)")
    print(f"per-pair ratio: median {statistics.median(per_pair):.3f}, min {min(per_pair):.3f}, "
          f"max {max(per_pair):.3f}")
    print(f"ratio msm_nb / direct: {ratio:.3f} (target >= {TARGET_RATIO}: "
          f"{'pass' if ratio >= TARGET_RATIO else 'FAIL'})")


if __name__ == "__main__":
    main()
