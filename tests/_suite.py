"""Helpers shared by the notebook-suite tests: build processed demo data in a sandbox."""

from __future__ import annotations

import re
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

from leheranalysis import config

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
NOTEBOOK_STEMS = (
    "01-data-quality",
    "02-baseline-findings",
    "03-village-maps",
    "04-district-comparison",
)

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def sandbox(root: Path):
    """Point the data, reports and figures folders at ``root`` (public data unchanged)."""
    public = str(config.public_data_dir())
    values = {
        "LEHER_PUBLIC_DATA": public,
        "LEHER_DATA_DIR": str(root / "data"),
        "LEHER_HOME": str(root),
    }
    with config.environ(values):
        yield root


def build_processed(district, root: Path, seed: int = 7, villages: int | None = None) -> str:
    """Generate SYNTHETIC workbooks for ``district`` and ingest them under ``root``."""
    from leheranalysis import ingest, synth

    raw = root / "data" / "raw" / "demo" / config.slugify(getattr(district, "name", district))
    kwargs = {"seed": seed}
    if villages:
        kwargs["villages"] = villages
    dna, _ = synth.demo_data(district, raw, **kwargs)
    name = getattr(district, "name", None) or dna.district
    ingest.ingest_district(
        district, [raw], out_dir=root / "data" / "processed" / config.slugify(name)
    )
    return name


def code_inputs(html: str) -> list[str]:
    """Code input areas left in an exported report (should be none).

    Markdown cells also sit in ``jp-InputArea`` divs, so look for what only code
    input has: the editor area, highlighted Python source and ``In [n]:`` prompts.
    """
    return re.findall(
        r'class="[^"]*\b(?:jp-CodeMirrorEditor|jp-InputArea-editor|hl-ipython3|input_prompt)\b'
        r"|In&nbsp;\[\d*\]:",
        html,
    )


def chromium() -> str | None:
    """Path of a headless-capable Chromium, if installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(
    url: str, png: Path, tmp: Path, size: str = "1200,2400"
) -> subprocess.CompletedProcess:
    """Screenshot ``url`` with headless Chromium into ``png``."""
    png.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        chromium(),
        *CHROMIUM_FLAGS,
        f"--user-data-dir={tmp}",
        f"--window-size={size}",
        f"--screenshot={png}",
        url,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def dump_dom(url: str, tmp: Path) -> str:
    """The DOM of ``url`` after Chromium has loaded it."""
    cmd = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp}", "--dump-dom", url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout


def answer_key_top_issues(key_dir: Path, k: int = 2) -> list[str]:
    """The ``k`` ranking issues with the highest true rate per 1,000 in a synthetic answer key.

    Only issues measured as counts with a population base are compared (a rate per 1,000
    of its own denominator); yes/no issues have no comparable rate.
    """
    import pandas as pd

    from leheranalysis.codebook import load_codebook

    cb = load_codebook()
    truth = pd.read_parquet(Path(key_dir) / "villages.parquet")
    rates = {}
    for issue in cb.ranking_issues.itertuples():
        row = cb.indicator(issue.indicator)
        if row["unit"] == "count" and row["denominator"]:
            rates[issue.code] = truth[issue.indicator].sum() / truth[row["denominator"]].sum()
    return sorted(rates, key=rates.get, reverse=True)[:k]


# Runs in the page after load; writes what it measured into <body data-leher-check="...">.
_LAYOUT_PROBE = """<script>
window.addEventListener("load", () => {
  const vw = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest(".leher-pan") && !el.classList.contains("leher-pan")) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.right > vw + 1 || r.left < -1) {
      wide.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
    }
  }
  const images = [...document.images].filter((i) => i.naturalWidth > 200).map(
    (i) => [i.alt.slice(0, 60), i.getBoundingClientRect().width / i.naturalWidth]);
  const figures = [...document.images].filter((i) => i.naturalWidth > 200).map(
    (i) => [i.alt.slice(0, 60), Math.round(i.getBoundingClientRect().width), i.naturalWidth,
            i.parentElement.tagName === "PICTURE" && i.currentSrc !== i.src]);
  parent.postMessage(JSON.stringify(
    {viewport: vw, scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 20),
     images: images, figures: figures}), "*");
});
</script>"""

# Headless Chromium has a minimum window width of about 500 px: the page is measured in
# an iframe of exactly the width asked for, which reports back by postMessage.
_FRAME = """<!DOCTYPE html><html><body style="margin:0">
<iframe src="{src}" style="width:{width}px;height:900px;border:0"></iframe>
<script>window.addEventListener("message", (e) => {{
  document.body.setAttribute("data-leher-check", e.data); }});</script></body></html>"""


def layout_check(page: Path, width: int, tmp: Path) -> dict:
    """Open ``page`` in headless Chromium, ``width`` px wide, and measure its layout.

    Returns ``viewport`` (px), ``scrollWidth`` (px), ``wide`` (elements outside the
    viewport; a figure's content inside its sideways-panning frame does not count) and
    ``images`` ([alt, shown width / pixel width]) and ``figures`` ([alt, shown width in
    px, pixel width of the image shown, whether it is the phone version of a
    ``<picture>``]).
    """
    import html as html_mod
    import json

    tmp.mkdir(parents=True, exist_ok=True)
    probe = tmp / page.name
    probe.write_text(
        page.read_text(encoding="utf-8").replace("</body>", _LAYOUT_PROBE + "</body>"),
        encoding="utf-8",
    )
    frame = tmp / f"frame-{width}.html"
    frame.write_text(_FRAME.format(src=probe.name, width=width), encoding="utf-8")
    cmd = [
        chromium(),
        *CHROMIUM_FLAGS,
        f"--user-data-dir={tmp / 'profile'}",
        f"--window-size={width + 40},1000",
        "--virtual-time-budget=10000",
        "--dump-dom",
        frame.as_uri(),
    ]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=180).stdout
    m = re.search(r'data-leher-check="([^"]*)"', dom)
    assert m, f"chromium did not measure {page.name} at {width} px"
    return json.loads(html_mod.unescape(m.group(1)))


def table_headers(html: str) -> list[str]:
    """Texts of the column header cells (``<thead>``) of every table in ``html``."""
    import html as html_mod

    heads = []
    for thead in re.findall(r"<thead[^>]*>(.*?)</thead>", html, flags=re.S):
        for cell in re.findall(r"<th[^>]*>(.*?)</th>", thead, flags=re.S):
            text = " ".join(html_mod.unescape(re.sub(r"<[^>]+>", "", cell)).split())
            if text:
                heads.append(text)
    return heads


def split_header_words(headers: list[str], pdf_text: str, html_text: str) -> list[str]:
    """Header words that the PDF shows broken across lines (``"Shar"`` + ``"e"``).

    A header word is split when a piece of it (three letters or more, from its start or
    up to its end) stands as a word of the PDF text that is no word of the reports
    (``html_text``: the text of every report the PDF prints), whatever its case.
    """
    words = re.compile(r"[^\W_]+")
    pdf_words = {w.casefold() for w in words.findall(pdf_text)}
    vocabulary = {w.casefold() for w in words.findall(html_text)}
    broken = []
    for header in headers:
        for word in words.findall(header):
            w = word.casefold()
            pieces = {w[:k] for k in range(3, len(w))} | {w[k:] for k in range(1, len(w) - 2)}
            if any(p in pdf_words and p not in vocabulary for p in pieces):
                broken.append(word)
    return sorted(set(broken))
