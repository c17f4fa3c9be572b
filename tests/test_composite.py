"""Tests of the general composite indicator engine (leheranalysis.composite).

Hand-computed tables: every expected number below is written out from the formulas in
the docstrings (min-max, weighted means, ranks), not computed by the code under test.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from leheranalysis import composite
from leheranalysis.composite import (
    CompositeInputError,
    ConfigError,
    MetadataError,
    Settings,
    build_index,
    saltelli_design,
    sobol_indices,
    treat_indicator,
    uncertainty,
    validate_metadata,
)

# --------------------------------------------------------------------------- fixtures

UNITS = ["A", "B", "C", "D"]


def small_data() -> pd.DataFrame:
    # x1: more = more of the concept; x2: direction -1; x3: +1
    return pd.DataFrame(
        {"x1": [0.0, 5.0, 10.0, 20.0], "x2": [8.0, 4.0, 2.0, 0.0], "x3": [3.0, 1.0, 2.0, 3.0]},
        index=pd.Index(UNITS, name="unit"),
    )


def small_meta(weights: bool = False) -> pd.DataFrame:
    meta = pd.DataFrame(
        {
            "code": ["x1", "x2", "x3", "P1", "P2", "IDX"],
            "parent": ["P1", "P1", "P2", "IDX", "IDX", None],
            "level": [1, 1, 1, 2, 2, 3],
            "direction": [1, -1, 1, None, None, None],
        }
    )
    if weights:
        meta["weight"] = [0.25, 0.75, 1.0, 0.5, 0.5, None]
    return meta


NO_TREAT = Settings(treat=False)

# min-max 0-100 with direction applied, by hand:
#   x1 [0, 5, 10, 20]  -> [0, 25, 50, 100]
#   x2 [8, 4, 2, 0], direction -1 -> (8 - x) / 8 * 100 = [0, 50, 75, 100]
#   x3 [3, 1, 2, 3]    -> [100, 0, 50, 100]
MM = {"x1": [0, 25, 50, 100], "x2": [0, 50, 75, 100], "x3": [100, 0, 50, 100]}


# --------------------------------------------------------------------------- metadata


def test_validate_metadata_normalises_and_fills_equal_weights():
    m = validate_metadata(small_meta(), small_data())
    assert list(m["code"]) == ["x1", "x2", "x3", "P1", "P2", "IDX"]
    assert list(m["level"]) == [1, 1, 1, 2, 2, 3]
    assert list(m["weight"]) == [0.5, 0.5, 1.0, 0.5, 0.5, 1.0]
    assert m["direction"].tolist()[:3] == [1, -1, 1]
    assert m["direction"].isna().tolist()[3:] == [True, True, True]
    assert m["parent"].tolist()[-1] is None


def test_validate_metadata_accepts_coinr_names_and_text_directions():
    meta = small_meta().rename(columns={"code": "iCode", "level": "Level"})
    meta["direction"] = ["+1", "-1", "1", None, None, None]
    m = validate_metadata(meta)
    assert m["direction"].tolist()[:3] == [1, -1, 1]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m.assign(parent=["P1", "P1", "PX", "IDX", "IDX", None]), "'x3' has parent 'PX'"),
        (lambda m: m.assign(parent=["P1", "P1", "P2", "P2", "P1", None]), "cycle"),
        (lambda m: m.assign(direction=[1, 0, 1, None, None, None]), "'x2' has direction 0"),
        (lambda m: m.assign(direction=[1, None, 1, None, None, None]), "'x2' has no direction"),
        (lambda m: m.assign(direction=[1, "up", 1, None, None, None]), "'x2' has direction 'up'"),
        (
            lambda m: m.assign(code=["x1", "x1", "x3", "P1", "P2", "IDX"]),
            "'x1' appears more than once",
        ),
        (
            lambda m: m.assign(parent=["P1", "P1", "P2", "IDX", None, None]),
            "exactly one code without a parent",
        ),
        (lambda m: m.assign(level=[1, 1, 2, 2, 2, 3]), "code 'x3' is at level 2"),
        (lambda m: m.assign(level=[1, 1, 1, 2, 2, 2.5]), "'IDX' has level 2.5"),
        (lambda m: m.drop(columns="level"), "missing column"),
    ],
)
def test_validate_metadata_errors_name_the_code(change, message):
    with pytest.raises(MetadataError, match=message):
        validate_metadata(change(small_meta()))


def test_cycle_error_shows_the_loop():
    meta = small_meta().assign(parent=["P1", "P1", "P2", "P2", "P1", None])
    with pytest.raises(MetadataError) as err:
        validate_metadata(meta)
    assert "P1 -> P2 -> P1" in str(err.value) or "P2 -> P1 -> P2" in str(err.value)


def test_aggregate_without_children_is_an_error():
    meta = pd.concat(
        [small_meta(), pd.DataFrame([{"code": "P3", "parent": "IDX", "level": 2}])],
        ignore_index=True,
    )
    with pytest.raises(MetadataError, match="aggregate 'P3' .* has no children"):
        validate_metadata(meta)


def test_weights_must_sum_to_one_per_group_unless_normalised():
    meta = small_meta(weights=True)
    meta.loc[meta["code"] == "x2", "weight"] = 0.5  # x1 + x2 = 0.75
    with pytest.raises(MetadataError, match="children of 'P1' sum to 0.75"):
        validate_metadata(meta)
    m = validate_metadata(meta, normalise_weights=True)
    assert m.set_index("code").loc[["x1", "x2"], "weight"].tolist() == pytest.approx([1 / 3, 2 / 3])
    # tolerance: 1e-9 off is fine
    meta.loc[meta["code"] == "x2", "weight"] = 0.75 + 1e-9
    validate_metadata(meta)


@pytest.mark.parametrize("bad", [-0.1, "heavy", np.inf])
def test_invalid_weight_names_the_code(bad):
    meta = small_meta(weights=True).astype({"weight": object})
    meta.loc[meta["code"] == "x3", "weight"] = bad
    with pytest.raises(MetadataError, match="'x3' has weight"):
        validate_metadata(meta)


def test_partly_missing_weights_are_an_error():
    meta = small_meta(weights=True)
    meta.loc[meta["code"] == "x1", "weight"] = np.nan
    with pytest.raises(MetadataError, match="'x1' has no weight"):
        validate_metadata(meta)


def test_metadata_code_missing_from_data_is_named():
    data = small_data().rename(columns={"x2": "x2_typo"})
    with pytest.raises(MetadataError, match="'x2' are not columns of the data table"):
        build_index(data, small_meta())


# --------------------------------------------------------------------------- hand-computed


def test_minmax_and_arithmetic_by_hand():
    res = build_index(small_data(), small_meta(), NO_TREAT)
    for code, values in MM.items():
        assert res.normalised[code].tolist() == pytest.approx(values)
    # P1 = (x1 + x2) / 2, P2 = x3, IDX = (P1 + P2) / 2
    assert res.scores["P1"].tolist() == pytest.approx([0, 37.5, 62.5, 100])
    assert res.scores["P2"].tolist() == pytest.approx([100, 0, 50, 100])
    assert res.scores["IDX"].tolist() == pytest.approx([50, 18.75, 56.25, 100])
    assert res.ranks["IDX"].tolist() == [3, 4, 2, 1]
    assert res.ranks["P2"].tolist() == [1, 4, 3, 1]  # tie shares the best rank
    assert res.ranks["x1"].tolist() == [4, 3, 2, 1]
    assert list(res.scores.columns) == ["x1", "x2", "x3", "P1", "P2", "IDX"]
    assert res.index_code == "IDX"


def test_given_weights_by_hand():
    res = build_index(small_data(), small_meta(weights=True), NO_TREAT)
    # P1 = 0.25 x1 + 0.75 x2 = [0, 43.75, 68.75, 100]
    assert res.scores["P1"].tolist() == pytest.approx([0, 43.75, 68.75, 100])
    assert res.scores["IDX"].tolist() == pytest.approx([50, 21.875, 59.375, 100])
    assert res.weights["x2"] == 0.75
    equal = res.regenerate(weighting="equal")
    assert equal.scores["IDX"].tolist() == pytest.approx([50, 18.75, 56.25, 100])


def test_geometric_by_hand_with_positive_shift():
    res = build_index(small_data(), small_meta(), Settings(treat=False, aggregation="geometric"))
    # the minimum normalised value is 0: all values shifted by +1, aggregated, shifted back
    s = 1.0
    p1 = [math.sqrt((a + s) * (b + s)) for a, b in zip(MM["x1"], MM["x2"], strict=True)]
    p2 = [c + s for c in MM["x3"]]
    idx = [math.sqrt(a * b) - s for a, b in zip(p1, p2, strict=True)]
    assert res.scores["P1"].tolist() == pytest.approx([v - s for v in p1])
    assert res.scores["IDX"].tolist() == pytest.approx(idx)
    # A: sqrt(1*101)-1 = 9.0499, B: sqrt(sqrt(26*51)*1)-1 = 5.0344,
    # C: sqrt(sqrt(51*76)*51)-1 = 55.3483, D: 100
    assert res.scores["IDX"].tolist() == pytest.approx([9.0499, 5.0344, 55.3483, 100], abs=1e-4)
    assert res.ranks["IDX"].tolist() == [3, 4, 2, 1]
    assert any("shifted by +1" in e["message"] for e in res.log)


def test_harmonic_by_hand():
    res = build_index(small_data(), small_meta(), Settings(treat=False, aggregation="harmonic"))
    s = 1.0
    p1 = [2 / (1 / (a + s) + 1 / (b + s)) for a, b in zip(MM["x1"], MM["x2"], strict=True)]
    p2 = [c + s for c in MM["x3"]]
    idx = [2 / (1 / a + 1 / b) - s for a, b in zip(p1, p2, strict=True)]
    assert res.scores["IDX"].tolist() == pytest.approx(idx)
    # A: 2/(1 + 1/101) - 1 = 0.98; B: p1 = 2/(1/26+1/51) = 34.44, 2/(1/34.44 + 1) - 1 = 0.94
    assert res.ranks["IDX"].tolist() == [3, 4, 2, 1]


def test_per_level_aggregation():
    res = build_index(
        small_data(),
        small_meta(),
        Settings(treat=False, aggregation={2: "arithmetic", 3: "geometric"}),
    )
    # shift +1 (a geometric level exists); P1 arithmetic in shifted space = P1 + 1
    p1 = np.array([0, 37.5, 62.5, 100]) + 1
    p2 = np.array([100, 0, 50, 100]) + 1
    assert res.scores["IDX"].to_numpy() == pytest.approx(np.sqrt(p1 * p2) - 1)


@pytest.mark.parametrize(
    ("method", "x1", "x2"),
    [
        # z-score: x1 mean 8.75, sample sd sqrt(218.75 / 3) = 8.5391;
        # x2 flipped: -x = [-8, -4, -2, 0], mean -3.5, sd sqrt(35 / 3) = 3.4157
        ("zscore", [-1.02470, -0.43916, 0.14639, 1.31747], [-1.31747, -0.14639, 0.43916, 1.02470]),
        ("rank", [1, 2, 3, 4], [1, 2, 3, 4]),
        ("percentile", [0, 100 / 3, 200 / 3, 100], [0, 100 / 3, 200 / 3, 100]),
    ],
)
def test_other_normalisations_by_hand(method, x1, x2):
    res = build_index(small_data(), small_meta(), Settings(treat=False, normalisation=method))
    assert res.normalised["x1"].tolist() == pytest.approx(x1, abs=1e-4)
    assert res.normalised["x2"].tolist() == pytest.approx(x2, abs=1e-4)


def test_rank_normalisation_ties_share_the_lowest_rank():
    res = build_index(small_data(), small_meta(), Settings(treat=False, normalisation="rank"))
    assert res.normalised["x3"].tolist() == [3, 1, 2, 3]


def test_distance_to_target_by_hand():
    s = Settings(treat=False, normalisation="target", targets={"x1": 10.0, "x2": 2.0, "x3": 3.0})
    res = build_index(small_data(), small_meta(), s)
    # x1: 100 (x - 0) / (10 - 0), capped at 100; x2 (dir -1): 100 (8 - x) / (8 - 2), capped
    assert res.normalised["x1"].tolist() == pytest.approx([0, 50, 100, 100])
    assert res.normalised["x2"].tolist() == pytest.approx([0, 200 / 3, 100, 100])
    uncapped = res.regenerate(target_cap=False)
    assert uncapped.normalised["x1"].tolist() == pytest.approx([0, 50, 100, 200])
    with pytest.raises(ConfigError, match="target"):
        build_index(small_data(), small_meta(), Settings(treat=False, normalisation="target"))


def test_target_column_of_metadata_is_used():
    meta = small_meta()
    meta["target"] = [10.0, 2.0, 3.0, None, None, None]
    res = build_index(small_data(), meta, Settings(treat=False, normalisation="target"))
    assert res.normalised["x1"].tolist() == pytest.approx([0, 50, 100, 100])


def test_pca_weights_by_hand():
    # x1 and x2 identical after direction, x3 uncorrelated with them: correlation matrix
    # [[1,1,0],[1,1,0],[0,0,1]], first component (1,1,0)/sqrt(2) -> weights 0.5, 0.5, 0
    data = pd.DataFrame(
        {"x1": [1.0, 2, 3, 4], "x2": [2.0, 4, 6, 8], "x3": [1.0, -1, -1, 1]}, index=UNITS
    )
    meta = pd.DataFrame(
        {
            "code": ["x1", "x2", "x3", "IDX"],
            "parent": ["IDX"] * 3 + [None],
            "level": [1, 1, 1, 2],
            "direction": [1, 1, 1, None],
        }
    )
    res = build_index(data, meta, Settings(treat=False, weighting="pca"))
    assert res.weights[["x1", "x2", "x3"]].tolist() == pytest.approx([0.5, 0.5, 0.0], abs=1e-9)


# --------------------------------------------------------------------------- outlier treatment


def test_skewness_and_kurtosis_match_the_sample_definitions():
    x = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100.0])
    assert composite.skewness(x) == pytest.approx(stats.skew(x, bias=False))
    assert composite.kurtosis(x) == pytest.approx(stats.kurtosis(x, bias=False))
    assert composite.skewness(x) == pytest.approx(3.06324, abs=1e-5)
    assert composite.kurtosis(x) == pytest.approx(9.74139, abs=1e-5)
    assert np.isnan(composite.kurtosis([1.0, 2.0, 3.0]))
    assert np.isnan(composite.skewness([2.0, 2.0, 2.0, 2.0]))


def test_winsorisation_of_a_known_skewed_vector():
    # 1..20 then 60, 80, 100: skew 2.38 / kurt 5.07 -> fails (>= 2 and >= 3.5)
    # 100 -> 80: skew 2.17, kurt 3.78 still fails; 80, 80 -> 60: skew 1.91 passes
    x = np.array([*range(1, 21), 60, 80, 100], dtype=float)
    r = treat_indicator(x)
    assert r["method"] == "winsorise"
    assert r["points"] == 2
    assert r["x"][-3:].tolist() == [60.0, 60.0, 60.0]
    assert r["x"][:21].tolist() == x[:21].tolist()
    assert list(r["flags"][-3:]) == ["", "winhi", "winhi"]
    assert r["skew_before"] == pytest.approx(2.384297, abs=1e-6)
    assert r["skew_after"] == pytest.approx(1.914915, abs=1e-6)
    assert r["passes"]
    # negative skew: the low side is winsorised
    r = treat_indicator(-x)
    assert r["x"][-3:].tolist() == [-60.0, -60.0, -60.0]
    assert list(r["flags"][-3:]) == ["", "winlo", "winlo"]


def test_log_transform_when_winsorisation_limit_is_reached():
    x = np.array([*range(1, 21), 60, 80, 100], dtype=float)
    r = treat_indicator(x, winmax=1)
    assert r["method"] == "log"
    assert r["points"] == 23
    lo, hi = 1.0, 100.0
    assert r["x"].tolist() == pytest.approx(np.log(x - lo + 0.01 * (hi - lo)).tolist())
    assert list(np.argsort(r["x"])) == list(np.argsort(x))  # order kept
    assert r["passes"]
    # mirrored for negative skew: order kept too
    r = treat_indicator(-x, winmax=1)
    assert r["method"] == "log"
    assert np.all(np.diff(r["x"]) < 0)


def test_symmetric_vector_is_not_treated():
    r = treat_indicator(np.arange(20.0))
    assert r["method"] == "none" and r["points"] == 0


def test_treatment_report_in_build_index():
    n = 23
    data = pd.DataFrame(
        {
            "skewed": [*range(1, 21), 60, 80, 100],
            "plain": np.linspace(0, 1, n),
        },
        index=[f"u{i:02d}" for i in range(n)],
        dtype=float,
    )
    meta = pd.DataFrame(
        {
            "code": ["skewed", "plain", "IDX"],
            "parent": ["IDX", "IDX", None],
            "level": [1, 1, 2],
            "direction": [1, 1, None],
        }
    )
    res = build_index(data, meta)
    rep = res.treatment_report.set_index("indicator")
    assert rep.loc["skewed", "method"] == "winsorise"
    assert rep.loc["skewed", "points"] == 2
    assert rep.loc["skewed", "treated_units"] == ["u21", "u22"]
    assert rep.loc["plain", "method"] == "none"
    assert res.treated.loc["u22", "skewed"] == 60.0
    assert data.loc["u22", "skewed"] == 100.0  # input untouched
    assert any(
        e["step"] == "treat" and "skewed (winsorise, 2 points)" in e["message"] for e in res.log
    )
    log_res = res.regenerate(winsor_max_points=1)
    assert log_res.treatment_report.set_index("indicator").loc["skewed", "method"] == "log"


# --------------------------------------------------------------------------- missing data


def test_missing_value_reweights_over_available_children():
    data = small_data()
    data.loc["B", "x2"] = np.nan
    res = build_index(data, small_meta(), Settings(treat=False, min_availability=0.5))
    # x2 normalised over A, C, D: (8 - x) / 8 * 100 = [0, -, 75, 100]; B's P1 = x1 only = 25
    assert res.scores["P1"].tolist() == pytest.approx([0, 25, 62.5, 100])
    assert any("re-normalised" in e["message"] and e["level"] == "warning" for e in res.log)


def test_aggregate_without_data_gets_missing_rank_not_nan_rank():
    data = small_data()
    data.loc["B", "x3"] = np.nan
    res = build_index(data, small_meta(), Settings(treat=False, min_availability=0.5))
    assert np.isnan(res.scores.loc["B", "P2"])
    assert res.ranks["P2"].isna().tolist() == [False, True, False, False]
    assert res.ranks["IDX"].notna().all()
    assert res.scores.loc["B", "IDX"] == pytest.approx(37.5)  # P1 alone
    assert any("no child present" in e["message"] for e in res.log)


def test_imputation_by_hand():
    data = small_data()
    data.loc["B", "x1"] = np.nan
    grp = pd.Series(["g1", "g1", "g2", "g2"], index=UNITS)
    mean = build_index(data, small_meta(), Settings(treat=False, imputation="mean"))
    assert mean.treated.loc["B", "x1"] == pytest.approx(10.0)  # (0 + 10 + 20) / 3
    assert mean.imputed.loc["B", "x1"] and mean.imputed.sum().sum() == 1
    median = mean.regenerate(imputation="median")
    assert median.treated.loc["B", "x1"] == pytest.approx(10.0)
    gm = build_index(data, small_meta(), Settings(treat=False, imputation="group_mean"), group=grp)
    assert gm.treated.loc["B", "x1"] == pytest.approx(0.0)  # A is the only other g1 unit
    # a group without any value falls back to the overall mean, with a warning
    grp2 = pd.Series(["g1", "g3", "g2", "g2"], index=UNITS)
    gm2 = build_index(
        data, small_meta(), Settings(treat=False, imputation="group_mean"), group=grp2
    )
    assert gm2.treated.loc["B", "x1"] == pytest.approx(10.0)
    assert any(e["step"] == "impute" and e["level"] == "warning" for e in gm2.log)
    with pytest.raises(ConfigError, match="group"):
        build_index(data, small_meta(), Settings(treat=False, imputation="group_mean"))


def test_screening_excludes_sparse_units_and_flags_sparse_indicators():
    data = small_data()
    data["x4"] = [1.0, 2.0, 3.0, 4.0]
    data.loc["A", ["x1", "x2"]] = np.nan  # A has 2 of 4 indicators = 50 %
    meta = pd.concat(
        [
            small_meta().iloc[:3],
            pd.DataFrame([{"code": "x4", "parent": "P2", "level": 1, "direction": 1}]),
            small_meta().iloc[3:],
        ],
        ignore_index=True,
    )
    res = build_index(data, meta, Settings(treat=False, min_availability=0.65))
    assert list(res.scores.index) == ["B", "C", "D"]
    assert res.excluded["unit"].tolist() == ["A"]
    assert res.excluded["availability"].tolist() == [0.5]
    # an indicator present for 2 of 4 units
    data2 = small_data()
    data2.loc[["A", "B"], "x3"] = np.nan
    with pytest.raises(CompositeInputError, match=r"x3 \(50%\)"):
        build_index(data2, small_meta(), Settings(treat=False, min_availability=0.6))
    dropped = build_index(
        data2,
        small_meta(),
        Settings(treat=False, min_availability=0.6, drop_sparse_indicators=True),
    )
    assert "x3" not in dropped.scores.columns and "P2" not in dropped.scores.columns
    assert dropped.scores["IDX"].tolist() == pytest.approx([0, 37.5, 62.5, 100])


# --------------------------------------------------------------------------- bad input


def test_empty_table():
    with pytest.raises(CompositeInputError, match="empty"):
        build_index(small_data().iloc[:0], small_meta())


def test_single_unit():
    with pytest.raises(CompositeInputError, match="single unit"):
        build_index(small_data().iloc[:1], small_meta())


def test_duplicated_unit_ids():
    data = small_data()
    data.index = ["A", "B", "B", "D"]
    with pytest.raises(CompositeInputError, match=r"duplicated unit ids: \['B'\]"):
        build_index(data, small_meta())


def test_non_numeric_value_names_column_unit_and_value():
    data = small_data().astype({"x2": object})
    data.loc["C", "x2"] = "n/a"
    with pytest.raises(
        CompositeInputError, match=r"column 'x2' has a non-numeric value 'n/a' \(unit 'C'\)"
    ):
        build_index(data, small_meta())


def test_numbers_as_text_are_converted_and_logged():
    data = small_data().astype({"x1": str})
    res = build_index(data, small_meta(), NO_TREAT)
    assert res.normalised["x1"].tolist() == pytest.approx(MM["x1"])
    assert any("converted from text" in e["message"] for e in res.log)


def test_infinite_value_is_an_error():
    data = small_data()
    data.loc["D", "x1"] = np.inf
    with pytest.raises(CompositeInputError, match="'x1' has a non-finite value inf"):
        build_index(data, small_meta())


def test_all_missing_indicator():
    data = small_data()
    data["x3"] = np.nan
    with pytest.raises(CompositeInputError, match="indicator 'x3' has no values"):
        build_index(data, small_meta())


@pytest.mark.parametrize("method", ["minmax", "zscore", "rank", "percentile"])
def test_constant_indicator_is_neutral_and_logged(method):
    data = small_data()
    data["x3"] = 7.0
    res = build_index(data, small_meta(), Settings(normalisation=method))
    neutral = {"minmax": 50.0, "zscore": 0.0, "rank": 2.5, "percentile": 50.0}[method]
    assert res.normalised["x3"].tolist() == [neutral] * 4
    assert res.ranks.notna().all().all()
    assert res.ranks["P2"].tolist() == [1, 1, 1, 1]
    assert any(
        "constant indicator(s) ['x3']" in e["message"] and e["level"] == "warning" for e in res.log
    )


def test_unknown_settings_are_config_errors():
    with pytest.raises(ConfigError, match="unknown normalisation 'minimax'"):
        build_index(small_data(), small_meta(), Settings(normalisation="minimax"))
    with pytest.raises(ConfigError, match="unknown aggregation 'median'"):
        build_index(
            small_data(), small_meta(), Settings(aggregation={2: "median", 3: "arithmetic"})
        )


# --------------------------------------------------------------------------- log and regen


def test_log_records_every_step_and_regenerate_changes_only_settings():
    res = build_index(small_data(), small_meta(), NO_TREAT)
    steps = [e["step"] for e in res.log]
    for step in ("metadata", "impute", "treat", "normalise", "aggregate", "rank"):
        assert step in steps
    assert all({"step", "parameters", "message"} <= set(e) for e in res.log)
    norm = next(e for e in res.log if e["step"] == "normalise")
    assert norm["parameters"]["method"] == "minmax"
    z = res.regenerate(normalisation="zscore")
    assert z.settings.normalisation == "zscore" and z.settings.treat is False
    direct = build_index(small_data(), small_meta(), Settings(treat=False, normalisation="zscore"))
    pd.testing.assert_frame_equal(z.scores, direct.scores)
    assert res.settings.normalisation == "minmax"  # original untouched


# --------------------------------------------------------------------------- properties

value = st.integers(min_value=0, max_value=100).map(float)


@st.composite
def tables(draw, min_units=3, max_units=8, min_ind=2, max_ind=4):
    n = draw(st.integers(min_units, max_units))
    k = draw(st.integers(min_ind, max_ind))
    cols = {}
    for j in range(k):
        col = draw(st.lists(value, min_size=n, max_size=n))
        if len(set(col)) == 1:
            col[0] = col[0] + 1.0
        cols[f"i{j}"] = col
    directions = draw(st.lists(st.sampled_from([1, -1]), min_size=k, max_size=k))
    data = pd.DataFrame(cols, index=[f"u{i}" for i in range(n)])
    meta = pd.DataFrame(
        {
            "code": [*cols, "IDX"],
            "parent": ["IDX"] * k + [None],
            "level": [1] * k + [2],
            "direction": [*directions, None],
        }
    )
    return data, meta


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(tables(), st.data())
def test_worse_indicator_never_improves_rank_arithmetic(table, draw):
    data, meta = table
    unit = draw.draw(st.sampled_from(list(data.index)))
    j = draw.draw(st.integers(0, data.shape[1] - 1))
    delta = draw.draw(st.integers(1, 50))
    code = data.columns[j]
    direction = int(meta.set_index("code").loc[code, "direction"])
    worse = data.copy()
    worse.loc[unit, code] -= direction * delta  # less of the concept
    s = Settings(
        treat=False, normalisation=draw.draw(st.sampled_from(["minmax", "rank", "percentile"]))
    )
    before = build_index(data, meta, s).ranks.loc[unit, "IDX"]
    after = build_index(worse, meta, s).ranks.loc[unit, "IDX"]
    assert after >= before  # rank 1 = most: a larger number is a lower position


@FAST
@given(tables(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_order_of_units_or_indicators(table, rnd):
    data, meta = table
    units = list(data.index)
    rnd.shuffle(units)
    cols = list(data.columns)
    rnd.shuffle(cols)
    rows = list(range(len(meta) - 1))
    rnd.shuffle(rows)
    meta2 = meta.iloc[[*rows, len(meta) - 1]]
    for agg in ("arithmetic", "geometric"):
        s = Settings(aggregation=agg)
        a = build_index(data, meta, s)
        b = build_index(data.loc[units, cols], meta2, s)
        pd.testing.assert_series_equal(
            a.scores["IDX"], b.scores["IDX"].loc[a.scores.index], check_exact=False, rtol=1e-9
        )
        pd.testing.assert_series_equal(a.ranks["IDX"], b.ranks["IDX"].loc[a.ranks.index])


@FAST
@given(
    st.lists(st.tuples(value, value), min_size=2, max_size=10).filter(
        lambda rows: len({r[0] for r in rows}) > 1 and len({r[1] for r in rows}) > 1
    )
)
def test_equal_weights_minmax_two_indicators_is_the_hand_formula(rows):
    x = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    data = pd.DataFrame({"x": x, "y": y}, index=[f"u{i}" for i in range(len(rows))])
    meta = pd.DataFrame(
        {
            "code": ["x", "y", "IDX"],
            "parent": ["IDX", "IDX", None],
            "level": [1, 1, 2],
            "direction": [1, 1, None],
        }
    )
    res = build_index(data, meta, Settings(treat=False, weighting="equal"))
    expected = 50 * (x - x.min()) / (x.max() - x.min()) + 50 * (y - y.min()) / (y.max() - y.min())
    assert res.scores["IDX"].to_numpy() == pytest.approx(expected, abs=1e-9)
    higher = (expected[None, :] > expected[:, None] + 1e-9).sum(axis=1)
    assert res.ranks["IDX"].tolist() == (higher + 1).tolist()


# --------------------------------------------------------------------------- sensitivity


def test_sobol_indices_on_an_analytic_function_with_an_idle_input():
    # Y = sin(X1) + 7 sin(X2)^2, X uniform on [-pi, pi], X3 has no effect.
    # V1 = 1/2, V2 = 49/8, V = 6.625: S1 = ST = (0.0755, 0.9245, 0)
    rng = np.random.default_rng(3)
    A, B, AB = saltelli_design(3, 20000, rng)

    def f(u):
        x = (u - 0.5) * 2 * np.pi
        return np.sin(x[..., 0]) + 7 * np.sin(x[..., 1]) ** 2

    res = sobol_indices(f(A), f(B), f(AB), ["x1", "x2", "x3"], bootstrap=100)
    assert res.loc["x3", "ST"] == 0.0
    assert res.loc["x3", "S1"] == 0.0
    assert res.loc["x1", "S1"] == pytest.approx(0.0755, abs=0.03)
    assert res.loc["x2", "S1"] == pytest.approx(0.9245, abs=0.03)
    assert res.loc["x1", "ST"] == pytest.approx(0.0755, abs=0.03)
    assert res.loc["x2", "ST"] == pytest.approx(0.9245, abs=0.03)
    assert (res["ST_low"] <= res["ST"]).all() and (res["ST"] <= res["ST_high"]).all()


def test_saltelli_design_shapes():
    A, B, AB = saltelli_design(3, 5, np.random.default_rng(0))
    assert A.shape == B.shape == (5, 3) and AB.shape == (3, 5, 3)
    assert np.array_equal(AB[1][:, 1], B[:, 1]) and np.array_equal(AB[1][:, [0, 2]], A[:, [0, 2]])


def village_table(n=30, seed=0):
    rng = np.random.default_rng(seed)
    data = pd.DataFrame(
        {
            "a": rng.normal(50, 10, n),
            "b": rng.uniform(0, 1, n),
            "c": rng.normal(0, 1, n),
            "d": rng.uniform(5, 9, n),
        },
        index=[f"v{i:02d}" for i in range(n)],
    )
    meta = pd.DataFrame(
        {
            "code": ["a", "b", "c", "d", "P1", "P2", "IDX"],
            "parent": ["P1", "P1", "P2", "P2", "IDX", "IDX", None],
            "level": [1, 1, 1, 1, 2, 2, 3],
            "direction": [1, -1, 1, 1, None, None, None],
        }
    )
    return data, meta


def test_uncertainty_input_without_effect_has_zero_total_index():
    data, meta = village_table()
    res = uncertainty(data, meta, n=200, seed=1, winsor_limits=(1, 3, 5))
    assert composite.build_index(data, meta).treatment_report["method"].eq("none").all()
    assert res.sensitivity.loc["winsor_limit", "ST"] == 0.0
    assert res.sensitivity.loc["winsor_limit", "S1"] == 0.0
    assert res.sensitivity.loc["aggregation", "ST"] > 0.05
    assert set(res.sensitivity.index) == {
        "weights_L2",
        "weights_L3",
        "normalisation",
        "aggregation",
        "winsor_limit",
    }
    assert res.n_model_runs == 200 + 5 * 100
    assert len(res.runs) == 200


def test_uncertainty_without_uncertainty_reproduces_nominal_ranks():
    data, meta = village_table()
    res = uncertainty(
        data,
        meta,
        n=20,
        weight_noise=0.0,
        normalisations=("minmax",),
        aggregations=("arithmetic",),
        winsor_limits=(5,),
    )
    nominal = build_index(data, meta).ranks["IDX"]
    r = res.ranks.loc[nominal.index]
    assert (r["nominal_rank"] == nominal).all()
    assert (r["q05"] == nominal).all() and (r["q95"] == nominal).all()
    assert (r["mean_abs_shift"] == 0).all()
    assert res.sensitivity.empty


def test_uncertainty_is_reproducible_and_chunk_independent_and_order_free():
    data, meta = village_table()
    a = uncertainty(data, meta, n=60, seed=5)
    b = uncertainty(data, meta, n=60, seed=5, chunk=7)
    pd.testing.assert_frame_equal(a.ranks, b.ranks)
    pd.testing.assert_frame_equal(a.sensitivity, b.sensitivity)
    shuffled = data.sample(frac=1.0, random_state=2)
    c = uncertainty(shuffled, meta, n=60, seed=5)
    pd.testing.assert_frame_equal(a.ranks, c.ranks.loc[a.ranks.index])
    q = a.ranks
    assert (q["q05"] <= q["median_rank"]).all() and (q["median_rank"] <= q["q95"]).all()
    assert list(q.columns) == ["nominal_rank", "median_rank", "q05", "q95", "mean_abs_shift"]


def test_uncertainty_takes_its_options_by_position_or_by_name():
    data, meta = village_table()
    by_position = uncertainty(
        data, meta, NO_TREAT, 40, 3, 0.1, ("minmax", "rank"), ("arithmetic",), (1, 2), 0.3, 9
    )
    by_name = uncertainty(
        data,
        meta,
        settings=NO_TREAT,
        n=40,
        seed=3,
        weight_noise=0.1,
        normalisations=("minmax", "rank"),
        aggregations=("arithmetic",),
        winsor_limits=(1, 2),
        priority_quantile=0.3,
        chunk=9,
    )
    pd.testing.assert_frame_equal(by_position.ranks, by_name.ranks)
    pd.testing.assert_frame_equal(by_position.runs, by_name.runs)
    assert by_position.priority == by_name.priority
    # one aggregation is not uncertain; without treatment the winsor limit is not either
    params = by_position.parameters
    assert params["chunk"] == 9 and params["n_base"] == 20
    assert "normalisation" in params["inputs"]
    assert "aggregation" not in params["inputs"] and "winsor_limit" not in params["inputs"]
    entry = next(e for e in by_position.log if e["step"] == "uncertainty")
    assert entry["parameters"]["winsor_limits"] == (5,)
    assert set(by_position.runs["winsor_limit"]) == {5}
    assert set(by_position.runs["aggregation"]) == {"arithmetic"}


def test_priority_rule_on_a_constructed_case():
    # A and B dominate every other unit on every indicator, A dominates B: under any weights,
    # normalisation and mean they are ranks 1 and 2 = inside the top 20 % of 10 units.
    # C is always third (rank 3 > 2): not a priority unit.
    rng = np.random.default_rng(0)
    others = rng.uniform(0, 50, (7, 3))
    values = np.vstack([[100, 100, 100], [90, 90, 90], [80, 80, 80], others])
    data = pd.DataFrame(values, columns=["x1", "x2", "x3"], index=list("ABCDEFGHIJ"))
    meta = pd.DataFrame(
        {
            "code": ["x1", "x2", "x3", "IDX"],
            "parent": ["IDX"] * 3 + [None],
            "level": [1, 1, 1, 2],
            "direction": [1, 1, 1, None],
        }
    )
    res = uncertainty(
        data, meta, n=100, seed=0, aggregations=("arithmetic", "geometric", "harmonic")
    )
    assert res.priority == ["A", "B"]
    assert res.ranks.loc["C", ["q05", "q95"]].tolist() == [3, 3]
    wider = uncertainty(data, meta, n=100, seed=0, priority_quantile=0.3)
    assert wider.priority == ["A", "B", "C"]


def test_uncertainty_bad_arguments():
    data, meta = village_table()
    with pytest.raises(ConfigError, match="weight_noise"):
        uncertainty(data, meta, n=10, weight_noise=1.5)
    with pytest.raises(ConfigError, match="unknown aggregation"):
        uncertainty(data, meta, n=10, aggregations=("mode",))
    with pytest.raises(ConfigError, match="priority_quantile"):
        uncertainty(data, meta, n=10, priority_quantile=0)


def test_uncertainty_with_missing_values_uses_the_general_path():
    data, meta = village_table()
    data.iloc[3, 0] = np.nan
    res = uncertainty(data, meta, n=40, seed=2, settings=Settings(min_availability=0.5))
    assert res.ranks.notna().all().all()
    assert len(res.ranks) == 30


def test_uncertainty_samples_runs_and_bootstrap_columns():
    data, meta = village_table(n=12)
    res = uncertainty(data, meta, n=40, seed=3, keep_samples=True, bootstrap=50)
    assert res.samples.shape == (12, 40)
    assert set(res.samples.index) == set(data.index)
    med = res.samples.median(axis=1)
    assert res.ranks["median_rank"].to_numpy() == pytest.approx(med.loc[res.ranks.index].to_numpy())
    assert list(res.runs.columns) == [
        "mean_abs_rank_shift",
        "normalisation",
        "aggregation",
        "winsor_limit",
    ]
    assert set(res.runs["normalisation"]) <= {"minmax", "zscore", "rank"}
    assert {"S1_low", "S1_high", "ST_low", "ST_high"} <= set(res.sensitivity.columns)
    shift = (res.samples.sub(res.ranks["nominal_rank"], axis=0)).abs().mean(axis=1)
    assert res.ranks["mean_abs_shift"].to_numpy() == pytest.approx(
        shift.loc[res.ranks.index].to_numpy()
    )


def test_scores_equal_up_to_rounding_noise_tie():
    # two indicator pairs that cancel: every score is 0 in exact arithmetic, but the
    # floating-point sums differ with the order of the indicators
    data = pd.DataFrame(
        {
            "i0": [0.0, 0, 1, 0, 0, 0, 1, 1],
            "i1": [0.0, 0, 1, 0, 0, 0, 1, 1],
            "i2": [0.0, 1, 0, 0, 1, 1, 3, 3],
            "i3": [0.0, 1, 0, 0, 1, 1, 3, 3],
        },
        index=[f"u{i}" for i in range(8)],
    )
    meta = pd.DataFrame(
        {
            "code": ["i0", "i1", "i2", "i3", "IDX"],
            "parent": ["IDX", "IDX", "IDX", "IDX", None],
            "level": [1, 1, 1, 1, 2],
            "direction": [1, -1, 1, -1, None],
        }
    )
    for rows in itertools.permutations(range(4)):
        res = build_index(data, meta.iloc[[*rows, 4]], Settings(aggregation="arithmetic"))
        assert res.ranks["IDX"].tolist() == [1] * 8, rows
    geometric = {
        tuple(
            build_index(data, meta.iloc[[*rows, 4]], Settings(aggregation="geometric")).ranks["IDX"]
        )
        for rows in itertools.permutations(range(4))
    }
    assert len(geometric) == 1
