"""CPVI: configuration, inputs (hand-computed rates and metadata) and the index itself."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from leheranalysis import cpvi
from leheranalysis.codebook import load_codebook
from leheranalysis.errors import ConfigError, IndicatorInputError

CB = load_codebook()
VILLAGE_INDICATORS = CB.indicators_for("village")
WORST = 107
BEST = 101


def _row(village, block, group, indicator, value):
    return {
        "district": "Toy",
        "block_id": block,
        "block_name": f"B{block}",
        "village_id": village,
        "village_name": f"V{village}",
        "instrument": "village",
        "group": group,
        "indicator": indicator,
        "year": None,
        "value": float(value),
        "unit": None,
        "response": None,
        "source_file": "toy.xlsx",
        "source_sheet": "Adult groups",
        "source_row": 3,
    }


def _value(code: str, badness: float) -> float:
    """An answer of the indicator's unit; badness 0 (best) .. 1 (worst)."""
    row = CB.indicator(code)
    worse = row["higher_is"] == "worse"
    level = badness if worse else 1 - badness
    unit = row["unit"]
    if unit == "count":
        return round(30 * level)
    if unit == "yesno":
        return float(level >= 0.5)
    if unit == "score":
        return 1 + round(4 * level)
    return round(100 * level)  # share


def make_district(n=10, worst=WORST):
    """n villages in two blocks; badness rises with the id, ``worst`` is worst of all."""
    rows, vil = [], []
    for i in range(n):
        v = 101 + i
        block = 1 if i < n // 2 else 2
        badness = 0.1 + 0.5 * (i / (n - 1))
        if v == worst:
            badness = 1.0
        for code in VILLAGE_INDICATORS:
            fams = CB.indicator(code)["groups"]
            group = "ag_women" if "ag" in fams else "cg_girls_10_14"
            rows.append(_row(v, block, group, code, _value(code, badness)))
        vil.append((v, f"V{v}", block, f"B{block}", 1000.0))
    villages = pd.DataFrame(
        vil, columns=["village_id", "village_name", "block_id", "block_name", "population"]
    )
    return pd.DataFrame(rows), villages


# --------------------------------------------------------------------- config
def test_packaged_config_weights_and_settings():
    cfg = cpvi.load_cpvi_config()
    assert cfg.code == "cpvi" and cfg.source == "community"
    assert cfg.pillars == pytest.approx({d: 0.25 for d in CB.domains.index})
    assert set(cfg.indicators) == set(VILLAGE_INDICATORS)
    assert cfg.indicators["oosc_6_14"] == pytest.approx(1 / 4)  # 4 education indicators
    assert cfg.indicators["vlcpc_exists"] == pytest.approx(1 / 7)  # 7 services indicators
    assert cfg.composite_settings().imputation == "group_mean"
    assert cfg.uncertainty["normalisations"] == ("minmax", "zscore", "rank")


def _doc(**changes):
    doc = yaml.safe_load(cpvi.load_cpvi_config().path.read_text())
    doc.update(changes)
    return doc


@pytest.mark.parametrize(
    ("changes", "msg"),
    [
        ({"colour": "red"}, "unknown key 'colour'"),
        ({"source": "teacher"}, "source: 'teacher' is not one of"),
        ({"pillars": {"health": 1}}, "pillars: 'health' is not a codebook domain"),
        ({"indicators": {"oosc_6_14": 1, "sec_oosc": 1}}, "'sec_oosc' is not a village indicator"),
        ({"indicators": {"oosc_6_14": "heavy"}}, "weight of 'oosc_6_14' is not a number"),
        ({"indicators": {"oosc_6_14": 1}}, "pillars: 'marriage_gender' has no indicator"),
        ({"settings": {"normalisation": "softmax"}}, "settings: unknown normalisation"),
        ({"settings": {"speed": 3}}, "settings: unknown key 'speed'"),
        ({"uncertainty": {"aggregations": ["median"]}}, "aggregations: 'median'"),
        ({"under15_share": 35}, "under15_share"),
    ],
)
def test_config_errors_name_key(tmp_path, changes, msg):
    path = tmp_path / "my_cpvi.yaml"
    path.write_text(yaml.safe_dump(_doc(**changes)))
    with pytest.raises(ConfigError, match=msg) as err:
        cpvi.load_cpvi_config(path)
    assert "my_cpvi.yaml" in str(err.value)


def test_config_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        cpvi.load_cpvi_config(tmp_path / "none.yaml")


def test_config_zero_weight_drops_and_renormalises():
    doc = _doc(pillars={"education_labour": 3, "violence_safety": 1})
    doc["indicators"] = {"oosc_6_14": 2, "child_labour_5_17": 1, "child_migration": 0,
                         "unsafe_places": 1}  # fmt: skip
    cfg = cpvi.parse_cpvi_config(doc)
    assert cfg.pillars == pytest.approx({"education_labour": 0.75, "violence_safety": 0.25})
    assert cfg.indicators == pytest.approx(
        {"oosc_6_14": 2 / 3, "child_labour_5_17": 1 / 3, "unsafe_places": 1.0}
    )


# --------------------------------------------------------------------- inputs
def _small_config():
    return {
        "pillars": {"education_labour": 1, "services_systems": 1},
        "indicators": {"oosc_6_14": 1, "awc_functioning": 1},
        "settings": {"treat": False, "imputation": "none", "min_availability": 0.5},
        "uncertainty": {"priority_quantile": 0.34},
    }


def _small_tables():
    obs = pd.DataFrame(
        [
            _row(1, 1, "cg_girls_10_14", "oosc_6_14", 4),
            _row(1, 1, "ag_women", "oosc_6_14", 6),  # community value 6 (max)
            _row(2, 1, "ag_women", "oosc_6_14", 2),
            _row(3, 2, "ag_men", "oosc_6_14", 10),
            _row(1, 1, "ag_women", "awc_functioning", 2),
            _row(1, 1, "ag_men", "awc_functioning", 3),  # mean 2.5
            _row(2, 1, "ag_women", "awc_functioning", 4),
            _row(3, 2, "ag_men", "awc_functioning", 1),
            _row(3, 2, "teacher", "oosc_6_14", 0),  # duty bearers do not enter the CPVI
        ]
    )
    villages = pd.DataFrame(
        {
            "village_id": [1, 2, 3],
            "village_name": ["V1", "V2", "V3"],
            "block_id": [1, 1, 2],
            "block_name": ["B1", "B1", "B2"],
            "population": [1000.0, 2000.0, np.nan],
        }
    )
    return obs, villages


def test_cpvi_inputs_hand_values():
    obs, villages = _small_tables()
    data, meta = cpvi.cpvi_inputs(obs, villages, config=_small_config())
    assert list(data.columns) == ["oosc_6_14", "awc_functioning"]
    assert data.index.tolist() == [1, 2, 3]
    # rates per 1,000 children 6-14 (share 0.1934); village 3 has the block-2 median
    # population - but it is the only village of block 2, so it stays unknown
    assert data.loc[1, "oosc_6_14"] == pytest.approx(6000 / 193.4)  # 31.02
    assert data.loc[2, "oosc_6_14"] == pytest.approx(2000 / 386.8)  # 5.17
    assert np.isnan(data.loc[3, "oosc_6_14"])
    assert data["awc_functioning"].tolist() == [2.5, 4.0, 1.0]
    assert data.attrs["population_filled"] == [3]
    m = meta.set_index("code")
    assert m.loc["oosc_6_14", ["parent", "level", "direction", "weight"]].tolist() == [
        "education_labour", 1, 1, 1.0
    ]  # fmt: skip
    assert m.loc["awc_functioning", "direction"] == -1  # higher is better -> -1
    assert m.loc["services_systems", ["parent", "level", "weight"]].tolist() == ["cpvi", 2, 0.5]
    assert m.loc["cpvi", "level"] == 3 and pd.isna(m.loc["cpvi", "parent"])


def test_cpvi_inputs_block_median_population_and_scaling():
    obs, villages = _small_tables()
    villages.loc[2, "block_id"] = 1  # village 3 now in block 1: median of 1000, 2000
    obs.loc[obs["village_id"] == 3, "block_id"] = 1
    cfg = {**_small_config(), "under15_share": 0.347}
    data, _ = cpvi.cpvi_inputs(obs, villages, config=cfg)
    share = 0.1934 * 0.347 / 0.3076
    assert data.loc[3, "oosc_6_14"] == pytest.approx(10000 / (1500 * share))
    cfg["missing_population"] = "exclude"
    data, _ = cpvi.cpvi_inputs(obs, villages, config=cfg)
    assert np.isnan(data.loc[3, "oosc_6_14"])


def test_cpvi_inputs_errors_and_dropped_indicators():
    obs, villages = _small_tables()
    with pytest.raises(IndicatorInputError, match=r"village_id\(s\) \[3\] that are not programme"):
        cpvi.cpvi_inputs(obs, villages.iloc[:2], config=_small_config())
    cfg = {**_small_config(), "source": "children"}  # children report oosc, not awc
    data, meta = cpvi.cpvi_inputs(obs, villages, config=cfg)
    assert list(data.columns) == ["oosc_6_14"] and data.attrs["dropped"] == ["awc_functioning"]
    assert "services_systems" not in set(meta["code"])
    assert meta.set_index("code").loc["education_labour", "weight"] == 1.0


# ---------------------------------------------------------------------- index
def test_compute_cpvi_hand_formula_three_villages():
    obs, villages = _small_tables()
    villages.loc[2, "population"] = 500.0
    res = cpvi.compute_cpvi(obs, villages, config=_small_config(), n=0)
    # oosc rates: 31.02, 5.17, 103.41 -> min-max 0-100; awc 2.5, 4, 1 flipped
    r = np.array([6000 / 193.4, 2000 / 386.8, 10000 / 96.7])
    a = np.array([2.5, 4.0, 1.0])
    mm_r = 100 * (r - r.min()) / (r.max() - r.min())
    mm_a = 100 * (a.max() - a) / (a.max() - a.min())
    expected = (mm_r + mm_a) / 2
    got = res.villages.set_index("village_id")["cpvi"].reindex([1, 2, 3]).to_numpy()
    np.testing.assert_allclose(got, expected)
    assert res.villages["village_id"].tolist() == [3, 1, 2]  # most vulnerable first
    assert res.villages["rank"].tolist() == [1, 2, 3]
    b = res.blocks.set_index("block_id")
    assert b.loc[1, "cpvi"] == pytest.approx((1000 * expected[0] + 2000 * expected[1]) / 3000)
    assert b.loc[2, "rank"] == 1 and res.priority == []


def test_compute_cpvi_ten_villages_worst_ranks_first():
    obs, villages = make_district()
    res = cpvi.compute_cpvi(obs, villages, n=200, seed=1)
    top = res.villages.iloc[0]
    assert top["village_id"] == WORST and top["rank"] == 1
    assert top["q95"] <= 2 and top["priority"]
    assert WORST in res.priority
    assert res.villages.iloc[-1]["village_id"] == BEST
    assert set(res.sensitivity.index) >= {"normalisation", "aggregation"}
    assert list(res.blocks["block_id"]) == [1, 2]
    assert res.blocks.set_index("block_id").loc[2, "rank"] == 1  # worst village is in block 2
    assert res.blocks["n_priority"].sum() == len(res.priority)
    assert set(res.config.pillars) <= set(res.villages.columns)
    # same seed, same result
    again = cpvi.compute_cpvi(obs, villages, n=200, seed=1)
    pd.testing.assert_frame_equal(res.villages, again.villages)


def test_compute_cpvi_order_of_rows_does_not_matter():
    obs, villages = make_district()
    a = cpvi.compute_cpvi(obs, villages, n=0)
    b = cpvi.compute_cpvi(obs.iloc[::-1], villages.iloc[::-1], n=0)
    pd.testing.assert_series_equal(
        a.villages.set_index("village_id")["cpvi"].sort_index(),
        b.villages.set_index("village_id")["cpvi"].sort_index(),
    )


def test_compute_cpvi_bad_input():
    from leheranalysis.errors import CompositeInputError

    obs, villages = _small_tables()
    with pytest.raises(IndicatorInputError, match="no CPVI indicator has a value"):
        cpvi.cpvi_inputs(obs.iloc[0:0], villages, config=_small_config())
    one = obs[obs["village_id"] == 1]
    with pytest.raises(CompositeInputError, match="single unit|at least two"):
        cpvi.compute_cpvi(one, villages.iloc[:1], config=_small_config(), n=0)
    with pytest.raises(IndicatorInputError, match="missing column.*population"):
        cpvi.cpvi_inputs(obs, villages.drop(columns="population"), config=_small_config())


def test_config_replace_and_path(tmp_path):
    cfg = cpvi.load_cpvi_config().replace(source="adults", under15_share=0.347)
    assert cfg.source == "adults" and cfg.under15_share == 0.347
    assert cfg.pillars == pytest.approx({d: 0.25 for d in CB.domains.index})
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(_small_config()))
    obs, villages = _small_tables()
    villages.loc[2, "population"] = 500.0
    res = cpvi.compute_cpvi(obs, villages, config=path, n=0)
    assert res.config.path == path and res.villages["village_id"].tolist() == [3, 1, 2]


@pytest.mark.parametrize("bad", [-1, -1000, 2.5, "10", True])
def test_compute_cpvi_rejects_a_negative_or_non_integer_n(bad):
    from leheranalysis.errors import ConfigError

    obs, villages = _small_tables()
    with pytest.raises(ConfigError, match=r"n \(Monte Carlo replications.*got"):
        cpvi.compute_cpvi(obs, villages, config=_small_config(), n=bad)
    assert cpvi.compute_cpvi(obs, villages, config=_small_config(), n=0).sensitivity.empty
