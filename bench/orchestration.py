"""Client overhead of `LLM.map`: wall time against a fixed-latency server, and CPU time per request.

2,000 requests at concurrency 64 go through `msm_nb.client.LLM` (the real `anthropic` SDK, a fresh
ledger, adaptive concurrency) to a `FakeAnthropic` that waits 0.5 s before each response. The fake
runs in a child process, so its CPU time is not counted as the client's. With no overhead the
run would take 2,000 x 0.5 / 64 = 15.6 s; the script prints ideal / actual (target at least
0.95) and the client's CPU time per request (target under 2 ms).

    python bench/orchestration.py
    python bench/orchestration.py --requests 500 --repeat 3
"""
from __future__ import annotations

import argparse
import asyncio
import math
import tempfile
import time
from pathlib import Path

import benchlib
from msm_nb.backends import AnthropicBackend
from msm_nb.client import LLM, AdaptiveLimiter
from msm_nb.llm import Request, user

MODEL = "anthropic/claude-sonnet-4-5"
TARGET_RATIO = 0.95
TARGET_CPU_MS = 2.0


def make_requests(n: int) -> list[Request]:
    "Return `n` distinct requests that share the example spec as their system prompt."
    spec = (benchlib.REPO / "specs" / "candid_companion.md").read_text()
    return [Request(MODEL, [user(f"Question {i}: how should the assistant answer topic {i % 50}?")],
                    system=spec, max_tokens=400, stage="bench") for i in range(n)]


async def sdk_map(requests: list[Request], url: str, concurrency: int) -> list:
    "Send `requests` with the bare `anthropic` SDK under a fixed semaphore: the peer without msm_nb."
    backend = AnthropicBackend(MODEL.split("/")[1], api_key="test", base_url=url)
    limit = asyncio.Semaphore(concurrency)

    async def one(req: Request):
        async with limit:
            return await backend.client.messages.create(**backend.params(req))
    try:
        return await asyncio.gather(*(one(req) for req in requests), return_exceptions=True)
    finally:
        await backend.client.close()


async def measure(n: int, concurrency: int, latency: float, client: str) -> dict:
    "Send `n` requests with `client` (msm_nb or sdk) to a fake server in a child process."
    requests = make_requests(n)
    errors: dict = {}
    with benchlib.FakeServerProcess(latency=latency) as fake, \
            tempfile.TemporaryDirectory(prefix="bench_orchestration_") as folder:
        if client == "msm_nb":
            llm = LLM(MODEL, ledger=Path(folder) / "ledger.sqlite", base_url=fake.url,
                      api_key="test", concurrency=concurrency, progress=False)
        server_cpu_before = fake.cpu_seconds()
        cpu_before = benchlib.cpu_seconds()
        start = time.perf_counter()
        if client == "msm_nb":
            results = await llm.map(requests)
        else:
            results = await sdk_map(requests, fake.url, concurrency)
        wall = time.perf_counter() - start
        cpu = benchlib.cpu_seconds() - cpu_before
        server_cpu = fake.cpu_seconds() - server_cpu_before
        served = fake.message_count
        if client == "msm_nb":
            errors = dict(llm.stats.errors)
            await llm.backend.client.close()
            llm.ledger.close()
    failed = [r for r in results if isinstance(r, Exception)]
    return dict(wall=wall, cpu=cpu, server_cpu=server_cpu, served=served, failed=len(failed),
                errors=errors)


async def limiter_cpu_ms(limiter, tasks: int) -> float:
    "Return CPU ms per task for `tasks` tasks that each enter `limiter`, sleep 1 ms and leave."
    async def one():
        async with limiter:
            await asyncio.sleep(0.001)
    before = benchlib.cpu_seconds()
    await asyncio.gather(*(one() for _ in range(tasks)))
    return (benchlib.cpu_seconds() - before) / tasks * 1000


def compare_limiters(concurrency: int) -> None:
    "Print the CPU cost per task of AdaptiveLimiter and of asyncio.Semaphore, its peer."
    print(f"\n## Concurrency limit alone: CPU ms per task, {concurrency} slots, tasks sleeping 1 ms\n")
    print("| tasks | AdaptiveLimiter | asyncio.Semaphore | ratio |")
    print("|---:|---:|---:|---:|")
    for tasks in (2_000, 20_000):
        ours = asyncio.run(limiter_cpu_ms(AdaptiveLimiter(concurrency), tasks))
        peer = asyncio.run(limiter_cpu_ms(asyncio.Semaphore(concurrency), tasks))
        print(f"| {tasks:,} | {ours:.3f} | {peer:.3f} | {ours / peer:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per measurement")
    parser.add_argument("--concurrency", type=int, default=64, help="maximum requests in flight")
    parser.add_argument("--latency", type=float, default=0.5, help="seconds the fake server waits before each response")
    parser.add_argument("--repeat", type=int, default=1, help="measurements per client")
    args = parser.parse_args()

    benchlib.header("Client orchestration overhead (bench/orchestration.py)")
    ideal = args.requests * args.latency / args.concurrency
    # With every slot refilled at once, the last wave still takes a full latency.
    waves = math.ceil(args.requests / args.concurrency) * args.latency
    print(f"{args.requests} requests, concurrency {args.concurrency}, server latency {args.latency} s")
    print(f"ideal wall time {ideal:.2f} s (requests x latency / concurrency); "
          f"{waves:.2f} s if requests ran in whole waves of {args.concurrency}")
    print("clients: msm_nb = LLM.map (ledger, adaptive limit, retries); "
          "sdk = bare AsyncAnthropic under asyncio.Semaphore, the peer\n")
    print("| run | client | load before | wall s | ideal / actual | client CPU ms per request | "
          "server CPU ms per request | failed | load after |")
    print("|---|---|---|---:|---:|---:|---:|---:|---|")
    rows = []
    for run in range(1, args.repeat + 1):
        for client in ("msm_nb", "sdk"):
            benchlib.wait_for_quiet()
            before = benchlib.load()
            result = asyncio.run(measure(args.requests, args.concurrency, args.latency, client))
            result.update(client=client, ratio=ideal / result["wall"],
                          cpu_ms=result["cpu"] / args.requests * 1000)
            rows.append(result)
            print(f"| {run} | {client} | {before} | {result['wall']:.2f} | {result['ratio']:.3f} | "
                  f"{result['cpu_ms']:.2f} | {result['server_cpu'] / args.requests * 1000:.2f} | "
                  f"{result['failed']} | {benchlib.load()} |", flush=True)
            if result["served"] != args.requests or result["errors"]:
                print(f"  note: the server returned {result['served']} responses; "
                      f"errors {result['errors']}")

    ours = [r for r in rows if r["client"] == "msm_nb"]
    peer = [r for r in rows if r["client"] == "sdk"]
    ratio = max(r["ratio"] for r in ours)
    cpu_ms = min(r["cpu_ms"] for r in ours)
    print(f"\nmsm_nb, best of {len(ours)}: ideal / actual {ratio:.3f} (target >= {TARGET_RATIO}: "
          f"{'pass' if ratio >= TARGET_RATIO else 'FAIL'}); client CPU {cpu_ms:.2f} ms per request "
          f"(target < {TARGET_CPU_MS}: {'pass' if cpu_ms < TARGET_CPU_MS else 'FAIL'})")
    print(f"msm_nb CPU per request / bare SDK CPU per request: "
          f"{cpu_ms / min(r['cpu_ms'] for r in peer):.2f}")
    compare_limiters(args.concurrency)


if __name__ == "__main__":
    main()
