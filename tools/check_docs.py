"""Render every notebook to HTML offline, then check in headless Chromium that the charts draw.

    python tools/check_docs.py                  # render nbs/*.ipynb into _docs_local/, then check
    python tools/check_docs.py --no-browser     # render only
    python tools/check_docs.py --screenshot explore_evals

This is a local stand-in for the Quarto site (`nbdev_docs`, which needs Quarto), not part of
`tools/test.sh`: CI has no Chromium. It needs no network. Notebooks are committed without
outputs, so the explore notebooks are executed first, on their default parameters (the fixtures).
The other notebooks are rendered with whatever outputs they store. Altair charts are drawn by a
Vega, Vega-Lite and vega-embed bundle taken from vl-convert (`vl_convert.javascript_bundle()`),
written once to `_docs_local/vega-bundle.js`, so no page loads anything from a CDN. Chromium runs
with every host name resolving to nothing, so a page that tried to fetch from the internet would
fail here rather than reach it.
"""
from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NBS = REPO / "nbs"
EXECUTE = ("explore_corpus", "explore_evals")  # notebooks executed before rendering
BUNDLE = "vega-bundle.js"

# Emit each altair chart as its bare Vega-Lite spec (`application/json`), which this script turns
# into a chart placeholder. Altair's default renderer writes HTML that loads Vega from a CDN.
RENDERER_CELL = "import altair as _alt\n_alt.renderers.enable('json')"

CHART_HTML = """<div class="vega-chart" id="{div}"></div>
<script>vegaEmbed("#{div}", {spec}, {{"mode": "vega-lite", "actions": false}})
  .catch(function (e) {{
    document.getElementById("{div}").setAttribute("data-error", String(e));
  }});</script>"""

WIDGET_HTML = ("<p class='widget-note'><i>An interactive widget: open the notebook in JupyterLab "
               "to use it.</i></p>")


def execute(nb, path: Path, timeout: int):
    """Run `nb` in a fresh kernel with nbs/ as working directory; return it with outputs."""
    import nbformat
    from nbclient import NotebookClient

    nb.cells.insert(0, nbformat.v4.new_code_cell(RENDERER_CELL))
    os.environ.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
                      MSM_NB_NO_DOTENV="1")
    started = time.time()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nb.cells.pop(0)
    print(f"  executed {path.name} in {time.time() - started:.0f} s")
    return nb


def is_vegalite(data) -> bool:
    return isinstance(data, dict) and "vega-lite" in str(data.get("$schema", ""))


def inline_outputs(nb, page: str) -> int:
    """Replace chart and widget outputs by offline HTML; return the number of charts."""
    charts = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            spec = next((v for k, v in data.items()
                         if k == "application/json" or k.startswith("application/vnd.vegalite")), None)
            if is_vegalite(spec):
                charts += 1
                div = f"{page}-chart-{charts}"
                # "</" is escaped so a spec holding "</script>" cannot end the script early.
                spec_js = json.dumps(spec).replace("</", "<\\/")
                output["data"] = {"text/html": CHART_HTML.format(div=div, spec=spec_js)}
            elif "application/vnd.jupyter.widget-view+json" in data:
                output["data"] = {"text/html": WIDGET_HTML}
    nb.metadata.pop("widgets", None)
    return charts


# A <script> or <link> tag that loads from the internet (the lab template's require.js and MathJax).
EXTERNAL = re.compile(r"""<(script|link)\b[^>]*\b(?:src|href)=["']https?://[^"']*["'][^>]*>"""
                      r"""(?:\s*</script>)?""", re.IGNORECASE)


def render(nb, charts: int) -> tuple[str, int]:
    """Export a notebook to HTML with no external resources; return the page and how many were cut."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(nb)
    body, cut = EXTERNAL.subn("", body)
    if charts:
        body = body.replace("</head>", f'<script src="{BUNDLE}"></script>\n</head>', 1)
    return body, cut


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def chromium(binary: str, page: Path, *extra: str, timeout: int = 120) -> subprocess.CompletedProcess:
    """Run headless Chromium on a local page with networking shut off."""
    with tempfile.TemporaryDirectory(prefix="check_docs_chromium_") as profile:
        command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                   "--no-first-run", "--disable-background-networking", "--disable-component-update",
                   "--disable-sync", "--disable-default-apps", "--disable-extensions",
                   f"--user-data-dir={profile}",
                   # Every host name fails to resolve: file:// pages need none, and nothing leaks.
                   "--host-resolver-rules=MAP * ~NOTFOUND",
                   "--virtual-time-budget=15000", *extra, page.as_uri()]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def check_page(binary: str, page: Path, expected: int) -> tuple[bool, str]:
    """Load a page and count the charts that drew: Vega draws one svg or canvas of class "marks" each."""
    result = chromium(binary, page, "--dump-dom")
    dom = result.stdout
    if not dom.strip():
        return False, f"Chromium printed no DOM (exit {result.returncode}): {result.stderr[-500:]}"
    marks = len(re.findall(r'<(?:svg|canvas)\b[^>]*class="marks"', dom))
    errors = re.findall(r'data-error="([^"]*)"', dom)
    ok = marks >= expected and not errors
    detail = (f"{marks} of {expected} charts drew marks"
              + (f"; errors: {', '.join(html.unescape(e) for e in errors[:3])}" if errors else ""))
    return ok, detail


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "_docs_local"),
                        help="output folder (default: _docs_local/)")
    parser.add_argument("--no-browser", action="store_true", help="render only; skip the Chromium check")
    parser.add_argument("--screenshot", action="append", default=[], metavar="NOTEBOOK",
                        help="also save <out>/<NOTEBOOK>.png, a full-page screenshot (repeatable)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per executed cell (default: 600)")
    args = parser.parse_args()

    import nbformat
    import vl_convert

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / BUNDLE).write_text(vl_convert.javascript_bundle(), encoding="utf-8")
    pages: dict[str, int] = {}
    for path in sorted(NBS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        if path.stem in EXECUTE:
            nb = execute(nb, path, args.timeout)
        charts = inline_outputs(nb, path.stem)
        body, cut = render(nb, charts)
        (out / f"{path.stem}.html").write_text(body, encoding="utf-8")
        pages[path.stem] = charts
        removed = f", {cut} external script or style tags removed" if cut else ""
        print(f"{path.stem}.html: {charts} charts{removed}")
    links = "\n".join(f'<li><a href="{name}.html">{name}</a> ({n} charts)</li>'
                      for name, n in pages.items())
    # index.html is the home page (nbs/index.ipynb), so the list of pages is contents.html.
    contents = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>msm_nb notebooks</title>"
                f"</head><body><h1>msm_nb notebooks</h1><ul>{links}</ul></body></html>")
    (out / "contents.html").write_text(contents, encoding="utf-8")
    print(f"Wrote {len(pages)} pages to {out}")

    if args.no_browser:
        return 0
    binary = find_chromium()
    if binary is None:
        print("Chromium not found: install it (Debian: apt-get install -y chromium) or pass --no-browser.")
        return 2
    failed = 0
    for name, expected in pages.items():
        if name not in EXECUTE:
            continue
        ok, detail = check_page(binary, out / f"{name}.html", expected)
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}.html: {detail}")
    for name in args.screenshot:
        png = out / f"{name}.png"
        chromium(binary, out / f"{name}.html", f"--screenshot={png}", "--window-size=1280,6000")
        print(f"Screenshot: {png}" if png.exists() else f"Screenshot of {name} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
