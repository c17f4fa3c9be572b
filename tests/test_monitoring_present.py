"""The monitoring presenter: small counts of sensitive issues cannot be recovered.

Tables built by hand (no data needed): a district and its three blocks, with the
counts of a sensitive indicator such that one block's count between 1 and 4 would be
the district's count less the other blocks'.
"""

from __future__ import annotations

import pandas as pd
import pytest

from leheranalysis.monitoring import CHANGE_COLUMNS
from leheranalysis.present import monitoring as pm

REPORTED = "Villages reporting the issue or a problem, baseline -> follow-up"
FELL_ROSE = "Villages where it fell / rose"


def _row(**kw) -> dict:
    base = dict.fromkeys(CHANGE_COLUMNS)
    base.update(
        indicator="sexual_abuse_known", label="Cases of sexual abuse of children known",
        unit="count", higher_is="worse", sensitive=True, measure="rate per 1,000",
        denominator="children_0_17", baseline=0.3, followup=0.4, change=0.1, ratio=1.4,
        ratio_lo=0.7, ratio_hi=2.8, p_adjusted=0.54, changed=False,
        direction="no clear change", verdict="no clear change", newly_reported=0,
        stopped_reporting=0,
    )  # fmt: skip
    base.update(kw)
    return base


# Bisfi's follow-up count (4 villages) is the district's 16 less Pandaul's 7 and Rajnagar's 5
BLOCKS = pd.DataFrame(
    [
        _row(block_name="Bisfi", n_villages=19, reported_baseline=2, reported_followup=4,
             n_fell=1, n_rose=3, cases_baseline=2.0, cases_followup=5.0),
        _row(block_name="Pandaul", n_villages=18, reported_baseline=5, reported_followup=7,
             n_fell=6, n_rose=6, cases_baseline=8.0, cases_followup=7.0),
        _row(block_name="Rajnagar", n_villages=21, reported_baseline=3, reported_followup=5,
             n_fell=5, n_rose=5, cases_baseline=5.0, cases_followup=10.0),
    ]
)  # fmt: skip
DISTRICT = pd.DataFrame(
    [_row(n_villages=58, reported_baseline=10, reported_followup=16, n_fell=12, n_rose=14,
          cases_baseline=15.0, cases_followup=22.0)]
)  # fmt: skip
LABEL = "Cases of sexual abuse of children known"


def test_a_district_count_cannot_give_a_hidden_block_count_back():
    district = pm.change_reader_table(DISTRICT, blocks=BLOCKS).loc[LABEL]
    blocks = {
        name: pm.change_reader_table(g).loc[LABEL] for name, g in BLOCKS.groupby("block_name")
    }
    assert blocks["Bisfi"][REPORTED] == "<5 -> <5 of 19"
    assert blocks["Pandaul"][REPORTED] == "5 -> 7 of 18"
    assert blocks["Rajnagar"][REPORTED] == "<5 -> 5 of 21"
    # every column with a hidden block count hides the district's too
    assert district[REPORTED] == "not shown -> not shown of 58 (a block's count is under 5)"
    assert district[FELL_ROSE] == "not shown / not shown (a block's count is under 5)"
    assert "16" not in district.to_string() and "10 ->" not in district.to_string()
    # without the blocks beside it, the district alone shows its counts
    alone = pm.change_reader_table(DISTRICT).loc[LABEL]
    assert alone[REPORTED] == "10 -> 16 of 58" and alone[FELL_ROSE] == "12 / 14"


def test_a_district_count_is_shown_when_no_block_count_is_small():
    blocks = BLOCKS.assign(n_fell=[5, 6, 7], n_rose=[0, 6, 8])
    district = pm.change_reader_table(DISTRICT.assign(n_fell=18, n_rose=14), blocks=blocks)
    assert district.loc[LABEL, FELL_ROSE] == "18 / 14"


def test_a_hidden_rate_says_why_in_words_that_agree_with_the_counts():
    district = pm.change_reader_table(DISTRICT, blocks=BLOCKS).loc[LABEL]
    # the district counts 15 cases at baseline, but Bisfi 2: hidden because of the block
    assert district["Baseline"] == "not shown (fewer than 5 cases in a block)"
    assert district["Change (95 % interval)"] == "not shown (fewer than 5 cases in a block)"
    # no block counts 1-4 cases at follow-up: the district's follow-up rate is shown
    assert district["Follow-up"] == "0.4"
    bisfi = pm.change_reader_table(BLOCKS.iloc[[0]]).loc[LABEL]
    assert bisfi["Baseline"] == "not shown (fewer than 5 cases)"
    assert bisfi["Follow-up"] == "0.4"  # 5 cases
    assert bisfi["Change (95 % interval)"] == "not shown (fewer than 5 cases)"
    assert "fewer than 5)" not in " ".join(district) + " ".join(bisfi)


@pytest.mark.parametrize("column", ["n_fell", "n_rose", "reported_baseline", "reported_followup"])
def test_small_count_columns_of_blocks_are_listed(column):
    blocks = BLOCKS.assign(n_fell=7, n_rose=7, reported_baseline=7, reported_followup=7)
    blocks.loc[1, column] = 3
    small = pm.block_small_counts(blocks)
    assert small["sexual_abuse_known"] == {column, "cases_baseline"}


def test_the_plan_beside_the_reports_is_found_and_named_by_its_file_name(tmp_path, monkeypatch):
    from leheranalysis import monitoring

    monkeypatch.setenv("LEHER_REPORTS_DIR", str(tmp_path))
    assert monitoring.district_plan_file("Madhubani") is None
    assert pm.plan_note(None, None) == (
        "No plan workbook of the district was found beside the reports: no targets to track yet."
    )
    path = tmp_path / "madhubani" / "madhubani-dcpp-plan.xlsx"
    path.parent.mkdir()
    path.write_bytes(b"")
    assert monitoring.district_plan_file("Madhubani") == path
    draft = pd.DataFrame({"indicator": ["child_marriage_12m"], "target": [None]})
    note = pm.plan_note(draft, path.name, found=True)
    assert note == (
        "The district's plan workbook (madhubani-dcpp-plan.xlsx) has no targets yet: the "
        "targets are still to be set by the district."
    )
    assert "plan_file" not in note and str(tmp_path) not in note
    filled = draft.assign(target=[20.0])
    assert pm.plan_note(filled, "dcpp.xlsx") == (
        "Targets from the plan workbook (dcpp.xlsx): 1 row(s) with a target."
    )


def test_plans_are_written_before_the_reports_and_rekey_the_reports_that_read_them(
    monkeypatch, tmp_path
):
    from dataclasses import replace

    from leheranalysis.reports import batch, runner

    calls: list[tuple[str, list[str]]] = []
    nb = tmp_path / "05-monitoring.ipynb"
    nb.write_text("{}")

    def job(stem: str, reads_plan: bool = False) -> runner.Job:
        return runner.rekey_plan(runner.Job(
            district="Madhubani", notebook=nb.with_name(f"{stem}.ipynb"), parameters={},
            data_dir=tmp_path, out_dir=tmp_path, cache_key="", provenance={},
            reads_plan=reads_plan, reads='{"data": "x"}',
        ))  # fmt: skip

    for stem in ("01-data-quality", "02-baseline-findings"):
        nb.with_name(f"{stem}.ipynb").write_text("{}")

    def execute(jobs, **kw):
        calls.append(("run", [j.notebook.stem for j in jobs]))
        return [replace(j) for j in jobs]

    def plans(jobs, out, force=False):
        calls.append(("plan", [j.notebook.stem for j in jobs]))
        path = batch.plan_path(out, "Madhubani")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"a new plan")
        return ["plan: x"], {"Madhubani"}

    monkeypatch.setattr(batch, "execute_jobs", execute)
    monkeypatch.setattr(batch, "write_plans", plans)
    jobs = [job("01-data-quality"), job("02-baseline-findings"), job("05-monitoring", True)]
    ran, lines = batch._execute_and_plan(jobs, tmp_path)
    names = ["01-data-quality", "02-baseline-findings", "05-monitoring"]
    assert calls == [("plan", names), ("run", names)]  # plans first, then one batch
    assert lines == ["plan: x"]
    # the report reading the plan has a key that covers the plan written; the others not
    assert [a.cache_key == b.cache_key for a, b in zip(jobs, ran, strict=True)] == [
        True,
        True,
        False,
    ]
    assert runner.rekey_plan(jobs[2]).cache_key == ran[2].cache_key
    batch.plan_path(tmp_path, "Madhubani").write_bytes(b"targets filled in")
    assert runner.rekey_plan(jobs[2]).cache_key != ran[2].cache_key


def test_changes_are_words_a_spreadsheet_reads_as_text():
    from leheranalysis.reports.layout import table_csv

    share = DISTRICT.assign(
        indicator="vlcpc_exists", label="Village Level Child Protection Committee exists",
        sensitive=False, measure="share of villages", baseline=0.49, followup=0.78,
        change=0.29, cases_baseline=None, cases_followup=None,
    )  # fmt: skip
    score = share.assign(
        indicator="awc_functioning", label="Anganwadi centre functioning (score 1-5)",
        measure="mean score", baseline=3.9, followup=3.3, change=-0.6,
    )  # fmt: skip
    t = pm.change_reader_table(pd.concat([share, score], ignore_index=True))
    assert t["Change (95 % interval)"].tolist() == ["29 points higher", "0.6 lower"]
    csv = table_csv(t.reset_index().to_html(index=False))
    assert "29 points higher" in csv and "'" not in csv and ",+" not in csv and ",-" not in csv
