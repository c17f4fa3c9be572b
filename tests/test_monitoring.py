"""Monitoring: exact tests, adjustment, paired change tables on hand-made rounds, plan
tracking from a DCPP workbook, and recovery of the answer key of SYNTHETIC follow-ups
ingested through the real workbooks."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from scipy import stats

from leheranalysis import gazetteer, ingest, monitoring, processed, synth
from leheranalysis.cli import main
from leheranalysis.errors import ConfigError, InputFileError
from leheranalysis.synth import followup

CH614 = 0.1934  # Census 2011 share of children 6-14


# ------------------------------------------------------------------ exact tests
def test_sign_and_mcnemar_tests_are_the_exact_binomial():
    for down, up in [(8, 1), (3, 3), (0, 12), (15, 4)]:
        expected = stats.binomtest(down, down + up, 0.5).pvalue
        assert monitoring.sign_test(down, up) == pytest.approx(expected)
        assert monitoring.mcnemar_exact(up, down) == pytest.approx(expected)
    assert float(monitoring.sign_test(0, 0)) == 1.0
    with pytest.raises(Exception, match="negative"):
        monitoring.sign_test(-1, 2)


def test_rate_ratio_interval_is_clopper_pearson_of_the_followup_share():
    rr, lo, hi = monitoring.rate_ratio(40, 2000, 20, 1000)
    ci = stats.binomtest(20, 60).proportion_ci(0.95, method="exact")
    assert float(rr) == pytest.approx(1.0)
    assert float(lo) == pytest.approx(ci.low / (1 - ci.low) * 2)
    assert float(hi) == pytest.approx(ci.high / (1 - ci.high) * 2)
    rr, lo, hi = monitoring.rate_ratio(0, 100, 5, 100)
    assert np.isinf(rr) and np.isinf(hi) and lo > 0
    rr, lo, hi = monitoring.rate_ratio(0, 100, 0, 100)
    assert np.isnan(rr)


def test_adjustments():
    p = np.array([0.01, 0.04, 0.03, np.nan, 0.5])
    holm = monitoring.adjust_pvalues(p, "holm")
    np.testing.assert_allclose(holm[[0, 1, 2, 4]], [0.04, 0.09, 0.09, 0.5])
    assert np.isnan(holm[3])
    bh = monitoring.adjust_pvalues(p, "bh")
    np.testing.assert_allclose(bh[[0, 1, 2, 4]], [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5])
    with pytest.raises(ConfigError, match="adjustment 'bonferroni'"):
        monitoring.adjust_pvalues(p, "bonferroni")


def test_paired_test_matches_full_enumeration_of_sign_flips():
    before = np.array([5, 3, 8, 2, 7, 4, 6, 9, 1, 3])
    after = np.array([2, 3, 4, 3, 1, 4, 2, 5, 0, 1])
    d = (after - before)[after != before]
    observed = abs(d.sum())
    sums = [abs((np.array(s) * np.abs(d)).sum()) for s in itertools.product([-1, 1], repeat=len(d))]
    exact = np.mean(np.array(sums) >= observed)
    # whole-number differences (counts): every sign flip enumerated, exactly
    assert monitoring.paired_test(before, after) == pytest.approx(exact)
    # other differences (means of groups' scores): random sign flips, seeded
    mc = monitoring.paired_test(before + 0.25 * (before % 2), after)
    assert mc == monitoring.paired_test(before + 0.25 * (before % 2), after)
    d2 = (after - before - 0.25 * (before % 2))[after != before + 0.25 * (before % 2)]
    sums2 = [
        abs((np.array(s) * np.abs(d2)).sum()) for s in itertools.product([-1, 1], repeat=len(d2))
    ]
    assert mc == pytest.approx(np.mean(np.array(sums2) >= abs(d2.sum()) - 1e-9), abs=0.01)
    # yes/no answers: the exact McNemar test
    b = np.array([1] * 9 + [0] * 3)
    a = np.array([0] * 8 + [1] * 4)
    assert monitoring.paired_test(b, a) == pytest.approx(float(monitoring.mcnemar_exact(3, 8)))


# ------------------------------------------------------------ hand-made rounds
def obs_row(village, group, indicator, value, response=None):
    return {
        "district": "Toy",
        "block_id": 10 if village < 200 else 20,
        "block_name": "Bisfi" if village < 200 else "Pandaul",
        "village_id": village,
        "village_name": f"V{village}",
        "instrument": "village",
        "group": group,
        "indicator": indicator,
        "year": None,
        "value": float(value),
        "unit": None,
        "response": response,
        "source_file": "toy.xlsx",
        "source_sheet": "Adult groups",
        "source_row": 3,
    }


def toy_round(name, oosc, vlcpc, teacher, villages=(101, 102, 201, 202)):
    rows = []
    for v, o, y, t in zip(villages, oosc, vlcpc, teacher, strict=True):
        rows += [
            obs_row(v, "ag_women", "oosc_6_14", o),
            obs_row(v, "cg_boys_10_14", "oosc_6_14", max(o - 1, 0)),
            obs_row(v, "teacher", "oosc_6_14", t, "agree"),
            obs_row(v, "ag_men", "vlcpc_exists", y),
        ]
    vil = pd.DataFrame(
        {
            "village_id": list(villages),
            "village_name": [f"V{v}" for v in villages],
            "block_id": [10 if v < 200 else 20 for v in villages],
            "block_name": ["Bisfi" if v < 200 else "Pandaul" for v in villages],
            "population": 1000.0,
        }
    )
    return monitoring.RoundData(name, pd.DataFrame(rows), vil, reference_date=None)


@pytest.fixture
def rounds():
    base = toy_round("baseline", [10, 8, 6, 0], [0, 0, 1, 0], [2, 8, 1, 0])
    mid = toy_round("midline", [5, 4, 6, 2, 9], [1, 1, 1, 0, 1], [5, 4, 6, 2, 0],
                    villages=(101, 102, 201, 202, 301))  # fmt: skip
    return base, mid


def test_change_table_pairs_villages_and_computes_rates(rounds):
    base, mid = rounds
    t = monitoring.change_table(base, mid).set_index("indicator")
    assert t.attrs["villages"] == 4  # village 301 was not in the baseline
    o = t.loc["oosc_6_14"]
    assert o["measure"] == "rate per 1,000" and o["n_villages"] == 4
    assert o["cases_baseline"] == 24 and o["cases_followup"] == 17
    assert o["baseline"] == pytest.approx(1000 * 24 / (4 * 1000 * CH614), rel=1e-3)
    assert o["ratio"] == pytest.approx(17 / 24)
    assert (o["n_fell"], o["n_rose"]) == (2, 1)
    assert (o["reported_baseline"], o["reported_followup"]) == (3, 4)
    assert o["ratio_lo"] < o["ratio"] < o["ratio_hi"]
    v = t.loc["vlcpc_exists"]
    assert v["measure"] == "share of villages"
    assert (v["baseline"], v["followup"]) == (0.25, 0.75)
    assert (v["n_rose"], v["n_fell"]) == (2, 0)
    assert v["p_value"] == pytest.approx(0.5)
    assert not t["changed"].any() and set(t["verdict"]) == {"no clear change"}
    assert t.attrs["adjust"] == "bh" and t.attrs["alpha"] == 0.05


def test_triangulation_change_counts_villages_that_came_to_agree(rounds):
    base, mid = rounds
    tri = monitoring.triangulation_change(base, mid)
    row = tri[(tri["indicator"] == "oosc_6_14") & (tri["duty_bearer"] == "teacher")].iloc[0]
    # community (max of groups) 10, 8, 6, 0 against 2, 8, 1, 0; then 5, 4, 6, 2 against 5, 4, 6, 2
    assert (row["agree_baseline"], row["agree_followup"]) == (2, 4)
    assert (row["came_to_agree"], row["stopped_agreeing"]) == (2, 0)
    assert row["p_value"] == pytest.approx(0.5)


def test_latest_round_changes_across_districts(rounds):
    base, mid = rounds
    base.reference_date, mid.reference_date = "2025-01-01", "2026-01-01"
    latest = monitoring.latest_round_changes({"Toy": (base, mid)})
    row = latest.iloc[0]
    assert (row["district"], row["round"], row["reference_date"]) == (
        "Toy",
        "midline",
        "2026-01-01",
    )
    assert row["villages"] == 4 and row["indicators"] == 2
    assert row["better"] + row["worse"] + row["no_clear_change"] == 2


def test_block_changes_per_block(rounds):
    base, mid = rounds
    bc = monitoring.block_changes(base, mid)
    o = bc[bc["indicator"] == "oosc_6_14"].set_index("block_name")
    assert o.loc["Bisfi", "cases_baseline"] == 18 and o.loc["Pandaul", "cases_followup"] == 8


# ------------------------------------------------------------------------ plan
def write_plan(path: Path, rows: list[list], header: list[str] | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Plan"
    ws.append(["District Child Protection Plan - targets"])
    ws.append(
        header
        or [
            "Issue [issue]",
            "Block [block]",
            "Indicator [indicator]",
            "Baseline [baseline]",
            "Target [target]",
            "Target date [target_date]",
            "Unit [unit]",
            "Responsible department [department]",
        ]
    )
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


PER_1000 = "per 1,000 children aged 6-14"


def test_plan_tracking_statuses(rounds, tmp_path):
    base, mid = rounds
    base.reference_date, mid.reference_date = "2025-01-01", "2026-01-01"
    changes = monitoring.change_table(base, mid)
    blocks = monitoring.block_changes(base, mid)
    path = write_plan(
        tmp_path / "dcpp.xlsx",
        [
            ["vlcpc", "All", "vlcpc_exists", 75, 30, "2027-01-01", "% of villages", "ICDS"],
            ["vlcpc", "All", "vlcpc_exists", 75, 0, "2026-12-01", "% of villages", "ICDS"],
            ["school", "Bisfi", "oosc_6_14", 30.0, 10.0, "2029-01-01", PER_1000, "Education"],
            ["school", "All", "oosc_6_14", 31.0, 15.0, "2026-06-01", PER_1000, "Education"],
            ["labour", "All", "child_labour_5_17", 30, 10, "2027-01-01", PER_1000, "Labour"],
            [None, None, None, None, None, None, None, None],
        ],
    )
    plan = monitoring.read_plan(path)
    assert len(plan) == 5 and plan["source_row"].tolist() == [3, 4, 5, 6, 7]
    tr = monitoring.plan_tracking(
        plan, changes, blocks, baseline_date="2025-01-01", followup_date="2026-01-01"
    )
    assert tr["status"].tolist() == ["met", "on track", "on track", "not met", "no data"]
    # villages without a VLCPC: 75 % -> 25 % against a target of 0 % by 2026-12-01: 2/3 of
    # the way in 365 of 699 days
    assert tr.loc[1, "progress"] == pytest.approx(50 / 75)
    assert tr.loc[1, "time_elapsed"] == pytest.approx(365 / 699)
    # 31 -> 22 per 1,000 against 15 by 2026-06-01: 56 % of the way in 71 % of the time
    assert tr.loc[3, "progress"] == pytest.approx((31 - 17 / (4 * CH614)) / 16, rel=1e-3)
    bisfi = 1000 * 9 / (2 * 1000 * CH614)
    assert tr.loc[2, "followup"] == pytest.approx(bisfi, rel=1e-3)
    assert tr.loc[2, "block"] == "Bisfi" and tr.loc[0, "block"] == "All blocks"


def test_plan_without_a_needed_column_is_a_located_error(tmp_path):
    path = write_plan(
        tmp_path / "dcpp.xlsx",
        [["x", "All", "oosc_6_14", 1, 2]],
        header=["Issue [issue]", "Block [block]", "Indicator [indicator]", "Baseline [baseline]",
                "Target [target]"],
    )  # fmt: skip
    with pytest.raises(InputFileError, match=r"sheet 'Plan', row 2: missing column\(s\) "
                       r"\[target_date\], \[unit\]"):  # fmt: skip
        monitoring.read_plan(path)
    wb = openpyxl.Workbook()
    wb.active.title = "Targets"
    wb.save(tmp_path / "other.xlsx")
    with pytest.raises(InputFileError, match="no sheet 'Plan'"):
        monitoring.read_plan(tmp_path / "other.xlsx")


# ------------------------------------------------- synthetic follow-ups, real path
def _round(district, dna, name, folder, writer) -> monitoring.RoundData:
    writer(dna, folder)
    res = ingest.read_district(district, [folder])
    assert res.ok, res.errors.head().to_string()
    villages = pd.DataFrame(res.villages.drop(columns="geometry"))
    return monitoring.RoundData(name, processed.analysis_observations(res.observations), villages)


@pytest.mark.realdata
def test_the_analysis_recovers_the_answer_key(public_data, tmp_path, capsys):
    """Baseline and midline written as workbooks by ``leher demo-data`` and ingested by
    ``leher ingest --round``: every large true change is called, with the right sign."""
    out = tmp_path / "processed" / "madhubani"
    for args in (
        ["demo-data", "--district", "Madhubani", "--seed", "11", "--out", tmp_path / "b"],
        ["demo-data", "--district", "Madhubani", "--round", "midline", "--baseline-seed", "11",
         "--seed", "2", "--out", tmp_path / "m"],
        ["ingest", "--district", "Madhubani", "--out", out, tmp_path / "b"],
        ["ingest", "--district", "Madhubani", "--round", "midline", "--out",
         out / "rounds" / "midline", tmp_path / "m"],
    ):  # fmt: skip
        assert main([str(a) for a in args]) == 0, capsys.readouterr().err
    key = pd.read_parquet(tmp_path / "m" / "synthetic_key" / "true_changes.parquet")
    base = monitoring.RoundData.from_processed(processed.load_processed(folder=out))
    mid = monitoring.RoundData.from_processed(
        processed.load_processed(folder=out, round_name="midline")
    )
    table = monitoring.change_table(base, mid).set_index("indicator")
    large = key[key["large"]]
    assert len(large) >= 4
    for r in large.itertuples():
        got = table.loc[r.indicator]
        assert got["changed"], (r.indicator, got["p_adjusted"])
        assert got["direction"] == {"fall": "fell", "rise": "rose"}[r.direction], r.indicator
    assert table.attrs["villages"] == key["villages"].iloc[0]


@pytest.mark.realdata
@pytest.mark.slow
def test_without_true_change_few_indicators_are_called_changed(public_data):
    """20 follow-ups of one baseline with neither programme effect nor trend: the share of
    indicators called changed stays within the stated error rate (alpha = 5 %)."""
    dist = gazetteer.load_district("Madhubani")
    base_dna = synth.generate(dist, seed=100)
    called, tested = 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        base = _round(dist, base_dna, "baseline", Path(tmp) / "b",
                      lambda d, f: synth.write(d, f, district=dist))  # fmt: skip
        for seed in range(20):
            dna = followup.generate_followup(base_dna, "midline", seed=seed, effect=0, trend=0)
            assert not dna.parameters["true_changes"]["large"].any()
            mid = _round(dist, dna, "midline", Path(tmp) / f"m{seed}",
                         lambda d, f: followup.write_followup(d, f, district=dist))  # fmt: skip
            table = monitoring.change_table(base, mid)
            called += int(table["changed"].sum())
            tested += len(table)
    assert tested >= 20 * 18
    assert called / tested <= monitoring.ALPHA


@pytest.mark.realdata
def test_index_across_rounds_is_on_one_pooled_scale(public_data, tmp_path):
    dist = gazetteer.load_district("Madhubani")
    b = synth.generate(dist, seed=5, villages=24)
    f = followup.generate_followup(b, "midline", seed=1, not_revisited=0.1)
    base = _round(
        dist, b, "baseline", tmp_path / "b", lambda d, p: synth.write(d, p, district=dist)
    )
    mid = _round(dist, f, "midline", tmp_path / "m",
                 lambda d, p: followup.write_followup(d, p, district=dist))  # fmt: skip
    idx = monitoring.index_across_rounds(base, mid, n=50)
    assert idx.attrs["normalisation"] == "pooled across rounds"
    assert len(idx) == len(f.villages)
    both = pd.concat([idx["score_baseline"], idx["score_followup"]])
    assert both.min() >= 0 and both.max() <= 100
    np.testing.assert_allclose(idx["score_change"], idx["score_followup"] - idx["score_baseline"])
    assert sorted(idx["rank_baseline"]) == sorted(idx["score_baseline"].rank(ascending=False,
                                                                           method="min"))  # fmt: skip
    assert (idx["pooled_q05_baseline"] <= idx["pooled_q95_baseline"]).all()
