"""The array steps of a composite index: input checks, screening, imputation, outlier
treatment, normalisation and weights.

Every function here works on a float array ``X`` of shape (units, indicators) with NaN for
missing values; the pandas wrapping is done by :mod:`._index`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from leheranalysis.errors import CompositeInputError, ConfigError

NORMALISATIONS = ("minmax", "zscore", "rank", "percentile", "target")
IMPUTATIONS = ("none", "mean", "median", "group_mean")


# --------------------------------------------------------------------------- input checks


def check_data(data: pd.DataFrame, indicators: Sequence[str]) -> tuple[np.ndarray, list[dict]]:
    """Return the indicator columns of ``data`` as a float array, or raise.

    Parameters
    ----------
    data : pandas.DataFrame
        Units x indicators; the index holds the unit ids.
    indicators : sequence of str
        The level-1 codes (columns to use, in this order).

    Returns
    -------
    (numpy.ndarray, list of dict)
        The (units x indicators) float array and log entries (columns converted from text).

    Raises
    ------
    CompositeInputError
        Empty table, fewer than two units, missing or duplicated unit ids, a non-numeric or
        non-finite value (naming column, unit and value), an indicator without any value.
    """
    if not isinstance(data, pd.DataFrame):
        raise CompositeInputError(
            f"the indicator table must be a DataFrame, got {type(data).__name__}"
        )
    if data.shape[0] == 0:
        raise CompositeInputError("the indicator table is empty (no units)")
    if data.shape[0] < 2:
        raise CompositeInputError(
            f"the indicator table has a single unit ({data.index[0]!r}); a composite index "
            "ranks units against each other and needs at least two"
        )
    if data.index.hasnans:
        raise CompositeInputError("the indicator table has a missing unit id in its index")
    if data.index.has_duplicates:
        dup = list(dict.fromkeys(data.index[data.index.duplicated()]))
        raise CompositeInputError(
            f"the indicator table has duplicated unit ids: {[str(d) for d in dup[:10]]}"
        )
    columns = {str(c): c for c in data.columns}
    log: list[dict] = []
    out = np.empty((data.shape[0], len(indicators)), dtype=float)
    for j, code in enumerate(indicators):
        col = data[columns[code]]
        if isinstance(col, pd.DataFrame):
            raise CompositeInputError(f"the indicator table has column {code!r} more than once")
        if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
            values = col.astype("float64").to_numpy()
        else:
            converted = pd.to_numeric(col, errors="coerce")
            bad = converted.isna() & col.notna()
            if bad.any():
                unit = col.index[bad.to_numpy().argmax()]
                raise CompositeInputError(
                    f"column {code!r} has a non-numeric value {col[unit]!r} (unit {unit!r}); "
                    f"{int(bad.sum())} non-numeric value(s) in that column"
                )
            values = converted.astype("float64").to_numpy()
            log.append(
                _entry("check", {"column": code}, f"column {code!r} converted from text to numbers")
            )
        infinite = np.isinf(values)
        if infinite.any():
            unit = data.index[infinite.argmax()]
            raise CompositeInputError(
                f"column {code!r} has a non-finite value {values[infinite.argmax()]!r} (unit {unit!r})"
            )
        if np.isnan(values).all():
            raise CompositeInputError(f"indicator {code!r} has no values (all missing)")
        out[:, j] = values
    return out, log


def _entry(step: str, parameters: dict, message: str, level: str = "info") -> dict:
    return {"step": step, "parameters": parameters, "message": message, "level": level}


# --------------------------------------------------------------------------- imputation


def impute(
    X: np.ndarray, method: str, groups: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """Fill missing values of each indicator.

    Parameters
    ----------
    X : numpy.ndarray
        (units x indicators) with NaN for missing values.
    method : {"none", "mean", "median", "group_mean"}
        ``mean``/``median``: the indicator's mean/median over all units. ``group_mean``: the
        indicator's mean within the unit's group; a group without any value for the indicator
        falls back to the overall mean (logged).
    groups : numpy.ndarray, optional
        Group label of each unit (required for ``group_mean``; NaN/None labels use the
        overall mean).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, list of dict)
        Imputed copy, boolean mask of imputed cells, log entries.
    """
    missing = np.isnan(X)
    out = X.copy()
    log: list[dict] = []
    if method == "none" or not missing.any():
        return out, np.zeros_like(missing), log
    if method == "mean":
        fill = np.nanmean(X, axis=0)
        out[missing] = np.broadcast_to(fill, X.shape)[missing]
    elif method == "median":
        fill = np.nanmedian(X, axis=0)
        out[missing] = np.broadcast_to(fill, X.shape)[missing]
    elif method == "group_mean":
        if groups is None:
            raise ConfigError("imputation 'group_mean' needs the group of each unit (group=...)")
        overall = np.nanmean(X, axis=0)
        labels = pd.Series(groups)
        fallback = 0
        for label in labels.dropna().unique():
            rows = (labels == label).to_numpy()
            block = X[rows]
            with np.errstate(invalid="ignore"):
                counts = (~np.isnan(block)).sum(axis=0)
                means = np.where(
                    counts > 0, np.nansum(block, axis=0) / np.maximum(counts, 1), np.nan
                )
            empty = np.isnan(means)
            fallback += int((np.isnan(block) & empty).sum())
            means = np.where(empty, overall, means)
            fill_block = np.where(np.isnan(block), means, block)
            out[rows] = fill_block
        no_group = labels.isna().to_numpy()
        if no_group.any():
            block = out[no_group]
            out[no_group] = np.where(np.isnan(block), overall, block)
            fallback += int(np.isnan(X[no_group]).sum())
        if fallback:
            log.append(
                _entry(
                    "impute",
                    {"method": method},
                    f"{fallback} value(s) had no group mean (group without data or unit without "
                    "group): imputed with the indicator's overall mean",
                    "warning",
                )
            )
    else:
        raise ConfigError(f"unknown imputation {method!r}; choose one of {IMPUTATIONS}")
    return out, missing, log


# --------------------------------------------------------------------------- skew/kurtosis


def skewness(x: np.ndarray) -> float:
    """Sample skewness, adjusted Fisher-Pearson ``G1`` (Excel ``SKEW``, e1071 type 2, COINr).

    ``G1 = sqrt(n (n - 1)) / (n - 2) * m3 / m2**1.5`` over the non-missing values; NaN for
    fewer than 3 values or zero variance.
    """
    v = np.asarray(x, dtype=float)
    v = v[~np.isnan(v)]
    n = v.size
    if n < 3:
        return float("nan")
    d = v - v.mean()
    m2 = np.mean(d**2)
    if m2 <= 0 or m2 <= 1e-28 * max(1.0, float(np.mean(v**2))):
        return float("nan")
    g1 = np.mean(d**3) / m2**1.5
    return float(g1 * np.sqrt(n * (n - 1)) / (n - 2))


def kurtosis(x: np.ndarray) -> float:
    """Sample excess kurtosis ``G2`` (Excel ``KURT``, e1071 type 2, COINr).

    ``G2 = ((n + 1) g2 + 6) (n - 1) / ((n - 2) (n - 3))`` with ``g2 = m4 / m2**2 - 3``;
    NaN for fewer than 4 values or zero variance.
    """
    v = np.asarray(x, dtype=float)
    v = v[~np.isnan(v)]
    n = v.size
    if n < 4:
        return float("nan")
    d = v - v.mean()
    m2 = np.mean(d**2)
    if m2 <= 0 or m2 <= 1e-28 * max(1.0, float(np.mean(v**2))):
        return float("nan")
    g2 = np.mean(d**4) / m2**2 - 3.0
    return float(((n + 1) * g2 + 6) * (n - 1) / ((n - 2) * (n - 3)))


def _fails(x: np.ndarray, skew_threshold: float, kurt_threshold: float) -> bool:
    s, k = skewness(x), kurtosis(x)
    if np.isnan(s) or np.isnan(k):
        return False
    # COINr check_SkewKurt: pass if |skew| < threshold OR kurtosis < threshold
    return abs(s) >= skew_threshold and k >= kurt_threshold


def treat_indicator(
    x: np.ndarray,
    winmax: int = 5,
    skew_threshold: float = 2.0,
    kurt_threshold: float = 3.5,
) -> dict:
    """Treat one indicator for outliers, following COINr's default ``Treat``.

    The indicator fails when ``|skewness| >= skew_threshold`` and ``kurtosis >=
    kurt_threshold`` (:func:`skewness`, :func:`kurtosis`). While it fails and fewer than
    ``winmax`` points have been changed, the most extreme value(s) on the skewed side (the
    maximum when skewness >= 0, else the minimum; tied extremes together) are set to the
    next value inward, and the test is repeated. If the indicator still fails, the
    winsorisation is discarded and the *original* values are log-transformed instead:
    ``log(x - min + 0.01 (max - min))`` for positive skew (COINr ``log_CT``), and its mirror
    ``-log(max - x + 0.01 (max - min))`` for negative skew, so the order of units is kept.

    Parameters
    ----------
    x : numpy.ndarray
        Values of one indicator (NaN = missing, left untouched).
    winmax : int
        Maximum number of points to winsorise (0: go straight to the log transform).
    skew_threshold, kurt_threshold : float
        Thresholds on absolute skewness and excess kurtosis.

    Returns
    -------
    dict
        ``x`` (treated copy), ``method`` ("none", "winsorise" or "log"), ``points`` (number of
        values changed), ``flags`` (per value: "", "winhi", "winlo" or "log"), ``skew_before``,
        ``kurt_before``, ``skew_after``, ``kurt_after``, ``passes`` (bool, after treatment).
    """
    x = np.asarray(x, dtype=float)
    out = x.copy()
    flags = np.full(x.shape, "", dtype=object)
    skew_b, kurt_b = skewness(x), kurtosis(x)
    result = {
        "x": out,
        "method": "none",
        "points": 0,
        "flags": flags,
        "skew_before": skew_b,
        "kurt_before": kurt_b,
        "skew_after": skew_b,
        "kurt_after": kurt_b,
        "passes": True,
    }
    if not _fails(x, skew_threshold, kurt_threshold):
        return result
    present = ~np.isnan(x)
    w = x.copy()
    changed = np.zeros(x.shape, dtype=bool)
    side = np.full(x.shape, "", dtype=object)
    failing = True
    while failing and changed.sum() < winmax:
        vals = w[present]
        if skewness(w) >= 0:
            extreme = vals.max()
            inner = vals[vals < extreme]
            if inner.size == 0:
                break
            hit = present & (w == extreme)
            w[hit] = inner.max()
            side[hit] = "winhi"
        else:
            extreme = vals.min()
            inner = vals[vals > extreme]
            if inner.size == 0:
                break
            hit = present & (w == extreme)
            w[hit] = inner.min()
            side[hit] = "winlo"
        changed |= hit
        failing = _fails(w, skew_threshold, kurt_threshold)
    if not failing:
        flags[changed] = side[changed]
        result.update(
            x=w,
            method="winsorise",
            points=int(changed.sum()),
            skew_after=skewness(w),
            kurt_after=kurtosis(w),
            passes=True,
        )
        return result
    lo, hi = np.nanmin(x), np.nanmax(x)
    eps = 0.01 * (hi - lo)
    if skew_b >= 0:
        t = np.log(x - lo + eps)
    else:
        t = -np.log(hi - x + eps)
    flags[present] = "log"
    result.update(
        x=t,
        method="log",
        points=int(present.sum()),
        skew_after=skewness(t),
        kurt_after=kurtosis(t),
        passes=not _fails(t, skew_threshold, kurt_threshold),
    )
    return result


def treat(
    X: np.ndarray,
    codes: Sequence[str],
    winmax: int,
    skew_threshold: float,
    kurt_threshold: float,
) -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
    """Apply :func:`treat_indicator` to every column of ``X``.

    Returns
    -------
    (numpy.ndarray, pandas.DataFrame, numpy.ndarray)
        Treated copy; the report (one row per indicator: ``indicator``, ``method``,
        ``points``, ``skew_before``, ``kurt_before``, ``skew_after``, ``kurt_after``,
        ``passes``); the per-cell flags (object array, "" where untouched).
    """
    out = X.copy()
    flags = np.full(X.shape, "", dtype=object)
    rows = []
    for j, code in enumerate(codes):
        r = treat_indicator(X[:, j], winmax, skew_threshold, kurt_threshold)
        out[:, j] = r["x"]
        flags[:, j] = r["flags"]
        rows.append(
            {
                "indicator": code,
                "method": r["method"],
                "points": r["points"],
                "skew_before": r["skew_before"],
                "kurt_before": r["kurt_before"],
                "skew_after": r["skew_after"],
                "kurt_after": r["kurt_after"],
                "passes": r["passes"],
            }
        )
    return out, pd.DataFrame(rows), flags


# --------------------------------------------------------------------------- normalisation


def normalise(
    X: np.ndarray,
    directions: np.ndarray,
    method: str = "minmax",
    *,
    minmax_range: tuple[float, float] = (0.0, 100.0),
    zscore_params: tuple[float, float] = (0.0, 1.0),
    targets: np.ndarray | None = None,
    target_cap: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Normalise each column, with the direction applied (higher = more of the concept).

    Methods (``x`` is the column multiplied by its direction, so -1 flips it; statistics
    over the non-missing values):

    - ``minmax``: ``lo + (x - min) / (max - min) * (hi - lo)``, default 0-100;
    - ``zscore``: ``m + s (x - mean) / sd`` (sample sd), default m=0, s=1;
    - ``rank``: rank among units, 1 = lowest, ties share the lowest rank (COINr ``n_rank``);
    - ``percentile``: ``100 (rank - 1) / (n - 1)`` (COINr ``n_prank`` scaled to 0-100);
    - ``target``: distance to target on 0-100: direction +1:
      ``100 (x - min) / (target - min)``, direction -1: ``100 (max - x) / (max - target)``
      (raw values and raw target), capped at 100 when ``target_cap``; when the denominator
      is 0 every unit is at the target (100).

    A constant column (max = min) gets the neutral value of the method for every unit:
    ``(lo + hi) / 2``, ``m``, ``(n + 1) / 2``, 50; its position is returned so the caller can
    log a warning. The constant indicator then does not change any rank.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The normalised array (NaN stays NaN) and a boolean array marking constant columns.
    """
    X = np.asarray(X, dtype=float)
    d = np.asarray(directions, dtype=float)
    with np.errstate(all="ignore"):
        lo_x = np.nanmin(X, axis=0)
        hi_x = np.nanmax(X, axis=0)
    constant = hi_x == lo_x
    Y = X * d
    if method == "minmax":
        lo, hi = minmax_range
        mn, mx = np.nanmin(Y, axis=0), np.nanmax(Y, axis=0)
        rng = np.where(constant, 1.0, mx - mn)
        out = lo + (Y - mn) / rng * (hi - lo)
        neutral = (lo + hi) / 2
    elif method == "zscore":
        m, s = zscore_params
        mean = np.nanmean(Y, axis=0)
        n = (~np.isnan(Y)).sum(axis=0)
        sd = np.sqrt(np.nansum((Y - mean) ** 2, axis=0) / np.maximum(n - 1, 1))
        sd = np.where(constant | (sd == 0), 1.0, sd)
        out = m + s * (Y - mean) / sd
        neutral = m
    elif method in ("rank", "percentile"):
        ranks = stats.rankdata(Y, method="min", axis=0, nan_policy="omit")
        ranks = np.asarray(ranks, dtype=float)
        if method == "rank":
            out = ranks
            neutral = None
        else:
            n = (~np.isnan(Y)).sum(axis=0)
            out = 100.0 * (ranks - 1) / np.maximum(n - 1, 1)
            neutral = 50.0
    elif method == "target":
        if targets is None:
            raise ConfigError("normalisation 'target' needs a target for every indicator")
        t = np.asarray(targets, dtype=float)
        if np.isnan(t).any():
            raise ConfigError("normalisation 'target' needs a target for every indicator")
        with np.errstate(divide="ignore", invalid="ignore"):
            up = (X - lo_x) / (t - lo_x)
            down = (hi_x - X) / (hi_x - t)
            out = np.where(d > 0, up, down) * 100.0
            zero_den = np.where(d > 0, t == lo_x, t == hi_x)
        out = np.where(zero_den & ~np.isnan(X), 100.0, out)
        if target_cap:
            out = np.minimum(out, 100.0)
        return out, np.zeros(X.shape[1], dtype=bool)
    else:
        raise ConfigError(f"unknown normalisation {method!r}; choose one of {NORMALISATIONS}")
    if constant.any():
        present = ~np.isnan(X)
        for j in np.flatnonzero(constant):
            value = neutral if neutral is not None else (present[:, j].sum() + 1) / 2
            out[present[:, j], j] = value
    return out, constant


# --------------------------------------------------------------------------- weights


def pca_weights(values: np.ndarray, groups: list[np.ndarray]) -> tuple[np.ndarray, list[str]]:
    """First-principal-component weights within each group of columns.

    For each group, the correlation matrix of its columns (units with all of them present)
    is decomposed; the absolute loadings of the first component, divided by their sum, are
    the weights. A group of one column gets weight 1; a group with fewer than 3 complete
    units or a constant column falls back to equal weights (reported in the notes).
    """
    w = np.empty(values.shape[1], dtype=float)
    notes: list[str] = []
    for idx in groups:
        if idx.size == 1:
            w[idx] = 1.0
            continue
        block = values[:, idx]
        block = block[~np.isnan(block).any(axis=1)]
        sd = block.std(axis=0) if block.shape[0] else np.zeros(idx.size)
        if block.shape[0] < 3 or (sd == 0).any():
            w[idx] = 1.0 / idx.size
            notes.append(f"columns {list(idx)}: too few complete units or a constant column")
            continue
        corr = np.corrcoef(block, rowvar=False)
        vals, vecs = np.linalg.eigh(corr)
        load = np.abs(vecs[:, np.argmax(vals)])
        if load.sum() <= 0:
            w[idx] = 1.0 / idx.size
            continue
        w[idx] = load / load.sum()
    return w, notes


def per_level(value, level: int, name: str):
    """Resolve a setting that is either one value or a mapping ``{level: value}``."""
    if isinstance(value, Mapping):
        if level in value:
            return value[level]
        if "default" in value:
            return value["default"]
        raise ConfigError(f"setting {name!r} has no value for level {level}: {dict(value)}")
    return value
