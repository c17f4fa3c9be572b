"""SYNTHETIC follow-up rounds: the same villages some time after the baseline, with a known answer.

:func:`generate_followup` takes a synthetic baseline (:class:`~leheranalysis.synth.SyntheticDNA`)
and returns the DNA of a later round of the same villages, as a ``SyntheticDNA`` whose
sheets are written by :func:`~leheranalysis.synth.write` exactly like the baseline's.

The model of change
-------------------
Over ``years`` years (default 2):

1. **Villages not revisited.** Each baseline village is left out of the round with
   probability ``not_revisited`` (default 0.05); the others keep their gazetteer id,
   written name, block and population bands.
2. **Programme effect** (:data:`PROGRAMME_EFFECT`, scaled by ``effect``, 1 = as
   documented, 0 = none), in every programme village: the odds of a child marrying
   before 18 fall (odds ratio 0.35), of a child 6-14 being out of school by 0.5,
   of a girl dropping out after primary by 0.6, of child labour by 0.75; a village
   without a VLCPC forms one with probability 0.6 and an existing VLCPC meets each
   quarter with probability 0.85 instead of 0.55; corporal punishment stops in a village
   with probability 0.3; awareness of the child helpline 1098 rises (logit + 1.2) and of
   112 (logit + 0.6); Anganwadi services improve (score + 0.4); duty bearers' registers
   catch up with the community's evidence (the probability that a register records
   none of an issue halves, the share of cases it records moves half-way to all).
3. **Secular trends** (:data:`SECULAR_TREND`, per year, scaled by ``trend``), in every
   village, programme or not: birth registration rises (odds ratio 1.15 a year),
   adolescent pregnancy falls slightly (0.97 a year), child migration rises (1.05 a
   year).
4. **True counts** of the rates are drawn again from the new village rates exactly as in
   the baseline (systematic random rounding of band x rate); sexual abuse, missing
   children and unsafe places keep their baseline counts (no change is modelled);
   yes/no facts change only by the effect above (without an effect they stay as they
   were).
5. **Respondent turnover.** New participants: the cases within the groups' reach are
   drawn again, and every group's and duty bearer's answers are drawn anew with the
   baseline's knowledge and response model; with ``effect=0`` and ``trend=0`` a
   follow-up differs from its baseline only by this noise (the null used to check the
   false-alarm rate of :mod:`leheranalysis.monitoring`).

The answer key (:func:`true_changes`, ``synthetic_key/true_changes.parquet``) holds, for
every village indicator, the TRUE value in the revisited villages at baseline and
follow-up (rate per 1,000 of the codebook denominator for counts with one, share of
villages where the issue occurs for yes/no, mean for scores and awareness), the change,
its cause and whether it is large.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leheranalysis import __version__, store
from leheranalysis.codebook import Codebook, load_codebook
from leheranalysis.errors import ConfigError
from leheranalysis.synth import model as _m
from leheranalysis.synth.calibration import expit, logit, systematic_round
from leheranalysis.synth.core import KEY_DIR, SyntheticDNA, _check_seed, build_sheets, dirty

#: programme effect over the whole period: odds ratio on each village rate
PROGRAMME_EFFECT: dict[str, float] = {
    "child_marriage": 0.35,
    "oosc": 0.5,
    "dropout": 0.6,
    "child_labour": 0.75,
}

#: programme effect on the village facts that are not rates
PROGRAMME_FACTS: dict[str, float] = {
    "vlcpc_formed": 0.6,  # probability that a village without a VLCPC forms one
    "vlcpc_meets": 0.85,  # probability that a VLCPC met in the last quarter (baseline 0.55)
    "corporal_punishment_stops": 0.3,
    "helpline_1098_logit": 1.2,
    "helpline_112_logit": 0.6,
    "awc_functioning_score": 0.4,
    "registers_catch_up": 0.5,
}

#: secular trend per year: odds ratio on each village rate, every village
SECULAR_TREND: dict[str, float] = {
    "birth_registration": 1.15,
    "teen_pregnancy": 0.97,
    "migration": 1.05,
}

#: village rate -> (indicator code, denominator column); registration is the complement
RATE_INDICATORS: dict[str, tuple[str, str]] = {
    "child_marriage": ("child_marriage_12m", "girls_turning_18"),
    "birth_registration": ("births_not_registered", "births_12m"),
    "teen_pregnancy": ("adolescent_pregnancy", "girls_15_19"),
    "oosc": ("oosc_6_14", "children_6_14"),
    "dropout": ("girls_dropout_after_primary", "girls_10_14"),
    "child_labour": ("child_labour_5_17", "children_5_17"),
    "migration": ("child_migration", "children_5_17"),
}

#: a true change is "large" beyond these: rate ratio (or its inverse), share points, score
LARGE = {"ratio": 1.75, "share": 0.25, "score": 0.5}

_STREAM = 101


def _rng(baseline: SyntheticDNA, round_name: str, seed: int) -> np.random.Generator:
    def tag(text: str) -> int:
        return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big")

    return np.random.default_rng(
        [int(baseline.seed), tag(baseline.district), _STREAM, tag(round_name), int(seed)]
    )


def _odds(p: np.ndarray, ratio: float) -> np.ndarray:
    """``p`` with its odds multiplied by ``ratio`` (0 and 1 stay; ratio 1 changes nothing)."""
    if ratio == 1:
        return np.asarray(p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = expit(logit(np.clip(p, 1e-9, 1 - 1e-9)) + np.log(ratio))
    return np.where(p > 0, out, 0.0)


def _registers(catch_up: float) -> dict[tuple[str, str], tuple[float, float, float]]:
    return {
        key: (p_none * (1 - catch_up), lo + catch_up * (1 - lo), hi + catch_up * (1 - hi))
        for key, (p_none, lo, hi) in _m.REGISTERS.items()
    }


def followup_truth(
    base: pd.DataFrame,
    rng: np.random.Generator,
    years: float = 2.0,
    effect: float = 1.0,
    trend: float = 1.0,
    not_revisited: float = 0.05,
) -> pd.DataFrame:
    """The village truth of a follow-up round (steps 1-5 of the module's model).

    Parameters
    ----------
    base : pandas.DataFrame
        The baseline truth (``SyntheticDNA.villages``).
    rng : numpy.random.Generator
    years : float
        Time since the baseline.
    effect, trend : float
        Multipliers of the log odds ratios of :data:`PROGRAMME_EFFECT` (and the facts of
        :data:`PROGRAMME_FACTS`) and of :data:`SECULAR_TREND` (0: none).
    not_revisited : float
        Probability that a baseline village is left out.

    Returns
    -------
    pandas.DataFrame
        The revisited villages with the baseline's columns (new rates, counts, facts and
        reach); ``attrs["registers"]`` holds the duty bearers' registers of the round.
    """
    keep = rng.random(len(base)) >= not_revisited
    if not keep.any():
        keep[int(rng.integers(len(base)))] = True
    df = base.loc[keep].reset_index(drop=True).copy()
    n = len(df)

    def ratio(rate: str) -> float:
        e = PROGRAMME_EFFECT.get(rate, 1.0) ** effect
        t = SECULAR_TREND.get(rate, 1.0) ** (trend * years)
        return float(e * t)

    for rate, (code, band) in RATE_INDICATORS.items():
        p = _odds(df[f"p_{rate}"].to_numpy(dtype=float), ratio(rate))
        df[f"p_{rate}"] = p
        expected = df[band].to_numpy(dtype=float) * p
        if rate == "birth_registration":
            registered = systematic_round(expected, rng)
            df[code] = np.maximum(df["births_12m"].to_numpy() - registered, 0)
        else:
            df[code] = systematic_round(expected, rng)

    # sexual abuse, missing children and unsafe places: no change is modelled, the
    # villages' true counts stay those of the baseline
    f = PROGRAMME_FACTS
    draws = rng.random((n, 3))
    exists = df["vlcpc_exists"].to_numpy(dtype=bool)
    formed = ~exists & (draws[:, 0] < f["vlcpc_formed"] * effect)
    df["vlcpc_exists"] = exists | formed
    p_meet = min(0.55 + (f["vlcpc_meets"] - 0.55) * effect, 1.0)
    starts = draws[:, 1] < (p_meet - 0.55) / 0.45  # an existing VLCPC starts meeting
    met = np.where(formed, draws[:, 1] < p_meet, df["vlcpc_met_quarter"].to_numpy(bool) | starts)
    df["vlcpc_met_quarter"] = df["vlcpc_exists"].to_numpy() & met.astype(bool)
    stops = draws[:, 2] < f["corporal_punishment_stops"] * effect
    df["corporal_punishment"] = df["corporal_punishment"].to_numpy(dtype=bool) & ~stops
    for code, key in (("helpline_1098_aware", "helpline_1098_logit"),
                      ("helpline_112_aware", "helpline_112_logit")):  # fmt: skip
        if effect:
            df[code] = expit(logit(df[code].to_numpy(dtype=float)) + f[key] * effect)
    df["awc_functioning"] = np.clip(
        df["awc_functioning"].to_numpy(dtype=float) + f["awc_functioning_score"] * effect, 1, 5
    )
    df = _m.draw_reach(df, rng)
    df.attrs["registers"] = _registers(f["registers_catch_up"] * effect)
    return df


def _true_values(truth: pd.DataFrame, cb: Codebook) -> dict[str, tuple[str, float]]:
    """Indicator -> (measure, TRUE value) over the villages of ``truth``."""
    out = {}
    bands = {code: band for code, band in RATE_INDICATORS.values()}
    bands.update({"sexual_abuse_known": "children_0_17", "missing_trafficked": "children_0_17"})
    for code in cb.indicators_for("village"):
        unit = cb.indicators.at[code, "unit"]
        if code not in truth:
            continue
        v = truth[code].to_numpy(dtype=float)
        if unit == "count" and code in bands:
            out[code] = ("rate per 1,000", 1000 * v.sum() / truth[bands[code]].sum())
        elif unit == "count":
            out[code] = ("mean per village", float(v.mean()))
        elif unit == "yesno":
            out[code] = ("share of villages", float(v.mean()))
        elif unit == "share":
            out[code] = ("share aware", float(v.mean()))
        else:
            out[code] = ("mean score", float(v.mean()))
    return out


def true_changes(
    baseline: pd.DataFrame,
    followup: pd.DataFrame,
    codebook: Codebook | None = None,
    effect: float = 1.0,
    trend: float = 1.0,
) -> pd.DataFrame:
    """The answer key: TRUE change of every village indicator in the revisited villages.

    Parameters
    ----------
    baseline, followup : pandas.DataFrame
        Village truths of the two rounds.
    codebook : Codebook, optional
    effect, trend : float
        The multipliers the round was drawn with (0: that cause is absent).

    Returns
    -------
    pandas.DataFrame
        ``indicator``, ``measure``, ``baseline``, ``followup``, ``change`` (ratio for rates
        per 1,000, difference otherwise), ``direction`` (``fall``, ``rise``, ``none``),
        ``large`` (beyond :data:`LARGE`), ``cause`` (``programme``, ``trend``, ``none``),
        ``villages`` (revisited).
    """
    cb = codebook or load_codebook()
    ids = followup["village_id"]
    b = _true_values(baseline[baseline["village_id"].isin(ids)], cb)
    f = _true_values(followup, cb)
    causes: dict[str, str] = {}
    if trend > 0:
        causes.update(
            {code: "trend" for r, (code, _) in RATE_INDICATORS.items() if r in SECULAR_TREND}
        )
    if effect > 0:
        causes.update(
            {code: "programme" for r, (code, _) in RATE_INDICATORS.items() if r in PROGRAMME_EFFECT}
        )
        causes.update(
            dict.fromkeys(
                (
                    "vlcpc_exists",
                    "vlcpc_met_quarter",
                    "corporal_punishment",
                    "helpline_1098_aware",
                    "helpline_112_aware",
                    "awc_functioning",
                ),
                "programme",
            )  # fmt: skip
        )
    rows = []
    for code, (measure, bv) in b.items():
        fv = f[code][1]
        if measure == "rate per 1,000":
            change = fv / bv if bv > 0 else np.nan
            large = bool(np.isfinite(change) and max(change, 1 / change) >= LARGE["ratio"])
            same = not np.isfinite(change) or abs(np.log(change)) < 1e-9
            direction = "none" if same else ("fall" if change < 1 else "rise")
        else:
            change = fv - bv
            limit = (
                LARGE["score"] if measure in ("mean score", "mean per village") else LARGE["share"]
            )
            large = abs(change) >= limit
            direction = "none" if abs(change) < 1e-9 else ("fall" if change < 0 else "rise")
        rows.append(
            {
                "indicator": code,
                "measure": measure,
                "baseline": bv,
                "followup": fv,
                "change": change,
                "direction": direction,
                "large": large,
                "cause": causes.get(code, "none"),
                "villages": len(followup),
            }
        )
    return pd.DataFrame(rows)


def generate_followup(
    baseline: SyntheticDNA,
    round_name: str = "midline",
    seed: int = 0,
    years: float = 2.0,
    effect: float = 1.0,
    trend: float = 1.0,
    not_revisited: float = 0.05,
    dirt: float = 0.0,
    dirt_errors: bool = True,
    codebook: Codebook | None = None,
    district: Any = None,
) -> SyntheticDNA:
    """A SYNTHETIC follow-up round of a synthetic baseline (pure: nothing is written).

    Parameters
    ----------
    baseline : SyntheticDNA
        From :func:`leheranalysis.synth.generate`.
    round_name : str
        The round (recorded in the key; also seeds the round's random streams).
    seed : int
        Seed of the follow-up (with the baseline's seed and the round name).
    years, effect, trend, not_revisited : float
        See :func:`followup_truth`.
    dirt, dirt_errors
        Human errors, as in :func:`leheranalysis.synth.generate`.
    codebook : Codebook, optional
    district : gazetteer.District, optional
        Needed only with ``dirt`` (misspellings come from the district's names).

    Returns
    -------
    SyntheticDNA
        ``villages`` is the follow-up truth; ``parameters`` add ``round``,
        ``baseline_seed``, ``years``, ``effect``, ``trend``, ``not_revisited``,
        ``not_revisited_villages``, ``registers`` (the duty bearers' registers of the
        round); ``parameters["true_changes"]`` is the answer key.
    """
    from leheranalysis.rounds import BASELINE, check_round

    _check_seed(seed)
    name = check_round(round_name)
    if name == BASELINE:
        raise ConfigError("a follow-up round needs another name than 'baseline' (e.g. midline)")
    for label, value in (("years", years), ("effect", effect), ("trend", trend)):
        if not np.isfinite(value) or value < 0:
            raise ConfigError(f"{label} must be a number >= 0, got {value}")
    if not 0 <= not_revisited < 1:
        raise ConfigError(f"not_revisited must be in [0, 1), got {not_revisited}")
    cb = codebook or load_codebook()
    rng = _rng(baseline, name, seed)
    truth = followup_truth(baseline.villages, rng, years, effect, trend, not_revisited)
    streams = {s: np.random.default_rng([int(x) for x in rng.integers(0, 2**31, 2)])
               for s in ("cg", "ag", "duty", "ranking", "secondary", "part2", "dirt")}  # fmt: skip
    sheets = build_sheets(
        truth, baseline.blocks, baseline.rates, baseline.structure, cb, streams.__getitem__
    )
    if dirt > 0 and district is None:
        raise ConfigError("dirt in a follow-up round needs the district (its village names)")
    sheets, log = dirty(
        sheets, district, baseline.blocks, float(dirt), cb, streams["dirt"], bool(dirt_errors)
    )
    registers = truth.attrs.pop("registers")
    dropped = sorted(set(baseline.villages["village_id"]) - set(truth["village_id"]))
    key = true_changes(baseline.villages, truth, cb, effect, trend)
    params = {
        **baseline.parameters,
        "round": name,
        "seed": int(seed),
        "baseline_seed": int(baseline.seed),
        "years": float(years),
        "effect": float(effect),
        "trend": float(trend),
        "not_revisited": float(not_revisited),
        "not_revisited_villages": [int(v) for v in dropped],
        "registers": {
            f"{code}|{fam}": {"p_none": v[0], "share_lo": v[1], "share_hi": v[2]}
            for (code, fam), v in registers.items()
        },
        "dirt": float(dirt),
        "dirt_errors": bool(dirt_errors),
        "villages": int(len(truth)),
        "package_version": __version__,
        "true_changes": key,
    }
    return SyntheticDNA(
        district=baseline.district,
        state=baseline.state,
        synthetic_geography=baseline.synthetic_geography,
        seed=int(seed),
        dirt=float(dirt),
        rates=baseline.rates,
        defaulted=baseline.defaulted,
        structure=baseline.structure,
        villages=truth,
        blocks=baseline.blocks,
        sheets=sheets,
        dirt_log=log,
        parameters=params,
    )


def write_followup(dna: SyntheticDNA, out_dir: str | Path, district: Any = None) -> dict[str, Path]:
    """Write a follow-up round like a baseline, plus the answer key of the true changes.

    ``synthetic_key/true_changes.parquet`` (see :func:`true_changes`) and, in ``key.json``,
    the round, the effects and trends of the model and the villages not revisited.

    Returns
    -------
    dict of str to pathlib.Path
        As :func:`leheranalysis.synth.write`, plus ``true_changes``.
    """
    from leheranalysis.synth.core import write

    params = dict(dna.parameters)
    key = params.pop("true_changes")
    plain = SyntheticDNA(**{**dna.__dict__, "parameters": params})
    paths = write(plain, out_dir, district=district)
    folder = Path(out_dir) / KEY_DIR
    store.write_parquet(key, folder / "true_changes.parquet")
    meta_path = folder / "key.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["followup_model"] = {
        "programme_effect_odds_ratio": PROGRAMME_EFFECT,
        "programme_facts": PROGRAMME_FACTS,
        "secular_trend_odds_ratio_per_year": SECULAR_TREND,
        "large": LARGE,
    }
    text = json.dumps(meta, indent=2, sort_keys=True) + "\n"
    store.atomic_write(meta_path, text.encode("utf-8"))
    paths["true_changes"] = folder / "true_changes.parquet"
    return paths
