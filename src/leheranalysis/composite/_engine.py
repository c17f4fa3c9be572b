"""Batched aggregation and ranking: the arithmetic core shared by the nominal index and
the Monte Carlo replications.

Arrays carry a replication axis ``R``: scores of one level are ``(codes, R, units)``
(codes-major, so every per-code operation runs over a contiguous ``(R, units)`` block). The nominal index is the case ``R = 1``, so the nominal ranks and the Monte
Carlo ranks come from the same code.
"""

from __future__ import annotations

import numpy as np

from leheranalysis.errors import ConfigError

AGGREGATIONS = ("arithmetic", "geometric", "harmonic")
RANK_RESOLUTION = 2.0**-40


def positive_shift(values: np.ndarray, methods, floor: float = 1.0) -> float:
    """Shift that makes the normalised indicators usable by geometric/harmonic means.

    Geometric and harmonic means need positive values. When any level uses them, every
    normalised indicator value is shifted up by ``s = max(0, floor - min)`` (min over all
    units and indicators) before aggregating, every aggregate is computed on the shifted
    data, and ``s`` is subtracted from the aggregates for reporting. This is the same as
    normalising min-max onto ``[floor, 100 + floor]`` and aggregating there; arithmetic
    means are unaffected by it. Returns 0 when every level is arithmetic.
    """
    if all(m == "arithmetic" for m in methods):
        return 0.0
    with np.errstate(invalid="ignore"):
        lowest = float(np.nanmin(values))
    return max(0.0, floor - lowest)


def aggregate_level(
    Y: np.ndarray,
    W: np.ndarray,
    groups: list[np.ndarray],
    method: str,
) -> tuple[np.ndarray, dict]:
    """Aggregate the children of one level into their parents, for R weight sets at once.

    Parameters
    ----------
    Y : numpy.ndarray
        Children scores, codes-major: ``(children, units)`` when the same for every
        replication (the normalised indicators), or ``(children, R, units)``. NaN = missing.
        Must be positive for geometric and harmonic means (see :func:`positive_shift`).
    W : numpy.ndarray
        ``(R, children)`` weights (only ratios within a group matter).
    groups : list of numpy.ndarray
        For each parent, the positions of its children.
    method : {"arithmetic", "geometric", "harmonic"}
        Weighted mean used. Missing children are left out and the weights re-normalised over
        the children present; a parent with no child present is NaN.

    Returns
    -------
    (numpy.ndarray, dict)
        ``(parents, R, units)`` scores and info: ``renormalised`` (number of unit-parent
        cells where some but not all children were missing, array (R,)), ``empty`` (cells
        with no child present, array (R,)).
    """
    if method not in AGGREGATIONS:
        raise ConfigError(f"unknown aggregation {method!r}; choose one of {AGGREGATIONS}")
    shared = Y.ndim == 2
    W = np.asarray(W, dtype=float)
    R = W.shape[0]
    n_units = Y.shape[-1]
    with np.errstate(invalid="ignore"):
        ymin = Y.min()
    any_missing = bool(np.isnan(ymin))
    avail = ~np.isnan(Y) if any_missing else None
    T = _transformed(Y, method, ymin, any_missing)
    T0 = np.where(avail, T, 0.0) if any_missing else T
    Af = avail.astype(float) if any_missing else None
    out = np.empty((len(groups), R, n_units))
    renorm = np.zeros(R, dtype=np.int64)
    empty = np.zeros(R, dtype=np.int64)
    tmp = None if shared else np.empty((R, n_units))
    for p, idx in enumerate(groups):
        acc = out[p]
        den = _weighted_sum(acc, T0, Af, W[:, idx], idx, tmp)
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(acc, den, out=acc)
        if any_missing:
            k_avail = avail[idx].sum(axis=0)  # (units,) or (R, units)
            partial = (k_avail > 0) & (k_avail < idx.size)
            none = k_avail == 0
            renorm += partial.sum() if shared else partial.sum(axis=1)
            empty += none.sum() if shared else none.sum(axis=1)
            acc[np.broadcast_to(none, acc.shape)] = np.nan
    if method == "geometric":
        np.exp(out, out=out)
    elif method == "harmonic":
        np.divide(1.0, out, out=out)
    return out, {"renormalised": renorm, "empty": empty}


def _transformed(Y: np.ndarray, method: str, ymin, any_missing: bool) -> np.ndarray:
    """The values in the space where the mean is arithmetic: as they are, their logarithms
    (geometric) or reciprocals (harmonic); an error for non-positive values."""
    if method == "arithmetic":
        return Y
    lowest = np.nanmin(Y) if any_missing else ymin
    if not lowest > 0:
        raise ValueError(f"{method} mean of non-positive values (min {lowest!r}); shift first")
    return np.log(Y) if method == "geometric" else np.divide(1.0, Y)


def _weighted_sum(acc, T0, Af, Wg, idx, tmp) -> np.ndarray:
    """Write into ``acc`` the weighted sum of the children ``idx`` of one parent (missing
    values as 0) and return the sum of the weights of the children present.

    ``T0`` is ``(children, units)`` (shared by every replication) or ``(children, R,
    units)``; ``Af`` marks the values present (None: none missing); ``Wg`` is ``(R, k)``;
    ``tmp`` an ``(R, units)`` scratch array when ``T0`` is not shared.
    """
    if T0.ndim == 2:
        np.matmul(Wg, T0[idx], out=acc)
        return Wg @ Af[idx] if Af is not None else Wg.sum(axis=1)[:, None]
    np.multiply(T0[idx[0]], Wg[:, :1], out=acc)
    for j in range(1, idx.size):
        np.multiply(T0[idx[j]], Wg[:, j : j + 1], out=tmp)
        acc += tmp
    if Af is None:
        return Wg.sum(axis=1)[:, None]
    den = Af[idx[0]] * Wg[:, :1]
    for j in range(1, idx.size):
        den += Af[idx[j]] * Wg[:, j : j + 1]
    return den


def collapse_weights(tree, level_weights: dict[int, np.ndarray]) -> np.ndarray:
    """Effective indicator weights ``(R, indicators)`` of a whole tree.

    The product of the within-group normalised weights along each indicator's path to the
    index. With one kind of mean at every level and no missing value, the index is that
    mean of the indicators with these weights (arithmetic: linear; geometric: log-linear;
    harmonic: linear in the reciprocals).
    """
    first = level_weights[2]
    R = first.shape[0]
    w_eff = np.ones((R, len(tree.codes[1])))
    cur = np.arange(len(tree.codes[1]))
    for lvl in range(2, tree.top + 1):
        W = level_weights[lvl]
        parent = tree.parent_pos[lvl - 1]
        sums = np.zeros((R, len(tree.codes[lvl])))
        for p, idx in enumerate(tree.groups[lvl]):
            sums[:, p] = W[:, idx].sum(axis=1)
        w_eff *= (W / sums[:, parent])[:, cur]
        cur = parent[cur]
    return w_eff


def collapsed_index(N: np.ndarray, w_eff: np.ndarray, method: str) -> np.ndarray:
    """Index ``(R, units)`` from indicators ``N`` (indicators x units, positive for
    geometric/harmonic, no NaN) and effective weights (see :func:`collapse_weights`)."""
    if method == "arithmetic":
        return w_eff @ N
    if method == "geometric":
        out = w_eff @ np.log(N)
        return np.exp(out, out=out)
    out = w_eff @ np.divide(1.0, N)
    return np.divide(1.0, out, out=out)


def rank_desc(S: np.ndarray) -> np.ndarray:
    """Ranks along the last axis, 1 = highest score, ties share the best rank ("min").

    Scores are compared after rounding to ``2**-40`` of their range (per row), so values that
    differ only by floating-point noise are tied; a row whose whole range is below ``1e-9``
    of its largest magnitude ties every unit. NaN scores get rank 0 (the caller turns
    it into a missing value); the other units are ranked among themselves.

    Parameters
    ----------
    S : numpy.ndarray
        ``(R, units)`` or ``(units,)`` scores.

    Returns
    -------
    numpy.ndarray
        int32 ranks of the same shape.
    """
    one = S.ndim == 1
    S2 = np.atleast_2d(np.asarray(S, dtype=float))
    nan = np.isnan(S2)
    has_nan = bool(nan.any())
    with np.errstate(all="ignore"):
        if has_nan:
            lo = np.min(np.where(nan, np.inf, S2), axis=1, keepdims=True)
            hi = np.max(np.where(nan, -np.inf, S2), axis=1, keepdims=True)
            lo = np.where(np.isfinite(lo), lo, 0.0)
        else:
            lo = S2.min(axis=1, keepdims=True)
            hi = S2.max(axis=1, keepdims=True)
        span = hi - lo
        # a range that is itself floating-point noise (all scores equal in exact
        # arithmetic, e.g. indicators that cancel) ties every unit of the row
        scale = np.maximum(np.maximum(np.abs(lo), np.abs(hi)), 1.0)
        noise = np.isfinite(span) & (span <= scale * 1e-9)
        span = np.where(np.isfinite(span) & (span > 0), span, 1.0)
        # negated key: ascending argsort = descending scores; integers exact in float64
        key = np.subtract(lo, S2)
        key *= 1.0 / (span * RANK_RESOLUTION)
        np.rint(key, out=key)
        key[np.broadcast_to(noise, key.shape)] = 0.0
    if has_nan:
        key[nan] = np.inf
    order = np.argsort(key, axis=1)
    sk = np.sort(key, axis=1)
    n = S2.shape[1]
    start = np.empty(sk.shape, dtype=np.int32)
    start[:, 0] = 0
    pos = np.arange(1, n, dtype=np.int32)
    np.copyto(start[:, 1:], np.where(sk[:, 1:] != sk[:, :-1], pos, 0))
    np.maximum.accumulate(start, axis=1, out=start)
    start += 1
    ranks = np.empty(sk.shape, dtype=np.int32)
    np.put_along_axis(ranks, order, start, axis=1)
    if has_nan:
        ranks[nan] = 0
    return ranks[0] if one else ranks
