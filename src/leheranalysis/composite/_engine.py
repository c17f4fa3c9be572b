"""Batched aggregation and ranking: the arithmetic core shared by the nominal index and
the Monte Carlo replications.

Arrays carry a leading replication axis ``R``: scores of one level are ``(R, units,
codes)``. The nominal index is the case ``R = 1``, so the nominal ranks and the Monte
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
        Children scores: ``(units, children)`` when the same for every replication (the
        normalised indicators), or ``(R, units, children)``. NaN = missing.
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
        ``(R, units, parents)`` scores and info: ``shift`` (array (R,)), ``renormalised``
        (number of unit-parent cells where some but not all children were missing, per
        replication as array (R,)), ``empty`` (cells with no child present).
    """
    if method not in AGGREGATIONS:
        raise ConfigError(f"unknown aggregation {method!r}; choose one of {AGGREGATIONS}")
    shared = Y.ndim == 2
    R = W.shape[0]
    n_units = Y.shape[-2]
    avail = ~np.isnan(Y)
    any_missing = not avail.all()
    if method == "arithmetic":
        shift = np.zeros(R)
        T = Y
    else:
        with np.errstate(all="ignore"):
            if shared:
                ymin = np.nanmin(Y)
                shift = np.full(R, _shift_needed(ymin, floor))
                Z = Y + shift[0]
            else:
                ymin = np.nanmin(Y, axis=(1, 2))
                shift = _shift_needed(ymin, floor)
                Z = Y + shift[:, None, None]
            T = np.log(Z) if method == "geometric" else 1.0 / Z
    T0 = np.where(avail, T, 0.0) if any_missing else T
    out = np.empty((R, n_units, len(groups)))
    renorm = np.zeros(R, dtype=np.int64)
    empty = np.zeros(R, dtype=np.int64)
    Af = avail.astype(float) if any_missing else None
    for p, idx in enumerate(groups):
        Wg = W[:, idx]  # (R, k)
        if shared:
            num = T0[:, idx] @ Wg.T  # (units, R)
            num = num.T
            if any_missing:
                den = (Af[:, idx] @ Wg.T).T
                k_avail = avail[:, idx].sum(axis=1)
                partial = int(((k_avail > 0) & (k_avail < idx.size)).sum())
                renorm += partial
                empty += int((k_avail == 0).sum())
            else:
                den = Wg.sum(axis=1)[:, None]
        else:
            num = np.einsum("ruk,rk->ru", T0[:, :, idx], Wg)
            if any_missing:
                den = np.einsum("ruk,rk->ru", Af[:, :, idx], Wg)
                k_avail = avail[:, :, idx].sum(axis=2)
                renorm += ((k_avail > 0) & (k_avail < idx.size)).sum(axis=1)
                empty += (k_avail == 0).sum(axis=1)
            else:
                den = Wg.sum(axis=1)[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = num / den
        if any_missing:
            mean = np.where(den > 0, mean, np.nan)
        out[:, :, p] = mean
    if method == "geometric":
        out = np.exp(out) - shift[:, None, None]
    elif method == "harmonic":
        with np.errstate(divide="ignore"):
            out = 1.0 / out - shift[:, None, None]
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
    with np.errstate(all="ignore"):
        lo = np.nanmin(np.where(nan, np.inf, S2), axis=1, keepdims=True)
        hi = np.nanmax(np.where(nan, -np.inf, S2), axis=1, keepdims=True)
        span = np.where(np.isfinite(hi - lo) & (hi > lo), hi - lo, 1.0)
        lo = np.where(np.isfinite(lo), lo, 0.0)
        key = np.rint((S2 - lo) / span / RANK_RESOLUTION)
    key = np.where(nan, -1.0, key).astype(np.int64)
    order = np.argsort(key, axis=1)[:, ::-1]
    sk = np.take_along_axis(key, order, axis=1)
    n = S2.shape[1]
    pos = np.broadcast_to(np.arange(n, dtype=np.int32), sk.shape)
    new_run = np.ones(sk.shape, dtype=bool)
    new_run[:, 1:] = sk[:, 1:] != sk[:, :-1]
    start = np.where(new_run, pos, 0)
    np.maximum.accumulate(start, axis=1, out=start)
    ranks = np.empty(sk.shape, dtype=np.int32)
    np.put_along_axis(ranks, order, start + 1, axis=1)
    ranks[nan] = 0
    return ranks[0] if one else ranks
