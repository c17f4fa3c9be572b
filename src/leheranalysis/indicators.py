"""Village and block indicators of the District Need Assessment (pure functions).

Every function takes the processed tables of ``docs/design.md`` (``observations``,
``rankings``, ``villages``) as DataFrames and returns new DataFrames; nothing here reads or
writes files. The tables are those of one district (``data/processed/<slug>/``). The shared
definitions (kinds, intervals, the issue-reported rule, input checks) live in
:mod:`leheranalysis._indicators_base` and the triangulation in
:mod:`leheranalysis._indicators_triangulation`; their public names are re-exported here.

Definitions
-----------
Denominators
    A village's population base for a rate is its population (``villages.population``)
    times a documented share of the population (:func:`denominator_shares`), because the
    age structure of single villages is not published. Shares come from the Census of
    India 2011 age tables and can be adjusted per district with its NFHS-5 share of the
    population under 15.
Rates
    ``rate_per_1000 = 1000 * count / base`` with the exact (Garwood, chi-square) Poisson
    interval of the count divided by the base (:func:`poisson_ci`).
Issue reported
    A group's answer reports the issue when (:func:`issue_reported`): a count is above 0;
    a yes/no answer is ``yes`` (1) for an indicator where higher is worse, ``no`` (0) for
    one where higher is better (e.g. "VLCPC exists: no"); a score where higher is better
    is at most 2 on the 1-5 scale (at least ``min + max - 2`` where higher is worse); a
    share where higher is better is below 50 %, where higher is worse above 0.
Community value
    Children's and adult groups combined: the maximum for counts (groups count the same
    children, so a sum would double-count), the mean for scores and shares, "yes" if any
    group says yes for yes/no (the maximum of 1/0) - as in ``docs/design.md``.
Share of villages reporting
    Per block (and for all blocks), indicator and respondent-group kind: villages where
    at least one group of that kind reported the issue, over villages where at least one
    group of that kind answered; Wilson score interval (:func:`wilson_ci`).
Population-weighted rates
    Sum of the village counts over the sum of the village bases (villages with both a
    value and a population), with the exact Poisson interval of the summed count.
Issue ranking (pairwise-ranking exercise)
    Each group (an *exercise*) ranks its ``n`` issues 1..n (1 = most serious). An issue
    earns ``n - rank`` Borda points from an exercise (0 if the exercise did not rank
    it); the normalised Borda score is the points summed over the exercises of a scope
    divided by the maximum possible, ``sum(n - 1)``, so 1 means every group ranked it
    first. Mean rank is over the exercises that ranked the issue; the top-3 share is
    over all exercises of the scope, with a Wilson interval.
Triangulation
    Per village, indicator and duty bearer (teacher, AWW, ASHA) whose family reports the
    indicator: community value ``c`` against the duty bearer's value ``d``. They agree
    when ``|c - d| <= max(tolerance_abs, tolerance_rel * max(c, d))`` (codebook
    tolerances); otherwise the class is ``community higher`` or ``duty bearer higher``
    (literally the larger value, whatever the direction; ``community_worse`` says whether
    the community's picture is the worse one); ``no data`` when either value is missing.
    Discrepancy rates are shares of the village-duty bearer pairs *with data*, with
    Wilson intervals; pairs without data are counted apart (``n_no_data``).

Scopes
------
Block and district summaries carry ``scope`` (``block`` or ``district``), ``block_id``
(``<NA>`` for the district) and ``block_name`` (``All blocks`` for the district); choose
with ``by="block"``, ``"district"`` or ``"both"`` (default).

Examples
--------
>>> lo, hi = wilson_ci(3, 10)
>>> round(float(lo), 4), round(float(hi), 4)
(0.1078, 0.6032)
>>> lo, hi = poisson_ci(0)
>>> float(lo), round(float(hi), 3)
(0.0, 3.689)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from leheranalysis._indicators_base import (  # noqa: F401 - re-exported
    _ALL_BLOCKS,
    _COMMUNITY_FAMILIES,
    _DUTY_BEARERS,
    _EPS,
    _SCOPE,
    AGREEMENT_CLASSES,
    KINDS,
    _cb,
    _check_codes,
    _check_level,
    _combine,
    _order,
    _require,
    _scoped,
    _village_obs,
    _where,
    issue_reported,
    poisson_ci,
    wilson_ci,
)
from leheranalysis._indicators_triangulation import (  # noqa: F401 - re-exported
    _class_rates,
    _finish,
    _pair_grid,
    discrepancy_matrix,
    discrepancy_rates,
    largest_discrepancies,
    response_rates,
    triangulate,
)
from leheranalysis.codebook import Codebook, load_codebook  # noqa: F401 - re-exported
from leheranalysis.errors import IndicatorInputError

__all__ = [
    "CENSUS2011_SHARES",
    "CENSUS2011_UNDER15_SHARE",
    "SRS2011_CRUDE_BIRTH_RATE",
    "KINDS",
    "AGREEMENT_CLASSES",
    "denominator_shares",
    "village_denominators",
    "poisson_ci",
    "wilson_ci",
    "issue_reported",
    "village_group_indicators",
    "village_values",
    "share_of_villages_reporting",
    "headline",
    "population_weighted_rates",
    "secondary_indicators",
    "issue_ranking",
    "triangulate",
    "discrepancy_rates",
    "response_rates",
    "discrepancy_matrix",
    "largest_discrepancies",
]

# --------------------------------------------------------------------------- denominators
#: Census of India 2011 (final, age tables C-13/C-14), India, all areas: population
#: 1,210.85 million; 0-4 112.81 M (9.32 %), 5-9 126.93 M (10.48 %), 10-14 132.71 M
#: (10.96 %), 15-19 120.53 M (9.95 %), under 15 372.44 M (30.76 %); females 10-14
#: 63.29 M (5.23 %), females 15-19 56.54 M (4.67 %). Bands that cut a five-year group
#: take it pro rata (single years assumed equal within the group):
#: 0-17 = 0-14 + 3/5 of 15-19; 6-14 = 4/5 of 5-9 + 10-14; 5-17 = 5-14 + 3/5 of 15-19.
#: Births in 12 months: the Sample Registration System 2011 crude birth rate for India,
#: 21.8 per 1,000 population. Shares are fractions of the total population.
CENSUS2011_SHARES: dict[str, float] = {
    "children_0_17": 0.3673,
    "children_6_14": 0.1934,
    "children_5_17": 0.2741,
    "girls_10_14": 0.0523,
    "girls_15_19": 0.0467,
    "births_12m": 0.0218,
}
#: share of the population under 15, Census of India 2011, India
CENSUS2011_UNDER15_SHARE = 0.3076
#: crude birth rate per 1,000 population, SRS 2011, India
SRS2011_CRUDE_BIRTH_RATE = 21.8


def denominator_shares(
    under15_share: float | None = None,
    crude_birth_rate: float | None = None,
    **overrides: float,
) -> dict[str, float]:
    """Shares of a village's population that form each rate denominator.

    The defaults are India's Census 2011 age structure (:data:`CENSUS2011_SHARES`):

    ================  =======  ============================================
    denominator        share    derivation (Census 2011, India)
    ================  =======  ============================================
    children_0_17     0.3673   0-14 (30.76 %) + 3/5 of 15-19 (9.95 %)
    children_6_14     0.1934   4/5 of 5-9 (10.48 %) + 10-14 (10.96 %)
    children_5_17     0.2741   5-9 + 10-14 + 3/5 of 15-19
    girls_10_14       0.0523   females 10-14
    girls_15_19       0.0467   females 15-19
    births_12m        0.0218   SRS 2011 crude birth rate, 21.8 per 1,000
    ================  =======  ============================================

    Parameters
    ----------
    under15_share : float, optional
        The district's share of the population under 15, as a fraction (e.g. NFHS-5
        "Population below age 15 years (%)" / 100: Madhubani 0.347, Morigaon 0.321,
        Budgam 0.223, Rajouri 0.264, Leh 0.21). Every share, births included, is scaled by
        ``under15_share / 0.3076`` (a younger population has more children and births
        per head; the Census age pattern within childhood is kept).
    crude_birth_rate : float, optional
        Births per 1,000 population per year; sets ``births_12m`` to
        ``crude_birth_rate / 1000`` (overrides the scaling above).
    **overrides : float
        Explicit shares by denominator code, applied last (e.g. ``girls_15_19=0.05``).

    Returns
    -------
    dict of str to float
        Share of the total population for each denominator code.

    Raises
    ------
    IndicatorInputError
        If a share is not in (0, 1), a code is unknown, or the birth rate not in (0, 100).

    Examples
    --------
    >>> denominator_shares()["children_6_14"]
    0.1934
    >>> round(denominator_shares(under15_share=0.347)["children_6_14"], 4)
    0.2182
    """
    shares = dict(CENSUS2011_SHARES)
    if under15_share is not None:
        _check_fraction("under15_share", under15_share)
        factor = float(under15_share) / CENSUS2011_UNDER15_SHARE
        shares = {k: v * factor for k, v in shares.items()}
    if crude_birth_rate is not None:
        if not 0 < float(crude_birth_rate) < 100:
            raise IndicatorInputError(
                f"crude_birth_rate must be births per 1,000 population in (0, 100), "
                f"got {crude_birth_rate!r}"
            )
        shares["births_12m"] = float(crude_birth_rate) / 1000.0
    for code, value in overrides.items():
        if code not in shares:
            raise IndicatorInputError(
                f"unknown denominator {code!r} (known: {', '.join(CENSUS2011_SHARES)})"
            )
        _check_fraction(code, value)
        shares[code] = float(value)
    return shares


def _check_fraction(name: str, value: object) -> None:
    try:
        ok = 0 < float(value) < 1  # type: ignore[arg-type]
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise IndicatorInputError(f"{name} must be a fraction in (0, 1), got {value!r}")


def village_denominators(
    villages: pd.DataFrame, shares: dict[str, float] | None = None
) -> pd.DataFrame:
    """Population bases of each village for every denominator.

    Parameters
    ----------
    villages : pandas.DataFrame
        The ``villages`` table (``village_id``, ``population``; other columns are kept:
        ``village_name``, ``block_id``, ``block_name`` when present).
    shares : dict, optional
        From :func:`denominator_shares` (default: Census 2011 India).

    Returns
    -------
    pandas.DataFrame
        One row per village: the id columns, ``population`` and one float column per
        denominator code (``population * share``; NaN when the population is missing).

    Raises
    ------
    IndicatorInputError
        If columns are missing, ids are duplicated or populations are negative.
    """
    _require(villages, ("village_id", "population"), "villages")
    shares = denominator_shares() if shares is None else shares
    keep = [c for c in ("village_id", "village_name", "block_id", "block_name") if c in villages]
    out = pd.DataFrame(villages[keep]).copy()
    out["village_id"] = out["village_id"].astype("Int64")
    dup = out["village_id"][out["village_id"].duplicated()]
    if len(dup):
        raise IndicatorInputError(f"villages: duplicated village_id {int(dup.iloc[0])}")
    pop = pd.to_numeric(villages["population"], errors="coerce").astype(float).to_numpy()
    if np.any(pop < 0):
        bad = out["village_id"].iloc[int(np.nanargmin(pop))]
        raise IndicatorInputError(f"villages: negative population for village_id {bad}")
    pop = np.where(pop > 0, pop, np.nan)
    out["population"] = pop
    for code, share in shares.items():
        out[code] = pop * float(share)
    return out.reset_index(drop=True)


# ------------------------------------------------------------- per village and group
def village_group_indicators(
    observations: pd.DataFrame,
    villages: pd.DataFrame,
    codebook: Codebook | None = None,
    shares: dict[str, float] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Per village and respondent group: values, rates per 1,000 and issue flags.

    Parameters
    ----------
    observations : pandas.DataFrame
        The ``observations`` table; rows of the ``village`` instrument are used.
    villages : pandas.DataFrame
        The ``villages`` table (``village_id``, ``population``).
    codebook : Codebook, optional
        Default :func:`leheranalysis.codebook.load_codebook`.
    shares : dict, optional
        Denominator shares (:func:`denominator_shares`).
    level : float
        Confidence level of the rate intervals.

    Returns
    -------
    pandas.DataFrame
        One row per village, group and indicator: ``block_id``, ``block_name``,
        ``village_id``, ``village_name``, ``group``, ``family``, ``kind``, ``indicator``,
        ``domain``, ``unit``, ``higher_is``, ``value``, ``denominator`` (code),
        ``base`` (persons), ``rate_per_1000``, ``rate_lo``, ``rate_hi`` (counts with a
        denominator and a known population only, else NaN), ``reported`` (nullable
        boolean), ``response``.
    """
    cb = _cb(codebook)
    obs = _village_obs(observations, cb)
    den = village_denominators(villages, shares)
    codes = [c for c in den.columns if c in cb.denominators.index or c in CENSUS2011_SHARES]
    long = den.melt(
        id_vars="village_id", value_vars=codes, var_name="denominator", value_name="base"
    )
    obs = obs.merge(long, on=["village_id", "denominator"], how="left")
    is_rate = (obs["unit"] == "count") & obs["denominator"].notna()
    base = obs["base"].where(is_rate).astype(float)
    obs["base"] = base
    obs["rate_per_1000"] = 1000.0 * obs["value"] / base
    lo, hi = poisson_ci(obs["value"].where(is_rate).to_numpy(), base.to_numpy(), level)
    obs["rate_lo"], obs["rate_hi"] = 1000.0 * lo, 1000.0 * hi
    cols = [
        "block_id", "block_name", "village_id", "village_name", "group", "family", "kind",
        "indicator", "domain", "unit", "higher_is", "value", "denominator", "base",
        "rate_per_1000", "rate_lo", "rate_hi", "reported", "response",
    ]  # fmt: skip
    out = obs[cols].assign(scope="block")
    gorder = {g: i for i, g in enumerate(cb.groups.index)}
    out["_g"] = out["group"].map(gorder)
    out = _order(out, cb, ("village_id", "_g")) if len(out) else out
    return out.drop(columns=["scope", "_g"])


def _families(source: str, codebook: Codebook) -> list[str]:
    fams = codebook.group_families()
    named = {
        "community": list(_COMMUNITY_FAMILIES),
        "children": [f for f in fams if codebook.groups.loc[fams[f][0], "kind"] == "children"],
        "adults": [f for f in fams if codebook.groups.loc[fams[f][0], "kind"] == "adults"],
        "duty_bearer": list(_DUTY_BEARERS),
    }
    if source in named:
        return named[source]
    if source in fams:
        return [source]
    if source in codebook.groups.index:
        return [str(codebook.groups.at[source, "family"])]
    raise IndicatorInputError(
        f"unknown source {source!r}: use one of {', '.join(named)}, a group family "
        f"({', '.join(fams)}) or a group code"
    )


def village_values(
    observations: pd.DataFrame,
    codebook: Codebook | None = None,
    source: str = "community",
) -> pd.DataFrame:
    """One value per village and indicator from a set of respondent groups.

    Parameters
    ----------
    observations : pandas.DataFrame
        The ``observations`` table (``village`` instrument rows are used).
    codebook : Codebook, optional
    source : str
        ``community`` (children's and adult groups, the default), ``children``,
        ``adults``, ``duty_bearer``, a group family (``cg``, ``teacher``, ...) or a
        group code (taken as its family).

    Returns
    -------
    pandas.DataFrame
        ``block_id``, ``block_name``, ``village_id``, ``village_name``, ``indicator``,
        ``unit``, ``value``, ``n_groups`` (answers combined): max for counts, any-yes for
        yes/no, mean for scores and shares. Villages and indicators without any answer
        from the source are absent.
    """
    cb = _cb(codebook)
    obs = _village_obs(observations, cb)
    obs = obs[obs["family"].isin(_families(source, cb))]
    keys = ["block_id", "block_name", "village_id", "village_name", "indicator"]
    out = _combine(obs, keys)
    cols = [*keys, "unit", "value", "n_groups"]
    if out.empty:
        return pd.DataFrame(columns=cols)
    return _order(out.assign(scope="block"), cb, ("village_id",))[cols]


# ------------------------------------------------------------------ block and district
def share_of_villages_reporting(
    observations: pd.DataFrame,
    codebook: Codebook | None = None,
    by: str = "both",
    kinds: Sequence[str] = ("children", "adults", "duty_bearer"),
    level: float = 0.95,
) -> pd.DataFrame:
    """Share of villages where a kind of respondent group reported each issue.

    Parameters
    ----------
    observations : pandas.DataFrame
        The ``observations`` table.
    codebook : Codebook, optional
    by : {"both", "block", "district"}
        Scopes to return.
    kinds : sequence of str
        Among ``children``, ``adults``, ``duty_bearer`` and ``community`` (children or
        adults).
    level : float
        Confidence level of the Wilson intervals.

    Returns
    -------
    pandas.DataFrame
        ``scope``, ``block_id``, ``block_name``, ``indicator``, ``kind``,
        ``n_villages`` (villages where the kind answered), ``n_reported``, ``share``,
        ``share_lo``, ``share_hi`` (fractions). ``attrs["level"]`` holds the level.
    """
    cb = _cb(codebook)
    for k in kinds:
        if k not in KINDS:
            raise IndicatorInputError(f"unknown kind {k!r} (known: {', '.join(KINDS)})")
    obs = _village_obs(observations, cb).dropna(subset=["value"])
    parts = [obs[obs["kind"] == k].assign(kind=k) for k in kinds if k != "community"]
    if "community" in kinds:
        parts.append(obs[obs["family"].isin(_COMMUNITY_FAMILIES)].assign(kind="community"))
    obs = pd.concat(parts, ignore_index=True)
    keys = ["block_id", "block_name", "village_id", "indicator", "kind"]
    per_village = obs.groupby(keys, dropna=False)["reported"].any().rename("reported").reset_index()
    scoped = _scoped(per_village, by)
    out = (
        scoped.groupby([*_SCOPE, "indicator", "kind"], dropna=False)
        .agg(n_villages=("reported", "size"), n_reported=("reported", "sum"))
        .reset_index()
    )
    out["n_reported"] = out["n_reported"].astype(int)
    out["share"] = out["n_reported"] / out["n_villages"]
    out["share_lo"], out["share_hi"] = wilson_ci(out["n_reported"], out["n_villages"], level)
    out["_k"] = out["kind"].map({k: i for i, k in enumerate(kinds)})
    out = _order(out, cb, ("_k",)).drop(columns="_k") if len(out) else out.drop(columns="_k")
    out.attrs["level"] = level
    return out


_SUBJECTS = {
    "children": "Children",
    "adults": "Adults",
    "duty_bearer": "Duty bearers",
    "community": "Children or adults",
}


def _issue_text(codebook: Codebook, indicator: str) -> str:
    row = codebook.indicator(indicator)
    label = str(row["label"])
    for suffix in (" (score 1-5)", " (%)"):
        label = label.removesuffix(suffix)
    if row["higher_is"] == "better":
        unit = row["unit"]
        if unit == "yesno":
            return f'"no" to: {label}'
        if unit == "score":
            return f"a low score (2 or less) for: {label}"
        if unit == "share":
            return f"a share below 50 % for: {label}"
        return f"a problem with: {label}"
    first, _, rest = label.partition(" ")
    if first[1:].islower() and first not in ("Anganwadi", "Childline"):
        label = first.lower() + (" " + rest if rest else "")
    return label


def headline(
    shares: pd.DataFrame,
    indicator: str,
    kind: str = "children",
    block_id: int | None = None,
    codebook: Codebook | None = None,
    issue: str | None = None,
) -> str:
    """The DNA headline sentence for one row of :func:`share_of_villages_reporting`.

    Parameters
    ----------
    shares : pandas.DataFrame
        Output of :func:`share_of_villages_reporting`.
    indicator : str
        Indicator code.
    kind : str
        Respondent-group kind.
    block_id : int, optional
        A block; default the district row.
    codebook : Codebook, optional
    issue : str, optional
        Wording of the issue (default from the codebook label: "out-of-school children
        aged 6-14"; for indicators where higher is better, the answer that reports the
        issue: '"no" to: <label>', "a low score (2 or less) for: <label>", "a share
        below 50 % for: <label>").

    Returns
    -------
    str
        E.g. ``"Children in 61 % of villages (38 of 62; 95 % CI 49-72 %) reported
        out-of-school children aged 6-14."``; for a block it starts "In block <name>,".

    Raises
    ------
    IndicatorInputError
        If the table has no such row.
    """
    cb = _cb(codebook)
    if block_id is None:
        sel = shares[(shares["scope"] == "district")]
    else:
        sel = shares[(shares["scope"] == "block") & (shares["block_id"] == block_id)]
    sel = sel[(sel["indicator"] == indicator) & (sel["kind"] == kind)]
    if sel.empty:
        where = "the district" if block_id is None else f"block_id {block_id}"
        raise IndicatorInputError(
            f"no share of villages for indicator {indicator!r}, kind {kind!r} in {where}"
        )
    row = sel.iloc[0]
    lvl = round(100 * float(shares.attrs.get("level", 0.95)))
    text = issue if issue is not None else _issue_text(cb, indicator)
    subject = _SUBJECTS.get(kind, kind)
    sentence = (
        f"{subject} in {100 * row['share']:.0f} % of villages ({row['n_reported']} of "
        f"{row['n_villages']}; {lvl} % CI {100 * row['share_lo']:.0f}-"
        f"{100 * row['share_hi']:.0f} %) reported {text}."
    )
    if block_id is not None:
        sentence = f"In block {row['block_name']}, {sentence[0].lower()}{sentence[1:]}"
    return sentence


def population_weighted_rates(
    observations: pd.DataFrame,
    villages: pd.DataFrame,
    codebook: Codebook | None = None,
    source: str = "community",
    by: str = "both",
    shares: dict[str, float] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Rates per 1,000 of the codebook denominator over blocks and the district.

    Parameters
    ----------
    observations, villages : pandas.DataFrame
        Processed tables.
    codebook : Codebook, optional
    source : str
        Whose counts (see :func:`village_values`; default the community value).
    by : {"both", "block", "district"}
    shares : dict, optional
        Denominator shares (:func:`denominator_shares`).
    level : float

    Returns
    -------
    pandas.DataFrame
        ``scope``, ``block_id``, ``block_name``, ``indicator``, ``denominator``,
        ``n_villages`` (with a value and a population), ``n_no_population`` (with a
        value but no population: left out), ``count``, ``base``, ``rate_per_1000``,
        ``rate_lo``, ``rate_hi``. Count indicators with a denominator only.
    """
    cb = _cb(codebook)
    vals = village_values(observations, cb, source)
    ind = cb.indicators
    rated = ind.index[(ind["unit"] == "count") & ind["denominator"].notna()]
    vals = vals[vals["indicator"].isin(rated)].copy()
    vals["denominator"] = vals["indicator"].map(ind["denominator"])
    den = village_denominators(villages, shares)
    long = den.melt(
        id_vars="village_id",
        value_vars=list(CENSUS2011_SHARES),
        var_name="denominator",
        value_name="base",
    )
    vals = vals.merge(long, on=["village_id", "denominator"], how="left")
    vals["has_base"] = vals["base"].notna()
    vals["count_used"] = vals["value"].where(vals["has_base"])
    scoped = _scoped(vals, by)
    out = (
        scoped.groupby([*_SCOPE, "indicator", "denominator"], dropna=False)
        .agg(
            n_villages=("has_base", "sum"),
            n_no_population=("has_base", lambda s: int((~s).sum())),
            count=("count_used", "sum"),
            base=("base", "sum"),
        )
        .reset_index()
    )
    out["base"] = out["base"].where(out["n_villages"] > 0)
    out["rate_per_1000"] = 1000.0 * out["count"] / out["base"]
    lo, hi = poisson_ci(out["count"].to_numpy(), out["base"].to_numpy(), level)
    out["rate_lo"], out["rate_hi"] = 1000.0 * lo, 1000.0 * hi
    out = _order(out, cb) if len(out) else out
    out.attrs["level"] = level
    return out


#: derived secondary indicators: code -> (label, department, numerator, denominator codes)
_SECONDARY_DERIVED = {
    "sec_awc_functional_pct": (
        "ICDS: Anganwadi centres functional, % of sanctioned",
        "ICDS",
        ["sec_awc_functional"],
        ["sec_awc_sanctioned"],
    ),
    "sec_girls_enrolment_pct": (
        "Education: girls, % of enrolment (classes 1-8)",
        "Education",
        ["sec_enrolment_girls"],
        ["sec_enrolment_girls", "sec_enrolment_boys"],
    ),
}


def secondary_indicators(
    observations: pd.DataFrame,
    codebook: Codebook | None = None,
    wide: bool = False,
    district_total: bool = True,
    derived: bool = True,
) -> pd.DataFrame:
    """Departmental figures of the secondary data template per block and year.

    Parameters
    ----------
    observations : pandas.DataFrame
        The ``observations`` table (``secondary`` instrument rows are used).
    codebook : Codebook, optional
    wide : bool
        Return a pivot (rows department, indicator, label, unit, block; one column per
        year) instead of the tidy table.
    district_total : bool
        Add ``All blocks`` rows: counts summed over blocks (NaN unless every block of
        the table reported that indicator and year); shares are not summed (NaN), except
        the derived ones, recomputed from the summed counts.
    derived : bool
        Add ``sec_awc_functional_pct`` (functional / sanctioned Anganwadi centres) and
        ``sec_girls_enrolment_pct`` (girls / all enrolled, classes 1-8), in percent.

    Returns
    -------
    pandas.DataFrame
        Tidy: ``scope``, ``block_id``, ``block_name``, ``department``, ``indicator``,
        ``label``, ``unit``, ``higher_is``, ``year``, ``value``.
    """
    cb = _cb(codebook)
    _require(observations, ("block_id", "instrument", "indicator", "year", "value"), "observations")
    sec = observations[observations["instrument"] == "secondary"].copy()
    if "block_name" not in sec:
        sec["block_name"] = pd.NA
    unknown = ~sec["indicator"].isin(cb.indicators.index)
    if unknown.any():
        row = sec[unknown].iloc[0]
        raise IndicatorInputError(
            f"observations: unknown indicator {row['indicator']!r}{_where(row)}"
        )
    sec["value"] = pd.to_numeric(sec["value"], errors="coerce").astype(float)
    sec["block_id"] = sec["block_id"].astype("Int64")
    tidy = sec[["block_id", "block_name", "indicator", "year", "value"]].assign(scope="block")
    if district_total and len(tidy):
        tidy = pd.concat([tidy, _secondary_totals(tidy, cb)], ignore_index=True)
    if derived and len(tidy):
        tidy = pd.concat([tidy, _secondary_derived(tidy)], ignore_index=True)
    meta = cb.indicators[["label", "unit", "higher_is", "department"]]
    extra = pd.DataFrame(
        {k: {"label": v[0], "unit": "share", "higher_is": "better", "department": v[1]}
         for k, v in _SECONDARY_DERIVED.items()}
    ).T  # fmt: skip
    tidy = tidy.join(pd.concat([meta, extra]), on="indicator")
    tidy["block_id"] = tidy["block_id"].astype("Int64")
    order = {c: i for i, c in enumerate([*cb.indicators.index, *_SECONDARY_DERIVED])}
    tidy["_i"] = tidy["indicator"].map(order)
    tidy["_s"] = (tidy["scope"] == "district").astype(int)
    tidy = tidy.sort_values(["_s", "block_id", "_i", "year"], kind="stable", na_position="last")
    cols = ["scope", "block_id", "block_name", "department", "indicator", "label", "unit",
            "higher_is", "year", "value"]  # fmt: skip
    tidy = tidy[cols].reset_index(drop=True)
    if not wide:
        return tidy
    return tidy.pivot_table(
        index=["department", "indicator", "label", "unit", "scope", "block_id", "block_name"],
        columns="year",
        values="value",
        aggfunc="first",
        dropna=False,
        sort=False,
    ).dropna(how="all")


def _secondary_totals(tidy: pd.DataFrame, cb: Codebook) -> pd.DataFrame:
    n_blocks = tidy["block_id"].nunique()
    g = tidy.groupby(["indicator", "year"], dropna=False)["value"]
    tot = g.agg(["sum", "count"]).reset_index()
    counts = tot["indicator"].map(cb.indicators["unit"]) == "count"
    tot["value"] = tot["sum"].where(counts & (tot["count"] == n_blocks))
    na_ids = pd.array([pd.NA] * len(tot), dtype="Int64")
    return tot[["indicator", "year", "value"]].assign(
        scope="district", block_id=na_ids, block_name=_ALL_BLOCKS
    )


def _secondary_derived(tidy: pd.DataFrame) -> pd.DataFrame:
    keys = ["scope", "block_id", "block_name", "year", "indicator"]
    wide = tidy.groupby(keys, dropna=False, sort=False)["value"].first().unstack("indicator")
    parts = []
    for code, (_, _, num, den) in _SECONDARY_DERIVED.items():
        if not set(num + den) <= set(wide.columns):
            continue
        d = wide[den].sum(axis=1, min_count=len(den))
        n = wide[num].sum(axis=1, min_count=len(num))
        val = (100.0 * n / d.where(d > 0)).rename("value").reset_index()
        parts.append(val.assign(indicator=code))
    if not parts:
        return pd.DataFrame(columns=tidy.columns)
    return pd.concat(parts, ignore_index=True)


# ------------------------------------------------------------------------------ ranking
def issue_ranking(
    rankings: pd.DataFrame,
    codebook: Codebook | None = None,
    by: str = "both",
    kinds: Sequence[str] = ("children", "adults", "all"),
    top: int = 3,
    level: float = 0.95,
) -> pd.DataFrame:
    """Aggregate the pairwise-ranking exercise per block and district, by group kind.

    Parameters
    ----------
    rankings : pandas.DataFrame
        The ``rankings`` table: ``block_id``, ``village_id``, ``group``, ``issue``,
        ``rank`` (1 = most serious); optional ``block_name``.
    codebook : Codebook, optional
    by : {"both", "block", "district"}
    kinds : sequence of str
        ``children``, ``adults`` (group kinds) and ``all``.
    top : int
        Cut-off of the "ranked in the top" share (default 3).
    level : float
        Confidence level of the Wilson interval of the top share.

    Returns
    -------
    pandas.DataFrame
        ``scope``, ``block_id``, ``block_name``, ``kind``, ``issue``, ``label``,
        ``n_groups`` (exercises in scope), ``n_ranked``, ``mean_rank``, ``borda``
        (normalised, 0-1), ``n_top``, ``share_top``, ``top_lo``, ``top_hi``,
        ``position`` (1 = highest Borda score; ties share the best position). Every
        codebook issue appears in every scope and kind.
    """
    cb = _cb(codebook)
    rk = _ranking_table(rankings, cb)
    issues = list(cb.ranking_issues["code"])
    parts = [rk[rk["kind"] == k].assign(kind=k) for k in kinds if k != "all"]
    if "all" in kinds:
        parts.append(rk.assign(kind="all"))
    rk = _scoped(pd.concat(parts, ignore_index=True), by)
    ex_keys = [*_SCOPE, "kind", "village_id", "group"]
    exercises = rk.groupby(ex_keys, dropna=False)["rank"].count().rename("n").reset_index()
    exercises["max_points"] = (exercises["n"] - 1).clip(lower=0)
    sk = [*_SCOPE, "kind"]
    scopes = (
        exercises.groupby(sk, dropna=False)
        .agg(n_groups=("n", "size"), max_points=("max_points", "sum"))
        .reset_index()
    )
    rk = rk.merge(exercises[[*ex_keys, "n"]], on=ex_keys, how="left")
    rk["points"] = rk["n"] - rk["rank"]
    rk["is_top"] = rk["rank"] <= top
    agg = (
        rk.dropna(subset=["rank"])
        .groupby([*sk, "issue"], dropna=False)
        .agg(
            n_ranked=("rank", "size"),
            mean_rank=("rank", "mean"),
            points=("points", "sum"),
            n_top=("is_top", "sum"),
        )
        .reset_index()
    )
    grid = scopes.merge(pd.DataFrame({"issue": issues}), how="cross")
    out = grid.merge(agg, on=[*sk, "issue"], how="left")
    out[["n_ranked", "points", "n_top"]] = out[["n_ranked", "points", "n_top"]].fillna(0)
    out = out.astype({"n_ranked": int, "n_top": int})
    out["borda"] = out["points"] / out["max_points"].where(out["max_points"] > 0)
    out["share_top"] = out["n_top"] / out["n_groups"]
    out["top_lo"], out["top_hi"] = wilson_ci(out["n_top"], out["n_groups"], level)
    out["position"] = (
        out.groupby(sk, dropna=False)["borda"].rank(ascending=False, method="min").astype("Int64")
    )
    out["label"] = out["issue"].map(cb.ranking_issues.set_index("code")["label"])
    out["_k"] = out["kind"].map({k: i for i, k in enumerate(kinds)})
    out = _order(out, cb, ("_k", "position")) if len(out) else out
    cols = [*_SCOPE, "kind", "issue", "label", "n_groups", "n_ranked", "mean_rank", "borda",
            "n_top", "share_top", "top_lo", "top_hi", "position"]  # fmt: skip
    return out[cols]


def _ranking_table(rankings: pd.DataFrame, cb: Codebook) -> pd.DataFrame:
    _require(rankings, ("block_id", "village_id", "group", "issue", "rank"), "rankings")
    rk = rankings.copy()
    if "block_name" not in rk:
        rk["block_name"] = pd.NA
    for col, known, what in (
        ("group", cb.groups.index, "respondent group"),
        ("issue", cb.ranking_issues["code"], "ranking issue"),
    ):
        bad = ~rk[col].isin(list(known))
        if bad.any():
            raise IndicatorInputError(f"rankings: unknown {what} {rk.loc[bad, col].iloc[0]!r}")
    rank = pd.to_numeric(rk["rank"], errors="coerce")
    bad = (rank.isna() & rk["rank"].notna()) | (rank < 1)
    if bad.any():
        row = rk[bad].iloc[0]
        got = row["rank"] if isinstance(row["rank"], str) else f"{row['rank']}"
        raise IndicatorInputError(
            f"rankings: rank must be a number >= 1, got {got!r} (village_id "
            f"{row['village_id']}, group {row['group']!r}, issue {row['issue']!r})"
        )
    rk["rank"] = rank.astype(float)
    dup = rk.duplicated(["village_id", "group", "issue"])
    if dup.any():
        row = rk[dup].iloc[0]
        raise IndicatorInputError(
            f"rankings: issue {row['issue']!r} ranked twice by group {row['group']!r} in "
            f"village_id {row['village_id']}"
        )
    rk["kind"] = rk["group"].map(cb.groups["kind"])
    rk["block_id"] = rk["block_id"].astype("Int64")
    rk["village_id"] = rk["village_id"].astype("Int64")
    return rk[["block_id", "block_name", "village_id", "group", "kind", "issue", "rank"]]
