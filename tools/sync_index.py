"""Rewrite the docs home page `nbs/index.ipynb` from `README.md`, keeping its own closing section.

nbdev usually generates the README from the index notebook with `nbdev_readme`, which needs
Quarto. This project writes the README by hand instead, so this script copies it the other way.
The notebook gets a title cell, then one markdown cell per `## ` section of the README. Its
"Reading the notebooks" cell, which exists only on the docs site, stays at the end.

    python tools/sync_index.py          # rewrite nbs/index.ipynb
    python tools/sync_index.py --check  # exit 1 if nbs/index.ipynb is out of date
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SITE_ONLY = "## Reading the notebooks"
DESCRIPTION = ("> Turn a model spec into pretraining documents, alignment fine-tuning chat data "
               "and Inspect AI evals.")


def markdown_cell(text: str, cell_id: str) -> dict:
    lines = text.strip("\n").split("\n")
    return {"cell_type": "markdown", "id": cell_id, "metadata": {},
            "source": [line + "\n" for line in lines[:-1]] + [lines[-1]]}


def build(readme: str, index: dict) -> dict:
    """Return the index notebook rebuilt from `readme`, keeping the site-only cell of `index`."""
    title, _, body = readme.partition("\n")
    parts = body.split("\n## ")
    cells = [markdown_cell(f"{title}\n{DESCRIPTION}", "title"), markdown_cell(parts[0], "intro")]
    for n, part in enumerate(parts[1:]):
        cells.append(markdown_cell("## " + part, f"readme-{n}"))
    site_only = [c for c in index["cells"] if "".join(c["source"]).startswith(SITE_ONLY)]
    if not site_only:
        raise SystemExit(f"nbs/index.ipynb has no '{SITE_ONLY}' cell to keep; add it back first.")
    return {**index, "cells": cells + site_only}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report whether the index is current")
    args = parser.parse_args()
    path = REPO / "nbs" / "index.ipynb"
    index = json.loads(path.read_text(encoding="utf-8"))
    new = build((REPO / "README.md").read_text(encoding="utf-8"), index)
    text = json.dumps(new, indent=1, ensure_ascii=False) + "\n"
    if args.check:
        current = path.read_text(encoding="utf-8") == text
        print("nbs/index.ipynb is up to date." if current else
              "nbs/index.ipynb differs from README.md: run python tools/sync_index.py")
        return 0 if current else 1
    path.write_text(text, encoding="utf-8")
    print(f"Wrote {path.relative_to(REPO)} from README.md ({len(new['cells'])} cells).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
