"""The generative model of the synthetic DNA: pure functions returning DataFrames.

See the docstring of :mod:`leheranalysis.synth` for the model in words. Each function
takes the village truth table (or the frames built from it), the codebook and a
:class:`numpy.random.Generator`, and returns the rows of one sheet with the codebook's
codes as column names, in the representation written to the workbooks: numbers as
``int``/``float``, yes/no as ``"yes"``/``"no"``, missing answers as ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from leheranalysis.codebook import Codebook
from leheranalysis.synth.calibration import (
    AgeStructure,
    calibrate_logit_offsets,
    expit,
    logit,
    random_round,
    systematic_round,
)

__all__ = [
    "MODEL",
    "CASE_COUNTS",
    "ESTIMATED_COUNTS",
    "KNOWLEDGE",
    "REGISTERS",
    "KNOWLEDGE_GROUPS",
    "p_know",
    "simulate_villages",
    "draw_reach",
    "group_sheet",
    "community_values",
    "duty_bearer_sheet",
    "ranking_sheet",
    "secondary_sheet",
    "part2_sheet",
    "collation_sheet",
]

#: the documented constants of the model (also recorded in the synthetic key)
MODEL: dict[str, float] = {
    # latent village vulnerability z ~ N(0, 1); block effect u ~ N(0, block_sd)
    "block_sd": 0.35,
    # correlation of every rate's village effect with z
    "rho": 0.6,
    # between-village sd of the logit of each rate
    "sd_child_marriage": 0.55,
    "sd_birth_registration": 0.6,
    "sd_teen_pregnancy": 0.55,
    "sd_oosc": 0.6,
    "sd_dropout": 0.55,
    "sd_child_labour": 0.65,
    "sd_migration": 0.8,
    "sd_girls": 0.08,  # sd of log village factor on girls' bands
    # district rates not in NFHS-5, derived from female school attendance (fs, share):
    # out-of-school 6-14 = a * (1 - fs), girls' dropout after primary = b * (1 - fs)
    "oosc_per_non_attendance": 0.2,
    "dropout_per_non_attendance": 0.25,
    # child labour 5-17 = c * out-of-school + d; migration = e * child labour
    "labour_per_oosc": 0.6,
    "labour_floor": 0.01,
    "migration_per_labour": 0.3,
    # sensitive counts: known cases per 1,000 children 0-17 (Poisson, village multiplier
    # exp(0.5 z - 0.125) with mean 1)
    "sexual_abuse_per_1000": 1.2,
    "missing_per_1000": 0.8,
    # probability that an answer is left blank
    "p_missing": 0.03,
    # genuinely absent issues (hurdle): the issue occurs in a village with probability
    # expit(logit(present_<rate>) + present_slope_<rate> * z); the calibration then
    # raises the rate of the villages where it occurs
    "present_migration": 0.6,
    "present_slope_migration": 1.2,
    "present_child_marriage": 0.85,
    "present_slope_child_marriage": 0.8,
    # reach of the respondent groups: the share of a village's cases living in the
    # hamlets the participants come from is Beta with mean
    # clip(sqrt(reach_population / population), reach_min, reach_max) and concentration
    # reach_kappa_<indicator> (small: the issue is concentrated in a few hamlets)
    "reach_population": 600.0,
    "reach_min": 0.2,
    "reach_max": 0.8,
    "reach_kappa_oosc_6_14": 0.7,
    "reach_kappa_child_labour_5_17": 0.4,
    "reach_kappa_child_migration": 0.6,
    "reach_kappa_girls_dropout_after_primary": 0.6,
    "reach_kappa_child_marriage_12m": 1.5,
    "reach_kappa_adolescent_pregnancy": 2.0,
    "reach_kappa_births_not_registered": 2.0,
    "reach_kappa_sexual_abuse_known": 2.0,
    "reach_kappa_missing_trafficked": 2.0,
    # cases outside the reach are known with this share of a group's p_know
    "far_cg": 0.02,
    "far_ag": 0.1,
    # counts groups estimate (out-of-school, working, migrating, dropped-out children):
    # a group reporting some cases adds Poisson(overcount_mean) more with probability
    # overcount_p (children just outside the age band, of the next hamlet)
    "overcount_p": 0.25,
    "overcount_mean": 1.5,
}

#: issues counted case by case: respondent groups report the cases they know of
CASE_COUNTS: tuple[str, ...] = (
    "oosc_6_14",
    "child_labour_5_17",
    "child_migration",
    "girls_dropout_after_primary",
    "child_marriage_12m",
    "adolescent_pregnancy",
    "births_not_registered",
    "sexual_abuse_known",
    "missing_trafficked",
)

#: counts that groups estimate rather than list (occasional small over-count)
ESTIMATED_COUNTS: frozenset[str] = frozenset(
    {"oosc_6_14", "child_labour_5_17", "child_migration", "girls_dropout_after_primary"}
)

KNOWLEDGE_GROUPS = (
    "cg_girls_10_14",
    "cg_girls_15_17",
    "cg_boys_10_14",
    "cg_boys_15_17",
    "ag_women",
    "ag_men",
)

#: p_know: the probability that a respondent group knows (and reports) a case living
#: within its reach, by issue and group in the order of ``KNOWLEDGE_GROUPS``
KNOWLEDGE: dict[str, tuple[float, float, float, float, float, float]] = {
    # girls 10-14, girls 15-17, boys 10-14, boys 15-17, women, men
    "oosc_6_14": (0.6, 0.5, 0.6, 0.5, 0.35, 0.3),
    "child_labour_5_17": (0.35, 0.35, 0.55, 0.6, 0.4, 0.45),
    "child_migration": (0.3, 0.35, 0.4, 0.5, 0.55, 0.6),
    "girls_dropout_after_primary": (0.5, 0.6, 0.2, 0.25, 0.4, 0.25),
    "child_marriage_12m": (0.35, 0.6, 0.1, 0.2, 0.7, 0.6),
    "adolescent_pregnancy": (0.2, 0.3, 0.05, 0.05, 0.5, 0.15),
    "births_not_registered": (0.05, 0.1, 0.03, 0.05, 0.25, 0.1),
    "sexual_abuse_known": (0.2, 0.25, 0.1, 0.1, 0.35, 0.2),
    "missing_trafficked": (0.3, 0.3, 0.3, 0.3, 0.6, 0.6),
}

#: duty bearers' registers: (probability the register records none of the issue,
#: lowest and highest share of the village's cases recorded otherwise)
REGISTERS: dict[tuple[str, str], tuple[float, float, float]] = {
    ("oosc_6_14", "teacher"): (0.35, 0.15, 0.5),
    ("child_labour_5_17", "teacher"): (0.55, 0.1, 0.5),
    ("child_labour_5_17", "aww"): (0.6, 0.2, 0.6),
    ("child_migration", "teacher"): (0.4, 0.3, 0.8),
    ("girls_dropout_after_primary", "teacher"): (0.25, 0.4, 0.9),
    ("child_marriage_12m", "aww"): (0.2, 0.4, 0.9),
    ("child_marriage_12m", "asha"): (0.2, 0.4, 0.9),
    ("adolescent_pregnancy", "aww"): (0.05, 0.75, 1.0),
    ("adolescent_pregnancy", "asha"): (0.03, 0.85, 1.0),
    ("births_not_registered", "aww"): (0.1, 0.5, 1.0),
    ("births_not_registered", "asha"): (0.05, 0.6, 1.0),
    ("sexual_abuse_known", "aww"): (0.3, 0.2, 0.9),
    ("sexual_abuse_known", "asha"): (0.3, 0.2, 0.9),
    ("missing_trafficked", "aww"): (0.2, 0.4, 1.0),
}
_DEFAULT_REGISTER = (0.1, 0.5, 0.9)

#: rates with a hurdle (genuinely absent in some villages)
_HURDLES = ("migration", "child_marriage")

_RATES = (
    # name, district target key, denominator column, sign (+1: higher is worse), sd key
    ("child_marriage", "child_marriage", "girls_turning_18", 1, "sd_child_marriage"),
    ("birth_registration", "birth_registration", "births_12m", -1, "sd_birth_registration"),
    ("teen_pregnancy", "teen_pregnancy", "girls_15_19", 1, "sd_teen_pregnancy"),
    ("oosc", "oosc", "children_6_14", 1, "sd_oosc"),
    ("dropout", "dropout", "girls_10_14", 1, "sd_dropout"),
    ("child_labour", "child_labour", "children_5_17", 1, "sd_child_labour"),
    ("migration", "migration", "children_5_17", 1, "sd_migration"),
)

_BANDS = (
    "children_0_17",
    "children_6_14",
    "children_5_17",
    "children_0_6",
    "girls_10_14",
    "girls_15_19",
    "births_12m",
    "girls_turning_18",
)


def _targets(rates: Mapping[str, float]) -> dict[str, float]:
    """District shares (0-1) of every modelled rate."""
    non_att = 1.0 - rates["female_school"] / 100.0
    oosc = MODEL["oosc_per_non_attendance"] * non_att
    labour = MODEL["labour_per_oosc"] * oosc + MODEL["labour_floor"]
    return {
        "child_marriage": rates["child_marriage"] / 100.0,
        "birth_registration": rates["birth_registration"] / 100.0,
        "teen_pregnancy": rates["teen_pregnancy"] / 100.0,
        "oosc": oosc,
        "dropout": MODEL["dropout_per_non_attendance"] * non_att,
        "child_labour": labour,
        "migration": MODEL["migration_per_labour"] * labour,
    }


def simulate_villages(
    villages: pd.DataFrame,
    rates: Mapping[str, float],
    structure: AgeStructure,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Draw each village's latent rates and true counts.

    Parameters
    ----------
    villages : pandas.DataFrame
        Programme villages: ``village_id``, ``block_id``, ``population`` (known, > 0).
    rates : mapping
        Complete district rates (:func:`~leheranalysis.synth.calibration.complete_rates`).
    structure : AgeStructure
        District age structure.
    rng : numpy.random.Generator

    Returns
    -------
    pandas.DataFrame
        ``villages`` plus ``z`` (vulnerability), the population bands, ``p_<rate>``
        (latent village shares, 0 where a hurdled issue is absent), ``migration_present``
        and ``child_marriage_present`` (bool), the true counts under the indicator codes,
        ``reach_<code>`` (the cases of each :data:`CASE_COUNTS` issue living within the
        respondent groups' reach), the true yes/no (bool), scores (float 1-5) and
        awareness shares (0-1).
    """
    df = villages.reset_index(drop=True).copy()
    n = len(df)
    pop = df["population"].to_numpy(dtype=float)
    blocks, block_idx = np.unique(df["block_id"].to_numpy(), return_inverse=True)
    u = rng.normal(0.0, MODEL["block_sd"], len(blocks))
    z = rng.normal(0.0, 1.0, n) + u[block_idx]
    df["z"] = z

    # population bands: the expected size, randomly rounded; the girls' bands vary a
    # little between villages (logit-normal share of girls), the sex of births follows
    # the district's sex ratio at birth
    girls = np.exp(rng.normal(0, MODEL["sd_girls"], n))
    for band in _BANDS:
        size = pop * structure.share(band)
        if band.startswith("girls_"):
            size = size * girls
        df[band] = systematic_round(size, rng)
    df["births_12m_girls"] = rng.binomial(df["births_12m"].to_numpy(), structure.female_birth)

    # logit-normal village rates, calibrated so that denominator-weighted means equal
    # the district targets on this very draw
    targets = _targets(rates)
    rho = MODEL["rho"]
    k = len(_RATES)
    noise = rng.normal(0.0, 1.0, (n, k))
    signs = np.array([r[3] for r in _RATES], dtype=float)
    sds = np.array([MODEL[r[4]] for r in _RATES])
    effects = signs * sds * (rho * z[:, None] + np.sqrt(1 - rho**2) * noise)
    base = logit(np.array([targets[r[1]] for r in _RATES]))
    # hurdle: some issues are genuinely absent in some villages (the more often, the
    # less vulnerable the village); the villages where the issue occurs carry the whole
    # district rate: their weighted mean is the target divided by their weight share
    present = np.ones((n, k), dtype=bool)
    for j, r in enumerate(_RATES):
        if r[0] in _HURDLES:
            q = expit(logit(MODEL[f"present_{r[0]}"]) + MODEL[f"present_slope_{r[0]}"] * z)
            present[:, j] = rng.random(n) < q
    names = [r[0] for r in _RATES]
    for r in _HURDLES:
        df[f"{r}_present"] = present[:, names.index(r)]
    weights = np.column_stack([df[r[2]].to_numpy(dtype=float) for r in _RATES])
    weights = np.where(weights > 0, weights, pop[:, None] * 1e-6)
    covered = (weights * present).sum(axis=0) / weights.sum(axis=0)
    goal = np.array([targets[r[1]] for r in _RATES]) / np.where(covered > 0, covered, 1.0)
    offsets = calibrate_logit_offsets(base, effects, weights * present, np.minimum(goal, 0.999))
    p = expit(base + offsets + effects) * present
    for j, r in enumerate(_RATES):
        df[f"p_{r[0]}"] = p[:, j]

    def count(rate: str, band: str) -> np.ndarray:
        return systematic_round(df[band].to_numpy(dtype=float) * df[f"p_{rate}"].to_numpy(), rng)

    df["child_marriage_12m"] = count("child_marriage", "girls_turning_18")
    df["adolescent_pregnancy"] = count("teen_pregnancy", "girls_15_19")
    registered = count("birth_registration", "births_12m")
    df["births_not_registered"] = np.maximum(df["births_12m"].to_numpy() - registered, 0)
    df["oosc_6_14"] = count("oosc", "children_6_14")
    df["girls_dropout_after_primary"] = count("dropout", "girls_10_14")
    df["child_labour_5_17"] = count("child_labour", "children_5_17")
    df["child_migration"] = count("migration", "children_5_17")

    mult = np.exp(0.5 * z - 0.125)
    kids = df["children_0_17"].to_numpy(dtype=float)
    df["sexual_abuse_known"] = rng.poisson(kids * MODEL["sexual_abuse_per_1000"] / 1000 * mult)
    df["missing_trafficked"] = rng.poisson(kids * MODEL["missing_per_1000"] / 1000 * mult)
    df["unsafe_places"] = rng.poisson(1.5 * np.exp(0.3 * z))

    df["corporal_punishment"] = rng.random(n) < expit(0.4 + 0.8 * z)
    df["violence_at_home"] = rng.random(n) < expit(0.0 + 0.8 * z)
    service = -0.6 * z + rng.normal(0, 0.7, n)  # quality of services, higher is better
    df["vlcpc_exists"] = rng.random(n) < expit(-0.2 + 0.8 * service)
    df["vlcpc_met_quarter"] = df["vlcpc_exists"] & (rng.random(n) < 0.55)
    for code, shift in (
        ("awc_functioning", 0.2),
        ("teacher_attendance", 0.0),
        ("midday_meal", 0.3),
    ):
        df[code] = np.clip(3.2 + shift + 0.7 * service + rng.normal(0, 0.5, n), 1, 5)
    df["helpline_1098_aware"] = expit(logit(0.30) + 0.5 * service)
    df["helpline_112_aware"] = expit(logit(0.40) + 0.5 * service)

    return draw_reach(df, rng)


def draw_reach(truth: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """``truth`` with ``reach_<code>`` drawn for every :data:`CASE_COUNTS` issue (in place).

    The cases living in the hamlets the respondent groups come from (beta-binomial:
    issues concentrated in a few hamlets are either mostly within reach or not at all).
    """
    pop = truth["population"].to_numpy(dtype=float)
    mean = np.clip(np.sqrt(MODEL["reach_population"] / pop), MODEL["reach_min"], MODEL["reach_max"])
    for code in CASE_COUNTS:
        kappa = MODEL[f"reach_kappa_{code}"]
        share = rng.beta(mean * kappa, (1 - mean) * kappa)
        truth[f"reach_{code}"] = rng.binomial(truth[code].to_numpy(), share)
    return truth


# ---------------------------------------------------------------------------- groups

#: counts that are not cases (unsafe places): a uniform factor on the true count
_DEFAULT_COMMUNITY = (0.8, 1.1)

#: duty bearers rate their own service higher than the community does
_OWN_SERVICE = {
    ("teacher_attendance", "teacher"),
    ("midday_meal", "teacher"),
    ("awc_functioning", "aww"),
}


def _blank(values: np.ndarray, rng: np.random.Generator, p: float) -> np.ndarray:
    """Object array with a share ``p`` of entries replaced by None."""
    out = values.astype(object)
    out[rng.random(len(out)) < p] = None
    return out


def p_know(code: str, family: str, group: str | None = None) -> float:
    """Probability that a respondent group knows a case of ``code`` within its reach.

    Groups missing from :data:`KNOWLEDGE` (a codebook with other groups) take the mean
    of their family's groups.
    """
    row = KNOWLEDGE[code]
    if group in KNOWLEDGE_GROUPS:
        return row[KNOWLEDGE_GROUPS.index(group)]
    same = [x for g, x in zip(KNOWLEDGE_GROUPS, row, strict=True) if g.startswith(family + "_")]
    return float(np.mean(same)) if same else float(np.mean(row))


def _known_cases(
    truth: pd.DataFrame,
    code: str,
    family: str,
    group: str | None,
    rng: np.random.Generator,
) -> np.ndarray:
    """The cases a respondent group reports: those it knows of, plus estimated extras.

    ``Binomial(reach, p) + Binomial(true - reach, far x p)`` with ``reach`` the cases in
    the hamlets the groups come from (``reach_<code>`` of the truth), ``p`` from
    :func:`p_know`, ``far`` the family's ``far_<family>``; for the counts groups estimate
    (:data:`ESTIMATED_COUNTS`) a group reporting some cases adds
    ``Poisson(overcount_mean)`` with probability ``overcount_p``.
    """
    n = len(truth)
    t = truth[code].to_numpy().astype(np.int64)
    col = f"reach_{code}"
    reach = truth[col].to_numpy().astype(np.int64) if col in truth else t
    p = p_know(code, family, group)
    far = MODEL.get(f"far_{family}", 0.0) * p
    known = rng.binomial(reach, p) + rng.binomial(np.maximum(t - reach, 0), far)
    if code in ESTIMATED_COUNTS:
        extra = (known > 0) & (rng.random(n) < MODEL["overcount_p"])
        known = known + np.where(extra, rng.poisson(MODEL["overcount_mean"], n), 0)
    return known.astype(np.int64)


def _report(
    truth: pd.DataFrame,
    code: str,
    family: str,
    unit: str,
    rng: np.random.Generator,
    participants: np.ndarray | None = None,
    group: str | None = None,
) -> np.ndarray:
    """One family's (or group's) answers to one indicator, one per truth row."""
    n = len(truth)
    t = truth[code].to_numpy()
    duty = family in ("teacher", "aww", "asha")
    if unit == "count":
        t = t.astype(np.int64)
        if duty:
            registers = truth.attrs.get("registers") or REGISTERS
            p_none, lo, hi = registers.get((code, family), _DEFAULT_REGISTER)
            recorded = rng.binomial(t, rng.uniform(lo, hi, n))
            return np.where(rng.random(n) < p_none, 0, recorded).astype(np.int64)
        if code in CASE_COUNTS:
            return _known_cases(truth, code, family, group, rng)
        lo, hi = _DEFAULT_COMMUNITY
        return random_round(t * rng.uniform(lo, hi, n), rng)
    if unit == "yesno":
        t = t.astype(bool)
        if duty:
            p_yes = np.where(t, 0.35 if code == "corporal_punishment" else 0.9, 0.03)
        elif family == "ag" and code == "violence_at_home":
            p_yes = np.where(t, 0.6, 0.05)
        else:
            p_yes = np.where(t, 0.88, 0.06)
        return np.where(rng.random(n) < p_yes, "yes", "no").astype(object)
    if unit == "score":
        shift = 0.8 if (code, family) in _OWN_SERVICE else 0.0
        return np.clip(np.rint(t + shift + rng.normal(0, 0.7, n)), 1, 5).astype(np.int64)
    if unit == "share":
        size = participants if participants is not None else np.full(n, 12)
        factor = 1.1 if family == "cg" else 0.9
        aware = rng.binomial(size, np.clip(t * factor, 0, 1))
        return np.rint(100.0 * aware / np.maximum(size, 1)).astype(np.int64)
    raise ValueError(f"unit {unit!r} of {code!r} cannot be simulated")


def group_sheet(
    truth: pd.DataFrame, codebook: Codebook, family: str, rng: np.random.Generator
) -> pd.DataFrame:
    """Rows of the ``Children's groups`` (``family="cg"``) or ``Adult groups`` sheet.

    Returns
    -------
    pandas.DataFrame
        ``block``, ``village``, ``group``, ``participants`` and one column per indicator
        of the family; one row per village and group, villages in truth order. Also
        ``village_id`` (dropped by the writer).
    """
    groups = codebook.groups.index[codebook.groups["family"] == family].tolist()
    codes = codebook.indicators_for("village", family)
    n = len(truth)
    lo, hi = (6, 16) if family == "cg" else (8, 21)
    answers = {}
    participants = {}
    for g in groups:
        participants[g] = rng.integers(lo, hi, n)
        for code in codes:
            unit = codebook.indicators.at[code, "unit"]
            values = _report(truth, code, family, unit, rng, participants[g], g)
            answers[(g, code)] = _blank(values, rng, MODEL["p_missing"])
    k = len(groups)
    # rows: village by village, the family's groups in codebook order
    cols: dict[str, np.ndarray] = {
        "village_id": np.repeat(truth["village_id"].to_numpy(), k),
        "block": np.repeat(truth["block_written"].to_numpy(), k),
        "village": np.repeat(truth["village_written"].to_numpy(), k),
        "group": np.tile(np.array(groups, dtype=object), n),
        "participants": np.column_stack([participants[g] for g in groups]).ravel(),
    }
    for code in codes:
        mat = np.empty((n, k), dtype=object)
        for j, g in enumerate(groups):
            mat[:, j] = answers[(g, code)]
        cols[code] = mat.ravel()
    return pd.DataFrame(cols)


def _combine_matrix(values: np.ndarray, unit: str) -> np.ndarray:
    """Combine answers of several groups (columns) per village (rows), as in design.md.

    Counts: the maximum; scores and shares: the mean, rounded half up to a whole number
    (the instruments record whole scores and percentages); yes/no: ``"yes"`` if any
    group says yes. Rows without any answer give None.
    """
    out = np.full(values.shape[0], None, dtype=object)
    if unit == "yesno":
        known = ~pd.isna(values)
        yes = values == "yes"
        has = known.any(axis=1)
        out[has] = np.where(yes.any(axis=1)[has], "yes", "no")
        return out
    num = np.array(values, dtype=float)
    has = np.isfinite(num).any(axis=1)
    if not has.any():
        return out
    if unit == "count":
        comb = np.nanmax(np.where(has[:, None], num, 0.0), axis=1)
    else:
        comb = np.nanmean(np.where(has[:, None], num, 0.0), axis=1)
        comb = np.floor(comb + 0.5)  # the instruments take whole scores and percentages
    out[has] = comb[has].astype(np.int64)
    return out


def community_values(
    sheets: Mapping[str, pd.DataFrame],
    truth: pd.DataFrame,
    codebook: Codebook,
    families: tuple[str, ...] = ("cg", "ag"),
) -> dict[str, dict[str, np.ndarray]]:
    """Per village and indicator, the combined value of each family and of the community.

    Parameters
    ----------
    sheets : mapping
        ``{"cg": children's groups frame, "ag": adult groups frame}`` as returned by
        :func:`group_sheet` (rows village by village in truth order, then group).
    truth : pandas.DataFrame
        The village truth table (gives the village order).
    codebook : Codebook
    families : tuple of str

    Returns
    -------
    dict
        ``{indicator: {family: values, ..., "community": values}}`` for every village
        indicator; values are object arrays aligned with ``truth`` (None where nobody
        answered).
    """
    n = len(truth)
    units = codebook.indicators["unit"]
    out: dict[str, dict[str, np.ndarray]] = {}
    for code in codebook.indicators_for("village"):
        entry: dict[str, np.ndarray] = {}
        for fam in families:
            df = sheets[fam]
            if code in df.columns:
                g = len(df) // n if n else 0
                mat = df[code].to_numpy(dtype=object).reshape(n, g)
                entry[fam] = _combine_matrix(mat, units[code])
            else:
                entry[fam] = np.full(n, None, dtype=object)
        entry["community"] = _combine_matrix(
            np.column_stack([entry[f] for f in families]), units[code]
        )
        out[code] = entry
    return out


_COMMENTS = {
    "agree": [None, None, "Same figure in the register.", "Community figure accepted."],
    "partly agree": [
        "Register not updated since the last survey.",
        "Some children counted are seasonal migrants.",
        "Figure includes children of the neighbouring hamlet.",
        None,
    ],
    "dispute": [
        "Children are enrolled; attendance is irregular.",
        "No such case reported to the centre.",
        "Register shows a lower number.",
        "Community figure includes children above 14.",
        None,
    ],
}


#: reason codes a duty bearer gives when the figures differ, by who reported more
_REASONS = {
    "community higher": ("register_not_updated", "not_reported_to_me", "family_migrated"),
    "duty bearer higher": ("definition_differs", "different_period", "disagree_with_count"),
}


def _reason(c: Any, d: Any, draw: float, codebook: Codebook) -> str | None:
    """The reason code of a disagreeing pair, chosen by ``draw`` (no new random draw)."""
    known = set(codebook.reason_codes["code"])
    yes = {"yes": 1.0, "no": 0.0}
    cv, dv = (yes.get(x, x) if isinstance(x, str) else x for x in (c, d))
    side = "community higher" if float(cv) > float(dv) else "duty bearer higher"
    options = [r for r in _REASONS[side] if r in known]
    return options[int(draw * len(options))] if options else None


def _agree(c: float, d: float, tol_abs: float, tol_rel: float) -> bool:
    return abs(c - d) <= max(tol_abs, tol_rel * max(c, d))


def duty_bearer_sheet(
    truth: pd.DataFrame,
    community: Mapping[str, Mapping[str, np.ndarray]],
    codebook: Codebook,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Rows of the ``Duty bearers`` sheet: each duty bearer's figure against the community's.

    Returns
    -------
    pandas.DataFrame
        ``village_id``, ``block``, ``village``, ``group``, ``indicator``,
        ``community_value``, ``value``, ``response``, ``reason`` (a reason code
        when the figures differ and the duty bearer did not agree), ``comment``; one row
        per village,
        duty bearer (teacher, aww, asha) and indicator the duty bearer answers.
    """
    ind = codebook.indicators
    n = len(truth)
    plan = [
        (fam, code)
        for fam in ("teacher", "aww", "asha")
        for code in codebook.indicators_for("village", fam)
    ]
    k = len(plan)
    own = np.empty((n, k), dtype=object)
    comm = np.empty((n, k), dtype=object)
    for j, (fam, code) in enumerate(plan):
        unit = ind.at[code, "unit"]
        own[:, j] = _blank(_report(truth, code, fam, unit, rng), rng, MODEL["p_missing"])
        comm[:, j] = community[code]["community"]
    df = pd.DataFrame(
        {
            "village_id": np.repeat(truth["village_id"].to_numpy(), k),
            "block": np.repeat(truth["block_written"].to_numpy(), k),
            "village": np.repeat(truth["village_written"].to_numpy(), k),
            "group": np.tile(np.array([p[0] for p in plan], dtype=object), n),
            "indicator": np.tile(np.array([p[1] for p in plan], dtype=object), n),
            "community_value": comm.ravel(),
            "value": own.ravel(),
        }
    )
    df["unit"] = df["indicator"].map(ind["unit"])

    responses = []
    reasons = []
    comments = []
    draws = rng.random((len(df), 2))
    for i, (c, d, code, unit) in enumerate(
        zip(df["community_value"], df["value"], df["indicator"], df["unit"], strict=True)
    ):
        if c is None or d is None or (isinstance(c, float) and np.isnan(c)):
            responses.append(None)
            reasons.append(None)
            comments.append(None)
            continue
        if unit == "yesno":
            agree = c == d
        else:
            agree = _agree(
                float(c), float(d), ind.at[code, "tolerance_abs"], ind.at[code, "tolerance_rel"]
            )
        r = draws[i, 0]
        if agree:
            resp = "agree" if r < 0.9 else "partly agree"
        else:
            resp = "dispute" if r < 0.55 else ("partly agree" if r < 0.9 else "agree")
        responses.append(resp)
        differs = not agree and resp != "agree"
        reasons.append(_reason(c, d, draws[i, 1], codebook) if differs else None)
        options = _COMMENTS[resp]
        comments.append(options[int(draws[i, 1] * len(options))])
    df["response"] = responses
    df["reason"] = reasons
    df["comment"] = comments
    return df.drop(columns="unit")


def ranking_sheet(
    truth: pd.DataFrame, codebook: Codebook, rng: np.random.Generator
) -> pd.DataFrame:
    """Rows of the ``Ranking`` sheet: each group's ranking of the issues, 1 = most serious.

    A group ranks issue ``i`` by the severity ``s_i + tilt_{g,i} + e`` where ``s_i`` is
    the village's standardised true level of the issue's indicator (a rate per child for
    counts, +-1 for yes/no), ``tilt`` makes girls' groups rank child marriage and sexual
    abuse higher and boys' groups child labour and migration, and ``e ~ N(0, 0.6)``.
    """
    issues = codebook.ranking_issues
    severity = np.zeros((len(truth), len(issues)))
    for j, row in enumerate(issues.itertuples(index=False)):
        code = row.indicator
        unit = codebook.indicators.at[code, "unit"]
        t = truth[code].to_numpy(dtype=float)
        if unit == "yesno":
            s = np.where(t > 0, 1.0, -1.0)
        else:
            den = codebook.indicators.at[code, "denominator"]
            base = truth[den].to_numpy(dtype=float) if den in truth else np.ones(len(t))
            x = np.log((t + 0.5) / np.maximum(base, 1.0))
            sd = x.std()
            s = (x - x.mean()) / (sd if sd > 0 else 1.0)
        severity[:, j] = s
    issue_codes = issues["code"].tolist()
    families = codebook.ranking_groups
    groups = codebook.groups.index[codebook.groups["family"].isin(families)].tolist()
    tilt_table = {
        "female": {"child_marriage": 0.8, "sexual_abuse": 0.4},
        "male": {"child_labour": 0.6, "migration": 0.6},
    }
    frames = []
    for g in groups:
        sex = codebook.groups.at[g, "sex"]
        tilt = np.array([tilt_table.get(sex, {}).get(c, 0.0) for c in issue_codes])
        score = severity + tilt + rng.normal(0, 0.6, severity.shape)
        ranks = np.argsort(np.argsort(-score, axis=1, kind="stable"), axis=1) + 1
        part = pd.DataFrame(
            {
                "village_id": truth["village_id"].to_numpy(),
                "order": np.arange(len(truth)),
                "block": truth["block_written"].to_numpy(),
                "village": truth["village_written"].to_numpy(),
                "group": g,
            }
        )
        for j, c in enumerate(issue_codes):
            part[f"rank_{c}"] = ranks[:, j].astype(np.int64)
        frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    out = out.sort_values("order", kind="stable").drop(columns="order")
    return out.reset_index(drop=True)


# ------------------------------------------------------------------------ block level


def secondary_sheet(
    truth: pd.DataFrame,
    blocks: pd.DataFrame,
    rates: Mapping[str, float],
    structure: AgeStructure,
    codebook: Codebook,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Rows of the ``Secondary data`` sheet: block x indicator x year.

    Block figures scale the programme villages' true rates (population-weighted within the
    block) to the whole block population (every habitation of the block, missing
    populations imputed); departments record fewer cases than exist (out-of-school
    children identified: 30-60 %; child labourers rescued: 1-3 % of working children).
    Health and registration shares follow the district's NFHS-5 value with block noise
    and a yearly improvement.

    Parameters
    ----------
    blocks : pandas.DataFrame
        ``block_id``, ``block_written``, ``block_population``, ``n_habitations``.
    """
    years = list(codebook.secondary_years)
    codes = codebook.indicators_for("secondary")
    ind = codebook.indicators
    rows = []
    for b in blocks.itertuples(index=False):
        tv = truth[truth["block_id"] == b.block_id]
        pop = float(b.block_population)

        def rate(num: str, den: str, _tv: pd.DataFrame = tv) -> float:
            d = _tv[den].sum()
            return float(_tv[num].sum() / d) if d > 0 else 0.0

        kids_6_14 = pop * structure.share("children_6_14")
        kids_5_17 = pop * structure.share("children_5_17")
        kids_0_17 = pop * structure.share("children_0_17")
        oosc = rate("oosc_6_14", "children_6_14")
        labour = rate("child_labour_5_17", "children_5_17")
        vlcpc_share = float(tv["vlcpc_exists"].mean()) if len(tv) else 0.4
        sanctioned = max(1, round(pop / 900))
        schools = max(1, round(pop / 1300))
        for t, year in enumerate(years):
            trend = 1 + 0.03 * t
            values = {
                "sec_awc_sanctioned": sanctioned,
                "sec_awc_functional": round(
                    sanctioned * min(1.0, rng.uniform(0.82, 0.96) * trend**0.5)
                ),
                "sec_awc_children_enrolled": round(
                    pop * structure.share("children_0_6") * rng.uniform(0.55, 0.8) * trend
                ),
                "sec_schools": schools,
                "sec_enrolment_girls": round(
                    pop * structure.share("girls_6_14") * (1 - oosc) * rng.uniform(0.93, 1.05)
                ),
                "sec_enrolment_boys": round(
                    pop * structure.share("boys_6_14") * (1 - oosc) * rng.uniform(0.93, 1.05)
                ),
                "sec_oosc": round(kids_6_14 * oosc * rng.uniform(0.3, 0.6) / trend),
                "sec_dropout_rate": round(
                    100
                    * rate("girls_dropout_after_primary", "girls_10_14")
                    * rng.uniform(0.6, 1.0)
                    / trend,
                    1,
                ),
                "sec_institutional_births": _share(rates["institutional_births"], t, rng),
                "sec_full_immunisation": _share(rates["full_immunisation"], t, rng),
                "sec_births_registered": _share(rates["birth_registration"], t, rng),
                "sec_child_labour_rescued": int(
                    rng.poisson(kids_5_17 * labour * rng.uniform(0.01, 0.03))
                ),
                "sec_pocso_cases": int(rng.poisson(kids_0_17 * 0.08 / 1000)),
                "sec_kidnap_trafficking": int(rng.poisson(kids_0_17 * 0.05 / 1000)),
                "sec_missing_children": int(rng.poisson(kids_0_17 * 0.1 / 1000)),
                "sec_vlcpc_formed": round(b.n_habitations * vlcpc_share * min(1.0, 0.7 + 0.12 * t)),
                "sec_blcpc_meetings": int(rng.integers(0, 5)),
                "sec_cwc_jjb_cases": int(rng.poisson(kids_0_17 * 0.15 / 1000)),
            }
            for code in codes:
                value = values.get(code)
                if value is not None and rng.random() < MODEL["p_missing"]:
                    value = None
                rows.append(
                    {
                        "block_id": b.block_id,
                        "block": b.block_written,
                        "indicator": code,
                        "year": year,
                        "value": value,
                        "department": ind.at[code, "department"],
                        "source": f"Block {ind.at[code, 'department']} office records (synthetic)",
                    }
                )
    return pd.DataFrame(rows, dtype=object)


def _share(district_pct: float, t: int, rng: np.random.Generator) -> float:
    """A block's yearly share around a district per cent, improving over the years."""
    x = logit(district_pct / 100.0) + rng.normal(0, 0.25) + 0.1 * (t - 1)
    return round(100.0 * float(expit(x)), 1)


#: block official answering each Part II indicator
PART2_OFFICIALS: dict[str, str] = {
    "oosc_6_14": "beo",
    "child_labour_5_17": "leo",
    "child_migration": "leo",
    "girls_dropout_after_primary": "beo",
    "child_marriage_12m": "bdo",
    "adolescent_pregnancy": "moic",
    "births_not_registered": "moic",
    "corporal_punishment": "beo",
    "violence_at_home": "blcpc",
    "unsafe_places": "sho",
    "sexual_abuse_known": "sho",
    "missing_trafficked": "sho",
    "awc_functioning": "cdpo",
    "teacher_attendance": "beo",
    "midday_meal": "beo",
    "vlcpc_exists": "blcpc",
    "vlcpc_met_quarter": "blcpc",
}

_ACTIONS = [
    "Enrolment drive with the School Management Committees.",
    "Joint inspection of the worst-affected villages.",
    "Review in the next Block Level Child Protection Committee meeting.",
    "Awareness campaign with ASHAs and Anganwadi workers.",
    "Instruct field staff to update the registers.",
    None,
]


def _issue_activities(codebook: Codebook, code: str) -> list[str]:
    """Activity codes an official may commit to for an indicator (its plan issue's list,
    else the child protection system's activities)."""
    for spec in codebook.plan_issues.values():
        if code in spec["indicators"]:
            return list(spec["activities"])
    known = set(codebook.activities["code"])
    return [a for a in ("sy_vlcpc_activation", "sy_helpline_awareness") if a in known]


def part2_sheet(
    truth: pd.DataFrame,
    community: Mapping[str, Mapping[str, np.ndarray]],
    blocks: pd.DataFrame,
    codebook: Codebook,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Rows of the ``Block duty bearers`` sheet: the compiled evidence and each response.

    The stronger the evidence (share of the block's villages where the community
    reported the issue), the likelier the official acknowledges it.
    """
    ind = codebook.indicators
    codes = [c for c in codebook.indicators_for("village") if bool(ind.at[c, "part2"])]
    known_groups = set(codebook.groups.index)
    rows = []
    for b in blocks.itertuples(index=False):
        mask = (truth["block_id"] == b.block_id).to_numpy()
        vids = truth["village_id"].to_numpy()[mask]
        for code in codes:
            unit = ind.at[code, "unit"]
            vals = pd.Series(community[code]["community"][mask], dtype=object)
            if unit == "yesno":
                hit = (vals == "yes").to_numpy()
            elif unit == "score":
                hit = (pd.to_numeric(vals, errors="coerce") <= 2).to_numpy()
            else:
                hit = (pd.to_numeric(vals, errors="coerce") > 0).to_numpy()
            share = float(hit.mean()) if len(hit) else 0.0
            label = ind.at[code, "label"].lower()
            if unit == "score":
                evidence = f"Rated poor (1-2) in {int(hit.sum())} of {len(vids)} villages: {label}."
            elif unit == "yesno" and ind.at[code, "higher_is"] == "better":
                evidence = f"Reported in {int(hit.sum())} of {len(vids)} villages: {label}."
            else:
                evidence = f"Reported in {int(hit.sum())} of {len(vids)} villages: {label}."
            r = rng.random()
            p_ack = 0.35 + 0.4 * share
            resp = (
                "acknowledged"
                if r < p_ack
                else ("partly acknowledged" if r < p_ack + 0.35 else "not acknowledged")
            )
            group = PART2_OFFICIALS.get(code, "bdo")
            if group not in known_groups:
                group = "bdo"
            action, action_code = None, None
            if resp != "not acknowledged":
                k = int(rng.integers(len(_ACTIONS)))
                action = _ACTIONS[k]
                options = _issue_activities(codebook, code)
                action_code = options[k % len(options)] if options else None
            rows.append(
                {
                    "block_id": b.block_id,
                    "block": b.block_written,
                    "indicator": code,
                    "group": group,
                    "evidence": evidence,
                    "response": resp,
                    "action": action,
                    "action_code": action_code,
                    "timeline_months": None if action is None else int(rng.choice([3, 6, 12])),
                }
            )
    return pd.DataFrame(rows, dtype=object)


def collation_sheet(
    truth: pd.DataFrame,
    community: Mapping[str, Mapping[str, np.ndarray]],
    duty: pd.DataFrame,
    part2: pd.DataFrame,
    codebook: Codebook,
) -> pd.DataFrame:
    """Rows of the ``Collation`` sheet: one per village and village indicator.

    Columns ``cg`` and ``ag`` hold the families' combined values, ``teacher``, ``aww`` and
    ``asha`` the duty bearers' own figures, ``block_response`` the block official's
    response to the indicator (the same for every village of the block).
    """
    codes = codebook.indicators_for("village")
    n, k = len(truth), len(codes)
    out: dict[str, np.ndarray] = {
        "village_id": np.repeat(truth["village_id"].to_numpy(), k),
        "block": np.repeat(truth["block_written"].to_numpy(), k),
        "village": np.repeat(truth["village_written"].to_numpy(), k),
        "indicator": np.tile(np.array(codes, dtype=object), n),
    }
    for fam in ("cg", "ag"):
        mat = np.empty((n, k), dtype=object)
        for j, code in enumerate(codes):
            mat[:, j] = community[code].get(fam, np.full(n, None, dtype=object))
        out[fam] = mat.ravel()
    pos = {v: i for i, v in enumerate(truth["village_id"].to_numpy())}
    col = {c: j for j, c in enumerate(codes)}
    rows = duty["village_id"].map(pos).to_numpy()
    cols_ = duty["indicator"].map(col).to_numpy()
    for fam in ("teacher", "aww", "asha"):
        mat = np.full((n, k), None, dtype=object)
        sel = (duty["group"] == fam).to_numpy()
        mat[rows[sel], cols_[sel]] = duty["value"].to_numpy(dtype=object)[sel]
        out[fam] = mat.ravel()
    resp = {
        (b, c): r
        for b, c, r in zip(part2["block_id"], part2["indicator"], part2["response"], strict=True)
    }
    blocks = truth["block_id"].to_numpy()
    mat = np.empty((n, k), dtype=object)
    for j, code in enumerate(codes):
        mat[:, j] = [resp.get((b, code)) for b in blocks]
    out["block_response"] = mat.ravel()
    return pd.DataFrame(out)
