"""MSM pipeline throughput on a fake server, and what prompt caching saves per document.

The MSM pipeline (`msm_nb.msm.arun_msm`) runs against a `FakeAnthropic` in a child process that
waits a fixed latency (0.2 s by default) before each response, at concurrency 32. It runs twice,
each time with a fresh server, ledger and output folder. The first run sends requests as msm_nb
builds them, with the spec in the system prompt marked with `cache_control`. The second goes
through an `AnthropicBackend` subclass that drops `cache_control`, so nothing is cached.

For each run the script prints documents per minute, billed input tokens per document (input +
1.25 x cache writes + 0.1 x cache reads, as Anthropic bills them) and dollars per document at
msm_nb's list prices, then the ratios of caching on to off. It also compares the wall time with
the ideal of a barrier-free schedule: the same calls and dependencies, each taking exactly the
server latency, started as soon as their inputs exist and a slot is free.

    python bench/msm_throughput.py
    python bench/msm_throughput.py --ideas 4 --latency 0.1   # quicker
"""
from __future__ import annotations

import argparse
import asyncio
import heapq
import logging
import os
import statistics
import tempfile
import time
from collections import deque
from pathlib import Path

import benchlib
from msm_nb.backends import AnthropicBackend
from msm_nb.client import LLM
from msm_nb.llm import Request
from msm_nb.msm import arun_msm
from msm_nb.msm_config import MSMConfig

MODEL = "anthropic/claude-sonnet-4-5"


class UncachedAnthropicBackend(AnthropicBackend):
    "AnthropicBackend that sends the system prompt without `cache_control`, so nothing is cached."

    def params(self, req: Request) -> dict:
        params = super().params(req)
        for block in params.get("system", []):
            block.pop("cache_control", None)
        return params


def barrier_free_seconds(domains: int, subdomains: int, doc_types: int, ideas: int,
                         latency: float, concurrency: int) -> float:
    """Simulate the MSM call graph with every call taking `latency` and `concurrency` slots.

    One call makes the domains, and one per domain makes its subdomains. Per subdomain, one call
    makes the assertions and a second one, after it, the document types. One call per document
    type makes its ideas, and one per idea writes the document. A call starts as soon as its
    parent has finished and a slot is free, first come first served.
    """
    children = {
        "domains": lambda: ["subdomains"] * domains,
        "subdomains": lambda: ["assertions"] * subdomains,
        "assertions": lambda: ["doc_types"],
        "doc_types": lambda: ["ideas"] * doc_types,
        "ideas": lambda: ["documents"] * ideas,
        "documents": lambda: [],
    }
    ready, running, now, sequence = deque(["domains"]), [], 0.0, 0
    while ready or running:
        while ready and len(running) < concurrency:
            heapq.heappush(running, (now + latency, sequence, ready.popleft()))
            sequence += 1
        now, _, stage = heapq.heappop(running)
        ready.extend(children[stage]())
    return now


def expected_calls(domains: int, subdomains: int, doc_types: int, ideas: int) -> dict[str, int]:
    "Return the calls per stage when every answer is valid on the first try."
    n_sub = domains * subdomains
    return {"domains": 1, "subdomains": domains, "assertions": n_sub, "doc_types": n_sub,
            "ideas": n_sub * doc_types, "documents": n_sub * doc_types * ideas}


def fsync_ms(folder: Path, n: int = 50) -> float:
    "Return the median time in ms to write and fsync a 4 KB file in `folder`, as atomic writes do."
    times = []
    for i in range(n):
        path = folder / f"fsync_{i}.tmp"
        start = time.perf_counter()
        with open(path, "wb") as f:
            f.write(b"x" * 4096)
            f.flush()
            os.fsync(f.fileno())
        times.append(time.perf_counter() - start)
        path.unlink()
    return statistics.median(times) * 1000


def billed_input(usage) -> float:
    "Return input tokens as billed: cache writes at 1.25 and cache reads at 0.1 of the input price."
    return usage.input_tokens + 1.25 * usage.cache_write_tokens + 0.1 * usage.cache_read_tokens


async def run_mode(args, caching: bool, folder: Path) -> dict:
    "Run the MSM pipeline once on a fresh fake server; return counts, usage, cost and times."
    out = folder / ("cached" if caching else "uncached")
    config = MSMConfig(spec=str(args.spec), model=MODEL, out_dir=str(out), n_domains=args.domains,
                       n_subdomains=args.subdomains, n_doc_types=args.doc_types,
                       n_ideas=args.ideas, concurrency=args.concurrency)
    with benchlib.FakeServerProcess(latency=args.latency) as fake:
        backend_class = AnthropicBackend if caching else UncachedAnthropicBackend
        backend = backend_class(MODEL.split("/")[1], api_key="test", base_url=fake.url)
        llm = LLM(MODEL, ledger=out / "ledger.sqlite", concurrency=args.concurrency,
                  progress=False, backend=backend)
        cpu_before = benchlib.cpu_seconds()
        started = time.time()
        result = await arun_msm(config, llm)
        wall = time.time() - started
        cpu = benchlib.cpu_seconds() - cpu_before
        served = fake.message_count
        await backend.client.close()
        llm.ledger.close()
    # Documents are written as they arrive; the newest one marks the end of generation, before
    # assembly, the token histogram and the dataset card.
    last_document = max(p.stat().st_mtime for p in result.root.rglob("i_*.txt"))
    stages = llm.stats.stages
    return dict(documents=result.summary["stats"]["documents"], wall=wall,
                generation=last_document - started, cpu=cpu, served=served,
                calls={name: s.calls for name, s in stages.items()},
                failures=sum(s.failures for s in stages.values()),
                total=llm.stats.total(), docs=stages["documents"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", type=Path, default=benchlib.REPO / "specs" / "candid_companion.md",
                        help="spec file")
    parser.add_argument("--domains", type=int, default=2, help="domains")
    parser.add_argument("--subdomains", type=int, default=4, help="subdomains per domain")
    parser.add_argument("--doc-types", type=int, default=5, help="document types per subdomain")
    parser.add_argument("--ideas", type=int, default=10, help="ideas (documents) per document type")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds the fake server waits before each response")
    parser.add_argument("--concurrency", type=int, default=32, help="maximum requests in flight")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    benchlib.header("MSM pipeline throughput and prompt caching (bench/msm_throughput.py)")
    counts = (args.domains, args.subdomains, args.doc_types, args.ideas)
    expected = expected_calls(*counts)
    ideal = barrier_free_seconds(*counts, args.latency, args.concurrency)
    n_calls = sum(expected.values())
    print(f"spec {args.spec.name}; {args.domains} domains x {args.subdomains} subdomains x "
          f"{args.doc_types} document types x {args.ideas} ideas = {expected['documents']} documents, "
          f"{n_calls} calls; server latency {args.latency} s, concurrency {args.concurrency}")
    print(f"barrier-free ideal {ideal:.2f} s (lower bounds: {6 * args.latency:.2f} s for the chain of "
          f"6 dependent calls, {n_calls * args.latency / args.concurrency:.2f} s for "
          f"calls x latency / concurrency)\n")

    rows = {}
    with tempfile.TemporaryDirectory(prefix="bench_msm_") as name:
        # An untimed one-document run first, so that imports and first-use setup (tokenizer,
        # chart renderer) are not counted in either timed run.
        warm_up = argparse.Namespace(**{**vars(args), "domains": 1, "subdomains": 1,
                                        "doc_types": 1, "ideas": 1})
        asyncio.run(run_mode(warm_up, True, Path(name) / "warm_up"))
        for caching in (True, False):
            benchlib.wait_for_quiet()
            before = benchlib.load()
            row = asyncio.run(run_mode(args, caching, Path(name)))
            row.update(load_before=before, load_after=benchlib.load())
            rows[caching] = row
            if row["calls"] != expected or row["failures"]:
                print(f"  note: calls per stage {row['calls']} (expected {expected}), "
                      f"{row['failures']} failures")

    print("| caching | documents | wall s | docs per minute | generation s | docs per minute, "
          "generation | ideal / generation | client CPU ms per call | billed input tokens per doc "
          "(all stages) | (documents stage) | $ per doc | load before | load after |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for caching, row in rows.items():
        docs, total = row["documents"], row["total"]
        print(f"| {'on' if caching else 'off'} | {docs} | {row['wall']:.2f} | "
              f"{docs / row['wall'] * 60:.0f} | {row['generation']:.2f} | "
              f"{docs / row['generation'] * 60:.0f} | {ideal / row['generation']:.3f} | "
              f"{row['cpu'] / row['served'] * 1000:.2f} | {billed_input(total.usage) / docs:,.0f} | "
              f"{billed_input(row['docs'].usage) / docs:,.0f} | {total.cost_usd / docs:.5f} | "
              f"{row['load_before']} | {row['load_after']} |")
    on, off = rows[True], rows[False]
    for label, row in (("on", on), ("off", off)):
        u = row["total"].usage
        print(f"caching {label}: input {u.input_tokens:,}, cache write {u.cache_write_tokens:,}, "
              f"cache read {u.cache_read_tokens:,}, output {u.output_tokens:,} tokens; "
              f"${row['total'].cost_usd:.4f}")
    print(f"\nbilled input tokens per document, caching on / off: all stages "
          f"{billed_input(on['total'].usage) / billed_input(off['total'].usage):.3f}, documents stage "
          f"{billed_input(on['docs'].usage) / billed_input(off['docs'].usage):.3f}")
    print(f"dollars per document, caching on / off: {on['total'].cost_usd / off['total'].cost_usd:.3f} "
          f"(output tokens differ a little because the fake's answers depend on the whole request "
          f"body, cache_control included)")
    with tempfile.TemporaryDirectory(prefix="bench_msm_fsync_") as name:
        print(f"\nwrite + fsync of a 4 KB file in the temporary folder: {fsync_ms(Path(name)):.1f} ms "
              f"(median of 50). Each document is saved as two such atomic writes, .json then .txt.")


if __name__ == "__main__":
    main()
