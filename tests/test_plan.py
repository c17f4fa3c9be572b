"""The DCPP workbook: every column read back, one row per priority issue and block."""

from __future__ import annotations

import datetime as dt
import re

import openpyxl
import pandas as pd
import pytest

from leheranalysis import pipeline, plan
from leheranalysis.cli import main
from leheranalysis.codebook import load_codebook
from leheranalysis.instruments import is_synthetic
from tests._suite import answer_key_top_issues, build_processed, sandbox

REQUIRED = ("issue", "block", "indicator", "baseline", "target", "target_date", "unit")


@pytest.fixture(scope="module")
def demo(public_data, tmp_path_factory):
    root = tmp_path_factory.mktemp("plan")
    with sandbox(root):
        build_processed("Madhubani", root, seed=pipeline.DEMO_SEED)
        out = root / "dcpp.xlsx"
        assert main(["plan", "--district", "Madhubani", "--out", str(out)]) == 0
        table, info = plan.build_district_plan(
            "Madhubani", n_issues=len(load_codebook().plan_issues)
        )
        yield {"root": root, "xlsx": out, "all": table, "info": info}


def _read(path) -> tuple[list[str], pd.DataFrame]:
    wb = openpyxl.load_workbook(path)
    ws = wb[plan.SHEET]
    rows = list(ws.iter_rows(values_only=True))
    headers = list(rows[0])
    codes = [re.search(r"\[(\w+)\]$", h).group(1) for h in headers]
    return codes, pd.DataFrame(rows[1:], columns=codes)


def test_workbook_reads_back_every_column_one_row_per_finding_and_block(demo):
    codes, df = _read(demo["xlsx"])
    assert codes == list(plan.COLUMNS)
    assert set(REQUIRED) <= set(codes)
    blocks = {"Bisfi", "Pandaul", "Rajnagar"}
    assert set(df["block"]) == blocks
    n = len(demo["info"]["findings"])
    assert df["priority"].nunique() == n
    assert len(df) == n * len(blocks)
    assert not df.duplicated(["indicator", "block"]).any()
    assert df["baseline"].map(lambda v: isinstance(v, int | float)).all()
    assert df[["target", "target_date", "budget", "responsible_person"]].isna().all().all()
    for col in ("department", "officer", "activity", "activity_label", "unit", "part2_response"):
        assert df[col].notna().all() and (df[col].astype(str).str.len() > 0).all(), col
    assert (df["data"] == "SYNTHETIC demonstration data").all()
    wb = openpyxl.load_workbook(demo["xlsx"])
    assert is_synthetic(wb)
    assert wb.sheetnames[0] == "Instructions"
    ws = wb[plan.SHEET]
    assert ws.freeze_panes == "E2"
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"list", "decimal", "date"} <= kinds
    activities = {r[0] for r in wb["Activities"].iter_rows(min_row=2, values_only=True)}
    assert set(df["activity"]) <= activities


def test_a_filled_target_reads_back(demo, tmp_path):
    wb = openpyxl.load_workbook(demo["xlsx"])
    ws = wb[plan.SHEET]
    col = {c: i + 1 for i, c in enumerate(plan.COLUMNS)}
    ws.cell(row=2, column=col["target"], value=15)
    ws.cell(row=2, column=col["target_date"], value=dt.date(2027, 3, 31))
    ws.cell(row=2, column=col["responsible_person"], value="BEO Bisfi")
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    _, df = _read(filled)
    assert df.loc[0, "target"] == 15
    assert pd.Timestamp(df.loc[0, "target_date"]).date() == dt.date(2027, 3, 31)
    assert df.loc[0, "responsible_person"] == "BEO Bisfi"


def test_baselines_are_the_blocks_figures(demo):
    from leheranalysis import indicators as ind
    from leheranalysis.findings import district_denominator_shares
    from leheranalysis.processed import analysis_observations, load_processed

    with sandbox(demo["root"]):
        p = load_processed("Madhubani")
    shares, _ = district_denominator_shares("Madhubani")
    rates = ind.population_weighted_rates(
        analysis_observations(p.observations), p.villages, shares=shares
    )
    rates = rates[rates["scope"] == "block"].set_index(["indicator", "block_name"])
    t = demo["all"]
    checked = 0
    for r in t[t["unit"].str.startswith("per 1,000")].itertuples():
        if r.baseline is None or pd.isna(r.baseline):
            continue
        assert r.baseline == pytest.approx(
            rates.loc[(r.indicator, r.block), "rate_per_1000"], abs=0.05
        )
        checked += 1
    assert checked >= 6


def test_plan_puts_first_what_the_answer_key_makes_most_prevalent(demo):
    top2 = answer_key_top_issues(demo["root"] / "data/raw/demo/madhubani/synthetic_key")
    _, df = _read(demo["xlsx"])
    first = set(df.loc[df["priority"] <= 3, "issue"])
    assert set(top2) <= first, (top2, first)


def test_sensitive_issues_keep_the_small_count_rule(demo):
    t = demo["all"]
    sens = t[t["issue"].isin(["sexual_abuse", "trafficking"])]
    assert len(sens) == 6, "all eight issues were asked for"
    assert (sens["priority_villages"] == "not listed for a sensitive issue").all()
    for v in sens["villages_reporting"]:
        first = str(v).split()[0]
        assert first == "<5" or not 1 <= int(first) <= 4, v
    hidden = sens[sens["baseline"].isna()]
    assert len(hidden), "the demo has a block with 1-4 cases of a sensitive issue"
    # a block with 1-4 cases hides every block's rate and the district's of that issue
    for _, g in hidden.groupby("issue"):
        assert g["baseline_ci"].str.startswith("not shown").all()
        assert g["district_value"].isna().all()


def test_bad_output_name_is_exit_2_and_nothing_written(demo, tmp_path, capsys):
    with sandbox(demo["root"]):
        assert main(["plan", "--district", "Madhubani", "--out", str(tmp_path / "p.csv")]) == 2
        assert main(["plan", "--district", "Nowhere", "--out", str(tmp_path / "p.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "use a .xlsx name" in err and "no processed data" in err
    assert list(tmp_path.iterdir()) == []


def test_every_key_finding_has_a_plan_row_in_every_block(demo):
    cb = load_codebook()
    found = demo["info"]["findings"]
    _, df = _read(demo["xlsx"])
    services = {"helpline_1098_aware", "girls_dropout_after_primary", "adolescent_pregnancy"}
    assert services & set(found["indicator"]), "the demo's findings include a service finding"
    for k, code in enumerate(found["indicator"], start=1):
        rows = df[df["indicator"] == code]
        assert set(rows["block"]) == {"Bisfi", "Pandaul", "Rajnagar"}, code
        assert (rows["priority"] == k).all(), code
        issue = rows["issue"].iloc[0]
        assert code in cb.plan_issues[issue]["indicators"]
        assert (rows["department"] == cb.plan_issues[issue]["department"]).all()
        assert rows["activity"].isin(set(cb.activities["code"])).all()
        assert (rows["activity_label"].str.len() > 20).all()
    # only the findings: no other issue is added unless asked for
    assert set(df["indicator"]) == set(found["indicator"])
    helpline = df[df["indicator"] == "helpline_1098_aware"]
    if len(helpline):
        assert (helpline["issue"] == "helpline_awareness").all()
        assert (helpline["activity"] == "sy_helpline_awareness").all()
        assert (helpline["unit"] == "% of group members").all()


def test_every_service_finding_maps_to_a_department_and_activity():
    cb = load_codebook()
    for code in ("helpline_1098_aware", "vlcpc_exists", "vlcpc_met_quarter", "awc_functioning"):
        issue = plan.issue_of(cb)[code]
        assert cb.plan_issues[issue]["label"], code
        assert plan.proposed_activity(code, cb) in set(cb.activities["code"])
    acts = plan.finding_actions(
        pd.DataFrame({"indicator": ["awc_functioning", "adolescent_pregnancy"]}), cb
    )
    assert list(acts["activity"]) == ["aw_centre_review", "cm_adolescent_groups"]
    assert list(acts["department"]) == [
        "Women and Child Development (ICDS)",
        cb.plan_issues["child_marriage"]["department"],
    ]


def test_instructions_say_how_rows_were_chosen(demo):
    wb = openpyxl.load_workbook(demo["xlsx"])
    text = " ".join(str(c.value) for c in wb["Instructions"]["A"] if c.value)
    assert "every key finding of the baseline-findings report gets one row per block" in text
    assert "only when more issues were asked for" in text
    assert "committed to in Part II for the same indicator" in text


def test_plan_sheet_prints_landscape_one_page_wide_with_the_header_on_every_page(demo):
    ws = openpyxl.load_workbook(demo["xlsx"])[plan.SHEET]
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert ws.print_title_rows == "$1:$1"
    long_cols = [
        i + 1 for i, c in enumerate(plan.COLUMNS) if c in ("part2_response", "activity_label")
    ]
    for j in long_cols:
        assert ws.cell(row=2, column=j).alignment.wrap_text is True
        assert ws.cell(row=1, column=j).alignment.wrap_text is True


def test_monitoring_reads_the_plan_and_tracks_a_filled_target(demo, tmp_path):
    from leheranalysis import monitoring

    wb = openpyxl.load_workbook(demo["xlsx"])
    ws = wb[plan.SHEET]
    col = {c: i + 1 for i, c in enumerate(plan.COLUMNS)}
    ws.cell(row=2, column=col["target"], value=60)
    ws.cell(row=2, column=col["target_date"], value=dt.date(2027, 3, 31))
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    read = monitoring.read_plan(filled)
    _, df = _read(demo["xlsx"])
    assert len(read) == len(df)
    assert list(read["indicator"]) == list(df["indicator"])
    track = monitoring.plan_tracking(read, pd.DataFrame())
    assert len(track) == 1
    assert track.loc[0, "indicator"] == df.loc[0, "indicator"]
    assert track.loc[0, "target"] == 60 and track.loc[0, "status"] == "no data"
