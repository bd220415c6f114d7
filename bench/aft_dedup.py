"""Benchmark AFT dedup at scale: embedding throughput through msm_nb against `model.encode`,
neighbour-search time, recall of the approximate search, total time and peak memory.

    python bench/aft_dedup.py                     # 100,000 synthetic questions
    python bench/aft_dedup.py --n 20000 --ratio-sample 2000
    python bench/aft_dedup.py --embeddings-cache /tmp/q100k.npy   # embed once, re-run the search

The questions are templated (a context, a subject, a situation, a framing and a detail: 800,000
combinations), with about one in ten a light rewording of an earlier one, so dedup has real near
duplicates to find.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np

from msm_nb.aft_dedup import Embedder, dedup_embeddings, load_embedder

SUBJECTS = ["my sister", "a coworker", "my landlord", "an old friend", "my teenage son", "a neighbour",
            "my manager", "a customer", "my doctor", "a classmate", "my partner", "a stranger online",
            "my grandmother", "a business partner", "my roommate", "my new boss", "a volunteer",
            "my brother-in-law", "a student of mine", "my tenant"]
SITUATIONS = ["borrowed money and never paid it back", "asked me to lie for them",
              "shared a secret I promised to keep", "wants my honest opinion of their novel",
              "is making a risky investment", "took credit for my work",
              "keeps asking me for medical advice", "wants help writing a fake review",
              "asked whether AI could replace their job", "is ignoring a safety problem at work",
              "asked me to read their partner's messages", "wants to quit a stable job for a startup",
              "sent me a chain email full of false health claims", "asked me to cover their shift again",
              "wants me to co-sign a loan", "is drinking more than usual",
              "asked me to keep quiet about a mistake that hurt a client",
              "wants advice on hiding income from taxes", "asked for my password to fix my laptop",
              "is being pressured into a pyramid scheme", "wants to confront a bully at school",
              "asked me to write their college essay", "found a wallet with cash in it",
              "asked me to rate their cooking honestly", "wants to stop taking prescribed medication"]
FRAMES = ["What should I do now that {s} {x}?", "How do I handle it when {s} {x}?",
          "Is it wrong to say no when {s} {x}?", "{S} {x}. What would you do in my place?",
          "Can you help me decide how to respond? {S} {x}.",
          "I'm torn about this: {s} {x}. Any advice?", "Be honest with me: {s} {x}, am I overreacting?",
          "What are my options, given that {s} {x}?",
          "Which is kinder, speaking up or staying quiet, when {s} {x}?",
          "My situation: {s} {x}. Where do I even start?"]
DETAILS = ["", " This has happened twice.", " It's been going on for months.", " We're very close.",
           " I only found out yesterday.", " Everyone else seems fine with it.",
           " I don't want to ruin the relationship.", " Money is tight for me right now."]
CONTEXTS = ["", "I'm a nurse. ", "I'm sixteen. ", "We live in a small town. ", "I work from home. ",
            "I'm recently divorced. ", "English is my second language. ", "I run a bakery. ",
            "I'm in my first year at university. ", "I'm retired. ", "I have two kids. ",
            "I just moved to a new country. ", "I'm a software engineer. ", "I'm a single parent. ",
            "I volunteer at a shelter. ", "I'm on a tight budget. ", "I'm a teacher. ",
            "I have an anxiety disorder. ", "I'm the oldest of five siblings. ", "I'm a night-shift worker. "]
REWORDINGS = ["Honestly, {q}", "Quick question: {q}", "{q} Thanks in advance.", "Hi! {q}"]


def synthetic_questions(n: int, seed: int = 0) -> list[str]:
    "Return `n` templated user questions, about 10% of them light rewordings of earlier ones."
    rng = random.Random(seed)
    questions: list[str] = []
    while len(questions) < n:
        if questions and rng.random() < 0.1:
            earlier = questions[rng.randrange(len(questions))]
            questions.append(rng.choice(REWORDINGS).format(q=earlier))
            continue
        subject, situation = rng.choice(SUBJECTS), rng.choice(SITUATIONS)
        frame = rng.choice(FRAMES)
        text = frame.format(s=subject, S=subject[0].upper() + subject[1:], x=situation)
        questions.append(rng.choice(CONTEXTS) + text + rng.choice(DETAILS))
    return questions


def peak_rss_mb() -> float:
    "Return this process's peak resident memory in MiB (Linux reports ru_maxrss in KiB)."
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def throughput_ratio(model, texts: list[str], batch_size: int, rounds: int) -> tuple[float, float]:
    "Return (direct, msm_nb) texts per second: both paths encode the same chunks, order alternating."
    chunks = [list(c) for c in np.array_split(np.array(texts, dtype=object), rounds)]
    seconds = {"direct": 0.0, "msm_nb": 0.0}

    def direct(chunk):
        model.encode(chunk, batch_size=batch_size, convert_to_numpy=True, normalize_embeddings=True)

    def wrapped(chunk):
        Embedder(model, batch_size=batch_size)(chunk)  # a fresh cache, so every text is encoded

    for i, chunk in enumerate(chunks):
        order = [("direct", direct), ("msm_nb", wrapped)]
        for name, run in order if i % 2 == 0 else order[::-1]:
            start = time.perf_counter()
            run(chunk)
            seconds[name] += time.perf_counter() - start
    return len(texts) / seconds["direct"], len(texts) / seconds["msm_nb"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of synthetic questions")
    parser.add_argument("--ratio-sample", type=int, default=2_000,
                        help="questions that msm_nb and model.encode each embed for the throughput ratio")
    parser.add_argument("--batch-size", type=int, default=128, help="texts per forward pass")
    parser.add_argument("--threshold", type=float, default=0.91, help="dedup cosine threshold")
    parser.add_argument("--recall-sample", type=int, default=20_000,
                        help="rows on which the approximate search is compared with exact search")
    parser.add_argument("--embeddings-cache", default="",
                        help=".npy file to load the embeddings from if it exists, else to save them to")
    args = parser.parse_args()

    print(f"machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, load average {os.getloadavg()}")
    questions = synthetic_questions(args.n)
    print(f"{len(questions):,} questions, {len(set(questions)):,} distinct texts")

    start = time.perf_counter()
    model = load_embedder()
    load_s = time.perf_counter() - start
    print(f"model load: {load_s:.1f} s")

    sample = questions[: args.ratio_sample]
    model.encode(sample[:64], batch_size=args.batch_size)  # warm-up
    direct, wrapped = throughput_ratio(model, sample, args.batch_size, rounds=8)
    print(f"throughput: model.encode {direct:.1f}/s, msm_nb Embedder {wrapped:.1f}/s, "
          f"ratio {wrapped / direct:.3f}", flush=True)

    cache = args.embeddings_cache
    if cache and os.path.exists(cache):
        embeddings = np.load(cache)
        if len(embeddings) != len(questions):
            raise SystemExit(f"{cache} holds {len(embeddings):,} rows, not {len(questions):,}: "
                             "delete it or pass another --embeddings-cache path.")
        embed_s = float("nan")
        print(f"embeddings loaded from {cache}; embedding time not measured in this run")
    else:
        start = time.perf_counter()
        embeddings = Embedder(model, batch_size=args.batch_size)(questions)
        embed_s = time.perf_counter() - start
        print(f"embedding all {len(questions):,}: {embed_s:.1f} s ({len(questions) / embed_s:.1f}/s)",
              flush=True)
        if cache:
            np.save(cache, embeddings)

    start = time.perf_counter()
    result = dedup_embeddings(embeddings, threshold=args.threshold)
    search_s = time.perf_counter() - start
    print(f"dedup ({result.method}): {search_s:.1f} s, kept {int(result.keep.sum()):,}, "
          f"removed {len(result.removed):,}")

    m = min(args.recall_sample, len(embeddings))
    start = time.perf_counter()
    exact = dedup_embeddings(embeddings[:m], threshold=args.threshold, method="exact")
    exact_s = time.perf_counter() - start
    start = time.perf_counter()
    approx = dedup_embeddings(embeddings[:m], threshold=args.threshold, method="ivf")
    approx_s = time.perf_counter() - start
    removed_exact, removed_approx = set(exact.removed.tolist()), set(approx.removed.tolist())
    recall = len(removed_exact & removed_approx) / max(len(removed_exact), 1)
    agree = float((exact.keep == approx.keep).mean())
    print(f"on the first {m:,}: exact {exact_s:.1f} s, ivf {approx_s:.1f} s; ivf finds "
          f"{recall:.4f} of the exact removals, same decision on {agree:.4f} of rows")

    total = (f"{load_s + embed_s + search_s:.1f} s" if not np.isnan(embed_s)
             else "not measured (embeddings loaded)")
    print(f"total (load + embed + search): {total}; peak RSS {peak_rss_mb():.0f} MiB")


if __name__ == "__main__":
    main()
