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
    opts = _Options.resolve(
        settings, n, seed, weight_noise, normalisations, aggregations, winsor_limits,
        priority_quantile, chunk, sensitivity, bootstrap,
    )  # fmt: skip
    prep = prepare(data, meta, settings, group)
    nominal = finish(prep, settings, {"data": data, "meta": meta, "group": group})
    design = _design(prep, nominal, opts)
    store_ranks, Y, n_combos, n_ops = _run_replications(prep, settings, opts, design)
    log = [_run_entry(opts, design, n_combos, n_ops)]
    ranks_df = _rank_table(store_ranks, design.nominal_rank, prep.units)
    priority = _priority_units(ranks_df, opts.priority_quantile, len(prep.units), log)
    sens = _sensitivity_table(Y, design, opts, log)
    return UncertaintyResult(
        ranks=ranks_df,
        sensitivity=sens,
        priority=priority,
        runs=_runs_table(Y, design, opts),
        nominal=nominal,
        n_model_runs=design.n_runs,
        samples=pd.DataFrame(store_ranks.T, index=prep.units) if keep_samples else None,
        log=nominal.log + log,
        parameters={"inputs": design.inputs, "n_base": design.n_base, "chunk": design.chunk},
    )


def _nominal_rank(nominal: CompositeResult, tree) -> np.ndarray:
    """Ranks of the index under the nominal settings, as int32."""
    index_code = tree.codes[tree.top][0]
    return nominal.ranks[index_code].to_numpy(dtype=np.int64).astype(np.int32)


@dataclass(frozen=True)
class _Options:
    """The options of :func:`uncertainty`, checked, with the alternatives of the discrete
    inputs resolved against the settings (an empty sequence: the nominal setting)."""

    n: int
    seed: int
    weight_noise: float | Mapping
    normalisations: tuple[str, ...]
    aggregations: tuple[str, ...]
    winsor_limits: tuple[int, ...]
    priority_quantile: float
    chunk: int | None
    sensitivity: bool
    bootstrap: int

    @classmethod
    def resolve(
        cls, settings, n, seed, weight_noise, normalisations, aggregations, winsor_limits,
        priority_quantile, chunk, sensitivity, bootstrap,
    ) -> _Options:  # fmt: skip
        """Check the arguments of :func:`uncertainty` (a ``ConfigError`` names the first
        bad one) and resolve the alternatives."""
        normalisations = tuple(normalisations) or (settings.normalisation,)
        aggregations = tuple(aggregations)
        winsor_limits = tuple(int(w) for w in winsor_limits) or (int(settings.winsor_max_points),)
        _check_args(n, weight_noise, normalisations, aggregations, winsor_limits, priority_quantile)
        if not settings.treat:
            winsor_limits = (int(settings.winsor_max_points),)
        return cls(
            n, seed, weight_noise, normalisations, aggregations, winsor_limits,
            priority_quantile, chunk, sensitivity, bootstrap,
        )  # fmt: skip


@dataclass
class _Design:
    """The Monte Carlo design: uncertain inputs and the choice each run makes for them."""

    inputs: list[str]
    do_sa: bool
    n_base: int
    n_mc: int
    n_runs: int
    chunk: int
    nominal_rank: np.ndarray
    base_w: dict[int, np.ndarray]
    pools: dict[int, np.ndarray]
    w_idx: dict[int, np.ndarray]
    norm_idx: np.ndarray
    agg_idx: np.ndarray
    win_idx: np.ndarray


def _uncertain_inputs(tree, opts: _Options) -> tuple[list[int], list[str]]:
    """Levels with noisy weights and the names of every uncertain input, in design order."""
    inputs: list[str] = []
    noisy_levels = []
    for lvl in range(2, tree.top + 1):
        multi = any(g.size > 1 for g in tree.groups[lvl])
        if _noise_for(opts.weight_noise, lvl) > 0 and multi:
            noisy_levels.append(lvl)
            inputs.append(f"weights_L{lvl}")
    if len(opts.normalisations) > 1:
        inputs.append("normalisation")
    if len(opts.aggregations) > 1:
        inputs.append("aggregation")
    if len(opts.winsor_limits) > 1:
        inputs.append("winsor_limit")
    return noisy_levels, inputs


def _design(prep, nominal: CompositeResult, opts: _Options) -> _Design:
    """Sample the runs (Saltelli matrices A, B and AB_i, or plain Monte Carlo) and the pools
    of noisy weight sets, and map each run's uniform variables to its choices."""
    tree, weight_noise, n = prep.tree, opts.weight_noise, opts.n
    # base weights per level (nominal, incl. PCA) and the uncertain inputs
    base_w = {
        lvl: nominal.weights.reindex(tree.codes[lvl - 1]).to_numpy(dtype=float)
        for lvl in range(2, tree.top + 1)
    }
    noisy_levels, inputs = _uncertain_inputs(tree, opts)
    k = len(inputs)
    rng = np.random.default_rng(opts.seed)
    do_sa = bool(opts.sensitivity) and k > 0
    if do_sa:
        n_base = math.ceil(int(n) / 2)
        A, B, AB = saltelli_design(k, n_base, rng)
        U = np.concatenate([A, B, AB.reshape(-1, k)]) if k else np.empty((0, 0))
        n_mc = 2 * n_base
    else:
        n_base = int(n)
        U = rng.random((n_base, k))
        n_mc = n_base
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
    return _Design(
        inputs=inputs,
        do_sa=do_sa,
        n_base=n_base,
        n_mc=n_mc,
        n_runs=U.shape[0],
        chunk=_chunk_size(tree, len(prep.units), opts.chunk),
        nominal_rank=_nominal_rank(nominal, tree),
        base_w=base_w,
        pools=pools,
        w_idx={
            lvl: _choice_column(U, inputs, f"weights_L{lvl}", pool_size) for lvl in noisy_levels
        },
        norm_idx=_choice_column(U, inputs, "normalisation", len(opts.normalisations)),
        agg_idx=_choice_column(U, inputs, "aggregation", max(len(opts.aggregations), 1)),
        win_idx=_choice_column(U, inputs, "winsor_limit", len(opts.winsor_limits)),
    )


def _choice_column(U: np.ndarray, inputs: list[str], name: str, options: int) -> np.ndarray:
    """The option (0 .. options - 1) each run picks for one input (0 when it is certain)."""
    if name not in inputs:
        return np.zeros(U.shape[0], dtype=np.intp)
    u = U[:, inputs.index(name)]
    return np.minimum((u * options).astype(np.intp), options - 1)


def _chunk_size(tree, n_units: int, chunk: int | None) -> int:
    """Replications per array operation: the given cap, or as many as fit the memory budget."""
    widths = [len(tree.codes[lvl]) for lvl in range(2, tree.top + 1)]
    per_run = 8 * n_units * (4 * max(widths + [1]) + 8)
    auto = max(1, int(MEMORY_BUDGET // per_run))
    return auto if chunk is None else max(1, int(chunk))


def _run_replications(prep, settings, opts: _Options, design: _Design):
    """Run every combination of discrete choices, its runs in chunks.

    Returns the ranks of the Monte Carlo runs ``(n_mc, units)``, the output (mean absolute
    rank shift) of every run, the number of combinations and of array batches.
    """
    store_ranks = np.empty((design.n_mc, len(prep.units)), dtype=np.int32)
    Y = np.empty(design.n_runs)
    combos = np.stack([design.win_idx, design.norm_idx, design.agg_idx], axis=1)
    keys, inverse = np.unique(combos, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    treated_cache: dict[int, np.ndarray] = {}
    norm_cache: dict[tuple[int, int], np.ndarray] = {}
    n_array_ops = 0
    for c, (wi, ni, ai) in enumerate(keys):
        rows = np.flatnonzero(inverse == c)
        limit = opts.winsor_limits[wi]
        if not treated_cache:
            treated_cache = {
                lim: t[0]
                for lim, t in treat_array(prep, settings, winmax=list(opts.winsor_limits)).items()
            }
        if (wi, ni) not in norm_cache:
            N, _ = normalise_array(treated_cache[limit], prep, settings, opts.normalisations[ni])
            norm_cache.clear()  # combinations are sorted: (wi, ni) never comes back
            norm_cache[(wi, ni)] = np.ascontiguousarray(N.T)
        N = norm_cache[(wi, ni)]
        method = opts.aggregations[ai] if opts.aggregations else None
        what = f"{opts.normalisations[ni]}, winsor limit {limit}"
        for start in range(0, rows.size, design.chunk):
            part = rows[start : start + design.chunk]
            ranks = _chunk_ranks(N, prep, design, part, method, settings, what)
            n_array_ops += 1
            Y[part] = np.abs(ranks - design.nominal_rank[None, :]).mean(axis=1)
            mc = part < design.n_mc
            if mc.any():
                store_ranks[part[mc]] = ranks[mc]
    return store_ranks, Y, len(keys), n_array_ops


def _chunk_ranks(N, prep, design: _Design, part, method, settings, what: str) -> np.ndarray:
    """Index ranks ``(len(part), units)`` of the runs ``part``; an error if a score is NaN."""
    scores = _aggregate_runs(
        N, prep.tree, design.base_w, design.pools, design.w_idx, part, method, settings
    )
    ranks = rank_desc(scores)
    if not ranks.all():  # rank 0 = NaN score: never let it into the statistics
        bad = prep.units[np.flatnonzero((ranks == 0).any(axis=0))[:10]]
        raise CompositeInputError(
            f"index could not be computed in a replication ({what}) for unit(s) "
            f"{[str(u) for u in bad]}"
        )
    return ranks


def _run_entry(opts: _Options, design: _Design, n_combos, n_ops):
    """The log entry of the Monte Carlo runs: parameters, runs, combinations and batches."""
    return _entry(
        "uncertainty",
        {
            "n": int(opts.n),
            "seed": opts.seed,
            "weight_noise": opts.weight_noise,
            "normalisations": opts.normalisations,
            "aggregations": opts.aggregations,
            "winsor_limits": opts.winsor_limits,
            "inputs": design.inputs,
            "chunk": design.chunk,
        },
        f"{design.n_mc} Monte Carlo replications, {design.n_runs} model runs in {n_combos} "
        f"combination(s) of discrete choices and {n_ops} array batch(es); uncertain "
        f"inputs: {design.inputs or 'none'}",
    )


def _rank_table(store_ranks: np.ndarray, nominal_rank: np.ndarray, units) -> pd.DataFrame:
    """Nominal rank, median rank, 5-95 % rank interval and mean absolute shift per unit."""
    (q05, med, q95), shift = _rank_summaries(store_ranks, nominal_rank, (0.05, 0.5, 0.95))
    return pd.DataFrame(
        {
            "nominal_rank": nominal_rank,
            "median_rank": med,
            "q05": q05,
            "q95": q95,
            "mean_abs_shift": shift,
        },
        index=units,
    ).sort_values(["nominal_rank", "median_rank"], kind="stable")


def _priority_units(ranks_df: pd.DataFrame, quantile: float, n_units: int, log) -> list:
    """Units whose whole rank interval lies within the priority zone (logged)."""
    limit_rank = quantile * n_units
    priority = list(ranks_df.index[ranks_df["q95"] <= limit_rank + 1e-9])
    log.append(
        _entry(
            "priority",
            {"priority_quantile": quantile},
            f"{len(priority)} unit(s) with the whole 5-95 % rank interval within ranks "
            f"1..{limit_rank:g}",
        )
    )
    return priority


def _sensitivity_table(Y: np.ndarray, design: _Design, opts: _Options, log) -> pd.DataFrame:
    """First-order and total indices of the rank shift (empty without the sensitivity design)."""
    if not design.do_sa:
        return pd.DataFrame(columns=["S1", "ST"], index=pd.Index([], name="input"), dtype=float)
    n_base, k = design.n_base, len(design.inputs)
    fA, fB = Y[:n_base], Y[n_base : 2 * n_base]
    fAB = Y[2 * n_base :].reshape(k, n_base)
    sens = sobol_indices(fA, fB, fAB, design.inputs, bootstrap=opts.bootstrap, seed=opts.seed)
    if not np.var(np.concatenate([fA, fB])) > 0:
        log.append(
            _entry("sensitivity", {}, "the rank shift never varies: indices set to 0", "warning")
        )
    return sens


def _runs_table(Y: np.ndarray, design: _Design, opts: _Options) -> pd.DataFrame:
    """One row per Monte Carlo run: its choices and its mean absolute rank shift."""
    n_mc = design.n_mc
    runs = pd.DataFrame({"mean_abs_rank_shift": Y[:n_mc]})
    runs["normalisation"] = [opts.normalisations[i] for i in design.norm_idx[:n_mc]]
    runs["aggregation"] = (
        [opts.aggregations[i] for i in design.agg_idx[:n_mc]] if opts.aggregations else "nominal"
    )
    runs["winsor_limit"] = [opts.winsor_limits[i] for i in design.win_idx[:n_mc]]
    return runs


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
