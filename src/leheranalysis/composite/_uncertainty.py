"""Monte Carlo uncertainty analysis and variance-based sensitivity analysis of an index.

Uncertain inputs (each a uniform [0, 1) variable mapped to its choice, as in COINr's
``get_sensitivity``):

``weights_L<level>``
    multiplicative noise on the weights of the children of level ``<level>``: a pool of
    noisy weight sets (each weight times an independent uniform factor in
    ``[1 - noise, 1 + noise]``) is drawn once, and the variable picks one set from the pool;
``normalisation``
    one of ``normalisations`` (for every indicator);
``aggregation``
    one of ``aggregations`` (at every level);
``winsor_limit``
    one of ``winsor_limits`` as the maximum number of winsorised points.

Replications are computed as arrays (replications x units x children): the runs are
grouped by their discrete choices (winsor limit, normalisation, aggregation), so each
combination's normalised table is computed once and its runs, in chunks of at most
``chunk`` replications, go through the aggregation in one array operation per parent code.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from leheranalysis.errors import CompositeInputError, ConfigError

from ._engine import (
    AGGREGATIONS,
    aggregate_level,
    collapse_weights,
    collapsed_index,
    positive_shift,
    rank_desc,
)
from ._index import CompositeResult, Settings, finish, normalise_array, prepare, treat_array
from ._sensitivity import saltelli_design, sobol_indices
from ._steps import NORMALISATIONS, _entry

MEMORY_BUDGET = 512 * 2**20  # bytes of temporaries per chunk


@dataclass
class UncertaintyResult:
    """Result of :func:`uncertainty`.

    Attributes
    ----------
    ranks : pandas.DataFrame
        Per unit (index = unit id, sorted by nominal rank): ``nominal_rank``,
        ``median_rank``, ``q05`` and ``q95`` (the 5-95 % rank interval, linear
        interpolation), ``mean_abs_shift`` (mean of |rank - nominal rank| over replications).
    sensitivity : pandas.DataFrame
        Per uncertain input: ``S1`` (first order, Saltelli 2010), ``ST`` (total, Jansen
        1999) of the mean absolute rank shift, with bootstrap intervals if asked for.
        Empty when ``sensitivity=False`` or nothing is uncertain.
    priority : list
        Unit ids whose whole rank interval [q05, q95] lies within the top
        ``priority_quantile`` share of ranks (rank <= priority_quantile x number of units),
        in nominal rank order.
    runs : pandas.DataFrame
        One row per Monte Carlo replication (the rows of A and B): the choices made and the
        output ``mean_abs_rank_shift``.
    nominal : CompositeResult
        The index under the nominal settings.
    n_model_runs : int
        Model evaluations, including the ``AB_i`` matrices of the sensitivity design.
    samples : pandas.DataFrame or None
        Units x replications ranks, when ``keep_samples=True``.
    log : list of dict
    """

    ranks: pd.DataFrame
    sensitivity: pd.DataFrame
    priority: list
    runs: pd.DataFrame
    nominal: CompositeResult
    n_model_runs: int
    samples: pd.DataFrame | None = None
    log: list[dict] = field(default_factory=list)
    parameters: dict = field(default_factory=dict)


def _noise_for(weight_noise, level: int) -> float:
    if isinstance(weight_noise, Mapping):
        return float(weight_noise.get(level, weight_noise.get("default", 0.0)))
    return float(weight_noise)


def _check_args(n, weight_noise, normalisations, aggregations, winsor_limits, priority_quantile):
    if int(n) < 2:
        raise ConfigError(f"n must be >= 2 replications, got {n!r}")
    values = weight_noise.values() if isinstance(weight_noise, Mapping) else [weight_noise]
    for v in values:
        if not 0.0 <= float(v) < 1.0:
            raise ConfigError(f"weight_noise must be in [0, 1), got {v!r}")
    for v in normalisations:
        if v not in NORMALISATIONS:
            raise ConfigError(f"unknown normalisation {v!r}; choose from {NORMALISATIONS}")
    for v in aggregations:
        if v not in AGGREGATIONS:
            raise ConfigError(f"unknown aggregation {v!r}; choose from {AGGREGATIONS}")
    for v in winsor_limits:
        if int(v) < 0:
            raise ConfigError(f"winsor limits must be >= 0, got {v!r}")
    if not 0.0 < float(priority_quantile) <= 1.0:
        raise ConfigError(f"priority_quantile must be in (0, 1], got {priority_quantile!r}")


def uncertainty(
    data: pd.DataFrame,
    meta: pd.DataFrame,
    settings: Settings | None = None,
    n: int = 1000,
    seed: int = 0,
    weight_noise: float | Mapping = 0.25,
    normalisations: Sequence[str] = ("minmax", "zscore", "rank"),
    aggregations: Sequence[str] = ("arithmetic", "geometric"),
    winsor_limits: Sequence[int] = (1, 2, 3, 4, 5),
    priority_quantile: float = 0.2,
    chunk: int | None = None,
    *,
    sensitivity: bool = True,
    bootstrap: int = 0,
    group=None,
    keep_samples: bool = False,
) -> UncertaintyResult:
    """Rank intervals, sensitivity indices and priority units under methodological doubt.

    Parameters
    ----------
    data, meta, settings, group :
        As for :func:`build_index`; ``settings`` gives the nominal index and every choice
        that is not uncertain (screening, imputation, treatment thresholds, ...).
    n : int
        Monte Carlo replications for the rank statistics. With ``sensitivity`` these are the
        rows of the Saltelli matrices A and B (``ceil(n / 2)`` each), and ``k x ceil(n/2)``
        more runs are made for the ``AB_i`` matrices (k = number of uncertain inputs).
    seed : int
        Seed of the random generator (results are reproducible).
    weight_noise : float or mapping level -> float
        Half-width of the multiplicative uniform noise on the weights of each aggregation
        level (key = level of the parents); 0 switches it off.
    normalisations, aggregations, winsor_limits : sequences
        Alternatives sampled uniformly. A single alternative is used in every replication
        without being an uncertain input; an empty sequence means the nominal setting.
        The winsor limit is only varied when ``settings.treat`` is on.
    priority_quantile : float
        Share of ranks defining the priority zone (0.2: the worst quintile).
    chunk : int, optional
        Maximum replications per array operation (memory cap); default: as many as fit in
        about 512 MiB of temporaries.
    sensitivity : bool
        Compute first-order and total sensitivity indices (needs the ``AB_i`` runs).
    bootstrap : int
        Bootstrap resamples for confidence intervals of the indices (0: none).
    keep_samples : bool
        Keep the full units x replications rank matrix in ``samples``.

    Returns
    -------
    UncertaintyResult
    """
    settings = settings or Settings()
    normalisations = tuple(normalisations) or (settings.normalisation,)
    aggregations = tuple(aggregations)
    winsor_limits = tuple(int(w) for w in winsor_limits) or (int(settings.winsor_max_points),)
    _check_args(n, weight_noise, normalisations, aggregations, winsor_limits, priority_quantile)
    if not settings.treat:
        winsor_limits = (int(settings.winsor_max_points),)
    prep = prepare(data, meta, settings, group)
    nominal = finish(prep, settings, {"data": data, "meta": meta, "group": group})
    tree = prep.tree
    units = prep.units
    n_units = len(units)
    index_code = tree.codes[tree.top][0]
    nominal_rank = nominal.ranks[index_code].to_numpy(dtype=np.int64).astype(np.int32)
    log: list[dict] = []

    # base weights per level (nominal, incl. PCA) and the uncertain inputs
    base_w = {
        lvl: nominal.weights.reindex(tree.codes[lvl - 1]).to_numpy(dtype=float)
        for lvl in range(2, tree.top + 1)
    }
    inputs: list[str] = []
    noisy_levels = []
    for lvl in range(2, tree.top + 1):
        multi = any(g.size > 1 for g in tree.groups[lvl])
        if _noise_for(weight_noise, lvl) > 0 and multi:
            noisy_levels.append(lvl)
            inputs.append(f"weights_L{lvl}")
    if len(normalisations) > 1:
        inputs.append("normalisation")
    if len(aggregations) > 1:
        inputs.append("aggregation")
    if len(winsor_limits) > 1:
        inputs.append("winsor_limit")
    k = len(inputs)
    rng = np.random.default_rng(seed)
    do_sa = bool(sensitivity) and k > 0
    if do_sa:
        n_base = math.ceil(int(n) / 2)
        A, B, AB = saltelli_design(k, n_base, rng)
        U = np.concatenate([A, B, AB.reshape(-1, k)]) if k else np.empty((0, 0))
        n_mc = 2 * n_base
    else:
        n_base = int(n)
        U = rng.random((n_base, k))
        n_mc = n_base
    n_runs = U.shape[0]
    pool_size = max(n_base, 1)
    pools = {
        lvl: base_w[lvl][None, :]
        * rng.uniform(
            1 - _noise_for(weight_noise, lvl),
            1 + _noise_for(weight_noise, lvl),
            (pool_size, base_w[lvl].size),
        )
        for lvl in noisy_levels
    }

    def column(name: str, options: int) -> np.ndarray:
        if name not in inputs:
            return np.zeros(n_runs, dtype=np.intp)
        u = U[:, inputs.index(name)]
        return np.minimum((u * options).astype(np.intp), options - 1)

    w_idx = {lvl: column(f"weights_L{lvl}", pool_size) for lvl in noisy_levels}
    norm_idx = column("normalisation", len(normalisations))
    agg_idx = column("aggregation", max(len(aggregations), 1))
    win_idx = column("winsor_limit", len(winsor_limits))

    # memory-capped chunk size
    widths = [len(tree.codes[lvl]) for lvl in range(2, tree.top + 1)]
    per_run = 8 * n_units * (4 * max(widths + [1]) + 8)
    auto = max(1, int(MEMORY_BUDGET // per_run))
    chunk = auto if chunk is None else max(1, int(chunk))

    # run every combination of discrete choices
    store_ranks = np.empty((n_mc, n_units), dtype=np.int32)
    Y = np.empty(n_runs)
    combos = np.stack([win_idx, norm_idx, agg_idx], axis=1)
    keys, inverse = np.unique(combos, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    treated_cache: dict[int, np.ndarray] = {}
    norm_cache: dict[tuple[int, int], np.ndarray] = {}
    n_array_ops = 0
    for c, (wi, ni, ai) in enumerate(keys):
        rows = np.flatnonzero(inverse == c)
        limit = winsor_limits[wi]
        if not treated_cache:
            treated_cache = {
                lim: t[0]
                for lim, t in treat_array(prep, settings, winmax=list(winsor_limits)).items()
            }
        if (wi, ni) not in norm_cache:
            N, _ = normalise_array(treated_cache[limit], prep, settings, normalisations[ni])
            norm_cache.clear()  # combinations are sorted: (wi, ni) never comes back
            norm_cache[(wi, ni)] = np.ascontiguousarray(N.T)
        N = norm_cache[(wi, ni)]
        for start in range(0, rows.size, chunk):
            part = rows[start : start + chunk]
            scores = _aggregate_runs(
                N,
                tree,
                base_w,
                pools,
                w_idx,
                part,
                aggregations[ai] if aggregations else None,
                settings,
            )
            n_array_ops += 1
            ranks = rank_desc(scores)
            if not ranks.all():  # rank 0 = NaN score: never let it into the statistics
                bad = units[np.flatnonzero((ranks == 0).any(axis=0))[:10]]
                raise CompositeInputError(
                    f"index could not be computed in a replication ({normalisations[ni]}, "
                    f"winsor limit {limit}) for unit(s) {[str(u) for u in bad]}"
                )
            Y[part] = np.abs(ranks - nominal_rank[None, :]).mean(axis=1)
            mc = part < n_mc
            if mc.any():
                store_ranks[part[mc]] = ranks[mc]
    log.append(
        _entry(
            "uncertainty",
            {
                "n": int(n),
                "seed": seed,
                "weight_noise": weight_noise,
                "normalisations": normalisations,
                "aggregations": aggregations,
                "winsor_limits": winsor_limits,
                "inputs": inputs,
                "chunk": chunk,
            },
            f"{n_mc} Monte Carlo replications, {n_runs} model runs in {len(keys)} combination(s) "
            f"of discrete choices and {n_array_ops} array batch(es); uncertain inputs: {inputs or 'none'}",
        )
    )

    (q05, med, q95), shift = _rank_summaries(store_ranks, nominal_rank, (0.05, 0.5, 0.95))
    ranks_df = pd.DataFrame(
        {
            "nominal_rank": nominal_rank,
            "median_rank": med,
            "q05": q05,
            "q95": q95,
            "mean_abs_shift": shift,
        },
        index=units,
    ).sort_values(["nominal_rank", "median_rank"], kind="stable")
    limit_rank = priority_quantile * n_units
    priority = list(ranks_df.index[ranks_df["q95"] <= limit_rank + 1e-9])
    log.append(
        _entry(
            "priority",
            {"priority_quantile": priority_quantile},
            f"{len(priority)} unit(s) with the whole 5-95 % rank interval within ranks "
            f"1..{limit_rank:g}",
        )
    )

    if do_sa:
        fA, fB = Y[:n_base], Y[n_base : 2 * n_base]
        fAB = Y[2 * n_base :].reshape(k, n_base)
        sens = sobol_indices(fA, fB, fAB, inputs, bootstrap=bootstrap, seed=seed)
        if not np.var(np.concatenate([fA, fB])) > 0:
            log.append(
                _entry(
                    "sensitivity", {}, "the rank shift never varies: indices set to 0", "warning"
                )
            )
    else:
        sens = pd.DataFrame(columns=["S1", "ST"], index=pd.Index([], name="input"), dtype=float)

    runs = pd.DataFrame({"mean_abs_rank_shift": Y[:n_mc]})
    runs["normalisation"] = [normalisations[i] for i in norm_idx[:n_mc]]
    runs["aggregation"] = [aggregations[i] for i in agg_idx[:n_mc]] if aggregations else "nominal"
    runs["winsor_limit"] = [winsor_limits[i] for i in win_idx[:n_mc]]
    samples = pd.DataFrame(store_ranks.T, index=units) if keep_samples else None
    return UncertaintyResult(
        ranks=ranks_df,
        sensitivity=sens,
        priority=priority,
        runs=runs,
        nominal=nominal,
        n_model_runs=n_runs,
        samples=samples,
        log=nominal.log + log,
        parameters={"inputs": inputs, "n_base": n_base, "chunk": chunk},
    )


def _rank_summaries(store: np.ndarray, nominal: np.ndarray, probs, block: int = 4096):
    """Per-unit quantiles (numpy's default linear interpolation) and mean absolute shift of
    the ``(runs, units)`` rank matrix, computed block by block of units."""
    n_runs, n_units = store.shape
    out = np.empty((len(probs), n_units))
    shift = np.empty(n_units)
    h = (n_runs - 1) * np.asarray(probs, dtype=float)
    lo = np.floor(h).astype(np.intp)
    hi = np.minimum(lo + 1, n_runs - 1)
    frac = h - lo
    for s in range(0, n_units, block):
        blk = np.sort(store[:, s : s + block].T, axis=1).astype(float)
        out[:, s : s + block] = (blk[:, lo] * (1 - frac) + blk[:, hi] * frac).T
        shift[s : s + block] = np.abs(blk - nominal[s : s + block, None]).mean(axis=1)
    return out, shift


def _level_weights(base_w, pools, w_idx, rows, lvl) -> np.ndarray:
    if lvl in pools:
        return pools[lvl][w_idx[lvl][rows]]
    return np.broadcast_to(base_w[lvl], (rows.size, base_w[lvl].size))


def _aggregate_runs(N, tree, base_w, pools, w_idx, rows, method, settings) -> np.ndarray:
    """Index scores ``(len(rows), units)`` (in the shifted space of :func:`positive_shift`,
    which does not change ranks) for the runs ``rows`` sharing one normalised table ``N``
    (indicators x units).

    With one kind of mean at every level and no missing value, the tree collapses to one
    weighted mean of the indicators with effective weights (:func:`collapse_weights`):
    one matrix product for all runs.
    """
    methods = {lvl: method or _per_level_method(settings, lvl) for lvl in range(2, tree.top + 1)}
    shift = positive_shift(N, methods.values(), settings.positive_floor)
    Y = N + shift if shift else N
    W = {lvl: _level_weights(base_w, pools, w_idx, rows, lvl) for lvl in range(2, tree.top + 1)}
    kinds = set(methods.values())
    if len(kinds) == 1 and not np.isnan(N).any():
        return collapsed_index(Y, collapse_weights(tree, W), kinds.pop())
    for lvl in range(2, tree.top + 1):
        Y, _ = aggregate_level(Y, W[lvl], tree.groups[lvl], methods[lvl])
    return Y[0]


def _per_level_method(settings: Settings, level: int) -> str:
    from ._steps import per_level

    return per_level(settings.aggregation, level, "aggregation")
