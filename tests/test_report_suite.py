"""Integration: `leher run` on the Madhubani demo data, read as a reviewer would.

Builds SYNTHETIC Madhubani data on the real PMGSY geography (63 villages in Bisfi,
Pandaul and Rajnagar), runs the four notebooks through the ``leher run`` command, and
checks the HTML: no code, the SYNTHETIC banner, the published NFHS-5 values, the maps;
then headless Chromium loads the index and a report (no missing image, no broken link)
and its screenshots are kept in ``tests/artifacts/``.
"""

from __future__ import annotations

import base64
import re
import shutil
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from leheranalysis import config
from leheranalysis.cli import main as leher
from tests._suite import (
    NOTEBOOK_STEMS,
    NOTEBOOKS,
    build_processed,
    chromium,
    code_inputs,
    dump_dom,
    layout_check,
    sandbox,
    screenshot,
    split_header_words,
    table_headers,
)

pytestmark = [pytest.mark.slow, pytest.mark.realdata, pytest.mark.xdist_group("report-suite")]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture(scope="module")
def madhubani(public_data, tmp_path_factory):
    root = tmp_path_factory.mktemp("madhubani-suite")
    with sandbox(root):
        name = build_processed("Madhubani", root, seed=2026)
        code = leher(
            [
                "run",
                "--district",
                "madhubani",
                "--data",
                str(root / "data" / "processed"),
                "--out",
                str(root / "reports"),
                "--notebooks-dir",
                str(NOTEBOOKS),
                "--force",
            ]
        )
        yield root, name, code


def _html(root: Path, stem: str) -> str:
    return (root / "reports" / "madhubani" / f"{stem}.html").read_text(encoding="utf-8")


def test_leher_run_builds_four_reports(madhubani):
    root, name, code = madhubani
    assert name == "Madhubani"
    assert code == 0
    for stem in NOTEBOOK_STEMS:
        html = _html(root, stem)
        assert not code_inputs(html), stem
        assert "SYNTHETIC" in html, stem
        assert "Madhubani" in html


def test_findings_report_opens_with_key_findings_and_run_writes_the_plan(madhubani):
    import openpyxl

    root, _, _ = madhubani
    html = _html(root, "02-baseline-findings")
    key = html.index('id="Key-findings"')
    assert key < html.index('id="Headline')
    assert "95 % CI" in html[key : html.index('id="Headline')]
    for heading in ('id="Block-officials-response-Part-II"', 'id="Glossary"'):
        assert heading in html
    assert 'href="#Glossary"' in html
    wb = openpyxl.load_workbook(root / "reports" / "madhubani" / "madhubani-dcpp-plan.xlsx")
    rows = list(wb["Plan"].iter_rows(values_only=True))
    assert rows[0][1].endswith("[issue]")
    findings = {r[0] for r in rows[1:]}
    assert len(findings) == 6 and len(rows) == 1 + 6 * 3, "one row per key finding and block"
    assert 'href="madhubani-dcpp-plan.xlsx"' in html[key : html.index('id="Headline')]
    assert html[key : html.index('id="Headline')].count("Proposed action:") == 6
    assert all(r[-1] == "SYNTHETIC demonstration data" for r in rows[1:])


def test_every_report_ends_with_the_glossary_its_links_point_to(madhubani):
    for stem in NOTEBOOK_STEMS:
        html = _html(madhubani[0], stem)
        assert html.count('id="Glossary"') == 1, stem
        assert 'href="#Glossary"' in html, stem
        assert ">Universal Transverse Mercator<" in html, stem


def test_comparison_report_shows_published_nfhs_values(madhubani):
    html = _html(madhubani[0], "04-district-comparison")
    for value in ("39.2", "805", "81.1", "42.7"):
        assert re.search(rf"\b{re.escape(value)}\b", html), f"NFHS-5 value {value} missing"


def test_village_map_report_embeds_maps(madhubani):
    html = _html(madhubani[0], "03-village-maps")
    images = re.findall(r'<img[^>]+src="data:image/png;base64,([^"]+)"', html)
    assert len(images) >= 2, "expected the village map and the small multiples"
    assert all(base64.b64decode(img[:200] + "==")[:4] == b"\x89PNG" for img in images)
    map_files = list((madhubani[0] / "figures" / "madhubani").glob("*.svg"))
    assert map_files, "maps are saved as SVG too"


# columns that count villages without data, not cases or villages reporting a case
_NOT_CASE_COUNTS = ("no data",)


def _cell_texts(fragment: str, tag: str = "t[hd]") -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", c).replace("&nbsp;", " ").strip()
        for c in re.findall(rf"<{tag}[^>]*>(.*?)</{tag}>", fragment, flags=re.S)
    ]


def _rows_about(html: str, labels: list[str]) -> list[list[str]]:
    """Cells (as text) of every table row that names one of ``labels``.

    Cells under a column headed "No data" (villages where a comparison was not
    possible) are left out: they count missing answers, not cases.
    """
    rows = []
    for table in re.findall(r"<table[^>]*>(.*?)</table>", html, flags=re.S):
        head = re.search(r"<thead[^>]*>(.*?)</thead>", table, flags=re.S)
        header = _cell_texts(head.group(1)) if head else []
        skip = {i for i, h in enumerate(header) if h.lower() in _NOT_CASE_COUNTS}
        body = table[head.end() :] if head else table
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S):
            cells = _cell_texts(row)
            if skip and len(cells) == len(header):
                cells = [c for i, c in enumerate(cells) if i not in skip]
            if any(label.lower() in " ".join(cells).lower() for label in labels):
                rows.append(cells)
    return rows


# a count of 1-4 written plainly, as "k of n", "k/n" or "(k/n)"
_SMALL = re.compile(r"^\(?[1-4](?:\s*/\s*\d+|\s+of\s+\d+.*)?\)?$")


def test_no_sensitive_small_counts_in_reports(madhubani):
    from leheranalysis.codebook import load_codebook

    cb = load_codebook()
    sensitive = cb.indicators[
        cb.indicators["sensitive"] & (cb.indicators["instrument"] == "village")
    ]
    labels = [str(lbl) for lbl in sensitive["label"]]
    labels += [cb.reader_label(code) for code in sensitive.index]
    assert labels, "the codebook marks sensitive village indicators"
    for stem in ("02-baseline-findings", "04-district-comparison"):
        html = _html(madhubani[0], stem)
        rows = _rows_about(html, labels)
        if stem.startswith("02"):
            assert rows, f"{stem}: no table row about the sensitive indicators"
        for cells in rows:
            leaks = [c for c in cells[1:] if _SMALL.match(c)]
            assert not leaks, f"{stem}: sensitive count shown: {cells}"
    # the rule is stated for reviewers (whether any count is small depends on the data)
    assert "&lt;5" in _html(madhubani[0], "02-baseline-findings")


def test_small_count_pattern_catches_leaks():
    for leak in ("3", "1 of 63", "(2/61)", "4/63"):
        assert _SMALL.match(leak), leak
    for fine in ("0", "12", "<5", "63 of 63", "5/61", "97 %"):
        assert not _SMALL.match(fine), fine


@pytest.mark.skipif(
    chromium() is None and not config.require_data(), reason="chromium not installed"
)
def test_chromium_loads_index_and_report_without_broken_links(madhubani, tmp_path):
    assert chromium(), "chromium is required in CI (installed by .ci/run)"
    root = madhubani[0]
    reports = root / "reports"
    index = reports / "index.html"
    for page in (index, reports / "madhubani" / "03-village-maps.html"):
        dom = dump_dom(page.as_uri(), tmp_path / "profile")
        assert "<body" in dom, f"chromium did not render {page}"
        for src in re.findall(r'<img[^>]+src="([^"]+)"', dom):
            if not src.startswith("data:"):
                target = (page.parent / unquote(urlparse(src).path)).resolve()
                assert target.is_file(), f"{page.name}: missing image {src}"
        for href in re.findall(r'<a[^>]+href="([^"#][^"]*)"', dom):
            parsed = urlparse(href)
            if parsed.scheme in ("http", "https", "mailto"):
                continue
            target = (page.parent / unquote(parsed.path)).resolve()
            assert target.exists(), f"{page.name}: broken link {href}"
    ARTIFACTS.mkdir(exist_ok=True)
    for page, shot in (
        (index, "index.png"),
        (reports / "madhubani" / "03-village-maps.html", "madhubani-maps.png"),
    ):
        out = tmp_path / shot
        screenshot(page.as_uri(), out, tmp_path / "profile2")
        assert out.is_file() and out.stat().st_size > 10_000, f"no screenshot of {page}"
        shutil.copy(out, ARTIFACTS / shot)


# shown width / pixel width of a figure below which its 11 pt text gets too small to read
READABLE = 0.7
# on a phone: pixel width of the figure shown / shown width, at most (phone versions are
# drawn about 4.2 inches wide at 144 dpi, 605 px shown 359 px wide: 11 pt text is 13 px)
PHONE_PIXELS = 2.0


@pytest.mark.skipif(
    chromium() is None and not config.require_data(), reason="chromium not installed"
)
def test_reports_read_on_desktop_phone_and_paper(madhubani, tmp_path):
    """Every report at 1280 and 390 px, and the district PDF that `leher run` printed."""
    pypdf = pytest.importorskip("pypdf")
    root = madhubani[0]
    folder = root / "reports" / "madhubani"
    ARTIFACTS.mkdir(exist_ok=True)
    phone_figures: dict[str, int] = {}
    for stem in NOTEBOOK_STEMS:
        page = folder / f"{stem}.html"
        for width in (1280, 390):
            check = layout_check(page, width, tmp_path / f"{stem}-{width}")
            assert check["viewport"] <= width
            assert check["scrollWidth"] <= check["viewport"], (stem, width, check["wide"])
            if width == 390:
                assert not check["wide"], f"{stem} at 390 px: wider than the screen {check['wide']}"
            phone = [f for f in check["figures"] if f[3]]
            if width == 390:
                # a figure's phone version fits the screen and is drawn for it: at most
                # twice the shown width, so its text is at least ~11 px high
                wide = [f for f in phone if f[1] > check["viewport"]]
                assert not wide, f"{stem} at 390 px: figures wider than the screen {wide}"
                small = [f for f in phone if f[2] > PHONE_PIXELS * f[1]]
                assert not small, f"{stem} at 390 px: phone figures shrunk too far {small}"
                phone_figures[stem] = len(phone)
            else:
                assert not phone, f"{stem} at {width} px: phone figures on a desktop {phone}"
            # a figure without a phone version keeps a readable size (and pans on a phone)
            alone = {f[0] for f in check["figures"] if not f[3]}
            small = [
                (alt, round(s, 2)) for alt, s in check["images"] if alt in alone and s < READABLE
            ]
            assert not small, f"{stem} at {width} px: figures shrunk below readable size {small}"
            shot = tmp_path / f"madhubani-{stem}-{width}.png"
            screenshot(page.as_uri(), shot, tmp_path / "profile-shots", size=f"{width},2400")
            assert shot.is_file() and shot.stat().st_size > 10_000, f"no screenshot of {stem}"
            shutil.copy(shot, ARTIFACTS / shot.name)
    # one-panel charts (the issue ranking, the priority villages, ...) have a phone version
    assert phone_figures["02-baseline-findings"] >= 2, phone_figures
    assert sum(phone_figures.values()) >= 3, phone_figures
    pdf = folder / "madhubani-reports.pdf"
    assert pdf.is_file(), "leher run prints the district PDF"
    shutil.copy(pdf, ARTIFACTS / pdf.name)
    pages = [p.extract_text() for p in pypdf.PdfReader(str(pdf)).pages]
    assert all(f"Page {i + 1} of {len(pages)}" in t for i, t in enumerate(pages))
    lines = unicodedata.normalize("NFKC", "\n".join(pages))
    text = "".join(lines.split())
    # every word the reports show (the PDF prints them all), images left out
    words = " ".join(
        re.sub(r"<[^>]+>", " ", re.sub(r"data:[^\"]*", "", _html(root, stem)))
        for stem in NOTEBOOK_STEMS
    )
    words = unicodedata.normalize("NFKC", words)
    for stem in NOTEBOOK_STEMS:
        headers = table_headers(_html(root, stem))
        assert headers, f"{stem}: no table"
        lost = [h for h in headers if "".join(h.split()) not in text]
        assert not lost, f"{stem}: column headers missing from the PDF: {lost}"
        split = split_header_words(headers, lines, words)
        assert not split, f"{stem}: header words split across lines in the PDF: {split}"


def test_every_table_downloads_as_csv_matching_the_report(madhubani):
    """Each table a report shows has a CSV (UTF-8 with BOM) with the same cells."""
    import pandas as pd

    from leheranalysis.reports.layout import table_cells
    from leheranalysis.textsafe import neutralise

    root = madhubani[0]
    folder = root / "reports" / "madhubani"
    for stem in NOTEBOOK_STEMS:
        html = _html(root, stem)
        nav = re.search(r'<nav\b[^>]*class="leher-nav".*?</nav>', html, flags=re.S).group(0)
        assert all(f'href="{s}.html"' in nav for s in NOTEBOOK_STEMS), stem
        here = re.findall(r'<a\b[^>]*aria-current="page"[^>]*>', nav)
        assert 'href="../index.html"' in nav and len(here) == 1 and f"{stem}.html" in here[0]
        tables = re.findall(r"<table\b.*?</table>", html, flags=re.S)
        links = re.findall(r'<a href="([^"]+\.csv)" download>', html)
        assert len(links) == len(tables) > 0, stem
        for table, link in zip(tables, links, strict=True):
            path = folder / unquote(link)
            assert path.read_bytes()[:3] == b"\xef\xbb\xbf", f"{link}: no BOM for Excel"
            df = pd.read_csv(
                path, encoding="utf-8-sig", dtype=str, keep_default_na=False, header=None
            )
            columns, rows = table_cells(table)
            # the same header and cells; text a spreadsheet would run as a formula gets an
            # apostrophe
            expected = [[neutralise(c) for c in row] for row in [columns, *rows]]
            assert df.values.tolist() == expected, link
    index = (root / "reports" / "index.html").read_text(encoding="utf-8")
    assert "madhubani/01-data-quality-tables/" in index and "madhubani-reports.pdf" in index
    # every report gives the reader its key numbers; report 01 opens with its summary
    madhubani = index.split('id="madhubani"')[1].split("</section>")[0]
    assert madhubani.count('<ul class="keys">') == 4
    assert "programme villages matched to the official list" in madhubani
    assert "women 20-24 married before 18 (NFHS-5; Bihar 40.8 %, India 23.3 %)" in madhubani
    quality = _html(root, "01-data-quality")
    assert quality.index("<strong>Completeness</strong>") < quality.index('id="Technical-annex"')
