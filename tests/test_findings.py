"""Tables and figures of the data-quality and baseline-findings reports, on tiny frames."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from leheranalysis import findings as f  # noqa: E402
from leheranalysis import indicators as ind  # noqa: E402
from leheranalysis.codebook import load_codebook  # noqa: E402
from leheranalysis.present import baseline, kit, quality  # noqa: E402
from leheranalysis.present.kit import _indicator_label  # noqa: E402


def test_findings_re_exports_the_presenters_of_the_kit_and_each_report():
    modules = (kit, quality, baseline)
    owners = {name: m for m in modules for name in m.__all__}
    assert sorted(owners) == sorted(f.__all__)  # each name has exactly one home
    assert sum(len(m.__all__) for m in modules) == len(f.__all__)
    for name, module in owners.items():
        assert getattr(f, name) is getattr(module, name), name
    assert f.headline_table.__module__ == "leheranalysis.present.baseline"
    assert f.missingness.__module__ == "leheranalysis.present.quality"
    assert f.fmt_pct.__module__ == "leheranalysis.present.kit"


@pytest.fixture(scope="module")
def cb():
    return load_codebook()


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _obs(rows):
    """Observations to the processed contract from (village, group, indicator, value[, resp])."""
    out = []
    for i, r in enumerate(rows):
        vid, group, code, value = r[:4]
        out.append(
            {
                "district": "Testpur",
                "block_id": 1 if vid < 100 else 2,
                "block_name": "Alpha" if vid < 100 else "Beta",
                "village_id": vid,
                "village_name": f"V{vid}",
                "instrument": "village",
                "group": group,
                "indicator": code,
                "year": None,
                "value": float(value) if value is not None else np.nan,
                "unit": "count",
                "response": r[4] if len(r) > 4 else None,
                "source_file": "/data/raw/part1.xlsx",
                "source_sheet": "Duty bearers" if group in ("teacher", "aww", "asha") else "Groups",
                "source_row": i + 3,
            }
        )
    df = pd.DataFrame(out)
    df["village_id"] = df["village_id"].astype("Int64")
    return df


def _villages(ids=(1, 2)):
    return pd.DataFrame(
        {
            "village_id": list(ids),
            "village_name": [f"V{v}" for v in ids],
            "block_id": [1 if v < 100 else 2 for v in ids],
            "block_name": ["Alpha" if v < 100 else "Beta" for v in ids],
            "population": [1000.0] * len(ids),
        }
    )


# ------------------------------------------------------------------------ formatting
def test_formatting_helpers():
    assert f.fmt_pct(0.614) == "61 %"
    assert f.fmt_pct(0.61449, 1) == "61.4 %"
    assert f.fmt_pct(None) == "-"
    assert f.fmt_interval(0.49, 0.723) == "49-72 %"
    assert f.fmt_interval(1.234, 3.456, 1, pct=False) == "1.2-3.5"
    assert f.fmt_interval(np.nan, 0.3) == "-"


def test_group_short_labels(cb):
    assert f.group_short_label("cg_boys_15_17", cb) == "Boys 15-17"
    assert f.group_short_label("ag_women", cb) == "Women"
    assert f.group_short_label("asha", cb) == "ASHA"
    assert f.group_short_label("nonsense", cb) == "nonsense"


def test_analysis_observations_drops_non_codebook_rows(cb):
    obs = _obs([(1, "cg_girls_10_14", "participants", 9), (1, "cg_girls_10_14", "oosc_6_14", 4)])
    out = f.analysis_observations(obs, cb)
    assert out["indicator"].tolist() == ["oosc_6_14"]
    assert list(out.columns) == list(obs.columns)


def test_attach_block_names_fills_from_blocks():
    rk = pd.DataFrame({"block_id": [1, 2, 3]})
    blocks = pd.DataFrame({"block_id": [1, 2], "block_name": ["Alpha", "Beta"]})
    assert f.attach_block_names(rk, blocks)["block_name"].tolist() == ["Alpha", "Beta", "3"]


def test_styled_aligns_text_left_and_keeps_numbers_together():
    df = pd.DataFrame({"Village": ["Rampur", "Sitapur"], "Share": ["61 %", "49-72 %"]})
    html = f.styled(df, index=False, caption="Cap").to_html()
    assert "text-align: left" in html and "white-space: nowrap" in html
    assert "Cap" in html and 'class="dataframe leher-table"' in html
    assert "Rampur" in html


# ---------------------------------------------------------------------- 01 tables
MANIFEST = {
    "district": "Testpur",
    "synthetic": True,
    "inputs": [
        {"file": "/x/y/dna_part1_village_tool.xlsx", "sha256": "ab" * 32, "synthetic": True},
        {"file": "C:\\data\\secondary.xlsx", "sha256": "cd" * 32, "synthetic": False},
    ],
    "codebook_version": "2026.1",
    "package_version": "0.1.0",
    "created": "2026-01-01T00:00:00+00:00",
    "parameters": {"fuzzy_cutoff": 0.85, "aliases": None},
    "counts": {"observations": 1234, "cleaning_log": 5},
}


def test_inputs_table_names_files_with_checksums():
    t = f.inputs_table(MANIFEST)
    assert t["File"].tolist() == ["dna_part1_village_tool.xlsx", "secondary.xlsx"]
    assert t["SHA-256"].iloc[0] == "ab" * 32
    assert t["Synthetic"].tolist() == ["yes", "no"]
    assert f.inputs_table({}).empty


def test_run_facts_says_synthetic_and_counts():
    facts = dict(f.run_facts(MANIFEST).itertuples(index=False))
    assert facts["Data"].startswith("SYNTHETIC")
    assert facts["Rows written: observations"] == "1,234"
    assert facts["Rows written: cleaning log"] == "5"
    assert facts["Alias list"] == "none"
    assert dict(f.run_facts({"synthetic": False}).itertuples(index=False))["Data"] == (
        "collected in the field"
    )


def test_ingestion_counts_per_file_and_sheet():
    obs = _obs(
        [
            (1, "cg_girls_10_14", "oosc_6_14", 3),
            (1, "cg_girls_10_14", "child_labour_5_17", 2),
            (2, "teacher", "oosc_6_14", 1),
        ]
    )
    obs.loc[1, "source_row"] = obs.loc[0, "source_row"]  # two values from one row
    rk = pd.DataFrame(
        {"block_id": 1, "village_id": [1, 1, 2], "group": ["ag_men"] * 3,
         "issue": ["child_labour", "migration", "child_labour"], "rank": [1, 2, 1]}
    )  # fmt: skip
    t = f.ingestion_counts(obs, rk).set_index("Sheet")
    assert t.loc["Groups", "Data rows"] == 1 and t.loc["Groups", "Values"] == 2
    assert t.loc["Duty bearers", "Villages"] == 1
    assert t.loc["Ranking", "Data rows"] == 2 and t.loc["Ranking", "Values"] == 3
    assert set(t["File"]) == {"part1.xlsx", "-"}


LOG = pd.DataFrame(
    {
        "file": ["/r/a.xlsx"] * 5 + ["/r/b.xlsx"],
        "sheet": ["Adult groups"] * 5 + ["Collation"],
        "row": ["3", "4", "5", "6", "7", "3"],
        "column": [
            "C [village]",
            "F [oosc_6_14]",
            "G [sexual_abuse_known]",
            "X [phone]",
            "Y [note]",
            "E [ag]",
        ],  # fmt: skip
        "old_value": ["Rampur ", "12", "3", "[removed]", "call 98765 43210", "yes"],
        "new_value": ["Rampur", "12", "3", "", "98765 43210", "1"],
        "rule": ["trim", "text_to_number", "text_to_number", "pii_removed", "trim", "yes_no"],
    }
)


def test_cleaning_by_rule_counts_and_explains():
    t = f.cleaning_by_rule(LOG)
    assert t["Rule"].tolist()[:2] == ["text_to_number", "trim"]
    assert dict(zip(t["Rule"], t["Changes"], strict=True)) == {
        "text_to_number": 2, "trim": 2, "pii_removed": 1, "yes_no": 1
    }  # fmt: skip
    assert t.set_index("Rule").loc["yes_no", "What it means"] == "yes/no answer stored as 1/0"
    assert f.cleaning_by_rule(pd.DataFrame()).empty


def test_cleaning_by_sheet_has_totals():
    t = f.cleaning_by_sheet(LOG)
    assert t.loc[("a.xlsx", "Adult groups"), "Total"] == 5
    assert t.loc[("b.xlsx", "Collation"), "yes_no"] == 1
    assert t["Total"].sum() == len(LOG)


def test_cleaning_examples_never_show_personal_or_sensitive_values(cb):
    t = f.cleaning_examples(LOG, per_rule=5, sensitive=f.sensitive_codes(cb))
    text = " ".join(t[["Before", "After"]].astype(str).to_numpy().ravel())
    assert "98765" not in text
    assert t.loc[t["Column"] == "X [phone]", "Before"].item() == "[removed]"
    assert t.loc[t["Column"] == "G [sexual_abuse_known]", "Before"].item() == "[not shown]"
    assert t.loc[t["Column"] == "C [village]", "After"].item() == "'Rampur'"
    assert set(t["File"]) == {"a.xlsx", "b.xlsx"}
    assert len(f.cleaning_examples(LOG, per_rule=1)) == 4  # one per rule


MATCH = pd.DataFrame(
    {
        "file": ["/r/p1.xlsx"] * 6,
        "sheet": ["Adult groups"] * 6,
        "row": ["3", "4", "5", "6", "7", "8"],
        "written_block": ["Alpha"] * 6,
        "written_village": ["Rampur", "Rampur", "RAMPUR", "Sitapurr", "Sitapurr", "Nowhere"],
        "status": ["exact", "exact", "normalised", "fuzzy", "fuzzy", "unmatched"],
        "village_id": ["1", "1", "1", "2", "2", ""],
        "score": ["1.0", "1.0", "1.0", "0.93", "0.93", ""],
        "candidates": ["", "", "", "Sitapur", "Sitapur", "Rampur; Sitapur"],
    }
)


def test_match_status_counts_lists_every_status():
    t = f.match_status_counts(MATCH).set_index("Status")
    assert list(t.index) == list(f.MATCH_STATUSES)
    assert t.loc["exact", "Data rows"] == 2 and t.loc["exact", "Distinct names"] == 1
    assert t.loc["fuzzy", "Data rows"] == 2 and t.loc["ambiguous", "Data rows"] == 0
    assert t.loc["exact", "Share of rows"] == "33.3 %"


def test_match_exceptions_one_row_per_written_form_doubtful_first():
    t = f.match_exceptions(MATCH)
    assert t["Status"].tolist() == ["unmatched", "fuzzy", "normalised"]
    fuzzy = t[t["Status"] == "fuzzy"].iloc[0]
    assert fuzzy["Written as"] == "Sitapurr" and fuzzy["Data rows"] == 2
    assert fuzzy["Where"] == "p1.xlsx: Adult groups"
    assert f.match_exceptions(MATCH[MATCH["status"] == "exact"]).empty


# --------------------------------------------------------------------- missingness
def test_missingness_counts_blank_and_absent_groups(cb):
    obs = _obs(
        [
            (1, "cg_girls_10_14", "oosc_6_14", 3),
            (2, "cg_girls_10_14", "oosc_6_14", None),  # blank
            (1, "teacher", "oosc_6_14", 1),
            (2, "teacher", "oosc_6_14", 0),
            (999, "teacher", "oosc_6_14", 0),  # not a programme village: ignored
        ]
    )
    m = f.missingness(obs, _villages(), cb).set_index(["indicator", "group"])
    assert m.loc[("oosc_6_14", "cg_girls_10_14"), "n_missing"] == 1
    assert m.loc[("oosc_6_14", "cg_girls_10_14"), "share_missing"] == 0.5
    assert m.loc[("oosc_6_14", "teacher"), "n_missing"] == 0
    assert m.loc[("oosc_6_14", "cg_boys_15_17"), "share_missing"] == 1.0
    assert (m["n_expected"] == 2).all()
    # exactly the groups the codebook asks: no children's group for adolescent pregnancy
    asked = m.loc["adolescent_pregnancy"].index.tolist()
    assert asked == ["ag_women", "ag_men", "aww", "asha"]
    n_pairs = sum(
        len(cb.group_families()[fam])
        for code, row in cb.indicators.iterrows()
        if row["instrument"] == "village" and row["unit"] != "rank"
        for fam in row["groups"]
    )
    assert len(m) == n_pairs


def test_missingness_table_and_heatmap(cb):
    obs = _obs([(1, "cg_girls_10_14", "oosc_6_14", 3), (1, "teacher", "oosc_6_14", 1)])
    m = f.missingness(obs, _villages(), cb)
    t = f.missingness_table(m)
    row = t.loc["Out-of-school children aged 6-14"]
    assert row["Girls 10-14"] == "50 %" and row["Boys 10-14"] == "100 %"
    assert row["ASHA"] == "-"  # not asked
    # 7 expected answers x 2 villages, 2 given
    assert row["All groups"] == "85.7 %"
    fig = f.plot_missingness(m)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "50" in texts and "100" in texts
    assert "missing" in fig.axes[0].get_title(loc="left")


def test_missingness_without_villages_is_empty(cb):
    m = f.missingness(_obs([(1, "teacher", "oosc_6_14", 1)]), _villages(())[:0], cb)
    assert m.empty
    assert f.missingness_table(m).empty
    assert f.plot_missingness(m).axes[0].texts[0].get_text().startswith("No village")


# --------------------------------------------------------------------- headline
def _shares():
    rows = [
        ("oosc_6_14", "children", 62, 38, 0.61290, 0.4887, 0.7243),
        ("oosc_6_14", "adults", 62, 40, 0.6452, 0.52, 0.75),
        ("sexual_abuse_known", "adults", 63, 3, 3 / 63, 0.016, 0.13),
        ("sexual_abuse_known", "duty_bearer", 60, 12, 0.2, 0.118, 0.318),
    ]
    df = pd.DataFrame(
        rows,
        columns=["indicator", "kind", "n_villages", "n_reported", "share", "share_lo", "share_hi"],
    )
    df.insert(0, "scope", "district")
    df.insert(1, "block_id", pd.array([pd.NA] * len(df), dtype="Int64"))
    df.insert(2, "block_name", "All blocks")
    df.attrs["level"] = 0.95
    return df


def test_headline_table_formats_and_suppresses(cb):
    t = f.headline_table(_shares(), cb)
    key = ("Education and labour", "Out-of-school children aged 6-14 reported")
    assert t.loc[key, ("Children's groups", "Share")] == "61 %"
    assert t.loc[key, ("Children's groups", "95 % CI")] == "49-72 %"
    assert t.loc[key, ("Children's groups", "Villages")] == "38 of 62"
    assert t.loc[key, ("Duty bearers", "Share")] == "-"
    sab = ("Violence and safety", "Cases of sexual abuse of children known")
    assert t.loc[sab, ("Adult groups", "Villages")] == "<5 of 63"
    assert t.loc[sab, ("Adult groups", "Share")] == "suppressed"
    assert t.loc[sab, ("Adult groups", "95 % CI")] == "-"
    assert t.loc[sab, ("Duty bearers", "Villages")] == "12 of 60"
    assert "3 of 63" not in t.to_string()


def test_headline_sentences_highest_first_and_suppressed(cb):
    s = f.headline_sentences(_shares(), cb, top=2)
    assert s[0].startswith("Children in 61 % of villages (38 of 62; 95 % CI 49-72 %) reported out")
    assert s[1].startswith("Adults in 65 %")
    assert s[2] == (
        "Adults in fewer than 5 of 63 villages reported cases of sexual abuse of children known."
    )
    assert s[3].startswith("Duty bearers in 20 % of villages (12 of 60")
    assert not any("3 of 63" in x for x in s)


def test_headline_from_indicator_tables(cb):
    obs = _obs(
        [
            (1, "cg_girls_10_14", "oosc_6_14", 3),
            (2, "cg_girls_10_14", "oosc_6_14", 0),
            (1, "cg_boys_10_14", "oosc_6_14", 0),
        ]
    )
    shares = ind.share_of_villages_reporting(obs, cb)
    t = f.headline_table(shares, cb)
    row = t.loc[("Education and labour", "Out-of-school children aged 6-14 reported")]
    assert row[("Children's groups", "Villages")] == "1 of 2"
    assert row[("Children's groups", "Share")] == "50 %"
    blk = f.headline_table(shares, cb, block_id=1)
    assert blk.iloc[0][("Children's groups", "Villages")] == "1 of 2"


# ----------------------------------------------------------------------- ranking
def _rankings():
    rows = []
    for vid in (1, 2, 101):
        for group, order in (
            ("cg_girls_10_14", ["child_marriage", "child_labour", "out_of_school"]),
            ("ag_men", ["child_labour", "out_of_school", "child_marriage"]),
        ):
            rows += [(1 if vid < 100 else 2, vid, group, iss, r + 1) for r, iss in enumerate(order)]
    return pd.DataFrame(rows, columns=["block_id", "village_id", "group", "issue", "rank"])


def test_ranking_tables_and_figure(cb):
    rk = f.attach_block_names(
        _rankings(), pd.DataFrame({"block_id": [1, 2], "block_name": ["Alpha", "Beta"]})
    )
    r = ind.issue_ranking(rk, cb)
    t = f.ranking_table(r)
    assert t.index[0] == "Child labour"  # best Borda over all groups
    assert t.loc["Child marriage", ("Children's groups", "Position")] == "1"
    assert t.loc["Child marriage", ("Children's groups", "Borda score")] == "1.00"
    assert t.loc["Child labour", ("Adult groups", "Position")] == "1"
    assert t.loc["Child labour", ("All groups", "Mean rank")] == "1.5"
    assert ("Adult groups", "Mean rank") not in t.columns
    assert t.shape[1] == 8
    assert t.loc["Child labour", ("All groups", "Top 3 (95 % CI)")].startswith("100 % (")
    assert "Sexual abuse" in t.index  # unranked issues appear, at the bottom
    by_block = f.ranking_by_block(r)
    assert list(by_block.columns) == ["Alpha", "Beta", "All blocks"]
    assert by_block.loc["Child labour", "All blocks"] == 1
    fig = f.plot_ranking(r)
    ax = fig.axes[0]
    assert ax.get_yticklabels()[-1].get_text() == "Child labour"
    assert "Child labour" in ax.get_title(loc="left")
    assert len(ax.patches) == 2 * len(cb.ranking_issues)


# ----------------------------------------------------------------- triangulation
def _tri_obs():
    return _obs(
        [
            (1, "cg_girls_10_14", "oosc_6_14", 20),
            (1, "teacher", "oosc_6_14", 5, "dispute"),
            (2, "cg_girls_10_14", "oosc_6_14", 10),
            (2, "teacher", "oosc_6_14", 10, "agree"),
            (1, "ag_women", "sexual_abuse_known", 2),
            (1, "aww", "sexual_abuse_known", 0, "dispute"),
            (2, "ag_women", "sexual_abuse_known", 0),
            (2, "aww", "sexual_abuse_known", 0, "agree"),
        ]
    )


def test_triangulation_table_suppresses_small_sensitive_cells(cb):
    tri = ind.triangulate(_tri_obs(), cb, _villages())
    rates = ind.discrepancy_rates(tri, by="district", codebook=cb)
    t = f.triangulation_table(rates, cb)
    oosc = t[
        (t["Indicator"] == "Out-of-school children aged 6-14") & (t["Duty bearer"] == "Teacher")
    ]
    assert oosc["Villages compared"].item() == 2
    assert oosc["Agree"].item().startswith("50 % (")
    assert oosc["Community higher"].item().startswith("50 % (")
    sab = t[
        (t["Indicator"] == "Cases of sexual abuse of children known")
        & (t["Duty bearer"] == "Anganwadi worker")
    ]
    assert sab["Community higher"].item() == "<5"
    assert sab["Agree"].item() == "<5"  # 1 village agreeing, also sensitive
    asha = t[
        (t["Indicator"] == "Cases of sexual abuse of children known") & (t["Duty bearer"] == "ASHA")
    ]
    assert asha["No data"].item() == 2 and asha["Agree"].item() == "-"


def test_triangulation_matrix_figure(cb):
    tri = ind.triangulate(_tri_obs(), cb, _villages())
    fig = f.plot_triangulation_matrix(tri, cb)
    left, right = fig.axes[0], fig.axes[1]
    texts = [t.get_text() for t in left.texts]
    assert "50 %\n1/2" in texts  # oosc, teacher: community higher in 1 of 2
    assert "<5" in texts  # sexual abuse: 1 village, suppressed
    assert [t.get_text() for t in left.get_xticklabels()] == ["Teacher", "Anganwadi worker", "ASHA"]
    assert "Community" in left.get_title(loc="left") and "Duty bearer" in right.get_title(
        loc="left"
    )
    # no evidence to compare: the located sentence the report shows instead
    empty = f.plot_triangulation_matrix(tri.iloc[:0], cb)
    assert isinstance(empty, f.NoData) and empty == f.NO_TRIANGULATION_DATA
    assert empty.startswith("No duty-bearer evidence to compare for this district: ")


def test_discrepancy_table_suppresses_and_labels(cb):
    tri = ind.triangulate(_tri_obs(), cb, _villages())
    largest = ind.largest_discrepancies(tri, n=5)
    assert "sexual_abuse_known" in set(largest["indicator"])  # the input has a sensitive row
    t = f.discrepancy_table(largest, cb)
    # sensitive indicators never appear next to a named village
    assert t["Indicator"].tolist() == ["Out-of-school children aged 6-14"]
    assert t.iloc[0][["Village", "Block", "Community", "Duty bearer's figure"]].tolist() == [
        "V1", "Alpha", "20", "5"
    ]  # fmt: skip
    assert t.iloc[0]["Duty bearer's response"] == "dispute"
    assert t.iloc[0]["Who reported more"] == "community"
    assert f.discrepancy_table(tri.iloc[:0].assign(abs_difference=[]), cb).empty


def test_discrepancy_table_shows_yes_no(cb):
    tri = ind.triangulate(
        _obs(
            [
                (1, "cg_girls_10_14", "corporal_punishment", 1),
                (1, "teacher", "corporal_punishment", 0),
            ]
        ),
        cb,
    )
    t = f.discrepancy_table(ind.largest_discrepancies(tri), cb)
    assert t.iloc[0][["Community", "Duty bearer's figure"]].tolist() == ["yes", "no"]


# ------------------------------------------------------------------ block rates
def _rates():
    rows = [
        ("block", 1, "Alpha", "oosc_6_14", "children_6_14", 120.0, 126.5868, 119.522, 133.96),
        ("block", 2, "Beta", "oosc_6_14", "children_6_14", 90.0, 91.7936, 86.507, 97.318),
        ("district", pd.NA, "All blocks", "oosc_6_14", "children_6_14", 210.0, 110.0, 100.0, 120.0),
        ("block", 1, "Alpha", "sexual_abuse_known", "children_0_17", 3.0, 0.3, 0.06, 0.9),
        ("block", 2, "Beta", "sexual_abuse_known", "children_0_17", 14.0, 1.4, 0.8, 2.3),
        (
            "district",
            pd.NA,
            "All blocks",
            "sexual_abuse_known",
            "children_0_17",
            17.0,
            0.85,
            0.5,
            1.4,
        ),
    ]
    cols = ["scope", "block_id", "block_name", "indicator", "denominator", "count",
            "rate_per_1000", "rate_lo", "rate_hi"]  # fmt: skip
    df = pd.DataFrame(rows, columns=cols)
    df["block_id"] = df["block_id"].astype("Int64")
    return df


def test_block_rates_table_formats_and_hides_small_sensitive_counts(cb):
    t = f.block_rates_table(_rates(), cb)
    assert list(t.columns) == ["Alpha", "Beta", "All blocks"]
    oosc = t.loc[("Out-of-school children aged 6-14", "Children 6-14")]
    assert oosc["Alpha"] == "126.6 (119.5-134.0)"
    sab = t.loc[("Cases of sexual abuse of children known", "Children 0-17")]
    assert sab["Alpha"] == "<5 cases"
    assert sab["All blocks"] == "suppressed"  # would give the 3 back by subtraction
    assert sab["Beta"] == "1.4 (0.8-2.3)"


def test_block_rates_figure(cb):
    fig = f.plot_block_rates(_rates(), cb)
    axes = [a for a in fig.axes if a.get_visible()]
    assert len(axes) == 2
    assert [t.get_text() for t in axes[0].get_xticklabels()] == ["Alpha", "Beta"]
    assert "not shown" in axes[1].texts[0].get_text()


# -------------------------------------------------------------------- secondary
def test_secondary_table_by_block_and_year(cb):
    rows = []
    for bid, name, pocso in ((1, "Alpha", 2), (2, "Beta", 9)):
        rows.append(("block", bid, name, "sec_pocso_cases", "2023-24", pocso))
        rows.append(("block", bid, name, "sec_schools", "2023-24", 1200))
        rows.append(("block", bid, name, "sec_institutional_births", "2023-24", 71.25))
    obs = pd.DataFrame(
        rows, columns=["scope", "block_id", "block_name", "indicator", "year", "value"]
    )
    obs = obs.drop(columns="scope").assign(
        instrument="secondary", village_id=pd.NA, group="department"
    )
    sec = ind.secondary_indicators(obs, cb)
    t = f.secondary_table(sec, cb)
    assert list(t.columns) == ["2023-24"]
    police = t.xs("Police: POCSO cases registered", level="Indicator")
    assert police.loc[("Police", "Alpha"), "2023-24"] == "<5"
    assert police.loc[("Police", "Beta"), "2023-24"] == "9"
    assert police.loc[("Police", "All blocks"), "2023-24"] == "suppressed"
    schools = t.xs("Education: government schools", level="Indicator")
    assert schools.loc[("Education", "All blocks"), "2023-24"] == "2,400"
    births = t.xs("Health: institutional births (%)", level="Indicator")
    assert births.loc[("Health", "Alpha"), "2023-24"] == "71.2 %"
    assert f.secondary_table(sec.iloc[:0], cb) == f.NO_SECONDARY_DATA
    assert f.styled(f.secondary_table(None, cb)) == f.NO_SECONDARY_DATA


# ------------------------------------------------------------------------- CPVI
def _cpvi_villages():
    return pd.DataFrame(
        {
            "village_id": [11, 12, 13, 14, 15],
            "village_name": ["A", "B", "C", "D", "E"],
            "block_id": [1, 1, 2, 2, 2],
            "block_name": ["Alpha", "Alpha", "Beta", "Beta", "Beta"],
            "population": [100.0] * 5,
            "cpvi": [80.0, 70.5, 50.25, 20.0, np.nan],
            "rank": [1, 2, 3, 4, np.nan],
            "q05": [1.0, 1.0, 2.0, 3.0, np.nan],
            "q95": [1.0, 3.0, 4.0, 4.0, np.nan],
            "priority": [True, False, False, False, False],
        }
    )


def test_priority_table_and_top(cb):
    t = f.priority_table(_cpvi_villages())
    assert t.to_dict("records") == [
        {"Rank": 1, "Village": "A", "Block": "Alpha", "Index (0-100)": "80.0",
         "Rank interval (5-95 %)": "1-1", "Priority": "yes"}
    ]  # fmt: skip
    top = f.priority_table(_cpvi_villages(), top=3)
    assert top["Village"].tolist() == ["A", "B", "C"]
    assert top["Index (0-100)"].tolist() == ["80.0", "70.5", "50.2"]
    none = _cpvi_villages().assign(priority=False)
    assert f.priority_table(none).empty


def test_caterpillar_highlights_priority_villages():
    fig = f.plot_caterpillar(_cpvi_villages(), priority_quantile=0.4)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["A (Alpha)", "B (Alpha)", "C (Beta)", "D (Beta)"]  # unscored E left out
    assert ax.get_yticklabels()[0].get_color() != ax.get_yticklabels()[1].get_color()
    assert "1 of 4 villages are priority villages" in ax.get_title(loc="left")
    segs = ax.collections[0].get_segments()
    assert [tuple(s[:, 0]) for s in segs][1] == (1.0, 3.0)  # B's 5-95 % interval


def test_caterpillar_without_intervals_or_scores():
    v = _cpvi_villages().drop(columns=["q05", "q95"]).assign(priority=False)
    ax = f.plot_caterpillar(v).axes[0]
    assert "No village is certainly" in ax.get_title(loc="left")
    empty = f.plot_caterpillar(v.assign(cpvi=np.nan))
    assert empty.axes[0].texts[0].get_text() == "No village has an index score"


def test_sensitivity_table_and_plot():
    sens = pd.DataFrame(
        {"S1": [0.54, 0.14, -0.003], "ST": [0.8, 0.31, 0.002]},
        index=pd.Index(["normalisation", "aggregation", "winsor_limit"], name="input"),
    )
    t = f.sensitivity_table(sens)
    assert t["Choice"].tolist() == [
        "Normalisation method", "Aggregation method", "Outlier treatment (winsorisation limit)"
    ]  # fmt: skip
    assert t.iloc[0]["Total (ST)"] == "0.80"
    fig = f.plot_sensitivity(sens)
    ax = fig.axes[0]
    widths = sorted(p.get_width() for p in ax.patches)
    assert widths[0] == 0.0  # negative S1 drawn at 0
    assert max(widths) == pytest.approx(0.8)
    assert "Normalisation method" in ax.get_title(loc="left")
    assert f.sensitivity_table(sens.iloc[:0]).empty
    assert "No sensitivity" in f.plot_sensitivity(sens.iloc[:0]).axes[0].texts[0].get_text()


def test_cpvi_block_table():
    blocks = pd.DataFrame(
        {"block_id": [1, 2], "block_name": ["Alpha", "Beta"], "n_villages": [2, 3],
         "population": [200.0, 300.0], "cpvi": [75.25, 35.0], "education_labour": [70.0, 30.0],
         "rank": [1, 2], "n_priority": [1, 0]}
    )  # fmt: skip
    meta = pd.DataFrame({"code": ["education_labour"], "label": ["Education and labour"]})
    t = f.cpvi_block_table(blocks, meta)
    assert list(t.columns) == ["Block", "Rank", "Villages", "Index (0-100)",
                               "Education and labour", "Priority villages"]  # fmt: skip
    assert t.iloc[0].tolist() == ["Alpha", 1, 2, "75.2", "70.0", 1]


def test_ranking_by_group(cb):
    t = f.ranking_by_group(_rankings(), cb)
    assert list(t.columns) == ["Girls 10-14", "Men"]
    assert t.loc["Child marriage", "Girls 10-14"] == 1 and t.loc["Child marriage", "Men"] == 3
    assert t.index[0] == "Child labour"  # order of all groups together
    b = f.ranking_by_group(_rankings(), cb, value="borda")
    assert b.loc["Child labour", "Men"] == 1.0
    none = f.ranking_by_group(_rankings().iloc[:0], cb)
    assert isinstance(none, f.NoData) and none._repr_markdown_() == f"*{f.NO_RANKING_DATA}*"


# ------------------------------------------------- suppression cannot be undone
def _abuse_obs():
    """Sexual abuse vs AWW in 7 villages: 5 agree (0 = 0), 2 community higher."""
    rows = []
    for v in range(1, 8):
        rows.append((v, "ag_women", "sexual_abuse_known", 3 if v <= 2 else 0))
        rows.append((v, "aww", "sexual_abuse_known", 0, "agree"))
        rows.append((v, "cg_girls_10_14", "oosc_6_14", 10))
        rows.append((v, "teacher", "oosc_6_14", 10 if v <= 5 else 30, "agree"))
    return _obs(rows)


def test_triangulation_table_hides_the_classes_that_would_give_a_small_count_back(cb):
    tri = ind.triangulate(_abuse_obs(), cb, _villages(range(1, 8)))
    rates = ind.discrepancy_rates(tri, by="district", codebook=cb)
    t = f.triangulation_table(rates, cb)
    sab = t[
        (t["Indicator"] == "Cases of sexual abuse of children known")
        & (t["Duty bearer"] == "Anganwadi worker")
    ].iloc[0]
    assert sab["Villages compared"] == 7
    assert sab["Community higher"] == "<5"
    # 5 agree and 0 duty bearer higher would give 7 - 5 - 0 = 2: both hidden
    assert sab["Agree"] == "suppressed" and sab["Duty bearer higher"] == "suppressed"
    # a non-sensitive indicator keeps its shares (2 of 7 villages, duty bearer higher)
    oosc = t[(t["Indicator"] == "Out-of-school children aged 6-14")].iloc[0]
    assert oosc["Agree"].startswith("71 % (") and oosc["Duty bearer higher"].startswith("29 % (")


def test_triangulation_matrix_draws_hidden_cells_flat_grey_not_by_share(cb):
    from matplotlib.colors import to_hex

    tri = ind.triangulate(_abuse_obs(), cb, _villages(range(1, 8)))
    fig = f.plot_triangulation_matrix(tri, cb)
    left, right = fig.axes[0], fig.axes[1]
    rows = [t.get_text() for t in left.get_yticklabels()]
    cols = [t.get_text() for t in left.get_xticklabels()]
    i, j = rows.index("Cases of sexual abuse of children known"), cols.index("Anganwadi worker")
    for ax, word in ((left, "<5"), (right, "suppressed")):
        at = {
            (round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts
        }
        assert at[(i, j)] == word
        assert np.ma.getmaskarray(ax.images[0].get_array())[i, j]  # not coloured by the share
        grey = [p for p in ax.patches if to_hex(p.get_facecolor()) == f.SUPPRESSED_FILL.lower()]
        assert len(grey) == 1 and grey[0].get_xy() == (j - 0.5, i - 0.5)
    assert "0 %\n0/7" in [t.get_text() for t in left.texts]  # oosc, teacher: shown
    assert "29 %\n2/7" in [t.get_text() for t in right.texts]  # oosc, teacher: shown


def test_sensitivity_estimates_are_clipped_at_zero_and_s1_capped_at_st():
    sens = pd.DataFrame(
        {"S1": [-0.02, 0.5, 0.2], "ST": [0.1, 0.4, -0.01]},
        index=["aggregation", "weights_L2", "winsor_limit"],
    )
    t = f.sensitivity_table(sens).set_index("Choice")
    assert t.loc["Aggregation method"].tolist() == ["0.00", "0.10"]
    assert t.loc["Indicator weights (within pillars)"].tolist() == ["0.40", "0.40"]
    assert t.loc["Outlier treatment (winsorisation limit)"].tolist() == ["0.00", "0.00"]
    assert "Monte Carlo noise" in f.SENSITIVITY_NOTE
    ax = f.plot_sensitivity(sens).axes[0]
    assert min(p.get_width() for p in ax.patches) == 0.0
    assert max(p.get_width() for p in ax.patches) == pytest.approx(0.4)


def test_ingestion_counts_uses_ranking_source_columns_when_present():
    obs = _obs([(1, "cg_girls_10_14", "oosc_6_14", 3)])
    rk = pd.DataFrame(
        {"block_id": 1, "village_id": [1, 1, 2, 2], "group": ["ag_men"] * 4,
         "issue": ["child_labour", "migration"] * 2, "rank": [1, 2, 2, 1],
         "source_file": "C:\\field\\part1.xlsx", "source_sheet": "Ranking",
         "source_row": [3, 3, 4, 4]}
    )  # fmt: skip
    t = f.ingestion_counts(obs, rk).set_index("Sheet")
    assert t.loc["Ranking", "File"] == "part1.xlsx"
    assert t.loc["Ranking", ["Data rows", "Values", "Villages", "Indicators"]].tolist() == [
        2,
        4,
        2,
        2,
    ]
    old = f.ingestion_counts(obs, rk.drop(columns=["source_file", "source_sheet", "source_row"]))
    assert old.set_index("Sheet").loc["Ranking", "File"] == "-"


def _collation_obs():
    obs = _obs(
        [
            (1, "cg_girls_10_14", "oosc_6_14", 3),
            (1, "cg_boys_10_14", "oosc_6_14", 5),  # children's groups: max 5
            (1, "teacher", "oosc_6_14", 9),
            (2, "cg_girls_10_14", "oosc_6_14", 4),
            (1, "ag_women", "teacher_attendance", 3),
            (1, "ag_men", "teacher_attendance", 4),  # adult groups: mean 3.5
        ]
    )
    obs.loc[obs["indicator"] == "teacher_attendance", "unit"] = "score"
    col = _obs(
        [
            (1, "cg", "oosc_6_14", 5),  # agrees (max)
            (1, "teacher", "oosc_6_14", 8),  # differs from the teacher's 9
            (2, "cg", "oosc_6_14", 7),  # differs from 4
            (2, "ag", "oosc_6_14", 1),  # no Part I value
            (1, "ag", "teacher_attendance", 4),  # 3.5 rounds to 4: agrees
        ]
    ).assign(instrument="collation", source_sheet="Collation")
    col.loc[col["indicator"] == "teacher_attendance", "unit"] = "score"
    return pd.concat([obs, col], ignore_index=True)


def test_collation_agreement_against_part_one(cb):
    t = f.collation_agreement(_collation_obs(), cb).set_index("Indicator")
    oosc = t.loc["Out-of-school children aged 6-14"]
    assert oosc[["Collated values", "No Part I value", "Compared", "Agree"]].tolist() == [
        4,
        1,
        3,
        1,
    ]
    assert oosc["Share agreeing"] == "33.3 %"
    score = t.loc[_indicator_label("teacher_attendance", cb)]
    assert score[["Compared", "Agree", "Share agreeing"]].tolist() == [1, 1, "100.0 %"]
    assert list(t.index) == [_indicator_label(c, cb) for c in cb.indicators.index if
                             c in ("oosc_6_14", "teacher_attendance")]  # fmt: skip
    no_col = _collation_obs().query("instrument == 'village'")
    assert f.collation_agreement(no_col, cb).empty
    assert f.collation_agreement(no_col.iloc[:0], cb).empty


def test_district_denominator_shares_use_nfhs_under15_or_say_national(monkeypatch):
    from leheranalysis import nfhs
    from leheranalysis.errors import UnknownNameError

    calls = []

    def fake(district, key, **kw):
        calls.append(district)
        if district == "Madhubani" and key == "under15":
            return 34.7
        raise UnknownNameError("NFHS-5 phase 1 district", district, [])

    monkeypatch.setattr(nfhs, "district_value", fake)
    shares, note = f.district_denominator_shares("Madhubani")
    assert shares["children_6_14"] == pytest.approx(0.1934 * 0.347 / 0.3076)
    assert "NFHS-5" in note and "34.7 %" in note
    nat, note = f.district_denominator_shares("Nowhere")
    assert nat == ind.denominator_shares() and "Census 2011" in note and "Nowhere" in note
    nat, note = f.district_denominator_shares("Synthetic District")
    assert nat == ind.denominator_shares() and "synthetic" in note
    assert calls == ["Madhubani", "Nowhere"]  # the synthetic district is not looked up


def test_district_denominator_shares_from_the_fact_sheets(public_data):
    shares, note = f.district_denominator_shares("Leh", root=public_data)
    assert shares["children_0_17"] == pytest.approx(
        ind.CENSUS2011_SHARES["children_0_17"] * 0.21 / 0.3076
    )
    assert "21.0 %" in note


def test_synthetic_geography_from_manifest_or_name():
    assert (
        f.synthetic_geography({"parameters": {"synthetic_geography": False}}, "Synthetic X")
        is False
    )
    assert f.synthetic_geography({"parameters": {"synthetic_geography": True}}, "Leh") is True
    assert f.synthetic_geography({"parameters": {}}, "Synthetic District") is True
    assert f.synthetic_geography({}, "Madhubani") is False


# ------------------------------------------------------------ review fixes
@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (2950, 2961, "99.6 %"),
        (2960, 2961, "99.9 %"),  # 99.97 would round to 100.0
        (2961, 2961, "100.0 %"),
        (1, 5000, "0.1 %"),  # 0.02 would round to 0.0
        (0, 5000, "0.0 %"),
        (1, 3, "33.3 %"),
        (0, 0, "-"),
    ],
)
def test_fmt_share_never_rounds_to_all_or_none(part, whole, expected):
    assert f.fmt_share(part, whole) == expected


def test_fmt_pct_floor_ceiling_only_when_asked():
    assert f.fmt_pct(0.996) == "100 %"
    assert f.fmt_pct(0.996, floor_ceiling=True) == "99 %"
    assert f.fmt_pct(0.004, floor_ceiling=True) == "1 %"
    assert f.fmt_pct(0.0, floor_ceiling=True) == "0 %"
    assert f.fmt_pct(1.0, floor_ceiling=True) == "100 %"
    assert f.fmt_pct(float("nan"), 1, floor_ceiling=True) == "-"


def test_collation_agreement_share_below_all_is_not_100(cb):
    rows = []
    for vid in range(1, 301):
        coll = 5.0 if vid > 1 else 6.0  # one village of 300 copied wrongly
        rows.append((vid, "village", "cg_girls_10_14", 5.0))
        rows.append((vid, "collation", "cg", coll))
    obs = pd.DataFrame(rows, columns=["village_id", "instrument", "group", "value"]).assign(
        block_id=1, block_name="B", village_name="V", indicator="oosc_6_14", unit="count"
    )
    t = f.collation_agreement(obs, cb)
    assert t[["Compared", "Agree", "Share agreeing"]].values.tolist() == [[300, 299, "99.7 %"]]
    match = f.match_status_counts(
        pd.DataFrame(
            {
                "status": ["exact"] * 999 + ["fuzzy"],
                "written_block": "B",
                "written_village": [f"v{i}" for i in range(1000)],
            }
        )  # fmt: skip
    ).set_index("Status")
    assert match.loc["exact", "Share of rows"] == "99.9 %"
    assert match.loc["fuzzy", "Share of rows"] == "0.1 %"
    assert match.loc["alias", "Share of rows"] == "0.0 %"


def test_match_status_normalised_describes_spelling_folding():
    text = f.MATCH_STATUSES["normalised"]
    for variant in ("ph/f", "sh/s", "ee/i", "oo/u", "punctuation"):
        assert variant in text
    assert "spelling variant" in f.CLEANING_RULES["village_normalised"]


def test_cleaning_examples_make_the_change_visible():
    log = pd.DataFrame(
        {
            "file": "/r/a.xlsx", "sheet": "Adult groups", "row": ["3", "4", "5", "6"],
            "column": ["F [oosc_6_14]", "H [oosc_6_14]", "E [corporal_punishment]", "K [x]"],
            "old_value": ["33", " 0 ", "yes", "NA"],
            "new_value": ["33", "0", "1", ""],
            "rule": ["text_to_number", "trim", "yes_no", "missing_token"],
        }
    )  # fmt: skip
    t = f.cleaning_examples(log).set_index("Rule")
    assert t.loc["text_to_number", ["Before", "After"]].tolist() == ["'33' (text)", "33"]
    assert t.loc["trim", ["Before", "After"]].tolist() == ["'\u24230\u2423'", "'0'"]
    assert t.loc["yes_no", ["Before", "After"]].tolist() == ["'yes' (text)", "1"]
    assert t.loc["missing_token", ["Before", "After"]].tolist() == ["'NA'", "(blank)"]
    for _, r in t.iterrows():  # every example shows a visible difference
        assert r["Before"] != r["After"]


def test_headline_table_fewer_than_five_villages_shows_only_lt5(cb):
    sh = _shares()
    sab = (sh["indicator"] == "sexual_abuse_known") & (sh["kind"] == "adults")
    sh.loc[sab, "n_villages"] = 4
    t = f.headline_table(sh, cb)
    cell = t.loc[("Violence and safety", "Cases of sexual abuse of children known"),
                 ("Adult groups", "Villages")]  # fmt: skip
    assert cell == "<5"
    assert "<5 of" not in t.to_string()


def test_headline_table_share_never_rounds_to_all(cb):
    sh = _shares()
    oosc = (sh["indicator"] == "oosc_6_14") & (sh["kind"] == "children")
    sh.loc[oosc, ["n_reported", "n_villages", "share"]] = [249, 250, 249 / 250]
    t = f.headline_table(sh, cb)
    key = ("Education and labour", "Out-of-school children aged 6-14 reported")
    assert t.loc[key, ("Children's groups", "Share")] == "99 %"


def _secondary(values: dict[str, float]) -> pd.DataFrame:
    rows = [("block", i + 1, name, "sec_pocso_cases", "2023-24", v)
            for i, (name, v) in enumerate(values.items())]  # fmt: skip
    obs = pd.DataFrame(rows, columns=["scope", "block_id", "block_name", "indicator", "year",
                                      "value"])  # fmt: skip
    obs = obs.drop(columns="scope").assign(
        instrument="secondary", village_id=pd.NA, group="department"
    )
    return obs


def test_secondary_table_total_not_suppressed_without_a_hidden_block(cb):
    t = f.secondary_table(ind.secondary_indicators(_secondary({"Alpha": 0, "Beta": 7}), cb), cb)
    police = t.xs("Police: POCSO cases registered", level="Indicator")
    assert police.loc[("Police", "All blocks"), "2023-24"] == "7"
    assert "suppressed" not in t.to_string()


def test_secondary_table_missing_total_stays_missing_not_suppressed(cb):
    sec = ind.secondary_indicators(_secondary({"Alpha": 2, "Beta": float("nan")}), cb)
    t = f.secondary_table(sec, cb)
    police = t.xs("Police: POCSO cases registered", level="Indicator")
    assert police.loc[("Police", "Alpha"), "2023-24"] == "<5"
    assert police.loc[("Police", "All blocks"), "2023-24"] == "-"


def test_block_rates_missing_total_is_not_called_suppressed(cb):
    r = _rates()
    dist = (r["scope"] == "district") & (r["indicator"] == "sexual_abuse_known")
    r.loc[dist, ["rate_per_1000", "rate_lo", "rate_hi"]] = np.nan
    sab = f.block_rates_table(r, cb).loc[
        ("Cases of sexual abuse of children known", "Children 0-17")
    ]
    assert sab["Alpha"] == "<5 cases" and sab["All blocks"] == "-"


def test_figure_bundle_carries_alt_text_into_the_html():
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1], [0, 1])
    data, meta = f.figure_bundle(fig, "Share of villages\n reporting <5 & more")
    plt.close(fig)
    html = data["text/html"]
    assert html.startswith('<img src="data:image/png;base64,')
    assert 'alt="Share of villages reporting &lt;5 &amp; more"' in html
    import base64

    assert base64.b64decode(data["image/png"])[:4] == b"\x89PNG"
    assert meta == {"image/png": {"alt": "Share of villages reporting <5 & more"}}


def test_a_saved_figure_is_shown_from_its_file_unless_it_changed(tmp_path, monkeypatch):
    import base64
    import io

    from PIL import Image

    from leheranalysis import plotting
    from leheranalysis.present import kit

    def shown(fig) -> Image.Image:
        data, _ = f.figure_bundle(fig, "Villages", phone=False)
        return Image.open(io.BytesIO(base64.b64decode(data["image/png"])))

    def figure():
        fig, ax = plt.subplots(figsize=(4, 2))
        ax.bar(["Bisfi", "Pandaul"], [3, 5])
        ax.set_title("Villages reporting child labour")
        return fig

    monkeypatch.setitem(plt.rcParams, "savefig.dpi", 150)  # the reports' style
    assert shown(figure()).width > 0  # no file written before: drawn for the notebook
    drawn: list[float] = []  # every drawing of the notebook's PNG
    real_png = kit._png
    monkeypatch.setattr(kit, "_png", lambda fig, dpi: drawn.append(dpi) or real_png(fig, dpi))

    fig = figure()
    saved = plotting.save_figure(fig, "Madhubani", "t", caption="c", figures_dir=tmp_path,
                                 synthetic=False)  # fmt: skip
    reused = shown(fig)
    assert drawn == []  # the file written at savefig.dpi, scaled down: not drawn again
    with Image.open(saved.png) as on_disk:
        ratio = fig.dpi / 150
        assert reused.size == (round(on_disk.width * ratio), round(on_disk.height * ratio))
    plt.close(fig)

    fig = figure()
    plotting.save_figure(fig, "Madhubani", "t", caption="c", figures_dir=tmp_path,
                         synthetic=False)  # fmt: skip
    fig.axes[0].set_title("Villages reporting child marriage")  # changed after saving
    shown(fig)
    assert drawn == [fig.dpi]  # drawn again, as it is now
    shown(fig)
    assert len(drawn) == 2  # the saved image serves once only
    plt.close(fig)


def test_quality_summary_paragraph_and_key_numbers(cb):
    villages = pd.DataFrame({"village_id": [1, 2, 3, 4]})
    obs = pd.DataFrame(
        [
            {"instrument": "village", "village_id": v, "group": g, "indicator": "vlcpc_exists",
             "value": 1.0}
            for v in (1, 2, 3, 4)
            for g in ("ag_women", "ag_men", "aww")
            if not (g == "aww" and v == 4)
        ]
    )  # fmt: skip
    match = pd.DataFrame(
        {
            "written_block": ["Bisfi"] * 5,
            "written_village": ["Simri", "simri ", "Rampur", "Rampura", "Nowhere"],
            "status": ["exact", "normalised", "exact", "fuzzy", "unmatched"],
            "village_id": [1, 1, 2, 3, None],
        }
    )
    log = pd.DataFrame({"rule": ["trim", "trim", "text_to_number", "yes_no", "free_text_removed"]})
    text, keys = f.quality_summary(obs, villages, match, log, cb)
    miss = f.missingness(obs, villages, cb)
    expected = int(miss["n_expected"].sum())
    given = f.fmt_share(11, expected)
    assert (
        f"**Completeness**: 11 of {expected:,} expected village answers were given ({given})"
        in text
    )
    assert "(100 % of villages without an answer)" in text  # the least complete, named
    assert "3 of 4 programme villages were found in the official village list" in text
    assert "2 written names differed" in text and "1 by closest spelling" in text
    assert "1 name could not be matched" in text
    assert "corrected 3 values, mostly spaces removed" in text and "2 other changes" in text
    assert keys == [
        (given, "of the expected village answers were given"),
        ("3 of 4", "programme villages matched to the official list"),
        ("3", "values corrected automatically, each logged"),
    ]


def test_quality_sections_without_data_say_what_is_missing():
    empty = pd.DataFrame()
    assert f.match_table(empty) == "No match report: no village-level rows were read."
    assert isinstance(f.plot_missingness_of(empty), f.NoData)
    assert f.missingness_section(empty).startswith("No missing answers to show for this district")
    assert f.inputs_section({}) == "No input files are recorded in the manifest."
