"""SYNTHETIC follow-up rounds: same villages, documented effect, answer key, command."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from leheranalysis import gazetteer, synth
from leheranalysis.cli import main
from leheranalysis.errors import ConfigError
from leheranalysis.synth import followup

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def baseline(public_data):
    return synth.generate(gazetteer.load_district("Madhubani"), seed=4)


def test_followup_keeps_villages_and_drops_some(baseline):
    f = followup.generate_followup(baseline, "midline", seed=1, not_revisited=0.2)
    base = baseline.villages.set_index("village_id")
    ids = f.villages["village_id"]
    assert set(ids) < set(base.index)
    dropped = sorted(set(base.index) - set(ids))
    assert f.parameters["not_revisited_villages"] == dropped and 5 <= len(dropped) <= 22
    same = base.loc[ids]
    for col in ("village_written", "block_written", "population", "children_6_14", "z"):
        assert same[col].tolist() == f.villages[col].tolist()
    # the written sheets name only the revisited villages
    assert set(f.sheet("Adult groups")["village_id"]) == set(ids)
    assert f.parameters["round"] == "midline" and f.parameters["baseline_seed"] == 4


def test_without_effect_or_trend_only_the_answers_change(baseline):
    f = followup.generate_followup(baseline, "midline", seed=2, effect=0, trend=0, not_revisited=0)
    b, v = baseline.villages, f.villages
    for col in ("vlcpc_exists", "vlcpc_met_quarter", "corporal_punishment", "awc_functioning",
                "helpline_1098_aware", "p_child_marriage", "p_oosc"):  # fmt: skip
        np.testing.assert_array_equal(b[col].to_numpy(), v[col].to_numpy())
    # true counts of the rates stay within rounding of their expectation
    assert abs(int(v["child_marriage_12m"].sum()) - int(b["child_marriage_12m"].sum())) <= 2
    key = f.parameters["true_changes"]
    assert not key["large"].any() and set(key["cause"]) == {"none"}
    # new respondents: the answers are drawn anew
    assert not f.sheet("Adult groups").equals(baseline.sheet("Adult groups"))


def test_programme_effect_and_trend_are_in_the_answer_key(baseline):
    f = followup.generate_followup(baseline, "endline", seed=3, years=4)
    key = f.parameters["true_changes"].set_index("indicator")
    cm = key.loc["child_marriage_12m"]
    assert cm["measure"] == "rate per 1,000" and cm["cause"] == "programme"
    assert cm["direction"] == "fall" and cm["change"] < 0.75
    ids = f.villages["village_id"]
    b = baseline.villages.set_index("village_id").loc[ids]
    assert cm["baseline"] == pytest.approx(
        1000 * b["child_marriage_12m"].sum() / b["girls_turning_18"].sum()
    )
    assert key.loc["births_not_registered", "cause"] == "trend"
    assert key.loc["births_not_registered", "direction"] == "fall"
    assert key.loc["vlcpc_exists", "direction"] == "rise"
    assert key.loc["violence_at_home", "cause"] == "none"
    assert key.loc["violence_at_home", "change"] == 0
    # registers catch up: a register records none of an issue half as often
    reg = f.parameters["registers"]["oosc_6_14|teacher"]
    assert reg["p_none"] == pytest.approx(0.35 * 0.5)


def test_bad_followup_parameters(baseline):
    with pytest.raises(ConfigError, match="another name than 'baseline'"):
        followup.generate_followup(baseline, "baseline")
    with pytest.raises(ConfigError, match="effect must be a number >= 0"):
        followup.generate_followup(baseline, "midline", effect=-1)
    with pytest.raises(ConfigError, match="not_revisited"):
        followup.generate_followup(baseline, "midline", not_revisited=1)


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_demo_data_round_command(tmp_path, capsys):
    args = ["demo-data", "--district", "Madhubani", "--round", "midline", "--baseline-seed",
            "4", "--villages", "12", "--seed", "1"]  # fmt: skip
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC midline round for Madhubani" in out and "large true changes:" in out
    key = tmp_path / "a" / "synthetic_key"
    changes = pd.read_parquet(key / "true_changes.parquet")
    assert {"indicator", "baseline", "followup", "change", "large", "cause"} <= set(changes)
    meta = json.loads((key / "key.json").read_text())
    assert meta["parameters"]["round"] == "midline" and meta["synthetic"] is True
    assert meta["followup_model"]["programme_effect_odds_ratio"]["child_marriage"] == 0.35
    # the same seeds give byte-identical workbooks
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    for name in ("dna_part1_village_tool.xlsx", "dna_village_collation.xlsx"):
        assert sha(tmp_path / "a" / name) == sha(tmp_path / "b" / name)
    capsys.readouterr()
    code = main(["demo-data", "--district", "Madhubani", "--baseline-seed", "3", "--out",
                 str(tmp_path / "c")])  # fmt: skip
    assert code == 2 and "--baseline-seed goes with --round" in capsys.readouterr().err
