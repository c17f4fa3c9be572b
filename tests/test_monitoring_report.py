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
    expected = pm.change_reader_table(
        monitoring.change_table(base, mid, shares=shares),
        blocks=monitoring.block_changes(base, mid, shares=shares),
    )
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


def fill_targets(path: Path, out: Path) -> Path:
    """The draft plan of ``leher plan`` with every target 20 % better than its baseline."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb["Plan"]
    codes = {str(c.value).rsplit("[", 1)[-1].rstrip("]"): c.column for c in ws[1] if c.value}
    for row in range(2, ws.max_row + 1):
        base = ws.cell(row, codes["baseline"]).value
        if isinstance(base, int | float):
            ws.cell(row, codes["target"]).value = round(0.8 * base, 1)
            ws.cell(row, codes["target_date"]).value = "2029-01-15"
    wb.save(out)
    return out


def test_plan_targets_of_the_dcpp_workbook_are_tracked(suite, tmp_path):
    root, _, _, _ = suite
    folder = root / "data" / "processed" / "madhubani"
    draft = tmp_path / "dcpp.xlsx"
    with sandbox(root):
        assert leher(["plan", "--district", "Madhubani", "--data", str(folder),
                      "--out", str(draft)]) == 0  # fmt: skip
    filled = fill_targets(draft, tmp_path / "dcpp-filled.xlsx")
    plan = monitoring.read_plan(filled)
    base = monitoring.RoundData.from_processed(processed.load_processed(folder=folder))
    mid = monitoring.RoundData.from_processed(
        processed.load_processed(folder=folder, round_name="midline")
    )
    from leheranalysis import findings

    shares, _ = findings.district_denominator_shares("Madhubani")
    changes = monitoring.change_table(base, mid, shares=shares)
    blocks = monitoring.block_changes(base, mid, shares=shares)
    track = monitoring.plan_tracking(
        plan, changes, blocks, baseline_date="2025-01-15", followup_date="2027-01-15"
    )
    with_target = plan["target"].notna().sum()
    assert with_target >= 5 and len(track) == with_target
    assert set(track["status"]) <= {"met", "on track", "not met"}
    assert track["time_elapsed"].round(3).eq(round(731 / 1461, 3)).all()
    for r in track.itertuples():
        b = blocks[(blocks["block_name"] == r.block) & (blocks["indicator"] == r.indicator)]
        expected = b["followup"].iloc[0]
        if "village" in str(r.unit):
            expected = 100 * b["share_followup"].iloc[0]
        assert r.followup == pytest.approx(expected), (r.block, r.indicator)
    # the report shows the same statuses when given the plan
    with sandbox(root):
        code = leher(["run", "--district", "Madhubani", "--data", str(root / "data" / "processed"),
                      "--out", str(tmp_path / "reports"), "--notebooks-dir", str(NOTEBOOKS),
                      "--notebooks", "05", "-p", f"plan_file={filled}"])  # fmt: skip
    assert code == 0
    html = (tmp_path / "reports" / "madhubani" / "05-monitoring.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    table = next(t for t in soup.find_all("table") if "Way to the target" in t.get_text())
    statuses = [
        tr.find_all("td")[-1].get_text(strip=True) for tr in table.find("tbody").find_all("tr")
    ]
    assert statuses == list(track["status"])


def test_the_comparison_report_shows_the_latest_round(suite, tmp_path):
    root, _, _, _ = suite
    folder = root / "data" / "processed" / "madhubani"
    with sandbox(root):
        code = leher(["run", "--district", "Madhubani", "--data", str(root / "data" / "processed"),
                      "--out", str(tmp_path / "reports"), "--notebooks-dir", str(NOTEBOOKS),
                      "--notebooks", "04"])  # fmt: skip
    assert code == 0
    html = (tmp_path / "reports" / "madhubani" / "04-district-comparison.html").read_text(
        encoding="utf-8"
    )
    base = monitoring.RoundData.from_processed(processed.load_processed(folder=folder))
    later = processed.latest_round(folder)
    assert later.round == "midline"
    latest = monitoring.latest_round_changes(
        {"Madhubani": (base, monitoring.RoundData.from_processed(later))}
    )
    expected = pm.latest_rounds_reader_table(latest).iloc[0]
    soup = BeautifulSoup(html, "html.parser")
    table = next(t for t in soup.find_all("table") if "Latest round" in t.get_text())
    cells = [td.get_text(" ", strip=True) for td in table.find("tbody").find_all("td")]
    assert cells == list(expected)
    assert expected["Latest round"] == "Midline (2027-01-15)"


def test_without_a_plan_file_the_report_reads_the_districts_plan_beside_it(suite, tmp_path):
    root, _, _, _ = suite
    folder = root / "data" / "processed" / "madhubani"
    out = tmp_path / "reports"
    draft = out / "madhubani" / "madhubani-dcpp-plan.xlsx"
    draft.parent.mkdir(parents=True)
    with sandbox(root):
        assert leher(["plan", "--district", "Madhubani", "--data", str(folder),
                      "--out", str(draft)]) == 0  # fmt: skip
        code = leher(["run", "--district", "Madhubani", "--data", str(root / "data" / "processed"),
                      "--out", str(out), "--notebooks-dir", str(NOTEBOOKS),
                      "--notebooks", "05"])  # fmt: skip
    assert code == 0
    html = (out / "madhubani" / "05-monitoring.html").read_text(encoding="utf-8")
    text = " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())
    assert (
        "The district's plan workbook (madhubani-dcpp-plan.xlsx) has no targets yet: the "
        "targets are still to be set by the district." in text
    )
    assert "plan_file" not in text and str(tmp_path) not in text
