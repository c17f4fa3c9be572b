"""The array steps of a composite index: input checks, screening, imputation, outlier
treatment, normalisation and weights.

Every function here works on a float array ``X`` of shape (units, indicators) with NaN for
missing values; the pandas wrapping is done by :mod:`._index`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from leheranalysis.errors import CompositeInputError, ConfigError

from ._engine import rank_desc

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
                f"column {code!r} has a non-finite value {float(values[infinite.argmax()])} "
                f"(unit {unit!r})"
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


def _moments(v: np.ndarray) -> tuple[float, float]:
    """Skewness G1 and excess kurtosis G2 of the finite values ``v`` (NaN if undefined)."""
    n = v.size
    if n < 3:
        return float("nan"), float("nan")
    d = v - v.mean()
    d2 = d * d
    m2 = d2.mean()
    scale = float(np.abs(v).max()) if n else 0.0
    if not m2 > (1e-13 * max(scale, 1e-300)) ** 2:
        return float("nan"), float("nan")
    m3 = (d2 * d).mean()
    g1 = m3 / m2**1.5
    skew = float(g1 * np.sqrt(n * (n - 1)) / (n - 2))
    if n < 4:
        return skew, float("nan")
    m4 = (d2 * d2).mean()
    g2 = m4 / (m2 * m2) - 3.0
    kurt = float(((n + 1) * g2 + 6) * (n - 1) / ((n - 2) * (n - 3)))
    return skew, kurt


def skewness(x: np.ndarray) -> float:
    """Sample skewness, adjusted Fisher-Pearson ``G1`` (Excel ``SKEW``, e1071 type 2, COINr).

    ``G1 = sqrt(n (n - 1)) / (n - 2) * m3 / m2**1.5`` over the non-missing values; NaN for
    fewer than 3 values or zero variance.

    Examples
    --------
    >>> round(skewness([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100]), 4)
    3.0632
    """
    v = np.asarray(x, dtype=float)
    return _moments(v[~np.isnan(v)])[0]


def kurtosis(x: np.ndarray) -> float:
    """Sample excess kurtosis ``G2`` (Excel ``KURT``, e1071 type 2, COINr).

    ``G2 = ((n + 1) g2 + 6) (n - 1) / ((n - 2) (n - 3))`` with ``g2 = m4 / m2**2 - 3``;
    NaN for fewer than 4 values or zero variance.

    Examples
    --------
    >>> round(kurtosis([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100]), 4)
    9.7414
    """
    v = np.asarray(x, dtype=float)
    return _moments(v[~np.isnan(v)])[1]


def _failing(skew: float, kurt: float, skew_threshold: float, kurt_threshold: float) -> bool:
    if np.isnan(skew) or np.isnan(kurt):
        return False
    # COINr check_SkewKurt: pass if |skew| < threshold OR kurtosis < threshold
    return abs(skew) >= skew_threshold and kurt >= kurt_threshold


FLAG_NAMES = np.array(["", "winhi", "winlo", "log"], dtype=object)


def _treat_path(v: np.ndarray, limits: Sequence[int], skew_threshold: float, kurt_threshold: float):
    """Outlier treatment of the finite values ``v`` for several winsorisation limits at once.

    The winsorisation steps do not depend on the limit, so they are run once up to the
    largest limit; the result for a limit is the state at the first step that passes or
    reaches the limit (or the log transform when that state still fails).
    Returns ``{limit: (values, flags int8, method, points, skew, kurt, passes)}`` and the
    skewness and kurtosis before treatment.
    """
    skew0, kurt0 = _moments(v)
    results = {}
    if not _failing(skew0, kurt0, skew_threshold, kurt_threshold):
        for lim in limits:
            results[lim] = (v, None, "none", 0, skew0, kurt0, True)
        return results, skew0, kurt0
    # winsorisation path: states after each step
    w = v.copy()
    flags = np.zeros(v.size, dtype=np.int8)
    path = []  # (points, passes, values, flags, skew, kurt)
    skew = skew0
    top = max(limits) if len(limits) else 0
    points = 0
    while points < top:
        if skew >= 0:
            extreme = w.max()
            inner = w[w < extreme]
            if inner.size == 0:
                break
            hit = w == extreme
            w[hit] = inner.max()
            flags[hit] = 1
        else:
            extreme = w.min()
            inner = w[w > extreme]
            if inner.size == 0:
                break
            hit = w == extreme
            w[hit] = inner.min()
            flags[hit] = 2
        points = int((flags > 0).sum())
        skew, kurt = _moments(w)
        passes = not _failing(skew, kurt, skew_threshold, kurt_threshold)
        path.append((points, passes, w.copy(), flags.copy(), skew, kurt))
        if passes:
            break
    log_state = None
    for lim in limits:
        state = _first_reaching(path, lim) if lim > 0 else None
        if state is not None and state[1]:
            results[lim] = (state[2], state[3], "winsorise", state[0], state[4], state[5], True)
            continue
        if log_state is None:
            lo, hi = v.min(), v.max()
            eps = 0.01 * (hi - lo)
            t = np.log(v - lo + eps) if skew0 >= 0 else -np.log(hi - v + eps)
            s_t, k_t = _moments(t)
            log_state = (
                t,
                np.full(v.size, 3, dtype=np.int8),
                "log",
                int(v.size),
                s_t,
                k_t,
                not _failing(s_t, k_t, skew_threshold, kurt_threshold),
            )
        results[lim] = log_state
    return results, skew0, kurt0


def _first_reaching(path, lim):
    """The state at which a run with limit ``lim`` stops (first passing or >= lim)."""
    for state in path:
        if state[1] or state[0] >= lim:
            return state
    return None


def treat_indicator(
    x: np.ndarray,
    winmax: int = 5,
    skew_threshold: float = 2.0,
    kurt_threshold: float = 3.5,
) -> dict:
    """Treat one indicator for outliers, following COINr's default ``Treat``.

    The indicator fails when ``|skewness| >= skew_threshold`` and ``kurtosis >=
    kurt_threshold`` (:func:`skewness`, :func:`kurtosis`; COINr passes an indicator when
    either is below its threshold). While it fails and fewer than ``winmax`` points have
    been changed, the most extreme value(s) on the skewed side (the maximum when skewness
    >= 0, else the minimum; tied extremes together) are set to the next value inward, and
    the test is repeated. If the indicator still fails, the winsorisation is discarded and
    the *original* values are log-transformed instead: ``log(x - min + 0.01 (max - min))``
    for positive skew (COINr ``log_CT``), and its mirror ``-log(max - x + 0.01 (max -
    min))`` for negative skew, so the order of units is kept.

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

    Examples
    --------
    >>> r = treat_indicator(np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100.0]))
    >>> r["method"], r["points"], r["x"][-2:].tolist()
    ('winsorise', 1, [30.0, 30.0])
    """
    return _treat_many(np.asarray(x, dtype=float), [int(winmax)], skew_threshold, kurt_threshold)[
        int(winmax)
    ]


def _treat_many(x: np.ndarray, limits, skew_threshold, kurt_threshold) -> dict[int, dict]:
    present = ~np.isnan(x)
    results, skew0, kurt0 = _treat_path(x[present], limits, skew_threshold, kurt_threshold)
    out = {}
    for lim, (vals, flags, method, points, skew, kurt, passes) in results.items():
        full = x.copy()
        full[present] = vals
        f = np.zeros(x.size, dtype=np.int8)
        if flags is not None:
            f[present] = flags
        out[lim] = {
            "x": full,
            "method": method,
            "points": points,
            "flags": FLAG_NAMES[f],
            "flag_codes": f,
            "skew_before": skew0,
            "kurt_before": kurt0,
            "skew_after": skew,
            "kurt_after": kurt,
            "passes": passes,
        }
    return out


def treat(
    X: np.ndarray,
    codes: Sequence[str],
    winmax: int | Sequence[int],
    skew_threshold: float,
    kurt_threshold: float,
):
    """Apply :func:`treat_indicator` to every column of ``X``.

    Parameters
    ----------
    winmax : int or sequence of int
        One limit, or several (then the result is a dict keyed by limit, computed in one
        pass per indicator).

    Returns
    -------
    (numpy.ndarray, pandas.DataFrame, numpy.ndarray)
        Treated copy; the report (one row per indicator: ``indicator``, ``method``,
        ``points``, ``skew_before``, ``kurt_before``, ``skew_after``, ``kurt_after``,
        ``passes``); per-cell flags as int8 codes (0 untouched, 1 winsorised high,
        2 winsorised low, 3 log-transformed; names in ``FLAG_NAMES``). A dict
        ``{limit: (...)}`` of these when ``winmax`` is a sequence.
    """
    many = not isinstance(winmax, int | np.integer)
    limits = [int(w) for w in winmax] if many else [int(winmax)]
    outs = {lim: (X.copy(), [], np.zeros(X.shape, dtype=np.int8)) for lim in limits}
    for j, code in enumerate(codes):
        per = _treat_many(X[:, j], limits, skew_threshold, kurt_threshold)
        for lim, r in per.items():
            arr, rows, flags = outs[lim]
            arr[:, j] = r["x"]
            flags[:, j] = r["flag_codes"]
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
    result = {lim: (a, pd.DataFrame(rows), f) for lim, (a, rows, f) in outs.items()}
    return result if many else result[limits[0]]


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
    if method == "target":
        out = _distance_to_target(X, d, lo_x, hi_x, targets, target_cap)
        return out, np.zeros(X.shape[1], dtype=bool)
    if method == "minmax":
        out, neutral = _minmax(Y, constant, minmax_range)
    elif method == "zscore":
        out, neutral = _zscore(Y, constant, zscore_params)
    elif method in ("rank", "percentile"):
        out, neutral = _rank_scores(Y, method)
    else:
        raise ConfigError(f"unknown normalisation {method!r}; choose one of {NORMALISATIONS}")
    if constant.any():
        present = ~np.isnan(X)
        for j in np.flatnonzero(constant):
            value = neutral if neutral is not None else (present[:, j].sum() + 1) / 2
            out[present[:, j], j] = value
    return out, constant


def _minmax(Y: np.ndarray, constant: np.ndarray, minmax_range) -> tuple[np.ndarray, float]:
    """Min-max scores of the directed values and the neutral value of a constant column."""
    lo, hi = minmax_range
    mn, mx = np.nanmin(Y, axis=0), np.nanmax(Y, axis=0)
    rng = np.where(constant, 1.0, mx - mn)
    return lo + (Y - mn) / rng * (hi - lo), (lo + hi) / 2


def _zscore(Y: np.ndarray, constant: np.ndarray, zscore_params) -> tuple[np.ndarray, float]:
    """z-scores (sample sd) of the directed values and the neutral value (the mean)."""
    m, s = zscore_params
    mean = np.nanmean(Y, axis=0)
    n = (~np.isnan(Y)).sum(axis=0)
    sd = np.sqrt(np.nansum((Y - mean) ** 2, axis=0) / np.maximum(n - 1, 1))
    sd = np.where(constant | (sd == 0), 1.0, sd)
    return m + s * (Y - mean) / sd, m


def _rank_scores(Y: np.ndarray, method: str) -> tuple[np.ndarray, float | None]:
    """Ranks (1 = lowest) or percentile ranks of the directed values, and the neutral
    value (None for ranks: the middle rank of the units present)."""
    # ascending "min" ranks = descending ranks of -Y (ties within 2**-40 of the range)
    ranks = rank_desc(-Y.T).T.astype(float)
    ranks[np.isnan(Y)] = np.nan
    if method == "rank":
        return ranks, None
    n = (~np.isnan(Y)).sum(axis=0)
    return 100.0 * (ranks - 1) / np.maximum(n - 1, 1), 50.0


def _distance_to_target(X, d, lo_x, hi_x, targets, target_cap: bool) -> np.ndarray:
    """Distance to target on 0-100 from the raw values (100 = at the target)."""
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
    return out


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
