"""Shared definitions of :mod:`leheranalysis.indicators` (private).

Owns the respondent-group kinds and triangulation classes, the confidence intervals
(:func:`poisson_ci`, :func:`wilson_ci`), the issue-reported rule (:func:`issue_reported`), the checks of the input tables and the scoping,
ordering and group-combining helpers used by the indicator, ranking and triangulation
code. :mod:`leheranalysis.indicators` re-exports the public names; nothing here reads or
writes files.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from leheranalysis.codebook import Codebook, load_codebook
from leheranalysis.errors import IndicatorInputError

#: respondent-group kinds used in summaries; ``community`` = children's and adult groups
KINDS = ("children", "adults", "duty_bearer", "community")
#: triangulation classes, in display order
AGREEMENT_CLASSES = ("agree", "community higher", "duty bearer higher", "no data")
_DUTY_BEARERS = ("teacher", "aww", "asha")
_COMMUNITY_FAMILIES = ("cg", "ag")
_ALL_BLOCKS = "All blocks"
_EPS = 1e-9


# ------------------------------------------------------------------------------- intervals
def poisson_ci(
    count: ArrayLike, exposure: ArrayLike = 1.0, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) confidence interval for a Poisson count per unit of exposure.

    ``lower = chi2.ppf(a/2, 2k) / 2`` (0 when ``k = 0``), ``upper = chi2.ppf(1 - a/2,
    2k + 2) / 2``, both divided by the exposure, with ``a = 1 - level``.

    Parameters
    ----------
    count : array_like
        Observed counts ``k`` (non-negative; NaN gives NaN).
    exposure : array_like
        Person base (same shape or scalar); 0 or NaN gives NaN.
    level : float
        Confidence level in (0, 1).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Lower and upper limits per unit of exposure.

    Examples
    --------
    >>> lo, hi = poisson_ci([0, 5])
    >>> [round(float(x), 3) for x in hi]
    [3.689, 11.668]
    >>> round(float(lo[1]), 3)
    1.623
    """
    _check_level(level)
    k = np.asarray(count, dtype=float)
    e = np.asarray(exposure, dtype=float)
    if np.any(k < 0):
        raise IndicatorInputError(f"poisson_ci: negative count {float(np.nanmin(k))}")
    a = 1.0 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(k > 0, stats.chi2.ppf(a / 2, 2 * np.where(k > 0, k, 1)) / 2, 0.0)
        hi = stats.chi2.ppf(1 - a / 2, 2 * k + 2) / 2
        e = np.where(e > 0, e, np.nan)
        lo = np.where(np.isnan(k), np.nan, lo) / e
        hi = hi / e
    return lo, hi


def wilson_ci(
    successes: ArrayLike, n: ArrayLike, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion.

    Parameters
    ----------
    successes : array_like
        Number of successes ``x``.
    n : array_like
        Number of trials; 0 gives NaN.
    level : float
        Confidence level in (0, 1).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Lower and upper limits (fractions).

    Examples
    --------
    >>> lo, hi = wilson_ci([0, 10], [10, 10])
    >>> round(float(hi[0]), 4), round(float(lo[1]), 4)
    (0.2775, 0.7225)
    """
    _check_level(level)
    x = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    if np.any(x < 0) or np.any(x > m):
        raise IndicatorInputError("wilson_ci: successes must lie between 0 and n")
    z = stats.norm.ppf(1 - (1 - level) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.where(m > 0, m, np.nan)
        p = x / m
        denom = 1 + z**2 / m
        centre = (p + z**2 / (2 * m)) / denom
        half = z * np.sqrt(p * (1 - p) / m + z**2 / (4 * m**2)) / denom
    valid = ~np.isnan(m)
    lo = np.where(valid & (x == 0), 0.0, np.clip(centre - half, 0, 1))
    hi = np.where(valid & (x == m), 1.0, np.clip(centre + half, 0, 1))
    return lo, hi


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise IndicatorInputError(f"confidence level must be in (0, 1), got {level!r}")


# ------------------------------------------------------------------------ issue reported
def issue_reported(
    value: ArrayLike,
    unit: ArrayLike,
    higher_is: ArrayLike,
    vmin: ArrayLike = 1.0,
    vmax: ArrayLike = 5.0,
    score_threshold: float = 2.0,
    share_threshold: float = 50.0,
) -> pd.Series:
    """Whether an answer reports the issue (see the module docstring for the rule).

    Parameters
    ----------
    value, unit, higher_is : array_like
        Answers with their codebook unit (``count``, ``yesno``, ``score``, ``share``,
        ``rank``) and direction (``worse``/``better``), element-wise or scalar.
    vmin, vmax : array_like
        Score scale bounds (codebook ``min``/``max``), used for scores where higher is
        worse: the issue is reported at ``value >= vmin + vmax - score_threshold``.
    score_threshold : float
        A "better" score at or below this reports the issue (default 2 on a 1-5 scale).
    share_threshold : float
        A "better" share (percent) below this reports the issue (default 50).

    Returns
    -------
    pandas.Series
        Nullable boolean: ``<NA>`` where the value is missing or the unit is ``rank``.

    Examples
    --------
    >>> issue_reported([0, 3, 1, 0, 2, 3], ["count", "count", "yesno", "yesno", "score",
    ...     "score"], ["worse", "worse", "worse", "better", "better", "better"]).tolist()
    [False, True, True, True, True, False]
    """
    v = np.asarray(value, dtype=float)
    n = v.shape[0] if v.ndim else 1
    v = np.broadcast_to(v, (n,))
    u = np.broadcast_to(np.asarray(unit, dtype=object), (n,))
    worse = np.broadcast_to(np.asarray(higher_is, dtype=object), (n,)) == "worse"
    lo = np.broadcast_to(np.asarray(vmin, dtype=float), (n,))
    hi = np.broadcast_to(np.asarray(vmax, dtype=float), (n,))
    with np.errstate(invalid="ignore"):
        conds = [
            u == "count",
            u == "yesno",
            (u == "score") & worse,
            (u == "score") & ~worse,
            (u == "share") & worse,
            (u == "share") & ~worse,
        ]
        choices = [
            np.where(worse, v > 0, v == 0),
            np.where(worse, v >= 0.5, v < 0.5),
            v >= lo + hi - score_threshold,
            v <= score_threshold,
            v > 0,
            v < share_threshold,
        ]
        flag = np.select(conds, choices, default=False)
    known = ~np.isnan(v) & np.isin(u, ["count", "yesno", "score", "share"])
    return pd.Series(pd.array(np.where(known, flag, False), dtype="boolean")).where(known)


# ------------------------------------------------------------------------ input handling
def _require(df: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise IndicatorInputError(f"{name}: expected a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise IndicatorInputError(
            f"{name}: missing column(s) {', '.join(missing)} (has: {', '.join(map(str, df.columns))})"
        )


def _where(row: pd.Series) -> str:
    parts = [
        f"{c} {row[c]}"
        for c in ("source_file", "source_sheet", "source_row")
        if c in row.index and pd.notna(row[c])
    ]
    return f" ({', '.join(parts)})" if parts else ""


def _village_obs(
    observations: pd.DataFrame, codebook: Codebook, instrument: str = "village"
) -> pd.DataFrame:
    """Village-level observations with codebook fields joined; validated."""
    need = ("block_id", "village_id", "instrument", "group", "indicator", "value")
    _require(observations, need, "observations")
    obs = observations[
        (observations["instrument"] == instrument) & observations["village_id"].notna()
    ]
    values = pd.to_numeric(obs["value"], errors="coerce")
    bad = values.isna() & obs["value"].notna()
    if bad.any():
        row = obs[bad].iloc[0]
        raise IndicatorInputError(
            f"observations: non-numeric value {row['value']!r} for indicator "
            f"{row['indicator']!r}, group {row['group']!r}{_where(row)}"
        )
    _check_codes(obs, codebook)
    key = ["village_id", "group", "indicator"]
    dup = obs.duplicated(key, keep=False)
    if dup.any():
        first = obs[dup].iloc[0]
        rows = obs[dup & (obs[key] == first[key]).all(axis=1)]
        where = "; ".join(_where(r).strip(" ()") for _, r in rows.iterrows())
        raise IndicatorInputError(
            f"observations: duplicated answer for village_id {first['village_id']}, group "
            f"{first['group']!r}, indicator {first['indicator']!r} ({where or 'no source'})"
        )
    # build the result column by column in one dict: one consolidation, no repeated copies
    n = len(obs)
    cols: dict[str, object] = {
        "block_id": obs["block_id"].astype("Int64").array,
        "block_name": obs["block_name"].to_numpy() if "block_name" in obs else [pd.NA] * n,
        "village_id": obs["village_id"].astype("Int64").array,
        "village_name": obs["village_name"].to_numpy() if "village_name" in obs else [pd.NA] * n,
        "group": obs["group"].to_numpy(),
        "indicator": obs["indicator"].to_numpy(),
        "value": values.astype(float).to_numpy(),
        "response": obs["response"].to_numpy() if "response" in obs else [None] * n,
    }
    for col in ("family", "kind"):
        cols[col] = obs["group"].map(codebook.groups[col]).to_numpy()
    for col in ("domain", "unit", "higher_is", "denominator", "min", "max"):
        cols[col] = obs["indicator"].map(codebook.indicators[col]).to_numpy()
    cols["reported"] = issue_reported(
        cols["value"],
        cols["unit"],
        cols["higher_is"],
        pd.to_numeric(cols["min"]).astype(float),
        pd.Series(pd.to_numeric(cols["max"]), dtype=float).fillna(5).to_numpy(),
    ).array
    obs = pd.DataFrame(cols)
    return obs.reset_index(drop=True)


def _check_codes(obs: pd.DataFrame, codebook: Codebook) -> None:
    for col, known, what in (
        ("group", codebook.groups.index, "respondent group"),
        ("indicator", codebook.indicators.index, "indicator"),
    ):
        unknown = ~obs[col].isin(known)
        if unknown.any():
            row = obs[unknown].iloc[0]
            raise IndicatorInputError(
                f"observations: unknown {what} {row[col]!r} (not in codebook "
                f"{codebook.version}){_where(row)}"
            )


def _cb(codebook: Codebook | None) -> Codebook:
    return load_codebook() if codebook is None else codebook


def _scoped(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """Stack block and/or district copies of ``df`` with scope columns."""
    if by not in ("block", "district", "both"):
        raise IndicatorInputError(f"by must be 'block', 'district' or 'both', got {by!r}")
    df = df.copy()
    if "block_name" not in df:
        df["block_name"] = pd.NA
    df["block_name"] = df["block_name"].astype(object)
    df["block_id"] = df["block_id"].astype("Int64")
    parts = []
    if by in ("block", "both"):
        parts.append(df.assign(scope="block"))
    if by in ("district", "both"):
        na_ids = pd.array([pd.NA] * len(df), dtype="Int64")
        parts.append(df.assign(scope="district", block_id=na_ids, block_name=_ALL_BLOCKS))
    return pd.concat(parts, ignore_index=True)


_SCOPE = ["scope", "block_id", "block_name"]


def _order(df: pd.DataFrame, codebook: Codebook, extra: Sequence[str] = ()) -> pd.DataFrame:
    """Sort block rows before district rows, then by block, codebook order and extras."""
    keys = pd.DataFrame(index=df.index)
    keys["s"] = (df["scope"] == "district").astype(int)
    keys["b"] = df["block_id"].fillna(-1)
    if "indicator" in df:
        order = {c: i for i, c in enumerate(codebook.indicators.index)}
        keys["i"] = df["indicator"].map(order)
    for col in extra:
        keys[col] = df[col]
    idx = keys.sort_values(list(keys.columns), kind="stable").index
    return df.loc[idx].reset_index(drop=True)


# ------------------------------------------------------------------ community value
def _combine(obs: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Combine group answers per key: max for counts and yes/no, mean otherwise."""
    g = obs.dropna(subset=["value"]).groupby(keys, dropna=False, observed=True)
    agg = g.agg(
        vmax=("value", "max"),
        vmean=("value", "mean"),
        n_groups=("value", "size"),
        unit=("unit", "first"),
    ).reset_index()
    use_max = agg["unit"].isin(["count", "yesno"])
    agg["value"] = np.where(use_max, agg["vmax"], agg["vmean"])
    return agg.drop(columns=["vmax", "vmean"])
