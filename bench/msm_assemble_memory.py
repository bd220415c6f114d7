"""Peak memory and time of `msm_nb.msm_assemble.assemble` on a 100,000-document corpus tree.

The script writes a synthetic corpus tree in a temporary folder, laid out as `iter_documents`
reads it. The root `meta.json` lists domains, and each domain's `meta.json` lists its subdomains.
Each subdomain's `meta.json` lists its document types, and each document type's `meta.json` its
ideas, with one `<idea id>.txt` per idea. Documents have 300 to 600 words drawn
at random, with their frequencies, from the English words of this repository's specs and guides.
A known number of exact duplicates (the same text with its whitespace changed) and near
duplicates (two words replaced) is planted after their originals. Then `assemble` runs in a
child process, and the script prints the child's peak RSS (target under 500 MB), the time it
took, and the duplicates found against those planted.

    python bench/msm_assemble_memory.py
    python bench/msm_assemble_memory.py --documents 20000   # quicker
"""
from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

import benchlib

TARGET_RSS_MB = 500  # decimal megabytes
MIB_PER_MB = 1e6 / 2**20
WORDS_MIN, WORDS_MAX = 300, 600
VOCABULARY_SOURCES = ("specs/*.md", "README.md", "CONTRIBUTING.md")


def vocabulary() -> tuple[list[str], list[int]]:
    "Return the English words of this repository's specs and guides with cumulative frequency weights."
    # Real words keep the tokenizer's work per document realistic (made-up words split into many
    # WordPiece pieces), and their frequencies give a natural, Zipf-like distribution.
    counts: dict[str, int] = {}
    for pattern in VOCABULARY_SOURCES:
        for path in sorted(benchlib.REPO.glob(pattern)):
            for word in re.findall(r"[a-z]{2,}", path.read_text(encoding="utf-8").lower()):
                counts[word] = counts.get(word, 0) + 1
    words = sorted(counts)
    return words, list(itertools.accumulate(counts[w] for w in words))


def make_text(rng: random.Random, words: list[str], cumulative: list[int]) -> str:
    "Return one document of WORDS_MIN to WORDS_MAX words in sentences and paragraphs."
    tokens = rng.choices(words, cum_weights=cumulative, k=rng.randint(WORDS_MIN, WORDS_MAX))
    sentences, i = [], 0
    while i < len(tokens):
        n = rng.randint(6, 18)
        sentences.append(" ".join(tokens[i:i + n]).capitalize() + ".")
        i += n
    paragraphs = [" ".join(sentences[j:j + 5]) for j in range(0, len(sentences), 5)]
    return "\n\n".join(paragraphs)


def respace(text: str) -> str:
    "Return `text` with its whitespace changed but its words intact: an exact duplicate after normalisation."
    return "  " + text.replace(" ", "  ").replace("\n\n", "\n \n") + "\n"


def perturb(rng: random.Random, text: str, words: list[str], changes: int = 2) -> str:
    "Return `text` with `changes` words replaced by others: a near duplicate."
    tokens = text.split(" ")
    for position in rng.sample(range(len(tokens)), changes):
        tokens[position] = rng.choice(words) + "x"
    return " ".join(tokens)


def plant_duplicates(n: int, exact: int, near: int, seed: int = 0) -> dict[str, dict[int, int]]:
    "Choose where duplicates go: for each kind, a map from the copy's index to its original's index."
    rng = random.Random(seed + 1)
    # Originals come from the first half and copies go to the second half, so every copy follows
    # its original in tree order and no text is used twice.
    half = n // 2
    originals = rng.sample(range(half), exact + near)
    copies = rng.sample(range(half, n), exact + near)
    return {"exact": dict(zip(copies[:exact], originals[:exact])),
            "near": dict(zip(copies[exact:], originals[exact:]))}


def corpus_texts(n: int, planted: dict[str, dict[int, int]], seed: int = 0) -> Iterator[str]:
    "Yield `n` texts in tree order with the planted duplicates, keeping only their originals in memory."
    rng = random.Random(seed)
    words, cumulative = vocabulary()
    wanted = set(planted["exact"].values()) | set(planted["near"].values())
    kept: dict[int, str] = {}
    for i in range(n):
        if i in planted["exact"]:
            text = respace(kept[planted["exact"][i]])
        elif i in planted["near"]:
            text = perturb(rng, kept[planted["near"][i]], words)
        else:
            text = make_text(rng, words, cumulative)
        if i in wanted:
            kept[i] = text
        yield text


def shape(n: int) -> tuple[int, int, int, int]:
    "Split `n` documents into 10 domains x 10 subdomains x 20 document types x ceil(n / 2000) ideas."
    return 10, 10, 20, max(1, -(-n // 2000))


def write_tree(root: Path, n: int, texts: Iterator[str]) -> dict:
    "Write a corpus tree of `n` documents from `texts` under `root`; return counts and sizes."
    # NOTE: no `<idea id>.json` lineage files are written, to halve the number of files to create
    # and delete. `iter_documents` then takes spec_hash and model from the root meta.json.
    n_domains, n_subdomains, n_types, n_ideas = shape(n)
    lineage = {"spec_hash": "0" * 16, "model": "anthropic/claude-sonnet-4-5"}
    written = words = size = 0
    domains = []
    for d in range(n_domains):
        domain_id = f"d_{d:04d}"
        domains.append({"id": domain_id, "domain": f"Domain {d}"})
        subdomains = []
        for s in range(n_subdomains):
            sub_id = f"s_{d:04d}_{s:04d}"
            subdomains.append({"id": sub_id, "subdomain": f"Subdomain {d}.{s}"})
            doc_types = []
            for t in range(n_types):
                type_id = f"t_{d:04d}_{s:04d}_{t:04d}"
                doc_types.append({"id": type_id, "doc_type": f"Document type {t}"})
                type_dir = root / domain_id / sub_id / type_id
                type_dir.mkdir(parents=True)
                ideas = []
                for _ in range(min(n_ideas, n - written)):
                    idea_id = f"i_{written:08d}"
                    ideas.append({"id": idea_id, "name": f"Idea {written}", "idea": "A made-up idea."})
                    text = next(texts)
                    (type_dir / f"{idea_id}.txt").write_text(text + "\n", encoding="utf-8")
                    written += 1
                    words += len(text.split())
                    size += len(text.encode())
                (type_dir / "meta.json").write_text(json.dumps({"doc_ideas": ideas}))
            (root / domain_id / sub_id / "meta.json").write_text(json.dumps({"doc_types": doc_types}))
        (root / domain_id / "meta.json").write_text(json.dumps({"subdomains": subdomains}))
    (root / "meta.json").write_text(json.dumps({"domains": domains, **lineage}))
    return dict(documents=written, words=words, megabytes=size / 1e6)


def peak_rss_kb() -> int:
    "Return this process's peak resident set size since its last exec (VmHWM), in KiB."
    # ru_maxrss is not used here because on Linux it keeps the peak of the process image before
    # exec, which for a child started by subprocess includes the parent's memory at fork time.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("VmHWM not found in /proc/self/status")


def child(root: str, midtrain: str) -> None:
    "Run `assemble` in this process and print its statistics as one JSON line."
    from msm_nb.msm_assemble import assemble
    rss_after_import_kb = peak_rss_kb()
    start = time.perf_counter()
    stats = assemble(Path(root), Path(midtrain))
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "rss_after_import_kb": rss_after_import_kb,
                      "peak_rss_kb": peak_rss_kb(),
                      "found": stats.documents_found, "documents": stats.documents,
                      "exact": stats.exact_duplicates, "near": stats.near_duplicates,
                      "tokens": stats.total_tokens}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=100_000, help="documents in the tree")
    parser.add_argument("--exact", type=int, default=500, help="planted exact duplicates")
    parser.add_argument("--near", type=int, default=500, help="planted near duplicates")
    parser.add_argument("--child", nargs=2, metavar=("ROOT", "MIDTRAIN"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    benchlib.header("MSM assembly memory (bench/msm_assemble_memory.py)")
    with tempfile.TemporaryDirectory(prefix="bench_assemble_") as name:
        folder = Path(name)
        start = time.perf_counter()
        planted = plant_duplicates(args.documents, args.exact, args.near)
        root = folder / "gen_synth_docs" / "synthetic"
        tree = write_tree(root, args.documents, corpus_texts(args.documents, planted))
        n = tree["documents"]
        print(f"tree: {n:,} documents in {'x'.join(map(str, shape(n)))} domains x subdomains x "
              f"document types x ideas, {tree['words'] / n:.0f} words and "
              f"{tree['megabytes'] / n * 1000:.1f} KB per document, {tree['megabytes']:.0f} MB of "
              f"text; planted {len(planted['exact'])} exact and {len(planted['near'])} near "
              f"duplicates; built in {time.perf_counter() - start:.0f} s")

        benchlib.wait_for_quiet()
        before = benchlib.load()
        midtrain = folder / "midtrain" / "synthetic"
        start = time.perf_counter()
        process = subprocess.run([sys.executable, __file__, "--child", str(root), str(midtrain)],
                                 capture_output=True, text=True)
        wall = time.perf_counter() - start
        if process.returncode != 0:
            sys.exit(f"assemble failed in the child process:\n{process.stderr}")
        # This includes the parent's memory at fork time (see peak_rss_kb), so it is an upper bound.
        children_max_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        result = json.loads(process.stdout.strip().splitlines()[-1])
        with open(midtrain / "dataset.jsonl", encoding="utf-8") as dataset:
            lines = sum(1 for _ in dataset)
        peak_mib = result["peak_rss_kb"] / 1024
        target_mib = TARGET_RSS_MB * MIB_PER_MB

        print(f"load before {before}, after {benchlib.load()}")
        print(f"assemble: {result['seconds']:.1f} s ({result['seconds'] / n * 1000:.2f} ms per "
              f"document); child process {wall:.1f} s including imports")
        print(f"peak RSS of the child (VmHWM): {peak_mib:.0f} MiB, of which "
              f"{result['rss_after_import_kb'] / 1024:.0f} MiB after imports; ru_maxrss of children "
              f"{children_max_mib:.0f} MiB")
        print(f"target < {TARGET_RSS_MB} MB ({target_mib:.0f} MiB): "
              f"{'pass' if peak_mib < target_mib else 'FAIL'} (ratio target / actual "
              f"{target_mib / peak_mib:.2f})")
        print(f"documents found {result['found']:,}, kept {result['documents']:,}, dataset.jsonl "
              f"lines {lines:,}, tokens {result['tokens']:,}")
        print(f"exact duplicates found {result['exact']} of {len(planted['exact'])} planted; "
              f"near duplicates found {result['near']} of {len(planted['near'])} planted")
        ok = result["exact"] == len(planted["exact"]) and result["near"] == len(planted["near"])
        print(f"duplicates found as planted: {'pass' if ok else 'FAIL'}", flush=True)
        start = time.perf_counter()
    print(f"temporary tree deleted in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
