"""Monitoring: a follow-up round of the DNA measured against the baseline and the plan.

Pure functions: every one takes tables (the processed tables of two rounds, a plan) and
returns a table; nothing is read or written here except by :func:`read_plan`. The plan's
targets (:func:`read_plan`, :func:`district_plan_file`, :func:`plan_tracking`) live in
the private :mod:`leheranalysis._monitoring_plan`, re-exported here.

What is compared
----------------
Villages are paired by gazetteer id: only villages assessed in both rounds enter a
comparison (villages not revisited, or added, are listed by
:func:`leheranalysis.rounds.coverage`). A village's value of an indicator is the
community's (children's and adult groups combined: max for counts, any-yes for yes/no,
mean for scores and shares; :func:`leheranalysis.indicators.village_values`).

Tests and intervals
-------------------
- **Share of villages reporting an issue** (the DNA's headline), paired by village:
  the villages that newly report the issue against those that stopped, with the exact
  McNemar test (a two-sided binomial test of the discordant pairs).
- **Any indicator**: a paired sign-flip randomisation test of the village values
  (:func:`paired_test`; its statistic is the sum of the village differences). For yes/no
  answers it is the exact McNemar test. It assumes only that villages are independent
  and that, without a true change, a village's two values are exchangeable: it holds
  however unequal the villages are, which a Poisson or normal model of the counts does
  not (known cases vary between villages far more than Poisson counts).
- **Rates per 1,000** (counts with a codebook denominator): the pooled rate of the
  paired villages in each round and their rate ratio with an exact interval (the
  conditional binomial, Clopper-Pearson, interval of the follow-up's share of all
  cases). This interval treats the cases as Poisson counts and is therefore too narrow
  when villages differ; the decision whether a change is more than noise rests on the
  paired test.
- **Many indicators at once**: the p-values of all indicators compared are adjusted
  together with the Benjamini-Hochberg method (default, ``adjust="bh"``): among the
  indicators called changed, the expected share of false calls is at most ``alpha``,
  and when nothing changed at all the chance of any call is at most ``alpha``. Holm's
  method (``adjust="holm"``) keeps the chance of any false call below ``alpha`` whatever
  else changed, at the cost of missing more real changes (with some 60 villages and
  noisy recall it misses large ones). A change is called when the adjusted p-value is
  below ``alpha`` (default 0.05).

The index across rounds
-----------------------
:func:`index_across_rounds` computes the CPVI once over the villages of both rounds
(each village-round a unit): the normalisation is **pooled across rounds**, so both
rounds' scores are on one 0-100 scale and can be subtracted. Fixing the goalposts at the
baseline instead would put follow-up values outside 0-100 wherever a village does
better than the baseline's best, and the CPVI's outlier treatment is chosen from the
data, so it cannot be frozen from one round (COINr's panel data allow both; pooled is
its default for comparisons over time). The price: the baseline scores of the
comparison differ a little from those of the baseline report, which normalised over
the baseline alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from leheranalysis import indicators as _ind
from leheranalysis._monitoring_plan import (  # noqa: F401  (re-exported)
    PLAN_COLUMNS,
    district_plan_file,
    plan_tracking,
    read_plan,
)
from leheranalysis.codebook import Codebook, load_codebook
from leheranalysis.errors import ConfigError, IndicatorInputError

__all__ = [
    "ALPHA",
    "ADJUSTMENTS",
    "PLAN_COLUMNS",
    "RoundData",
    "sign_test",
    "paired_test",
    "mcnemar_exact",
    "rate_ratio",
    "adjust_pvalues",
    "paired_values",
    "change_table",
    "block_changes",
    "latest_round_changes",
    "triangulation_change",
    "index_across_rounds",
    "read_plan",
    "district_plan_file",
    "plan_tracking",
]

#: error rate of the calls of change (after adjustment)
ALPHA = 0.05

#: adjustments for many indicators: Holm (family-wise error) and Benjamini-Hochberg (FDR)
ADJUSTMENTS = ("holm", "bh")


@dataclass
class RoundData:
    """One round's processed tables (what :func:`leheranalysis.processed.load_processed` gives).

    Attributes
    ----------
    name : str
        The round (``baseline``, ``midline``, ...).
    observations, villages : pandas.DataFrame
    reference_date : str or None
        ``YYYY-MM-DD``.
    synthetic : bool
    """

    name: str
    observations: pd.DataFrame
    villages: pd.DataFrame
    reference_date: str | None = None
    synthetic: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_processed(cls, processed: Any) -> RoundData:
        """From a :class:`leheranalysis.processed.Processed` (codebook indicators only)."""
        from leheranalysis.processed import analysis_observations

        return cls(
            name=processed.round,
            observations=analysis_observations(processed.observations),
            villages=pd.DataFrame(processed.villages.drop(columns="geometry", errors="ignore")),
            reference_date=processed.reference_date,
            synthetic=processed.synthetic,
        )


# ------------------------------------------------------------------------------- tests
def sign_test(n_down: Any, n_up: Any) -> np.ndarray:
    """Exact two-sided sign test: p-value of ``n_down`` falls against ``n_up`` rises.

    ``2 * P(Binomial(n, 1/2) <= min(n_down, n_up))``, capped at 1; 1 when ``n = 0``.

    Examples
    --------
    >>> [round(float(p), 4) for p in sign_test([0, 8, 3], [0, 1, 3])]
    [1.0, 0.0391, 1.0]
    """
    d = np.asarray(n_down, dtype=float)
    u = np.asarray(n_up, dtype=float)
    if np.any(d < 0) or np.any(u < 0):
        raise IndicatorInputError("sign_test: counts of villages cannot be negative")
    n = d + u
    p = np.minimum(1.0, 2.0 * stats.binom.cdf(np.minimum(d, u), n, 0.5))
    return np.where(n > 0, p, 1.0)


#: villages up to which :func:`paired_test` draws sign flips (above: normal approximation)
FLIP_LIMIT = 400

#: sign-flip draws of :func:`paired_test`
FLIPS = 10_000


#: largest sum of whole-number differences whose sign-flip distribution is enumerated
EXACT_LIMIT = 200_000


def _exact_flip_p(mag: np.ndarray, observed: float) -> float:
    """Exact two-sided p-value of the sum of ``+-mag`` (whole numbers, each sign 1/2).

    The sum is ``2 T - M`` with ``T`` the sum of the magnitudes given a plus sign; the
    distribution of ``T`` is built by adding one magnitude at a time.
    """
    total = int(mag.sum())
    dist = np.zeros(total + 1)
    dist[0] = 1.0
    reach = 0
    for k in mag:
        k = int(k)
        new = dist.copy()
        new[k : reach + k + 1] += dist[: reach + 1]
        dist = new / 2.0
        reach += k
    t = np.arange(total + 1)
    extreme = np.abs(2 * t - total) >= observed - 1e-9
    return float(min(1.0, dist[extreme].sum()))


def paired_test(before: Any, after: Any, seed: int = 0) -> float:
    """Two-sided paired test of no change: sign-flip randomisation of the village differences.

    Without a true change a village's two values are exchangeable, so each difference
    is as likely to have either sign. The statistic is the sum of the differences (for
    counts over a common base: the change of the pooled rate). When all non-zero
    differences have the same size (yes/no answers) the test is the exact sign test
    (:func:`mcnemar_exact`); when the differences are whole numbers (counts) the
    distribution of all sign flips is enumerated exactly; otherwise (means of groups'
    scores and shares) ``FLIPS`` random sign flips give the p-value
    ``(1 + #{|sum| >= |observed|}) / (1 + FLIPS)`` (a valid p-value however few the
    draws); beyond ``FLIP_LIMIT`` villages the normal approximation of the flip
    distribution (mean 0, variance the sum of the squared differences).

    Parameters
    ----------
    before, after : array_like
        Paired values (NaN pairs are left out).
    seed : int
        Seed of the sign flips (same seed, same p-value).

    Examples
    --------
    >>> round(paired_test([1, 0, 1, 1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0, 0, 0, 0]), 4)
    0.0078
    >>> paired_test([3, 5, 2], [3, 5, 2])
    1.0
    """
    b = np.asarray(before, dtype=float)
    a = np.asarray(after, dtype=float)
    ok = ~(np.isnan(b) | np.isnan(a))
    d = (a - b)[ok]
    d = d[d != 0]
    m = len(d)
    if m == 0:
        return 1.0
    mag = np.abs(d)
    if np.allclose(mag, mag[0]):
        return float(sign_test(int((d < 0).sum()), int((d > 0).sum())))
    observed = abs(float(d.sum()))
    if np.allclose(mag, np.round(mag)) and mag.sum() <= EXACT_LIMIT and m <= FLIP_LIMIT:
        return _exact_flip_p(np.round(mag).astype(np.int64), observed)
    if m > FLIP_LIMIT:
        z = observed / float(np.sqrt((d**2).sum()))
        return float(min(1.0, 2 * stats.norm.sf(z)))
    rng = np.random.default_rng(seed)
    hits = 0
    for start in range(0, FLIPS, 2_000):
        k = min(2_000, FLIPS - start)
        signs = rng.integers(0, 2, (k, m), dtype=np.int8) * 2 - 1
        sums = np.abs(signs @ mag)
        hits += int((sums >= observed - 1e-9 * max(observed, 1.0)).sum())
    return (1 + hits) / (1 + FLIPS)


def mcnemar_exact(newly: Any, stopped: Any) -> np.ndarray:
    """Exact McNemar test of paired yes/no answers (the sign test of the discordant pairs).

    Parameters
    ----------
    newly, stopped : array_like
        Villages that report the issue only at follow-up, and only at baseline.

    Examples
    --------
    >>> round(float(mcnemar_exact(1, 9)), 4)
    0.0215
    """
    return sign_test(newly, stopped)


def rate_ratio(
    k0: Any, e0: Any, k1: Any, e1: Any, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ratio of two Poisson rates ``(k1 / e1) / (k0 / e0)`` with its exact interval.

    Conditional on ``k0 + k1``, ``k1`` is binomial with ``pi = e1 RR / (e0 + e1 RR)``;
    the Clopper-Pearson interval of ``pi`` gives the interval of ``RR``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, numpy.ndarray)
        Ratio, lower and upper limit (NaN when both counts are 0; ratio and upper limit
        ``inf`` when ``k0 = 0``).

    Examples
    --------
    >>> rr, lo, hi = rate_ratio(40, 1000, 20, 1000)
    >>> round(float(rr), 2), round(float(lo), 3), round(float(hi), 3)
    (0.5, 0.277, 0.876)
    """
    _ind._check_level(level)
    k0, e0, k1, e1 = (np.asarray(x, dtype=float) for x in (k0, e0, k1, e1))
    n = k0 + k1
    a = 1 - level
    with np.errstate(divide="ignore", invalid="ignore"):
        lo_pi = np.where(k1 > 0, stats.beta.ppf(a / 2, k1, k0 + 1), 0.0)
        hi_pi = np.where(k0 > 0, stats.beta.ppf(1 - a / 2, k1 + 1, k0), 1.0)
        scale = e0 / e1
        rr = np.where(n > 0, (k1 / e1) / (k0 / e0), np.nan)
        lo = np.where(n > 0, lo_pi / (1 - lo_pi) * scale, np.nan)
        hi = np.where(n > 0, np.where(hi_pi < 1, hi_pi / (1 - hi_pi) * scale, np.inf), np.nan)
    return rr, lo, hi


def adjust_pvalues(p: Any, method: str = "bh") -> np.ndarray:
    """P-values adjusted for many comparisons: ``holm`` or ``bh`` (Benjamini-Hochberg).

    NaN p-values are left out of the family and stay NaN.

    Examples
    --------
    >>> [round(float(x), 3) for x in adjust_pvalues([0.01, 0.04, 0.03], "holm")]
    [0.03, 0.06, 0.06]
    >>> [round(float(x), 3) for x in adjust_pvalues([0.01, 0.04, 0.03], "bh")]
    [0.03, 0.04, 0.04]
    """
    if method not in ADJUSTMENTS:
        raise ConfigError(f"adjustment {method!r} is not one of {', '.join(ADJUSTMENTS)}")
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    m = len(q)
    if m == 0:
        return out
    order = np.argsort(q, kind="stable")
    ranked = q[order]
    if method == "holm":
        adj = np.maximum.accumulate((m - np.arange(m)) * ranked)
    else:
        adj = np.minimum.accumulate((m / np.arange(1, m + 1) * ranked)[::-1])[::-1]
    res = np.empty(m)
    res[order] = np.minimum(adj, 1.0)
    out[ok] = res
    return out


# ---------------------------------------------------------------------- paired values
def paired_values(
    baseline: RoundData,
    followup: RoundData,
    codebook: Codebook | None = None,
    source: str = "community",
) -> pd.DataFrame:
    """Each village's value of each indicator in both rounds (villages of both rounds only).

    Returns
    -------
    pandas.DataFrame
        ``block_id``, ``block_name``, ``village_id``, ``village_name``, ``indicator``,
        ``unit``, ``baseline``, ``followup`` (NaN where the round has no answer).
    """
    cb = load_codebook() if codebook is None else codebook
    keys = ["village_id", "indicator"]
    b = _ind.village_values(baseline.observations, cb, source)
    f = _ind.village_values(followup.observations, cb, source)
    both = set(baseline.villages["village_id"].astype(int)) & set(
        followup.villages["village_id"].astype(int)
    )
    b = b[b["village_id"].astype(int).isin(both)]
    f = f[f["village_id"].astype(int).isin(both)]
    out = b.rename(columns={"value": "baseline"}).merge(
        f[[*keys, "value"]].rename(columns={"value": "followup"}), on=keys, how="outer"
    )
    names = baseline.villages.set_index(baseline.villages["village_id"].astype(int))
    vid = out["village_id"].astype(int)
    for col in ("block_id", "block_name", "village_name"):
        out[col] = vid.map(names[col]) if col in names else out.get(col)
    out["unit"] = out["indicator"].map(cb.indicators["unit"])
    cols = ["block_id", "block_name", "village_id", "village_name", "indicator", "unit",
            "baseline", "followup"]  # fmt: skip
    order = {c: i for i, c in enumerate(cb.indicators.index)}
    out = out.assign(_o=out["indicator"].map(order)).sort_values(["_o", "village_id"])
    return out[cols].reset_index(drop=True)


def _reported(values: pd.Series, indicator: pd.Series, cb: Codebook) -> pd.Series:
    ind = cb.indicators
    return _ind.issue_reported(
        values.to_numpy(dtype=float),
        indicator.map(ind["unit"]).to_numpy(),
        indicator.map(ind["higher_is"]).to_numpy(),
        pd.to_numeric(indicator.map(ind["min"])).astype(float).fillna(1).to_numpy(),
        pd.to_numeric(indicator.map(ind["max"])).astype(float).fillna(5).to_numpy(),
    )


def _bases(villages: pd.DataFrame, shares: Mapping[str, float] | None) -> pd.DataFrame:
    den = _ind.village_denominators(villages, dict(shares) if shares is not None else None)
    den["village_id"] = den["village_id"].astype(int)
    return den.set_index("village_id")


def _summarise(pairs: pd.DataFrame, cb: Codebook, bases: pd.DataFrame, level: float):
    """One row per indicator of ``pairs`` (both values present): values, tests, ratio."""
    ind = cb.indicators
    rows = []
    pairs = pairs.dropna(subset=["baseline", "followup"])
    pairs = pairs.assign(
        _rb=_reported(pairs["baseline"], pairs["indicator"], cb).fillna(False).to_numpy(bool),
        _rf=_reported(pairs["followup"], pairs["indicator"], cb).fillna(False).to_numpy(bool),
    )
    for code, g in pairs.groupby("indicator", sort=False):
        unit = ind.at[code, "unit"]
        den = ind.at[code, "denominator"]
        b, f = g["baseline"].to_numpy(float), g["followup"].to_numpy(float)
        rb, rf = g["_rb"].to_numpy(bool), g["_rf"].to_numpy(bool)
        row = {
            "indicator": code,
            "unit": unit,
            "higher_is": ind.at[code, "higher_is"],
            "sensitive": bool(ind.at[code, "sensitive"]),
            "n_villages": len(g),
            "reported_baseline": int(rb.sum()),
            "reported_followup": int(rf.sum()),
            "newly_reported": int((~rb & rf).sum()),
            "stopped_reporting": int((rb & ~rf).sum()),
            "n_fell": int((f < b).sum()),
            "n_rose": int((f > b).sum()),
        }
        n = max(len(g), 1)
        row["share_baseline"] = row["reported_baseline"] / n if len(g) else np.nan
        row["share_followup"] = row["reported_followup"] / n if len(g) else np.nan
        row["p_reporting"] = float(mcnemar_exact(row["newly_reported"], row["stopped_reporting"]))
        row["p_value"] = paired_test(b, f)
        if unit == "count" and isinstance(den, str) and den in bases:
            e = bases[den].reindex(g["village_id"].astype(int)).to_numpy(float)
            ok = np.isfinite(e) & (e > 0)
            e_sum = float(e[ok].sum())
            k0, k1 = float(b[ok].sum()), float(f[ok].sum())
            rr, lo, hi = rate_ratio(k0, e_sum, k1, e_sum, level)
            row.update(
                measure="rate per 1,000",
                denominator=den,
                cases_baseline=k0,
                cases_followup=k1,
                baseline=1000 * k0 / e_sum if e_sum else np.nan,
                followup=1000 * k1 / e_sum if e_sum else np.nan,
                ratio=float(rr),
                ratio_lo=float(lo),
                ratio_hi=float(hi),
            )
        else:
            measure = {
                "yesno": "share of villages",
                "share": "mean per cent",
                "score": "mean score",
            }
            row.update(
                measure=measure.get(unit, "mean per village"),
                denominator=None,
                cases_baseline=np.nan,
                cases_followup=np.nan,
                baseline=float(b.mean()) if len(b) else np.nan,
                followup=float(f.mean()) if len(f) else np.nan,
                ratio=np.nan,
                ratio_lo=np.nan,
                ratio_hi=np.nan,
            )
        row["change"] = row["followup"] - row["baseline"]
        rows.append(row)
    return pd.DataFrame(rows)


CHANGE_COLUMNS = [
    "indicator", "label", "domain", "unit", "higher_is", "sensitive", "measure", "denominator",
    "n_villages", "baseline", "followup", "change", "ratio", "ratio_lo", "ratio_hi",
    "cases_baseline", "cases_followup", "n_fell", "n_rose", "reported_baseline",
    "reported_followup", "share_baseline", "share_followup", "newly_reported",
    "stopped_reporting", "p_reporting", "p_value", "p_adjusted", "changed", "direction",
    "verdict",
]  # fmt: skip


def _verdicts(out: pd.DataFrame, alpha: float, adjust: str) -> pd.DataFrame:
    out["p_adjusted"] = adjust_pvalues(out["p_value"], adjust)
    out["changed"] = out["p_adjusted"] < alpha
    fell = out["change"] < 0  # the sign of the paired test's statistic (sum of differences)
    out["direction"] = np.where(out["changed"], np.where(fell, "fell", "rose"), "no clear change")
    better = np.where(out["higher_is"] == "worse", fell, ~fell)
    out["verdict"] = np.where(
        out["changed"], np.where(better, "better", "worse"), "no clear change"
    )
    return out


def change_table(
    baseline: RoundData,
    followup: RoundData,
    codebook: Codebook | None = None,
    *,
    alpha: float = ALPHA,
    adjust: str = "bh",
    level: float = 0.95,
    shares: Mapping[str, float] | None = None,
    pairs: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """What changed between two rounds, indicator by indicator, over the paired villages.

    Parameters
    ----------
    baseline, followup : RoundData
    codebook : Codebook, optional
    alpha : float
        Error rate of the calls of change (after adjustment).
    adjust : {"bh", "holm"}
        Adjustment of the p-values over all indicators compared (default
        Benjamini-Hochberg).
    level : float
        Level of the rate ratios' intervals.
    shares : mapping, optional
        Denominator shares (:func:`leheranalysis.indicators.denominator_shares`).
    pairs : pandas.DataFrame, optional
        :func:`paired_values` of the two rounds, when already computed.

    Returns
    -------
    pandas.DataFrame
        One row per village indicator with answers in both rounds (codebook order):
        :data:`CHANGE_COLUMNS`. ``baseline``/``followup`` are rates per 1,000 (pooled
        over the paired villages) for counts with a denominator, the share of villages
        (0-1) for yes/no, means otherwise; ``ratio`` (``_lo``, ``_hi``) the rate ratio;
        ``n_fell``/``n_rose`` the villages whose value fell/rose; ``p_value`` the paired
        test (:func:`paired_test`), ``p_adjusted`` after ``adjust``; ``changed`` when ``p_adjusted <
        alpha``; ``direction`` ``fell``/``rose``/``no clear change``; ``verdict``
        ``better``/``worse`` by the codebook's direction. ``reported_*``/``share_*``:
        villages where the community reported the issue, ``newly_reported``/
        ``stopped_reporting`` and ``p_reporting`` (exact McNemar). ``attrs`` hold
        ``alpha``, ``adjust``, ``level``, the rounds and the villages compared.
    """
    if not 0 < alpha < 1:
        raise ConfigError(f"alpha must be between 0 and 1, got {alpha}")
    cb = load_codebook() if codebook is None else codebook
    pairs = paired_values(baseline, followup, cb) if pairs is None else pairs
    bases = _bases(baseline.villages, shares)
    out = _summarise(pairs, cb, bases, level)
    if out.empty:
        out = pd.DataFrame(columns=CHANGE_COLUMNS)
    else:
        out = out[out["n_villages"] > 0].reset_index(drop=True)
        out["label"] = out["indicator"].map(cb.indicators["label"])
        out["domain"] = out["indicator"].map(cb.indicators["domain"])
        out = _verdicts(out, alpha, adjust)[CHANGE_COLUMNS]
    out.attrs.update(
        alpha=alpha,
        adjust=adjust,
        level=level,
        baseline=baseline.name,
        followup=followup.name,
        villages=int(pairs["village_id"].nunique()) if len(pairs) else 0,
    )
    return out


def block_changes(
    baseline: RoundData,
    followup: RoundData,
    codebook: Codebook | None = None,
    *,
    alpha: float = ALPHA,
    adjust: str = "bh",
    shares: Mapping[str, float] | None = None,
    pairs: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """:func:`change_table` per block (the p-values of all blocks and indicators adjusted
    together); column ``block_id`` and ``block_name`` first. ``pairs``: as in
    :func:`change_table`."""
    cb = load_codebook() if codebook is None else codebook
    pairs = paired_values(baseline, followup, cb) if pairs is None else pairs
    bases = _bases(baseline.villages, shares)
    parts = []
    for (bid, bname), g in pairs.groupby(["block_id", "block_name"], sort=True):
        s = _summarise(g, cb, bases, 0.95)
        if len(s):
            parts.append(s.assign(block_id=bid, block_name=bname))
    if not parts:
        return pd.DataFrame(columns=["block_id", "block_name", *CHANGE_COLUMNS])
    out = pd.concat(parts, ignore_index=True)
    out = out[out["n_villages"] > 0].reset_index(drop=True)
    out["label"] = out["indicator"].map(cb.indicators["label"])
    out["domain"] = out["indicator"].map(cb.indicators["domain"])
    out = _verdicts(out, alpha, adjust)
    out.attrs.update(alpha=alpha, adjust=adjust)
    return out[["block_id", "block_name", *CHANGE_COLUMNS]]


def latest_round_changes(
    pairs: Mapping[str, tuple[RoundData, RoundData]],
    codebook: Codebook | None = None,
    *,
    alpha: float = ALPHA,
    adjust: str = "bh",
) -> pd.DataFrame:
    """Across districts: each district's latest round against its baseline, in one row.

    Parameters
    ----------
    pairs : mapping
        District -> (baseline, latest round), for districts with a follow-up round.

    Returns
    -------
    pandas.DataFrame
        ``district``, ``round``, ``reference_date``, ``baseline_date``, ``villages``
        (compared), ``indicators``, ``better``, ``worse``, ``no_clear_change`` (counts),
        ``improved`` and ``worsened`` (indicator labels, ``; ``-joined), ``synthetic``.
    """
    cb = load_codebook() if codebook is None else codebook
    rows = []
    for district, (base, follow) in pairs.items():
        t = change_table(base, follow, cb, alpha=alpha, adjust=adjust)
        better = t[t["changed"] & (t["verdict"] == "better")]
        worse = t[t["changed"] & (t["verdict"] == "worse")]
        rows.append(
            {
                "district": district,
                "round": follow.name,
                "reference_date": follow.reference_date,
                "baseline_date": base.reference_date,
                "villages": int(t.attrs.get("villages", 0)),
                "indicators": len(t),
                "better": len(better),
                "worse": len(worse),
                "no_clear_change": int(len(t) - len(better) - len(worse)),
                "improved": "; ".join(better["label"]),
                "worsened": "; ".join(worse["label"]),
                "synthetic": bool(base.synthetic or follow.synthetic),
            }
        )
    cols = ["district", "round", "reference_date", "baseline_date", "villages", "indicators",
            "better", "worse", "no_clear_change", "improved", "worsened", "synthetic"]  # fmt: skip
    out = pd.DataFrame(rows, columns=cols)
    out.attrs.update(alpha=alpha, adjust=adjust)
    return out


# ----------------------------------------------------------------------- triangulation
def triangulation_change(
    baseline: RoundData,
    followup: RoundData,
    codebook: Codebook | None = None,
    *,
    alpha: float = ALPHA,
    adjust: str = "bh",
) -> pd.DataFrame:
    """Do duty bearers' registers now agree more often with the community?

    Per indicator and duty bearer, over the villages where both sides answered in both
    rounds: the share of villages where the two agree (within the codebook's tolerance,
    :func:`leheranalysis.indicators.triangulate`) in each round, the villages that came
    to agree and that stopped agreeing, and the exact McNemar test (adjusted over all
    rows with ``adjust``).

    Returns
    -------
    pandas.DataFrame
        ``indicator``, ``label``, ``duty_bearer``, ``n_villages``, ``agree_baseline``,
        ``agree_followup`` (villages), ``share_baseline``, ``share_followup``,
        ``came_to_agree``, ``stopped_agreeing``, ``p_value``, ``p_adjusted``,
        ``changed``, ``direction`` (``more agreement``, ``less agreement``, ``no clear
        change``).
    """
    cb = load_codebook() if codebook is None else codebook
    keys = ["village_id", "indicator", "duty_bearer"]
    tb = _ind.triangulate(baseline.observations, cb)
    tf = _ind.triangulate(followup.observations, cb)
    tb = tb[tb["agreement"] != "no data"][[*keys, "agreement"]]
    tf = tf[tf["agreement"] != "no data"][[*keys, "agreement"]]
    m = tb.merge(tf, on=keys, suffixes=("_b", "_f"))
    m["ab"] = m["agreement_b"].astype(str) == "agree"
    m["af"] = m["agreement_f"].astype(str) == "agree"
    rows = []
    order = {c: i for i, c in enumerate(cb.indicators.index)}
    for (code, duty), g in m.groupby(["indicator", "duty_bearer"], sort=False):
        came = int((~g["ab"] & g["af"]).sum())
        stopped = int((g["ab"] & ~g["af"]).sum())
        rows.append(
            {
                "indicator": code,
                "label": cb.indicators.at[code, "label"],
                "duty_bearer": duty,
                "n_villages": len(g),
                "agree_baseline": int(g["ab"].sum()),
                "agree_followup": int(g["af"].sum()),
                "share_baseline": float(g["ab"].mean()),
                "share_followup": float(g["af"].mean()),
                "came_to_agree": came,
                "stopped_agreeing": stopped,
                "p_value": float(mcnemar_exact(came, stopped)),
                "_o": order.get(code, 0),
            }
        )
    cols = ["indicator", "label", "duty_bearer", "n_villages", "agree_baseline",
            "agree_followup", "share_baseline", "share_followup", "came_to_agree",
            "stopped_agreeing", "p_value", "p_adjusted", "changed", "direction"]  # fmt: skip
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(rows).sort_values(["_o", "duty_bearer"], kind="stable")
    out["p_adjusted"] = adjust_pvalues(out["p_value"], adjust)
    out["changed"] = out["p_adjusted"] < alpha
    more = out["came_to_agree"] > out["stopped_agreeing"]
    out["direction"] = np.where(
        out["changed"], np.where(more, "more agreement", "less agreement"), "no clear change"
    )
    out.attrs.update(alpha=alpha, adjust=adjust)
    return out[cols].reset_index(drop=True)


# ------------------------------------------------------------------------------ index
def index_across_rounds(
    baseline: RoundData,
    followup: RoundData,
    codebook: Codebook | None = None,
    *,
    n: int = 200,
    seed: int = 0,
    config: Any = None,
) -> pd.DataFrame:
    """The CPVI of both rounds on one scale (normalisation pooled across rounds).

    Each village-round is a unit of one composite (:func:`leheranalysis.cpvi.compute_cpvi`
    with ``n`` Monte Carlo runs); see the module docstring for why pooled.

    Returns
    -------
    pandas.DataFrame
        One row per village of both rounds: ``block_id``, ``block_name``, ``village_id``,
        ``village_name``, ``score_baseline``, ``score_followup``, ``score_change``
        (follow-up minus baseline; higher = more vulnerable), ``rank_baseline``,
        ``rank_followup`` (1 = most vulnerable within the round), ``rank_change``
        (positive: the village moved towards less vulnerable), and the 5-95 % interval
        of each round's rank among all village-rounds (``pooled_q05_*``,
        ``pooled_q95_*``); ``attrs["normalisation"] = "pooled across rounds"``.
    """
    from leheranalysis.cpvi import compute_cpvi

    cb = load_codebook() if codebook is None else codebook
    both = sorted(
        set(baseline.villages["village_id"].astype(int))
        & set(followup.villages["village_id"].astype(int))
    )
    if not both:
        raise IndicatorInputError("the two rounds have no village in common")
    scale = 10 ** len(str(max(both)))  # unit id = round number * scale + village id
    obs, vil = [], []
    for k, r in enumerate((baseline, followup)):
        o = r.observations[r.observations["village_id"].isin(both)].copy()
        o["village_id"] = (o["village_id"].astype("Int64") + k * scale).astype("Int64")
        v = r.villages[r.villages["village_id"].astype(int).isin(both)].copy()
        v["village_id"] = v["village_id"].astype("int64") + k * scale
        obs.append(o)
        vil.append(v)
    res = compute_cpvi(
        pd.concat(obs, ignore_index=True),
        pd.concat(vil, ignore_index=True),
        config=config,
        n=n,
        seed=seed,
        codebook=cb,
    )
    t = res.villages.copy()
    code = res.config.code
    t["round"] = np.where(t["village_id"] >= scale, "followup", "baseline")
    t["vid"] = t["village_id"] % scale
    keep = {code: "score", "q05": "pooled_q05", "q95": "pooled_q95"}
    wide = t.pivot(index="vid", columns="round", values=list(keep))
    wide.columns = [f"{keep[a]}_{b}" for a, b in wide.columns]
    wide = wide.reset_index().rename(columns={"vid": "village_id"})
    names = baseline.villages.assign(village_id=baseline.villages["village_id"].astype(int))
    wide = names[["block_id", "block_name", "village_id", "village_name"]].merge(
        wide, on="village_id"
    )
    wide["score_change"] = wide["score_followup"] - wide["score_baseline"]
    for r in ("baseline", "followup"):
        wide[f"rank_{r}"] = wide[f"score_{r}"].rank(ascending=False, method="min").astype("Int64")
    wide["rank_change"] = wide["rank_followup"] - wide["rank_baseline"]
    wide = wide.sort_values("score_change", kind="stable").reset_index(drop=True)
    wide.attrs.update(normalisation="pooled across rounds", n=n, code=code)
    return wide
