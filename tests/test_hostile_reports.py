"""Hostile inputs read as a reviewer would: script payloads never run in a report.

A valid Part I workbook carries script payloads in every text-carrying field that
ingestion keeps or logs - its file name, an extra sheet's name, a written village name
(matched through an alias file), a comment - and is ingested and run through the
data-quality report. The HTML is parsed: no element from a payload, no event-handler
attribute, no script that is not the report's own; the payload text may appear escaped.
"""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from leheranalysis import gazetteer, instruments
from leheranalysis.cli import main as leher
from tests._suite import NOTEBOOKS, sandbox

sys.path.insert(0, str(Path(__file__).parent / "malformed"))
import make_corpus as mc  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.realdata, pytest.mark.xdist_group("hostile")]

VILLAGE_PAYLOAD = "<script>alert(1)</script>"
SHEET_PAYLOAD = "<img src=x onerror=alert(2)>"
FILE_PAYLOAD = "<svg onload=alert(3)>part1.xlsx"
COMMENT_PAYLOAD = '"><iframe src=javascript:alert(4)>'


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text of every script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def live_markup(html: str) -> list[str]:
    """What of the payloads is live markup in ``html`` (empty when none)."""
    parser = _Tags()
    parser.feed(html)
    found = []
    for tag, attrs in parser.tags:
        if tag in ("svg", "iframe") or (tag == "img" and "onerror" in attrs):
            found.append(f"<{tag} {attrs}>")
        found += [f"<{tag} {k}=...>" for k in attrs if k.lower().startswith("on")]
        found += [f"<{tag} {k}={v}>" for k, v in attrs.items() if "javascript:" in str(v)]
    found += [s for s in parser.scripts if "alert(" in s]
    return found


def test_live_markup_detects_each_payload():
    for payload in (VILLAGE_PAYLOAD, SHEET_PAYLOAD, "<svg onload=alert(3)>", COMMENT_PAYLOAD):
        assert live_markup(f"<p>{payload}</p>"), payload
    assert not live_markup("<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;5</p>")


@pytest.fixture(scope="module")
def hostile(public_data, tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-suite")
    district = gazetteer.load_district("Madhubani")
    cp = mc.Corpus.build(district)
    wb = mc.small_part1(cp)
    target = cp.village("Bisfi", 1)
    vid = int(cp.villages.loc[cp.villages["name"] == target, "village_id"].iloc[0])
    for title in ("Children's groups", "Adult groups", "Duty bearers", "Ranking"):
        ws = wb[title]
        cols = mc.cols(ws)
        for row in ws.iter_rows(min_row=instruments.FIRST_DATA_ROW):
            cell = row[cols["village"] - 1]
            if cell.value == target:
                cell.value = VILLAGE_PAYLOAD
    db = wb["Duty bearers"]
    db.cell(row=3, column=mc.cols(db)["comment"]).value = COMMENT_PAYLOAD
    wb.create_sheet(SHEET_PAYLOAD)
    raw = root / "data" / "raw" / "dna" / "madhubani"
    raw.mkdir(parents=True)
    instruments.save_workbook(wb, raw / FILE_PAYLOAD)
    aliases = root / "aliases.csv"
    pd.DataFrame([{"written_name": VILLAGE_PAYLOAD, "block": "Bisfi", "village_id": vid}]).to_csv(
        aliases, index=False
    )
    processed = root / "data" / "processed"
    with sandbox(root):
        code_in = leher(
            ["ingest", "--district", "Madhubani", "--out", str(processed / "madhubani"),
             "--aliases", str(aliases), str(raw)]
        )  # fmt: skip
        code_run = leher(
            ["run", "--district", "madhubani", "--data", str(processed),
             "--out", str(root / "reports"), "--notebooks-dir", str(NOTEBOOKS),
             "--notebooks", "01-data-quality", "--force", "--no-progress"]
        )  # fmt: skip
        yield root, code_in, code_run


def test_hostile_inputs_are_ingested_and_reported(hostile):
    root, code_in, code_run = hostile
    assert code_in == 0
    assert code_run == 0
    assert (root / "reports" / "madhubani" / "01-data-quality.html").is_file()


def test_no_payload_is_live_markup_in_any_html(hostile):
    root = hostile[0]
    pages = sorted((root / "reports").rglob("*.html"))
    assert {p.name for p in pages} >= {"01-data-quality.html", "index.html"}
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert not live_markup(html), f"{page.name}: {live_markup(html)}"


def test_the_written_village_name_is_shown_as_text(hostile):
    html = (hostile[0] / "reports" / "madhubani" / "01-data-quality.html").read_text("utf-8")
    # the alias-matched name is listed among the names not written as in the official list
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
