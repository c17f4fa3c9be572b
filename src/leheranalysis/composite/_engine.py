"""Batched aggregation and ranking: the arithmetic core shared by the nominal index and
the Monte Carlo replications.

Arrays carry a leading replication axis ``R``: scores of one level are ``(R, codes,
units)`` (codes-major, so every per-code operation runs over contiguous units). The nominal index is the case ``R = 1``, so the nominal ranks and the Monte
Carlo ranks come from the same code.
"""

from __future__ import annotations

import numpy as np

from leheranalysis.errors import ConfigError

AGGREGATIONS = ("arithmetic", "geometric", "harmonic")
RANK_RESOLUTION = 2.0**-40


def _shift_needed(values_min: np.ndarray | float, floor: float) -> np.ndarray | float:
    return np.maximum(0.0, floor - values_min)


def aggregate_level(
    Y: np.ndarray,
    W: np.ndarray,
    groups: list[np.ndarray],
    method: str,
    floor: float = 1.0,
) -> tuple[np.ndarray, dict]:
    """Aggregate the children of one level into their parents, for R weight sets at once.

    Parameters
    ----------
    Y : numpy.ndarray
        Children scores, codes-major: ``(children, units)`` when the same for every
        replication (the normalised indicators), or ``(R, children, units)``. NaN = missing.
    W : numpy.ndarray
        ``(R, children)`` weights (only ratios within a group matter).
    groups : list of numpy.ndarray
        For each parent, the positions of its children.
    method : {"arithmetic", "geometric", "harmonic"}
        Weighted mean used. Missing children are left out and the weights re-normalised over
        the children present; a parent with no child present is NaN.
    floor : float
        Geometric and harmonic means need positive values: when the smallest child value of
        the level (over units and children, per replication) is below ``floor``, every value
        is shifted up by ``floor - min`` before taking the mean and the result shifted back
        down by the same amount (so the aggregate stays on the children's scale).

    Returns
    -------
    (numpy.ndarray, dict)
        ``(R, parents, units)`` scores and info: ``shift`` (array (R,)), ``renormalised``
        (number of unit-parent cells where some but not all children were missing, array
        (R,)), ``empty`` (cells with no child present, array (R,)).
    """
    if method not in AGGREGATIONS:
        raise ConfigError(f"unknown aggregation {method!r}; choose one of {AGGREGATIONS}")
    shared = Y.ndim == 2
    W = np.asarray(W, dtype=float)
    R = W.shape[0]
    n_units = Y.shape[-1]
    avail = ~np.isnan(Y)
    any_missing = not avail.all()
    if method == "arithmetic":
        shift = np.zeros(R)
        T = Y
    else:
        with np.errstate(all="ignore"):
            if shared:
                shift = np.full(R, _shift_needed(np.nanmin(Y), floor))
                Z = Y + shift[0]
            else:
                shift = _shift_needed(np.nanmin(Y, axis=(1, 2)), floor)
                Z = Y + shift[:, None, None]
            if method == "geometric":
                T = np.log(Z, out=Z)
            else:
                T = np.divide(1.0, Z, out=Z)
    T0 = np.where(avail, T, 0.0) if any_missing else T
    Af = avail.astype(float) if any_missing else None
    out = np.empty((R, len(groups), n_units))
    renorm = np.zeros(R, dtype=np.int64)
    empty = np.zeros(R, dtype=np.int64)
    for p, idx in enumerate(groups):
        Wg = W[:, idx]  # (R, k)
        acc = out[:, p, :]
        if shared:
            np.matmul(Wg, T0[idx], out=acc)
            den = Wg @ Af[idx] if any_missing else Wg.sum(axis=1)[:, None]
        else:
            acc[...] = 0.0
            tmp = np.empty((R, n_units))
            for j, child in enumerate(idx):
                np.multiply(T0[:, child, :], Wg[:, j : j + 1], out=tmp)
                acc += tmp
            if any_missing:
                den = np.zeros((R, n_units))
                for j, child in enumerate(idx):
                    den += Af[:, child, :] * Wg[:, j : j + 1]
            else:
                den = Wg.sum(axis=1)[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(acc, den, out=acc)
        if any_missing:
            k_avail = avail[idx].sum(axis=0) if shared else avail[:, idx, :].sum(axis=1)
            partial = (k_avail > 0) & (k_avail < idx.size)
            none = k_avail == 0
            renorm += partial.sum() if shared else partial.sum(axis=1)
            empty += none.sum() if shared else none.sum(axis=1)
            acc[np.broadcast_to(none, acc.shape)] = np.nan
    if method == "geometric":
        np.exp(out, out=out)
        out -= shift[:, None, None]
    elif method == "harmonic":
        with np.errstate(divide="ignore"):
            np.divide(1.0, out, out=out)
        out -= shift[:, None, None]
    return out, {"shift": shift, "renormalised": renorm, "empty": empty}


def rank_desc(S: np.ndarray) -> np.ndarray:
    """Ranks along the last axis, 1 = highest score, ties share the best rank ("min").

    Scores are compared after rounding to ``2**-40`` of their range (per row), so values that
    differ only by floating-point noise are tied. NaN scores get rank 0 (the caller turns
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
        span = np.where(np.isfinite(span) & (span > 0), span, 1.0)
        # negated key: ascending argsort = descending scores; integers exact in float64
        key = np.subtract(lo, S2)
        key *= 1.0 / (span * RANK_RESOLUTION)
        np.rint(key, out=key)
    if has_nan:
        key[nan] = np.inf
    order = np.argsort(key, axis=1)
    sk = np.take_along_axis(key, order, axis=1)
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
