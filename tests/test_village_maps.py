"""Tests of leheranalysis.village_maps: what the village-maps report puts on the map."""

from __future__ import annotations

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from leheranalysis import geo
from leheranalysis import village_maps as vm
from leheranalysis.codebook import load_codebook
from leheranalysis.errors import IndicatorInputError
from leheranalysis.indicators import CENSUS2011_SHARES


def _row(village_id, group, indicator, value, unit):
    return {
        "block_id": 1,
        "block_name": "B",
        "village_id": village_id,
        "village_name": f"V{village_id}",
        "instrument": "village",
        "group": group,
        "indicator": indicator,
        "value": float(value),
        "unit": unit,
        "response": None,
    }


@pytest.fixture
def tables():
    obs = pd.DataFrame(
        [
            _row(1, "cg_girls_10_14", "oosc_6_14", 20, "count"),
            _row(1, "ag_women", "oosc_6_14", 30, "count"),  # community = max = 30
            _row(1, "teacher", "oosc_6_14", 5, "count"),  # duty bearer: not community
            _row(1, "cg_girls_10_14", "violence_at_home", 1, "yesno"),
            _row(1, "ag_women", "violence_at_home", 0, "yesno"),
            _row(1, "cg_girls_10_14", "participants", 9, "count"),
            _row(2, "cg_girls_10_14", "oosc_6_14", 4, "count"),
            _row(2, "cg_girls_10_14", "violence_at_home", 0, "yesno"),
            _row(3, "cg_girls_10_14", "violence_at_home", 0, "yesno"),
        ]
    )
    obs["village_id"] = obs["village_id"].astype("Int64")
    villages = pd.DataFrame(
        {
            "village_id": [1, 2, 3],
            "village_name": ["V1", "V2", "V3"],
            "block_id": 1,
            "block_name": "B",
            "population": [1000.0, np.nan, 500.0],
        }
    )
    return obs, villages


def test_village_indicator_values_are_community_rates_and_yes_no(tables):
    obs, villages = tables
    v = vm.village_indicator_values(obs, villages, ["oosc_6_14", "violence_at_home"])
    assert list(v.index) == [1, 2, 3] and list(v.columns) == ["oosc_6_14", "violence_at_home"]
    base = 1000.0 * CENSUS2011_SHARES["children_6_14"]
    assert v.loc[1, "oosc_6_14"] == pytest.approx(1000.0 * 30 / base)
    assert np.isnan(v.loc[2, "oosc_6_14"])  # a count but no population
    assert np.isnan(v.loc[3, "oosc_6_14"])  # no answer
    assert v["violence_at_home"].tolist() == [1.0, 0.0, 0.0]
    scaled = vm.village_indicator_values(
        obs, villages, ["oosc_6_14"], shares={"children_6_14": 0.25}
    )
    assert scaled.loc[1, "oosc_6_14"] == pytest.approx(120.0)


def test_sensitive_and_unknown_indicators_are_never_mapped(tables):
    obs, villages = tables
    with pytest.raises(IndicatorInputError, match="sensitive.*never mapped"):
        vm.village_indicator_values(obs, villages, ["oosc_6_14", "sexual_abuse_known"])
    with pytest.raises(IndicatorInputError, match="missing_trafficked"):
        vm.village_indicator_values(obs, villages, ["missing_trafficked"])
    with pytest.raises(IndicatorInputError, match="unknown indicator"):
        vm.village_indicator_values(obs, villages, ["nope"])
    assert not set(vm.MAP_INDICATORS) & {"sexual_abuse_known", "missing_trafficked"}


def test_indicator_titles_name_the_unit():
    t = vm.indicator_titles(["child_marriage_12m", "violence_at_home", "teacher_attendance"])
    assert t["child_marriage_12m"] == "Child marriages (12 months)\nper 1,000 girls 15-19"
    assert t["violence_at_home"].endswith("by any group")
    assert t["teacher_attendance"].endswith("score 1-5")


def test_index_values_by_village():
    table = pd.DataFrame({"village_id": [7, 3], "cpvi": [80.0, np.nan]})
    s = vm.index_values(table)
    assert s.to_dict() == pytest.approx({7: 80.0, 3: np.nan}, nan_ok=True)
    with pytest.raises(IndicatorInputError, match="'score'"):
        vm.index_values(table, "score")


def test_distance_table_and_summary():
    villages = pd.DataFrame(
        {
            "village_id": [1, 2, 3],
            "village_name": ["beta", "ALPHA", "Gamma"],
            "block_name": ["Y", "X", "X"],
        }  # fmt: skip
    )
    dist = pd.DataFrame(
        {
            "village_id": [1, 2, 3],
            "secondary_school": [1.04, 6.26, np.nan],
            "panchayat": [0.5, 0.75, 5.01],
        }  # fmt: skip
    )
    t = vm.distance_table(villages, dist)
    assert list(t.columns) == ["Block", "Village", "Secondary school (km)", "Panchayat office (km)"]
    assert t["Village"].tolist() == ["Alpha", "Gamma", "Beta"]  # by block, case-blind, one case
    assert t["Secondary school (km)"].tolist()[:2] == [6.3, pytest.approx(np.nan, nan_ok=True)]
    s = vm.distance_summary(dist).set_index("Nearest")
    assert s.loc["Secondary school", "Villages"] == 2
    assert s.loc["Secondary school", "Farther than 5 km"] == 1
    assert s.loc["Panchayat office", "Median (km)"] == 0.8
    assert s.loc["Panchayat office", "Longest (km)"] == 5.0


def test_map_figsize_fits_wide_and_tall_districts():
    wide = gpd.GeoDataFrame({"block_id": [1]}, geometry=[box(85.0, 26.0, 85.5, 26.2)],
                            crs="EPSG:4326")  # fmt: skip
    tall = gpd.GeoDataFrame({"block_id": [1]}, geometry=[box(85.0, 26.0, 85.1, 27.0)],
                            crs="EPSG:4326")  # fmt: skip
    w, h = vm.map_figsize(wide)
    assert w == 10.0 and h < 6
    w, h = vm.map_figsize(tall)
    assert h == 11.0 and w == 7.0


# ------------------------------------------------------------------ synthetic geography
@pytest.fixture(scope="module")
def synthetic():
    d, notice = vm.load_geography("Synthetic District")
    assert d.synthetic and notice is None
    return d


def test_programme_geography_takes_all_habitations_of_the_programme_blocks(synthetic):
    d = synthetic
    block = d.blocks.iloc[[0]]
    habs = d.villages[d.villages["block_id"] == block["block_id"].iloc[0]]
    prog = habs.head(3).rename(columns={"name": "village_name"})[
        ["village_id", "village_name", "block_id", "population", "geometry"]
    ]
    extra = gpd.GeoDataFrame(
        {"village_id": [999999], "village_name": ["New hamlet"],
         "block_id": [block["block_id"].iloc[0]], "population": [250.0]},
        geometry=[block.geometry.iloc[0].representative_point()], crs=d.villages.crs,
    )  # fmt: skip
    prog = gpd.GeoDataFrame(pd.concat([prog, extra], ignore_index=True), crs=d.villages.crs)
    g = vm.programme_geography(d, block, prog)
    assert g.blocks["block_id"].tolist() == block["block_id"].tolist()
    assert len(g.habitations) == len(habs) + 1
    assert g.added == [999999]
    assert g.programme_ids == [*habs["village_id"].head(3).astype(int), 999999]
    cells = geo.catchments(g.habitations, g.blocks)
    assert set(g.programme_ids) <= set(cells["village_id"].astype(int))


def test_distance_maps_one_panel_per_kind_with_credit(synthetic):
    d = synthetic
    g = vm.programme_geography(
        d, d.blocks, d.villages.head(6).rename(columns={"name": "village_name"})
    )
    cells = geo.catchments(g.habitations, g.blocks)
    dist = geo.nearest_facility_distances(d.villages.head(6), d.facilities)
    fig = vm.distance_maps(g.blocks, cells, g.programme_ids, dist, d.facilities,
                           credit="Source: test")  # fmt: skip
    try:
        titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
        assert titles == [
            "Distance to a secondary school",
            "Distance to a health centre (PHC/CHC)",
            "Distance to a panchayat office",
        ]
        assert [t.get_text() for t in fig.texts] == ["Source: test"]
    finally:
        plt.close(fig)
    with pytest.raises(IndicatorInputError, match="no distance columns"):
        vm.distance_maps(g.blocks, cells, g.programme_ids, dist[["village_id"]])


# ------------------------------------------------------------------ real geography
def test_madhubani_programme_blocks_and_distances(public_data):
    d, notice = vm.load_geography("Madhubani")
    assert notice is None and not d.synthetic
    blocks = d.blocks[d.blocks["block_name"].isin(["Bisfi", "Pandaul", "Rajnagar"])]
    assert sorted(blocks["block_id"]) == [978, 4508, 4991]
    prog = (
        d.villages[d.villages["block_id"].isin(blocks["block_id"])]
        .groupby("block_id")
        .head(2)
        .rename(columns={"name": "village_name"})
    )
    g = vm.programme_geography(d, blocks, prog)
    assert g.added == [] and len(g.programme_ids) == 6
    assert set(g.habitations["block_id"]) == {978, 4508, 4991}
    assert len(g.habitations) == d.villages["block_id"].isin([978, 4508, 4991]).sum()
    dist = geo.nearest_facility_distances(prog, d.facilities)
    t = vm.distance_table(prog, dist)
    km = t.drop(columns=["Block", "Village"]).to_numpy(float)
    assert km.shape == (6, 3) and np.isfinite(km).all() and (km >= 0).all() and (km < 15).all()
    # the km agree with great-circle distances to the nearest secondary school
    schools = d.facilities[d.facilities["level"] == "secondary"]
    lon1, lat1 = (
        np.radians(prog.geometry.x.to_numpy())[:, None],
        np.radians(prog.geometry.y.to_numpy())[:, None],
    )
    lon2, lat2 = (
        np.radians(schools.geometry.x.to_numpy()),
        np.radians(schools.geometry.y.to_numpy()),
    )
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    haversine = (2 * 6371.0088 * np.arcsin(np.sqrt(a))).min(axis=1)
    assert dist["secondary_school"].to_numpy() == pytest.approx(haversine, rel=0.01, abs=0.02)


def test_programme_geography_of_a_minimal_district():
    blocks = gpd.GeoDataFrame({"block_id": [1], "block_name": ["B"]},
                              geometry=[box(85.0, 26.0, 85.1, 26.1)], crs="EPSG:4326")  # fmt: skip
    district = type("D", (), {})()
    district.blocks = blocks
    district.villages = gpd.GeoDataFrame(
        {"village_id": [1, 2], "block_id": [1, 1], "name": ["a", "b"], "population": [1.0, 2.0]},
        geometry=[Point(85.02, 26.02), Point(85.08, 26.08)], crs="EPSG:4326",
    )  # fmt: skip
    prog = district.villages.rename(columns={"name": "village_name"}).head(1)
    g = vm.programme_geography(district, blocks, prog)
    assert g.programme_ids == [1] and len(g.habitations) == 2 and g.added == []


def test_village_rates_use_the_district_age_shares(tables, monkeypatch):
    from leheranalysis import findings, nfhs

    monkeypatch.setattr(nfhs, "district_value", lambda d, k, **kw: 34.7)
    shares, note = findings.district_denominator_shares("Madhubani")
    obs, villages = tables
    own = vm.village_indicator_values(obs, villages, ["oosc_6_14"], shares=shares)
    national = vm.village_indicator_values(obs, villages, ["oosc_6_14"])
    # a younger district has more children per head: lower rates by 30.76 / 34.7
    assert own.loc[1, "oosc_6_14"] == pytest.approx(national.loc[1, "oosc_6_14"] * 0.3076 / 0.347)
    assert "34.7 %" in note


def test_priority_labels_name_exactly_the_priority_villages_without_colliding(synthetic):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = synthetic
    block = d.blocks.iloc[[0]]
    habs = d.villages[d.villages["block_id"] == block["block_id"].iloc[0]].head(12)
    prog = habs.rename(columns={"name": "village_name"})[
        ["village_id", "village_name", "block_id", "population", "geometry"]
    ]
    g = vm.programme_geography(d, block, prog)
    cells = geo.catchments(g.habitations, g.blocks)
    ranks = pd.DataFrame(
        {
            "village_id": prog["village_id"].to_numpy(),
            "village_name": ["VILLAGE " + str(i).upper() for i in range(len(prog))],
            "cpvi": np.linspace(90, 10, len(prog)),
            "rank": np.arange(1, len(prog) + 1),
            "priority": [True] * 5 + [False] * (len(prog) - 5),
        }
    )
    prio = vm.priority_villages(ranks)
    assert prio["rank"].tolist() == [1, 2, 3, 4, 5]
    assert prio["name"].tolist() == [f"Village {i}" for i in range(5)]  # one case for readers
    fig, ax = plt.subplots(figsize=(6, 5))
    geo.draw_village_map(
        ax, g.blocks, cells, g.programme_ids, values=ranks.set_index("village_id")["cpvi"]
    )
    vm.district_inset(ax, d.blocks, block["block_id"])
    texts = vm.label_priority_villages(ax, g.blocks, cells, prio)
    fig.canvas.draw()
    drawn = [a for a in ax.texts if a.get_gid() == vm.PRIORITY_LABEL_GID]
    assert sorted(t.get_text() for t in drawn) == [f"{r} Village {r - 1}" for r in range(1, 6)]
    assert [t.get_text() for t in texts] == [t.get_text() for t in drawn]
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in drawn]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), "priority labels collide"
    plt.close(fig)
    # a priority village whose catchment is empty (seen in Doda): the others are labelled
    from shapely.geometry import Polygon

    hollow = cells.copy()
    first = hollow["village_id"].astype("int64") == int(prio["village_id"].iloc[0])
    hollow.loc[first, "geometry"] = Polygon()
    fig, ax = plt.subplots(figsize=(6, 5))
    geo.draw_village_map(ax, g.blocks, hollow, g.programme_ids)
    texts = vm.label_priority_villages(ax, g.blocks, hollow, prio)
    assert [t.get_text() for t in texts] == [f"{r} Village {r - 1}" for r in range(2, 6)]
    plt.close(fig)


def test_village_profile_one_line_per_village_most_vulnerable_first():
    cb = load_codebook()
    villages = pd.DataFrame(
        {
            "village_id": [1, 2, 3],
            "village_name": ["SIMRI", "rampur tola", "Bela"],
            "block_name": ["Bisfi", "Pandaul", "Bisfi"],
            "cpvi": [40.0, 71.4, np.nan],
            "rank": [2, 1, 3],
            "q05": [1.0, 1.0, np.nan],
            "q95": [2.0, 2.0, np.nan],
            "education_labour": [80.0, 20.0, np.nan],
            "services_systems": [10.0, 90.0, np.nan],
        }
    )
    meta = pd.DataFrame(
        {
            "code": ["education_labour", "services_systems"],
            "label": ["Education and labour", "Services and systems"],
            "level": [2, 2],
            "weight": [0.5, 0.5],
        }
    )
    distances = pd.DataFrame(
        {
            "village_id": [1, 2, 3],
            "secondary_school": [0.25, 6.0, 1.0],
            "panchayat": [1.0, np.nan, 2.0],
        }
    )
    tri = pd.DataFrame(
        {
            "village_id": [1, 1, 1, 2],
            "indicator": ["oosc_6_14", "oosc_6_14", "sexual_abuse_known", "child_marriage_12m"],
            "agreement": ["agree", "community higher", "duty bearer higher", "agree"],
        }
    )
    t = vm.village_profile(villages, meta, distances, tri, cb)
    assert t["Village"].tolist() == ["Rampur Tola", "Simri"]  # scored villages, rank order
    assert t.columns.tolist() == [
        "Rank", "Village", "Block", "Index (0-100)", "Rank interval (5-95 %)", "Main drivers",
        "Community and records disagree (indicators)", "Secondary school (km)",
        "Panchayat office (km)",
    ]  # fmt: skip
    first, second = t.iloc[0], t.iloc[1]
    assert first["Index (0-100)"] == "71" and first["Rank interval (5-95 %)"] == "1-2"
    assert first["Main drivers"] == "Services and systems, Education and labour"
    assert second["Main drivers"] == "Education and labour, Services and systems"
    # oosc: one teacher agrees, one record disagrees -> flagged; sensitive issue left out
    assert second["Community and records disagree (indicators)"] == "1 of 1"
    assert first["Community and records disagree (indicators)"] == "0 of 1"
    assert second["Secondary school (km)"] == "0.2" and first["Panchayat office (km)"] == "-"


def test_map_marks_block_headquarters_for_orientation(public_data):
    d, _ = vm.load_geography("Madhubani")
    blocks = d.blocks[d.blocks["block_name"].isin(["Bisfi", "Pandaul", "Rajnagar"])]
    prog = (
        d.villages[d.villages["block_id"].isin(blocks["block_id"])]
        .head(5)
        .rename(columns={"name": "village_name"})
    )
    g = vm.programme_geography(d, blocks, prog)
    cells = geo.catchments(g.habitations, g.blocks)
    fig, ax = plt.subplots()
    try:
        geo.draw_village_map(
            ax, g.blocks, cells, g.programme_ids, facilities=d.facilities,
            facility_kinds={"block_hq": ("block_hq",)},
        )  # fmt: skip
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert "Block headquarters (3)" in labels  # one per programme block
    finally:
        plt.close(fig)


def test_yes_no_map_says_its_colours_in_words(synthetic):
    d = synthetic
    block = d.blocks.iloc[[0]]
    habs = d.villages[d.villages["block_id"] == block["block_id"].iloc[0]].head(6)
    prog = habs.rename(columns={"name": "village_name"})
    g = vm.programme_geography(d, block, prog)
    cells = geo.catchments(g.habitations, g.blocks)
    ids = prog["village_id"].astype(int).tolist()
    values = pd.DataFrame(
        {"violence_at_home": [1.0, 0.0, 1.0, 0.0, 1.0, 0.0], "child_labour_5_17": range(6)},
        index=pd.Index(ids, name="village_id"),
    )
    fig = geo.small_multiples(
        g.blocks, cells, g.programme_ids, values, ncols=2, cmap="viridis_r",
        categories=vm.yes_no_categories(values.columns),
    )  # fmt: skip
    try:
        yes_no = fig.axes[0]
        words = [t.get_text() for t in yes_no.get_legend().get_texts()]
        assert words == ["not reported", "reported"]
        # only the count panel has a colour bar (an extra axes); the yes/no one has none
        assert len(fig.axes) == 3
    finally:
        plt.close(fig)
