"""Billed cost of MSM-like document requests online, online with prompt caching, and in batches.

Each mode runs on a fresh fake Anthropic server (127.0.0.1, no key, no network) and a fresh
ledger. The requests are shaped like those of the MSM document stage. They share one long system
prompt that is the spec (about 10k tokens), and each has a short user prompt and about 1k output
tokens. The script prints the billed cost per 1,000 requests and its ratio to online calls
without caching.

    python bench/batch_cost.py                 # 1,000 requests per mode
    python bench/batch_cost.py --requests 200  # quicker

Token counts are the fake's estimate (4 characters per token) and prices are msm_nb's list
prices for the chosen model, so the ratios carry over to the real API while the dollar amounts
are estimates.
"""
from __future__ import annotations

import argparse
import asyncio
import inspect
import os
import platform
import tempfile
import time
from pathlib import Path

from msm_nb.backends import AnthropicBackend
from msm_nb.batch import batch_complete
from msm_nb.client import LLM
from msm_nb.fake_anthropic import FakeAnthropic
from msm_nb.llm import Request, Usage, user

MODEL = "anthropic/claude-sonnet-4-5"
SPEC_TOKENS = 10_000  # tokens of the shared system prompt
OUTPUT_TOKENS = 1_000  # output tokens of each response


def spec_text(tokens: int) -> str:
    "Return a made-up spec of about `tokens` tokens (4 characters each, as the fake counts)."
    lines, size, i = [], 0, 0
    while size < tokens * 4:
        line = (f"Principle {i}: the assistant explains its reasoning, states its uncertainty and "
                f"declines clearly when a request conflicts with rule {i % 40}.")
        lines.append(line)
        size += len(line) + 1
        i += 1
    return "\n".join(lines)[: tokens * 4]


def document_answer(body: dict) -> str:
    "Answer every request with about OUTPUT_TOKENS tokens of text that names its prompt."
    prompt = body["messages"][-1]["content"]
    sentence = f"This passage discusses {prompt.lower()} in the voice of a textbook. "
    return (sentence * (OUTPUT_TOKENS * 4 // len(sentence) + 1))[: OUTPUT_TOKENS * 4]


def document_requests(n: int, cache_system: bool) -> list[Request]:
    "Return `n` document requests that share one spec as their system prompt."
    spec = spec_text(SPEC_TOKENS)
    return [Request(MODEL, [user(f"Write document {i}: a memo on principle {i % 97}.")],
                    system=spec, max_tokens=int(OUTPUT_TOKENS * 1.2), temperature=1.0,
                    cache_system=cache_system, stage="documents") for i in range(n)]


class _SamplingInBodyBackend(AnthropicBackend):
    "AnthropicBackend that sends Messages parameters the installed SDK's `create` lacks in the body."
    # NOTE: anthropic 2.17.0's `messages.create` has no `temperature` argument, so
    # AnthropicBackend.complete raises TypeError with it; remove this class once the backend
    # passes such parameters itself.

    async def complete(self, req: Request):
        accepted = inspect.signature(self.client.messages.create).parameters
        params = self.params(req)
        extra = {k: params.pop(k) for k in list(params) if k not in accepted}
        start = time.perf_counter()
        message = await self.client.messages.create(**params, extra_body=extra or None)
        response = self.parse_message(message, req)
        response.latency_s = time.perf_counter() - start
        return response


def make_llm(fake: FakeAnthropic, folder: Path, name: str) -> LLM:
    "Return an LLM on `fake` with its own ledger file."
    backend = AnthropicBackend(MODEL.split("/")[1], api_key="test", base_url=fake.url)
    if "temperature" not in inspect.signature(backend.client.messages.create).parameters:
        backend = _SamplingInBodyBackend(MODEL.split("/")[1], api_key="test", base_url=fake.url)
    return LLM(MODEL, ledger=folder / f"{name}.sqlite", base_url=fake.url, api_key="test",
               progress=False, concurrency=16, timeout=60, backend=backend)


async def run_mode(name: str, n: int, cache_system: bool, batch: bool, folder: Path) -> dict:
    "Run `n` requests in one mode on a fresh fake server; return their usage, cost and time."
    fake = FakeAnthropic(responder=document_answer, batch_processing_delay=0.5).start()
    try:
        llm = make_llm(fake, folder, name)
        requests = document_requests(n, cache_system)
        start = time.perf_counter()
        if batch:
            results = await batch_complete(llm, requests, poll_interval=0.1)
        else:
            results = await llm.map(requests)
        wall = time.perf_counter() - start
    finally:
        fake.stop()
    failed = [r for r in results if isinstance(r, Exception)]
    if failed:
        raise RuntimeError(f"{name}: {len(failed)} requests failed, first: {failed[0]}")
    total = llm.stats.total()
    return dict(mode=name, n=n, usage=total.usage, cost=total.cost_usd, wall=wall)


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    return f"{os.cpu_count()} CPUs (nproc), {model}, Python {platform.python_version()}"


async def main(n: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="batch_cost_"))
    modes = [("online, no caching", False, False), ("online, prompt caching", True, False),
             ("batch, prompt caching", True, True)]
    rows = [await run_mode(name, n, cache, batch, folder) for name, cache, batch in modes]
    base = rows[0]["cost"] / n * 1000
    print(f"{n} requests per mode; system prompt ~{SPEC_TOKENS:,} tokens, output "
          f"~{OUTPUT_TOKENS:,} tokens; {MODEL} list prices; {machine()}\n")
    print("| mode | input | cache write | cache read | output | billed $ per 1,000 requests "
          "| ratio to online without caching | wall s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        u: Usage = row["usage"]
        per_1000 = row["cost"] / n * 1000
        print(f"| {row['mode']} | {u.input_tokens:,} | {u.cache_write_tokens:,} | "
              f"{u.cache_read_tokens:,} | {u.output_tokens:,} | {per_1000:.2f} | "
              f"{per_1000 / base:.3f} | {row['wall']:.1f} |")
    cached_online = rows[1]["cost"]
    print(f"\nbatch / online with caching: {rows[2]['cost'] / cached_online:.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per mode")
    asyncio.run(main(parser.parse_args().requests))
