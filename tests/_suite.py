"""Helpers shared by the notebook-suite tests: build processed demo data in a sandbox."""

from __future__ import annotations

import os
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
    saved = {k: os.environ.get(k) for k in ("LEHER_DATA_DIR", "LEHER_HOME", "LEHER_PUBLIC_DATA")}
    os.environ["LEHER_PUBLIC_DATA"] = public
    os.environ["LEHER_DATA_DIR"] = str(root / "data")
    os.environ["LEHER_HOME"] = str(root)
    try:
        yield root
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


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
