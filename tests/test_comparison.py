"""Tests of leheranalysis.comparison: DNA districts side by side and against NFHS-5."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from leheranalysis import comparison as cmpmod
from leheranalysis import nfhs
from leheranalysis.errors import DataNotAvailableError, IndicatorInputError

NBSP = "\u00a0"


# ------------------------------------------------------------------ hand-made tables
def _obs_rows(district, block_id, village_id, group, indicator, value, unit):
    return {
        "district": district,
        "block_id": block_id,
        "block_name": f"B{block_id}",
        "village_id": village_id,
        "village_name": f"V{village_id}",
        "instrument": "village",
        "group": group,
        "indicator": indicator,
        "year": None,
        "value": float(value),
        "unit": unit,
        "response": None,
        "source_file": "f.xlsx",
        "source_sheet": "s",
        "source_row": 3,
    }


def _observations(district: str, oosc: list[int], violence: list[int], abuse: list[int]):
    """Three villages: out-of-school counts (children), violence yes/no, abuse counts."""
    rows = []
    for i, (o, v, a) in enumerate(zip(oosc, violence, abuse, strict=True), start=1):
        rows.append(_obs_rows(district, 10, i, "cg_girls_10_14", "oosc_6_14", o, "count"))
        rows.append(_obs_rows(district, 10, i, "cg_girls_10_14", "violence_at_home", v, "yesno"))
        rows.append(_obs_rows(district, 10, i, "ag_women", "sexual_abuse_known", a, "count"))
        rows.append(_obs_rows(district, 10, i, "cg_girls_10_14", "participants", 9, "count"))
    obs = pd.DataFrame(rows)
    obs["village_id"] = obs["village_id"].astype("Int64")
    return obs


@pytest.fixture
def two_districts():
    return {
        "Alpha": _observations("Alpha", [0, 4, 7], [1, 1, 0], [0, 1, 0]),
        "Beta": _observations("Beta", [0, 0, 2], [0, 0, 0], [0, 0, 0]),
    }


def test_headline_shares_counts_villages_by_district_and_kind(two_districts):
    s = cmpmod.headline_shares(
        two_districts, issues=["oosc_6_14", "violence_at_home"], kinds=["children"]
    )
    got = s.set_index(["district", "indicator"])[["n_villages", "n_reported"]]
    assert got.loc[("Alpha", "oosc_6_14")].tolist() == [3, 2]
    assert got.loc[("Alpha", "violence_at_home")].tolist() == [3, 2]
    assert got.loc[("Beta", "oosc_6_14")].tolist() == [3, 1]
    assert got.loc[("Beta", "violence_at_home")].tolist() == [3, 0]
    # rows: issues in the order asked, then districts in the order given
    assert s["indicator"].tolist() == ["oosc_6_14"] * 2 + ["violence_at_home"] * 2
    assert s["district"].tolist() == ["Alpha", "Beta", "Alpha", "Beta"]
    assert s["group"].unique().tolist() == ["Children's groups"]
    assert s.loc[0, "share"] == pytest.approx(2 / 3)
    assert (s["share_lo"] <= s["share"]).all() and (s["share"] <= s["share_hi"]).all()


def test_headline_table_formats_cells_and_suppresses_sensitive_small_counts(two_districts):
    s = cmpmod.headline_shares(
        two_districts, issues=["oosc_6_14", "sexual_abuse_known"], kinds=["children", "adults"]
    )
    t = cmpmod.headline_table(s)
    assert list(t.columns) == ["Alpha", "Beta"]
    assert t.index.names == ["Issue", "Reported by"]
    assert t.loc[("Out-of-school children aged 6-14 reported", "Children's groups"), "Alpha"] == (
        f"67{NBSP}% (2/3)"
    )
    # sensitive issue: 1 village of 3 is hidden, share too; zero stays visible
    abuse = t.loc[("Cases of sexual abuse of children known", "Adult groups")]
    assert abuse["Alpha"] == f"<5{NBSP}villages"  # only 3 villages asked: no "<5 of 3"
    assert abuse["Beta"] == f"0{NBSP}% (0/3)"
    assert "33" not in abuse["Alpha"]


def test_headline_shares_rejects_unknown_issue_and_handles_no_data(two_districts):
    with pytest.raises(IndicatorInputError, match="no_such_code"):
        cmpmod.headline_shares(two_districts, issues=["no_such_code"])
    empty = cmpmod.headline_shares({"Alpha": pd.DataFrame()})
    assert empty.empty and "share" in empty.columns
    assert cmpmod.headline_table(empty).empty


def test_headline_figure_has_one_panel_per_issue_and_highlights(two_districts):
    s = cmpmod.headline_shares(two_districts, issues=["oosc_6_14", "violence_at_home"])
    fig = cmpmod.headline_figure(s, highlight="Beta", ncols=2)
    try:
        axes = [ax for ax in fig.axes if ax.get_visible()]
        assert len(axes) == 2
        labels = {t.get_text(): t.get_fontweight() for t in axes[0].get_yticklabels()}
        assert set(labels) == {"Alpha", "Beta"}
        assert labels["Beta"] == "bold" and labels["Alpha"] != "bold"
    finally:
        plt.close(fig)


# ------------------------------------------------------------------ loading, status
def _processed(n_villages: int, synthetic: bool):
    villages = pd.DataFrame({"village_id": range(n_villages)})
    return SimpleNamespace(
        villages=villages, blocks=pd.DataFrame({"block_id": [1, 2]}), synthetic=synthetic
    )


def test_load_districts_data_records_missing_districts():
    calls = []

    def loader(name, folder=None):
        calls.append((name, folder))
        if name == "Leh":
            raise DataNotAvailableError("/x/leh: no processed data (manifest.json missing)")
        return _processed(3, True)

    data = cmpmod.load_districts_data(
        ["Madhubani", "Leh", "Madhubani"], folders={"Madhubani": "/d/m", "Leh": ""}, loader=loader
    )
    assert calls == [("Madhubani", "/d/m"), ("Leh", None)]
    assert list(data.processed) == ["Madhubani"]
    assert "manifest.json missing" in data.missing["Leh"]
    status = cmpmod.data_status(data, ["Leh", "Madhubani"])
    assert status["District"].tolist() == ["Leh", "Madhubani"]
    assert status["Processed data"].tolist() == ["no", "yes"]
    assert status["Synthetic"].tolist() == ["", "yes"]
    assert status["Villages"].tolist() == ["", 3]
    assert status["Note"].tolist() == ["no processed data", ""]


def test_processed_folders_next_to_the_report_data(tmp_path):
    own = tmp_path / "processed" / "madhubani"
    got = cmpmod.processed_folders(["Madhubani", "Leh (Ladakh)"], "Madhubani", str(own))
    assert got == {
        "Madhubani": str(own),
        "Leh (Ladakh)": str(tmp_path / "processed" / "leh-ladakh"),
    }


def _processed_root(tmp_path, folders: dict[str, str]):
    import json

    root = tmp_path / "processed"
    for folder, district in folders.items():
        (root / folder).mkdir(parents=True)
        (root / folder / "manifest.json").write_text(json.dumps({"district": district}))
    return root


def test_compared_districts_default_to_those_with_data_each_once(tmp_path):
    # a folder of the old name beside the canonical one: still one district
    root = _processed_root(
        tmp_path,
        {"nowgaon": "Nowgaon", "nagaon": "Nagaon", "patna": "Patna", "kargil": "Kargil"},
    )
    got = cmpmod.compared_districts([], "Patna", str(root / "patna"))
    assert list(got) == ["Patna", "Kargil", "Nowgaon"]
    assert got["Patna"] == str(root / "patna")
    assert got["Nowgaon"] in {str(root / "nowgaon"), str(root / "nagaon")}


def test_compared_districts_given_by_any_spelling(tmp_path):
    root = _processed_root(tmp_path, {"nowgaon": "Nowgaon", "patna": "Patna"})
    got = cmpmod.compared_districts(
        ["Nagaon", "nowgaon", "Madhubani", "Patna"], "Nagaon", str(root / "nowgaon")
    )
    assert got == {
        "Nowgaon": str(root / "nowgaon"),
        "Madhubani": str(root / "madhubani"),  # no data: reported missing by the loader
        "Patna": str(root / "patna"),
    }


def test_compared_districts_with_default_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("LEHER_DATA_DIR", str(tmp_path))
    root = _processed_root(tmp_path, {"darbhanga": "Darbhanga", "kargil": "Kargil"})
    got = cmpmod.compared_districts([], "Kargil")
    assert got == {"Kargil": str(root / "kargil"), "Darbhanga": str(root / "darbhanga")}
    data = cmpmod.load_districts_data(list(got), folders=got, loader=lambda n, folder: folder)
    assert data.processed == got and not data.missing


# ------------------------------------------------------------------ index scores
def _fake_compute(observations, villages, config=None, n=0):
    """Score = village population / 10 (lets the test check the id bookkeeping)."""
    v = pd.DataFrame(villages).copy()
    if v["population"].isna().all():
        raise IndicatorInputError("no population")
    v["cpvi"] = v["population"] / 10
    return SimpleNamespace(villages=v, config=SimpleNamespace(code="cpvi"))


def _index_district(ids, pops):
    villages = pd.DataFrame(
        {
            "village_id": ids,
            "village_name": [f"v{i}" for i in ids],
            "block_id": 1,
            "block_name": "B",
            "population": pops,
        }
    )
    obs = pd.DataFrame({"indicator": ["oosc_6_14"], "village_id": pd.array([ids[0]], "Int64")})
    return SimpleNamespace(observations=obs, villages=villages)


def test_index_scores_own_and_common_scale_keep_district_ids():
    data = {
        "Alpha": _index_district([1, 2], [100.0, 300.0]),
        "Beta": _index_district([1, 5], [500.0, 700.0]),  # id 1 again: pooled ids must differ
        "Gamma": _index_district([9], [np.nan]),
    }
    s = cmpmod.index_scores(data, compute=_fake_compute)
    assert s.attrs["skipped"] == {"Gamma": "no population"}
    own = s[s["scale"] == "own district"].set_index(["district", "village_id"])["score"]
    common = s[s["scale"] == "common scale"].set_index(["district", "village_id"])["score"]
    assert own.to_dict() == {("Alpha", 1): 10, ("Alpha", 2): 30, ("Beta", 1): 50, ("Beta", 5): 70}
    assert common.to_dict() == own.to_dict()
    summary = cmpmod.index_summary(s)
    assert summary["Scale"].tolist() == ["own district"] * 2 + ["common scale"] * 2
    row = summary.iloc[0]
    assert (row["District"], row["Villages"], row["Median"]) == ("Alpha", 2, 20.0)
    fig = cmpmod.index_figure(s, highlight="Alpha")
    try:
        assert [ax.get_title() for ax in fig.axes] == [
            "All districts on one scale",
            "Each district's own index",
        ]
    finally:
        plt.close(fig)


def test_index_scores_single_district_has_no_common_scale():
    s = cmpmod.index_scores({"Alpha": _index_district([1, 2], [10.0, 20.0])}, _fake_compute)
    assert set(s["scale"]) == {"own district"}


# ------------------------------------------------------------------ NFHS, hand-made
def test_format_value_as_published():
    assert cmpmod.format_value(39.2) == "39.2"
    assert cmpmod.format_value(40.0) == "40.0"
    assert cmpmod.format_value(805.0, "females per 1,000 males") == "805"
    assert cmpmod.format_value(np.nan) == "NA"
    assert cmpmod.format_value(None) == "NA"
    assert cmpmod.format_value(12.5, parenthesised=True) == "(12.5)"


def _compare_frame():
    base = {
        "code": ["child_marriage", "sex_ratio_at_birth"],
        "indicator": ["i1", "i2"],
        "label": ["Married before 18", "Sex ratio at birth"],
        "unit": ["%", "females per 1,000 males"],
        "better": ["lower", "higher"],
        "india_nfhs5": [23.3, 929.0],
        "india_nfhs4": [26.8, 919.0],
        "india_change": [-3.5, 10.0],
    }
    a = pd.DataFrame(
        {
            **base,
            "district": "A",
            "state": "S1",
            "district_nfhs5": [10.0, 1000.0],
            "district_nfhs4": [np.nan, 900.0],
            "district_change": [np.nan, 100.0],
            "state_nfhs5": [12.0, 1100.0],
            "state_nfhs4": [11.0, 990.0],
            "state_change": [1.0, 110.0],
            "district_nfhs5_parenthesised": [True, False],
            "district_nfhs4_parenthesised": [False, False],
        }
    )
    b = a.assign(district="B", district_nfhs5=[30.0, 940.0], district_nfhs4=[35.0, 1010.0])
    b["district_change"] = b["district_nfhs5"] - b["district_nfhs4"]
    b["district_nfhs5_parenthesised"] = False
    return pd.concat([a, b], ignore_index=True)


def test_nfhs_wide_orders_districts_states_india_and_marks_parentheses():
    w = cmpmod.nfhs_wide(_compare_frame())
    assert list(w.columns) == ["A", "S1", "B", "India"]
    assert list(w.index) == [
        "Married before 18 (%)",
        "Sex ratio at birth (females per 1,000 males)",
    ]
    assert w.loc["Married before 18 (%)"].tolist() == ["(10.0)", "12.0", "30.0", "23.3"]
    assert cmpmod.nfhs_wide(_compare_frame(), "nfhs4").loc["Married before 18 (%)", "A"] == "NA"
    with pytest.raises(ValueError, match="nfhs6"):
        cmpmod.nfhs_wide(_compare_frame(), "nfhs6")


def test_nfhs_change_direction_beyond_noise_and_natural_sex_ratio():
    ch = cmpmod.nfhs_change(_compare_frame())
    assert ch["area"].unique().tolist() == ["A", "S1", "B", "India"]
    d = ch.set_index(["area", "code"])["direction"]
    assert d[("A", "child_marriage")] == ""  # NFHS-4 missing
    # a district survey is small: 35 -> 30 % and 900 -> 1000 are within sampling noise
    assert d[("B", "child_marriage")] == "within noise"
    assert d[("A", "sex_ratio_at_birth")] == "within noise"
    assert d[("S1", "child_marriage")] == "within noise"  # 11 -> 12 %, state
    # sex ratio at birth: closer to 952 is better, whatever the sign, here as everywhere
    assert d[("S1", "sex_ratio_at_birth")] == "worse"  # 990 -> 1100, though higher
    assert d[("India", "sex_ratio_at_birth")] == "within noise"  # 919 -> 929: about +-14
    assert d[("India", "child_marriage")] == "better"  # 26.8 -> 23.3, a national sample
    noise = ch.set_index(["area", "code"])["noise"]
    assert noise[("B", "child_marriage")] > 5 > noise[("India", "child_marriage")]
    table = cmpmod.nfhs_change_table(ch)
    assert table.loc["Married before 18 (%)", "B"] == f"35.0{NBSP}→{NBSP}30.0 (within noise)"
    assert table.loc["Married before 18 (%)", "India"] == f"26.8{NBSP}→{NBSP}23.3 (better)"


def test_nfhs_district_table_and_unknown_district():
    t = cmpmod.nfhs_district_table(_compare_frame(), "B")
    assert list(t.columns) == ["B NFHS-5", "B NFHS-4", "Change", "S1 NFHS-5", "India NFHS-5",
                               "Better is"]  # fmt: skip
    assert t.iloc[0].tolist() == ["30.0", "35.0", "-5.0", "12.0", "23.3", "lower"]
    assert t.iloc[1, 2] == "-70"
    assert t.iloc[1, -1] == "closer to 952"  # the sex ratio at birth, judged one way
    with pytest.raises(IndicatorInputError, match="'Z' not in the comparison"):
        cmpmod.nfhs_district_table(_compare_frame(), "Z")


# ------------------------------------------------------------------ NFHS, published data
@pytest.fixture(scope="module")
def five(public_data):
    cmp, left_out = cmpmod.nfhs_comparison(list(cmpmod.DNA_DISTRICTS) + ["Synthetic District"])
    assert left_out == {"Synthetic District": "an invented SYNTHETIC district, not in NFHS-5"}
    return cmp


def test_published_values_of_the_five_districts(five):
    w = cmpmod.nfhs_wide(five)
    assert list(w.columns) == ["Madhubani", "Bihar", "Morigaon", "Assam", "Leh", "Ladakh",
                               "Budgam", "Jammu & Kashmir", "Rajouri", "India"]  # fmt: skip
    assert len(w) == len(nfhs.KEY_INDICATORS)
    row = w.loc["Women 20-24 married before 18 (%)"]
    assert (row["Madhubani"], row["Bihar"], row["India"]) == ("39.2", "40.8", "23.3")
    assert w.loc["Sex ratio at birth (females per 1,000 males)", "Madhubani"] == "805"
    assert w.loc["Under-5 births registered (%)", "Madhubani"] == "81.1"
    # repaired names: no footnote digits glued to words, no mojibake
    assert not any("â" in name or "\u00e2" in name for name in w.index)
    t = cmpmod.nfhs_district_table(five, "Madhubani")
    first = t.loc["Women 20-24 married before 18 (%)"]
    assert (first["Madhubani NFHS-5"], first["Madhubani NFHS-4"], first["Change"]) == (
        "39.2",
        "42.7",
        "-3.5",
    )
    assert t.loc["Sex ratio at birth (females per 1,000 males)", "Madhubani NFHS-4"] == "954"


def test_change_of_the_five_districts(five):
    ch = cmpmod.nfhs_change(five)
    assert ch["area"].unique().tolist() == ["Madhubani", "Bihar", "Morigaon", "Assam", "Leh",
                                            "Ladakh", "Budgam", "Jammu & Kashmir", "Rajouri",
                                            "India"]  # fmt: skip
    assert len(ch) == 10 * len(nfhs.KEY_INDICATORS)
    d = ch.set_index(["area", "code"])
    # 42.7 -> 39.2 and 954 -> 805 lie within a district survey's sampling noise
    assert d.loc[("Madhubani", "child_marriage"), "direction"] == "within noise"
    assert d.loc[("Madhubani", "sex_ratio_at_birth"), "direction"] == "within noise"
    assert d.loc[("Madhubani", "birth_registration"), "change"] == pytest.approx(27.4)
    assert d.loc[("Madhubani", "birth_registration"), "direction"] == "better"
    assert d.loc[("Bihar", "child_marriage"), "direction"] == "within noise"  # 42.5 -> 40.8
    assert d.loc[("Bihar", "stunting"), "direction"] == "better"  # 48.3 -> 42.9, a state sample
    assert d.loc[("Ladakh", "sex_ratio_at_birth"), "direction"] == "worse"  # 823 -> 1125
    fig = cmpmod.change_figure(ch, highlight="Madhubani")
    level = cmpmod.nfhs_level_figure(ch, highlight="Madhubani")
    try:
        panels = [ax for ax in fig.axes if ax.get_visible()]
        assert len(panels) == len(nfhs.KEY_INDICATORS)
        ticks = [t.get_text() for t in panels[0].get_yticklabels()]
        assert ticks[-1] == "Madhubani" and ticks[0] == "India"
        assert len([ax for ax in level.axes if ax.get_visible()]) == len(nfhs.KEY_INDICATORS)
    finally:
        plt.close(fig)
        plt.close(level)


def test_headline_figure_never_plots_a_small_sensitive_share(two_districts):
    s = cmpmod.headline_shares(two_districts, issues=["sexual_abuse_known"], kinds=["adults"])
    assert s.set_index("district").loc["Alpha", "n_reported"] == 1  # 1 of 3 villages
    fig = cmpmod.headline_figure(s, ncols=1)
    try:
        ax = [a for a in fig.axes if a.get_visible()][0]
        xs = [x for line in ax.lines for x in np.atleast_1d(line.get_xdata()).tolist()]
        assert pytest.approx(100 / 3) not in xs  # Alpha's 33 % is not drawn
        assert 0.0 in xs  # Beta's 0 % is
        assert [t.get_text() for t in ax.texts] == ["<5"]
    finally:
        plt.close(fig)


def test_share_cell_suppression_wording_and_no_false_100():
    row = dict(n_villages=62, n_reported=3, share=3 / 62, sensitive=True)
    assert cmpmod._share_cell(pd.Series(row), 5) == f"<5 of 62{NBSP}villages"
    row.update(n_villages=4)
    assert cmpmod._share_cell(pd.Series(row), 5) == f"<5{NBSP}villages"
    row = dict(n_villages=250, n_reported=249, share=249 / 250, sensitive=False)
    assert cmpmod._share_cell(pd.Series(row), 5) == f"99{NBSP}% (249/250)"
    row.update(n_reported=250, share=1.0)
    assert cmpmod._share_cell(pd.Series(row), 5) == f"100{NBSP}% (250/250)"


def test_nfhs_comparison_names_each_district_once_as_the_dna_does(public_data):
    cmp, left_out = cmpmod.nfhs_comparison(["Nowgaon", "Nagaon", "Patna"])
    assert left_out == {}
    assert list(dict.fromkeys(cmp["district"])) == ["Nowgaon", "Patna"]
    nowgaon = cmp[(cmp["district"] == "Nowgaon") & (cmp["code"] == "child_marriage")]
    assert nowgaon["state"].tolist() == ["Assam"]
    assert nowgaon["district_nfhs5"].iloc[0] == nfhs.district_value("Nagaon", "child_marriage")


def test_caveat_block(public_data):
    text = cmpmod.caveat_block(["Nowgaon", "Patna", "Darbhanga", "Synthetic District"])
    lines = text.split("\n")
    assert lines[0] == "**About the NFHS-5 district figures**"
    assert lines[2].startswith("- **Nowgaon**: NFHS-5 calls Nowgaon")
    assert "Hojai" in lines[2]
    assert lines[3].startswith("- **Patna**: PMGSY lists rural habitations only")
    assert lines[4] == "- " + nfhs.RURAL_ONLY.replace("'", "&#x27;")
    assert len(lines) == 5
    hostile = cmpmod.caveat_block(["<script>x</script>"])
    assert "<script>" not in hostile and "&lt;script&gt;" in hostile
    assert cmpmod.caveat_block(["Synthetic District"]) == ""


def test_a_district_folder_is_found_by_any_spelling(tmp_path):
    from leheranalysis import store

    root = _processed_root(tmp_path, {"nowgaon": "Nowgaon"})
    assert store.district_folder("Nagaon", base=root) == root / "nowgaon"
    assert store.district_folder("Nowgaon", base=root) == root / "nowgaon"
    assert store.district_folder("Sivasagar", base=root) == root / "sivasagar"  # no data


def test_nfhs_key_numbers_for_the_index(five):
    assert cmpmod.nfhs_key_numbers(five, "Madhubani") == [
        ("39.2 %", "women 20-24 married before 18 (NFHS-5; Bihar 40.8 %, India 23.3 %)"),
        ("81.1 %", "under-5 births registered (NFHS-5; Bihar 75.6 %, India 89.1 %)"),
    ]
    assert cmpmod.nfhs_key_numbers(five, "Nowhere") == []


def test_one_colour_language_in_the_nfhs_figures():
    """Vermillion means "worse" only; the district in focus is reddish purple."""
    import matplotlib.colors as mcolors

    from leheranalysis import plotting

    ch = cmpmod.nfhs_change(_compare_frame())
    level = cmpmod.nfhs_level_figure(ch, highlight="B")
    change = cmpmod.change_figure(ch, highlight="B")
    try:

        def colours(fig):
            return {
                mcolors.to_hex(line.get_color())
                for ax in fig.axes
                for line in ax.get_lines()
                if line.get_marker() == "o"
            }

        in_level = colours(level)
        assert mcolors.to_hex(plotting.HIGHLIGHT) in in_level
        assert mcolors.to_hex(plotting.WORSE) not in in_level
        assert mcolors.to_hex(plotting.BETTER) not in in_level
        assert mcolors.to_hex(plotting.HIGHLIGHT) not in colours(change)
    finally:
        plt.close(level)
        plt.close(change)


def test_comparison_sections_without_data_say_what_is_missing():
    from leheranalysis.present import comparison as pc
    from leheranalysis.present.kit import NoData

    none = pd.DataFrame()
    assert pc.headline_section(none) == "No data: no district has village-level DNA observations."
    assert isinstance(pc.plot_index(none, "Leh"), NoData)
    assert pc.nfhs_district_section(none, "Leh") == (
        "No data: Leh is not in the NFHS-5 district fact sheets."
    )
    assert pc.plot_nfhs_levels(none, "Leh") is None and pc.nfhs_change_section(none) == []
    assert pc.latest_rounds_section({}) == "No district has a follow-up round yet: no data."
