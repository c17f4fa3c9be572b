"""Integration: `leher run` writes the monitoring report when a district has two rounds.

SYNTHETIC Madhubani baseline and midline (same villages two years on, the documented
programme effect) are ingested with ``leher ingest --round``; ``leher run`` then writes
``05-monitoring.html``, whose change table must say what the analysis functions say, and
the index lists the rounds. A district with one round gets no monitoring report.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from leheranalysis import monitoring, processed
from leheranalysis.cli import main as leher
from leheranalysis.present import monitoring as pm
from tests._suite import NOTEBOOKS, code_inputs, sandbox

pytestmark = [pytest.mark.slow, pytest.mark.realdata]


def run(root: Path, *notebooks: str) -> int:
    args = ["run", "--district", "Madhubani", "--data", str(root / "data" / "processed"),
            "--out", str(root / "reports"), "--notebooks-dir", str(NOTEBOOKS)]  # fmt: skip
    if notebooks:
        args += ["--notebooks", *notebooks]
    return leher(args)


@pytest.fixture(scope="module")
def suite(public_data, tmp_path_factory):
    root = tmp_path_factory.mktemp("monitoring-suite")
    raw = root / "data" / "raw" / "demo"
    out = root / "data" / "processed" / "madhubani"
    with sandbox(root):
        for args in (
            ["demo-data", "--district", "Madhubani", "--villages", "30", "--seed", "8",
             "--out", raw / "madhubani"],
            ["ingest", "--district", "Madhubani", "--date", "2025-01-15", "--out", out,
             raw / "madhubani"],
        ):  # fmt: skip
            assert leher([str(a) for a in args]) == 0
        single = run(root, "01", "05")
        one_round = sorted(p.name for p in (root / "reports" / "madhubani").glob("*.html"))
        for args in (
            ["demo-data", "--district", "Madhubani", "--villages", "30", "--round", "midline",
             "--baseline-seed", "8", "--seed", "1", "--out", raw / "madhubani-midline"],
            ["ingest", "--district", "Madhubani", "--round", "midline", "--date", "2027-01-15",
             "--out", out / "rounds" / "midline", raw / "madhubani-midline"],
        ):  # fmt: skip
            assert leher([str(a) for a in args]) == 0
        code = run(root, "01", "05")
        yield root, single, one_round, code


def test_one_round_gives_no_monitoring_report(suite):
    _, single, one_round, _ = suite
    assert single == 0
    assert one_round == ["01-data-quality.html"]


def _change_table(html: str) -> dict[str, list[str]]:
    soup = BeautifulSoup(html, "html.parser")
    for table in soup.find_all("table"):
        heads = [th.get_text(" ", strip=True) for th in table.find("thead").find_all("th")]
        if "Change (95 % interval)" in heads:
            rows = {}
            for tr in table.find("tbody").find_all("tr"):
                label = tr.find("th").get_text(" ", strip=True)
                rows[label] = [td.get_text(" ", strip=True) for td in tr.find_all("td")]
            return rows
    raise AssertionError("no change table in the report")


def test_the_report_table_is_the_analysis(suite):
    root, _, _, code = suite
    assert code == 0
    html = (root / "reports" / "madhubani" / "05-monitoring.html").read_text(encoding="utf-8")
    assert not code_inputs(html) and "SYNTHETIC" in html
    assert "Benjamini-Hochberg" in html and "2027-01-15" in html
    folder = root / "data" / "processed" / "madhubani"
    base = monitoring.RoundData.from_processed(processed.load_processed(folder=folder))
    mid = monitoring.RoundData.from_processed(
        processed.load_processed(folder=folder, round_name="midline")
    )
    from leheranalysis import findings

    shares, _ = findings.district_denominator_shares("Madhubani")
    expected = pm.change_reader_table(monitoring.change_table(base, mid, shares=shares))
    shown = _change_table(html)
    assert list(shown) == list(expected.index)
    for label, cells in shown.items():
        assert cells == list(expected.loc[label]), label
    # the programme effect is visible: Childline awareness rose beyond noise
    assert shown["Group members aware of Childline 1098 (%)"][-1] == "rose (better)"


def test_the_index_lists_the_rounds(suite):
    root, _, _, _ = suite
    index = (root / "reports" / "index.html").read_text(encoding="utf-8")
    assert "rounds: Baseline (2025-01-15, 30 villages), Midline (2027-01-15," in index
    assert "05-monitoring.html" in index
