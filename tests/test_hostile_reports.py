"""Hostile inputs read as a reviewer would: no payload runs, no personal data shows.

Valid inputs (a Part I workbook, a Part II CSV, an alias file) carry script payloads in
every text-carrying field that ingestion keeps or logs - a file name, a sheet name, a
written village name (matched through the alias file), a comment - and personal data
(a person's name, a phone number, a 12-digit identity number) in their folder, file and
sheet names, free-text fields, added columns and workbook properties. They are ingested
and run through the four reports. The HTML is parsed: no element from a payload, no
event-handler attribute, no script that is not the report's own (the payload text may
appear escaped); and no planted value is in any processed file, log, report, executed
notebook, figure, ``index.html`` or ``runs.json``.
"""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from leheranalysis import gazetteer, instruments
from leheranalysis.cli import main as leher
from tests._suite import NOTEBOOK_STEMS, NOTEBOOKS, sandbox

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


#: personal data planted in names and fields of valid inputs (none may reach an output)
PERSON, PHONE, AADHAAR = "Ramesh Kumar Yadav", "9876543210", "234567890123"
PLANTED = ("Ramesh", "Yadav", "Sunita", PHONE, "98765 43210", AADHAAR, "2345 6789 0123")


def _plant(cp, wb) -> int:
    """Payloads and personal data in every text field of a valid Part I workbook."""
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
    c = mc.cols(db)
    db.cell(row=3, column=c["comment"]).value = COMMENT_PAYLOAD
    db.cell(row=4, column=c["comment"]).value = f"{PERSON} 98765 43210, Aadhaar 2345 6789 0123"
    cg = wb["Children's groups"]
    extra = cg.max_column + 1
    for col, (head, value) in enumerate(
        (("Respondent name", "Sunita Devi"), ("Mobile", PHONE), ("Aadhaar", AADHAAR))
    ):
        cg.cell(row=instruments.HEADER_ROW, column=extra + col).value = head
        cg.cell(row=instruments.FIRST_DATA_ROW, column=extra + col).value = value
    wb.create_sheet(SHEET_PAYLOAD)
    wb.create_sheet(f"Sunita {PHONE}")["A1"] = f"{PERSON} {AADHAAR}"
    wb.properties.creator = PERSON
    wb.properties.title = f"DNA of {PERSON}"
    return vid


@pytest.fixture(scope="module")
def hostile(public_data, tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-suite")
    district = gazetteer.load_district("Madhubani")
    cp = mc.Corpus.build(district)
    wb = mc.small_part1(cp)
    vid = _plant(cp, wb)
    raw = root / "data" / "raw" / "dna" / f"Sunita_Devi_{PHONE}"
    raw.mkdir(parents=True)
    instruments.save_workbook(wb, raw / FILE_PAYLOAD)
    (raw / f"DNA_part2_{PERSON.replace(' ', '_')}_{PHONE}.csv").write_text(
        "block,indicator,group,evidence,response,action,timeline_months\n"
        f"Bisfi,child_marriage_12m,cdpo,told by {PERSON},acknowledged,"
        f"call {PHONE} (Aadhaar {AADHAAR}),6\n",
        encoding="utf-8",
    )
    aliases = root / f"aliases_{PERSON.replace(' ', '_')}.csv"
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
             "--force", "--no-progress"]
        )  # fmt: skip
        yield root, code_in, code_run


def test_hostile_inputs_are_ingested_and_reported(hostile):
    root, code_in, code_run = hostile
    assert code_in == 0
    assert code_run == 0
    for stem in NOTEBOOK_STEMS:
        assert (root / "reports" / "madhubani" / f"{stem}.html").is_file()
        assert (root / "reports" / "madhubani" / f"{stem}.ipynb").is_file()
    # the inputs are listed by their neutral labels
    html = (root / "reports" / "madhubani" / "01-data-quality.html").read_text("utf-8")
    assert "Part I workbook #" in html and "Part II CSV file #" in html


def test_no_planted_personal_data_in_any_output(hostile):
    root = hostile[0]
    outputs = [
        p
        for folder in ("data/processed", "reports", "figures")
        for p in (root / folder).rglob("*")
        if p.is_file()
    ]
    kinds = {p.suffix for p in outputs}
    assert {".parquet", ".csv", ".json", ".html", ".ipynb"} <= kinds, kinds
    for path in outputs:
        data = path.read_bytes()
        for planted in PLANTED:
            assert planted.encode() not in data, (path.relative_to(root), planted)


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
