"""Settings, the index pipeline :func:`build_index` and its result."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from leheranalysis.errors import CompositeInputError, ConfigError

from . import _steps
from ._engine import AGGREGATIONS, aggregate_level, positive_shift, rank_desc
from ._metadata import Tree, prune_meta, validate_metadata
from ._steps import IMPUTATIONS, NORMALISATIONS, _entry

WEIGHTINGS = ("equal", "given", "pca")


@dataclass(frozen=True)
class Settings:
    """Every choice made while building an index; recorded in the result and its log.

    Attributes
    ----------
    imputation : {"none", "mean", "median", "group_mean"}
        How missing indicator values are filled (``none``: left missing; aggregation then
        re-normalises the weights over the children present).
    min_availability : float
        Screening threshold on the share of non-missing values: a unit with a smaller share
        of indicators is excluded (listed in ``CompositeResult.excluded``); an indicator
        present for a smaller share of units is an error, or dropped when
        ``drop_sparse_indicators``. Units without any value are always excluded.
    drop_sparse_indicators : bool
        Drop (and log) indicators under ``min_availability`` instead of raising.
    treat : bool
        Apply the outlier treatment.
    winsor_max_points, skew_threshold, kurt_threshold :
        Outlier treatment parameters (COINr defaults 5, 2.0, 3.5).
    normalisation : {"minmax", "zscore", "rank", "percentile", "target"}
    minmax_range : (float, float)
        Scale of min-max normalisation (default 0-100).
    zscore_params : (float, float)
        Mean and standard deviation of z-scores.
    targets : mapping code -> value, optional
        Targets for ``target`` normalisation; a ``target`` column of the metadata is used
        for codes missing here.
    target_cap : bool
        Cap distance-to-target scores at 100 (the target).
    weighting : {"equal", "given", "pca"} or mapping level -> choice
        ``given``: metadata weights; ``pca``: first principal component of the children
        (absolute loadings normalised to sum 1). A mapping gives a choice per aggregation
        level (key = level of the parent, e.g. 2 for pillars), with optional ``"default"``.
    aggregation : {"arithmetic", "geometric", "harmonic"} or mapping level -> choice
        Weighted mean at each aggregation level.
    positive_floor : float
        When a level uses geometric or harmonic means, all normalised indicator values are
        shifted up so their minimum is this value, every level is aggregated on the shifted
        data and the shift is subtracted from the reported aggregates (see
        ``positive_shift``).
    normalise_weights : bool
        Divide metadata weights by their group sum instead of requiring them to sum to 1.
    """

    imputation: str = "none"
    min_availability: float = 0.65
    drop_sparse_indicators: bool = False
    treat: bool = True
    winsor_max_points: int = 5
    skew_threshold: float = 2.0
    kurt_threshold: float = 3.5
    normalisation: str = "minmax"
    minmax_range: tuple[float, float] = (0.0, 100.0)
    zscore_params: tuple[float, float] = (0.0, 1.0)
    targets: Mapping[str, float] | None = None
    target_cap: bool = True
    weighting: str | Mapping = "given"
    aggregation: str | Mapping = "arithmetic"
    positive_floor: float = 1.0
    normalise_weights: bool = False

    def check(self) -> None:
        """Raise :class:`ConfigError` for an unknown choice or an out-of-range number."""
        if self.imputation not in IMPUTATIONS:
            raise ConfigError(
                f"unknown imputation {self.imputation!r}; choose one of {IMPUTATIONS}"
            )
        if self.normalisation not in NORMALISATIONS:
            raise ConfigError(
                f"unknown normalisation {self.normalisation!r}; choose one of {NORMALISATIONS}"
            )
        if not 0.0 <= float(self.min_availability) <= 1.0:
            raise ConfigError(f"min_availability must be in [0, 1], got {self.min_availability!r}")
        if int(self.winsor_max_points) < 0:
            raise ConfigError(f"winsor_max_points must be >= 0, got {self.winsor_max_points!r}")
        lo, hi = self.minmax_range
        if not hi > lo:
            raise ConfigError(
                f"minmax_range must be (low, high) with high > low, got {self.minmax_range}"
            )
        if not self.zscore_params[1] > 0:
            raise ConfigError(f"zscore_params sd must be > 0, got {self.zscore_params}")
        for name, allowed in (("weighting", WEIGHTINGS), ("aggregation", AGGREGATIONS)):
            value = getattr(self, name)
            values = value.values() if isinstance(value, Mapping) else [value]
            for v in values:
                if v not in allowed:
                    raise ConfigError(f"unknown {name} {v!r}; choose one of {allowed}")

    def as_dict(self) -> dict[str, Any]:
        """The settings as a plain dict (for logs and files)."""
        out = dataclasses.asdict(self)
        for k, v in out.items():
            if isinstance(v, Mapping):
                out[k] = dict(v)
        return out


@dataclass
class CompositeResult:
    """Everything :func:`build_index` computed.

    Attributes
    ----------
    scores : pandas.DataFrame
        Units x codes at every level: normalised indicators, then each aggregate level,
        the index last.
    ranks : pandas.DataFrame
        Same shape, Int64; 1 = highest score (= most of the concept), ties share the best
        rank; <NA> only where the score is missing (an aggregate with no child present).
    normalised : pandas.DataFrame
        Units x indicators after normalisation (direction applied).
    treated : pandas.DataFrame
        Units x indicators after imputation and outlier treatment (raw scale or log).
    treatment_report : pandas.DataFrame
        One row per indicator: ``indicator``, ``method`` (none / winsorise / log),
        ``points`` treated, ``treated_units`` (ids of winsorised units; a log transform
        changes every value and leaves the list empty), skewness and kurtosis before and
        after, ``passes`` (the skewness/kurtosis test after treatment).
    imputed : pandas.DataFrame
        Boolean mask of imputed cells.
    weights : pandas.Series
        Effective weight of every code within its group (the index: 1).
    excluded : pandas.DataFrame
        Units removed by screening: ``unit``, ``availability``.
    meta : pandas.DataFrame
        The validated metadata actually used (after dropping sparse indicators).
    log : list of dict
        One entry per step or notable event: ``step``, ``parameters``, ``message``,
        ``level`` (info / warning).
    settings : Settings
    """

    scores: pd.DataFrame
    ranks: pd.DataFrame
    normalised: pd.DataFrame
    treated: pd.DataFrame
    treatment_report: pd.DataFrame
    imputed: pd.DataFrame
    weights: pd.Series
    excluded: pd.DataFrame
    meta: pd.DataFrame
    log: list[dict]
    settings: Settings
    _inputs: dict = field(default_factory=dict, repr=False)

    @property
    def index_code(self) -> str:
        """The code of the index (the last column of ``scores``)."""
        return str(self.scores.columns[-1])

    def regenerate(self, **changes: Any) -> CompositeResult:
        """Rebuild the index from the same inputs with some settings changed.

        Examples
        --------
        >>> geo = result.regenerate(aggregation="geometric")  # doctest: +SKIP
        """
        settings = dataclasses.replace(self.settings, **changes)
        return build_index(
            self._inputs["data"], self._inputs["meta"], settings, group=self._inputs["group"]
        )


@dataclass
class Prepared:
    """Validated inputs after screening and imputation (shared with ``uncertainty``)."""

    meta: pd.DataFrame
    tree: Tree
    units: pd.Index
    X: np.ndarray  # imputed (units x indicators)
    imputed: np.ndarray
    excluded: pd.DataFrame
    targets: np.ndarray | None
    log: list[dict]


def _group_array(group, data: pd.DataFrame) -> np.ndarray | None:
    if group is None:
        return None
    if isinstance(group, str):
        if group not in data.columns:
            raise CompositeInputError(f"group column {group!r} is not in the indicator table")
        return data[group].to_numpy(dtype=object)
    series = pd.Series(group) if not isinstance(group, pd.Series) else group
    if isinstance(group, pd.Series):
        missing = data.index.difference(series.index)
        if len(missing):
            raise CompositeInputError(
                f"group has no entry for unit(s) {[str(u) for u in missing[:10]]}"
            )
        return series.reindex(data.index).to_numpy(dtype=object)
    if len(series) != len(data):
        raise CompositeInputError(
            f"group has {len(series)} entries but the table has {len(data)} units"
        )
    return series.to_numpy(dtype=object)


def prepare(data: pd.DataFrame, meta: pd.DataFrame, settings: Settings, group=None) -> Prepared:
    """Validate metadata and data, screen units and indicators, impute."""
    settings.check()
    log: list[dict] = []
    m = validate_metadata(meta, data, normalise_weights=settings.normalise_weights)
    tree = Tree.from_meta(m)
    log.append(
        _entry(
            "metadata",
            {"normalise_weights": settings.normalise_weights},
            f"{len(tree.indicators)} indicators, {tree.top} levels, index {tree.codes[tree.top][0]!r}",
        )
    )
    X, check_log = _steps.check_data(data, tree.indicators)
    log.extend(check_log)
    X, units, groups, excluded = _screen_units(
        X, data.index, _group_array(group, data), settings, log
    )
    X, m, tree = _screen_indicators(X, m, tree, settings, log)
    X, imputed, imp_log = _steps.impute(X, settings.imputation, groups)
    log.append(
        _entry(
            "impute",
            {"method": settings.imputation},
            f"{int(imputed.sum())} value(s) imputed"
            if settings.imputation != "none"
            else f"no imputation; {int(np.isnan(X).sum())} missing value(s) left to aggregation",
        )
    )
    log.extend(imp_log)
    targets = _targets(settings, m, tree)
    return Prepared(m, tree, units, X, imputed, excluded, targets, log)


def _screen_units(X: np.ndarray, units: pd.Index, groups, settings: Settings, log: list[dict]):
    """Exclude units with too few indicators (logged); an error if fewer than two are left.

    Returns the remaining data, units and groups, and the table of excluded units.
    """
    avail_units = (~np.isnan(X)).mean(axis=1)
    drop_units = (avail_units < settings.min_availability) | (avail_units == 0)
    excluded = pd.DataFrame(
        {"unit": units[drop_units], "availability": avail_units[drop_units]}
    ).reset_index(drop=True)
    if drop_units.any():
        log.append(
            _entry(
                "screen",
                {"min_availability": settings.min_availability},
                f"{int(drop_units.sum())} unit(s) excluded for data availability below "
                f"{settings.min_availability:.0%}: {[str(u) for u in units[drop_units][:20]]}",
                "warning",
            )
        )
    keep = ~drop_units
    if keep.sum() < 2:
        raise CompositeInputError(
            f"only {int(keep.sum())} unit(s) have data availability >= "
            f"{settings.min_availability:.0%}; at least two are needed"
        )
    return X[keep], units[keep], (groups[keep] if groups is not None else None), excluded


def _screen_indicators(X: np.ndarray, m: pd.DataFrame, tree: Tree, settings, log: list[dict]):
    """Drop indicators present for too few units (with ``drop_sparse_indicators``, logged;
    otherwise an error). Returns the data, metadata and tree left."""
    avail_ind = (~np.isnan(X)).mean(axis=0)
    sparse = [
        c for c, a in zip(tree.indicators, avail_ind, strict=True) if a < settings.min_availability
    ]
    if not sparse:
        return X, m, tree
    detail = ", ".join(
        f"{c} ({a:.0%})" for c, a in zip(tree.indicators, avail_ind, strict=True) if c in sparse
    )
    if not settings.drop_sparse_indicators:
        raise CompositeInputError(
            f"indicator(s) with data for less than {settings.min_availability:.0%} of units: "
            f"{detail}; lower min_availability, drop them from the metadata or set "
            "drop_sparse_indicators=True"
        )
    m = prune_meta(m, sparse)
    if m[m["level"] == 1].empty:
        raise CompositeInputError("every indicator was dropped by screening")
    keep_cols = [tree.indicators.index(c) for c in m.loc[m["level"] == 1, "code"]]
    log.append(
        _entry(
            "screen",
            {"min_availability": settings.min_availability},
            f"indicator(s) dropped for availability: {detail}; sibling weights re-normalised",
            "warning",
        )
    )
    return X[:, keep_cols], m, Tree.from_meta(m)


def _targets(settings: Settings, meta: pd.DataFrame, tree: Tree) -> np.ndarray | None:
    given = dict(settings.targets or {})
    col = meta.set_index("code")["target"] if "target" in meta.columns else None
    values = []
    for code in tree.indicators:
        if code in given:
            values.append(float(given[code]))
        elif col is not None and pd.notna(col.get(code)):
            values.append(float(col[code]))
        else:
            values.append(np.nan)
    out = np.array(values, dtype=float)
    return None if np.isnan(out).all() else out


def treat_array(prep: Prepared, settings: Settings, winmax=None):
    """Outlier treatment of the prepared data (``winmax`` overrides the settings' limit;
    a sequence of limits returns ``{limit: (treated, report, flags)}``)."""
    limit = settings.winsor_max_points if winmax is None else winmax
    if not settings.treat:
        report = pd.DataFrame({"indicator": prep.tree.indicators, "method": "none", "points": 0})
        one = (prep.X.copy(), report, np.zeros(prep.X.shape, dtype=np.int8))
        if isinstance(limit, int | np.integer):
            return one
        return {int(lim): one for lim in limit}
    return _steps.treat(
        prep.X, prep.tree.indicators, limit, settings.skew_threshold, settings.kurt_threshold
    )


def normalise_array(Xt: np.ndarray, prep: Prepared, settings: Settings, method: str | None = None):
    """Normalise treated data with the settings (``method`` overrides the settings)."""
    return _steps.normalise(
        Xt,
        prep.tree.directions,
        method or settings.normalisation,
        minmax_range=settings.minmax_range,
        zscore_params=settings.zscore_params,
        targets=prep.targets,
        target_cap=settings.target_cap,
    )


def level_weights(
    tree: Tree, level: int, children: np.ndarray, settings: Settings
) -> tuple[np.ndarray, str]:
    """Weights of the children of ``level`` (level of the parents) under the settings.

    ``children`` is ``(units, children)`` (used by PCA). Returns weights normalised within
    groups and a note for the log.
    """
    choice = _steps.per_level(settings.weighting, level, "weighting")
    groups = tree.groups[level]
    if choice == "equal":
        w = np.empty(children.shape[1])
        for idx in groups:
            w[idx] = 1.0 / idx.size
        return w, "equal weights within each group"
    if choice == "given":
        return tree.weights[level - 1].copy(), "metadata weights"
    w, notes = _steps.pca_weights(children, groups)
    note = "first-principal-component weights (absolute loadings, normalised)"
    if notes:
        note += "; equal weights for " + "; ".join(notes)
    return w, note


def build_index(
    data: pd.DataFrame,
    meta: pd.DataFrame,
    settings: Settings | None = None,
    group=None,
) -> CompositeResult:
    """Build a composite index: screen, impute, treat, normalise, weight, aggregate, rank.

    Parameters
    ----------
    data : pandas.DataFrame
        Units x indicators, unit ids in the index; columns not in the metadata are ignored.
    meta : pandas.DataFrame
        Metadata (see :func:`validate_metadata`).
    settings : Settings, optional
        Methodological choices (defaults: no imputation, 65 % availability screening,
        COINr outlier treatment, min-max 0-100, metadata weights, arithmetic means).
    group : str or pandas.Series or array-like, optional
        Group of each unit, for ``imputation="group_mean"``: a column name of ``data``, a
        Series indexed by unit id, or a sequence in row order.

    Returns
    -------
    CompositeResult

    Raises
    ------
    MetadataError
        Invalid metadata or metadata not matching the table.
    CompositeInputError
        Unusable table (see :func:`leheranalysis.composite.check_data`), too few units left
        after screening, sparse indicators.
    ConfigError
        Unknown setting.

    Examples
    --------
    >>> data = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [30.0, 20.0, 10.0]},
    ...                     index=["u1", "u2", "u3"])
    >>> meta = pd.DataFrame({"code": ["a", "b", "idx"], "parent": ["idx", "idx", None],
    ...                      "level": [1, 1, 2], "direction": [1, 1, None]})
    >>> res = build_index(data, meta)
    >>> res.scores["idx"].tolist(), res.ranks["idx"].tolist()
    ([50.0, 50.0, 50.0], [1, 1, 1])
    """
    settings = settings or Settings()
    prep = prepare(data, meta, settings, group)
    return finish(prep, settings, {"data": data, "meta": meta, "group": group})


def finish(prep: Prepared, settings: Settings, inputs: dict) -> CompositeResult:
    """Treat, normalise, weight, aggregate and rank prepared data (second half of
    :func:`build_index`)."""
    tree, log = prep.tree, list(prep.log)
    units = prep.units
    Xt, report = _treatment(prep, settings, log)
    N = _normalisation(Xt, prep, settings, log)
    scores, weights = _aggregate_nominal(N, tree, settings, log)
    index = tree.codes[tree.top][0]
    bad = np.isnan(scores[index].to_numpy())
    if bad.any():
        raise CompositeInputError(
            f"index {index!r} could not be computed for unit(s) {[str(u) for u in units[bad][:10]]}"
        )
    scores.index = units
    ranks = _rank_frame(scores, log)
    cols = tree.indicators
    result = CompositeResult(
        scores=scores,
        ranks=ranks,
        normalised=pd.DataFrame(N, index=units, columns=cols),
        treated=pd.DataFrame(Xt, index=units, columns=cols),
        treatment_report=report,
        imputed=pd.DataFrame(prep.imputed, index=units, columns=cols),
        weights=weights,
        excluded=prep.excluded,
        meta=prep.meta,
        log=log,
        settings=settings,
        _inputs=inputs,
    )
    return result


def _treatment(prep: Prepared, settings: Settings, log: list[dict]):
    """Outlier treatment under the settings (logged); the treated data and the report, with
    the units treated per indicator."""
    Xt, report, flags = treat_array(prep, settings)
    units = prep.units
    if not settings.treat:
        report["treated_units"] = [[] for _ in range(len(report))]
        log.append(_entry("treat", {"treat": False}, "outlier treatment switched off"))
        return Xt, report
    report["treated_units"] = [
        units[np.isin(flags[:, j], (1, 2))].tolist() for j in range(flags.shape[1])
    ]
    treated = report[report["method"] != "none"]
    log.append(
        _entry(
            "treat",
            {
                "winsor_max_points": settings.winsor_max_points,
                "skew_threshold": settings.skew_threshold,
                "kurt_threshold": settings.kurt_threshold,
            },
            f"{len(treated)} indicator(s) treated: "
            + (
                ", ".join(
                    f"{r.indicator} ({r.method}, {r.points} points)" for r in treated.itertuples()
                )
                or "none"
            ),
        )
    )
    return Xt, report


def _normalisation(Xt: np.ndarray, prep: Prepared, settings: Settings, log: list[dict]):
    """Normalise the treated data (logged, with a warning for constant indicators)."""
    tree = prep.tree
    N, constant = normalise_array(Xt, prep, settings)
    log.append(
        _entry(
            "normalise",
            {
                "method": settings.normalisation,
                "minmax_range": settings.minmax_range,
                "zscore_params": settings.zscore_params,
            },
            f"normalised with {settings.normalisation}; direction -1 flipped for "
            f"{int((tree.directions < 0).sum())} indicator(s)",
        )
    )
    if constant.any():
        names = [tree.indicators[j] for j in np.flatnonzero(constant)]
        log.append(
            _entry(
                "normalise",
                {"constant": names},
                f"constant indicator(s) {names} (min = max) set to the neutral value of "
                f"{settings.normalisation} for every unit; they do not affect ranks",
                "warning",
            )
        )
    return N


def _aggregate_nominal(N: np.ndarray, tree: Tree, settings: Settings, log: list[dict]):
    frames = [pd.DataFrame(N, columns=tree.indicators)]
    weights = {}
    methods = {
        level: _steps.per_level(settings.aggregation, level, "aggregation")
        for level in range(2, tree.top + 1)
    }
    shift = positive_shift(N, methods.values(), settings.positive_floor)
    if shift > 0:
        log.append(
            _entry(
                "aggregate",
                {"positive_floor": settings.positive_floor, "shift": shift},
                f"geometric/harmonic means need positive values: normalised values shifted by "
                f"+{shift:.6g} (minimum {settings.positive_floor:g}) for aggregation; the shift "
                "is subtracted from the reported aggregates",
            )
        )
    children = N + shift  # (units, children), shifted space
    for level in range(2, tree.top + 1):
        w, note = level_weights(tree, level, children, settings)
        weights.update(zip(tree.codes[level - 1], w, strict=True))
        method = methods[level]
        Y = np.ascontiguousarray(children.T)
        out, info = aggregate_level(
            Y if level == 2 else Y[:, None, :], w[None, :], tree.groups[level], method
        )
        children = out[:, 0, :].T
        msg = f"level {level}: {method} mean; {note}"
        log.append(_entry("aggregate", {"level": level, "method": method, "weighting": note}, msg))
        if info["renormalised"][0]:
            log.append(
                _entry(
                    "aggregate",
                    {"level": level},
                    f"level {level}: {int(info['renormalised'][0])} unit-aggregate value(s) computed "
                    "from the children present, weights re-normalised over them",
                    "warning",
                )
            )
        if info["empty"][0]:
            log.append(
                _entry(
                    "aggregate",
                    {"level": level},
                    f"level {level}: {int(info['empty'][0])} unit-aggregate value(s) missing "
                    "(no child present); their rank is missing",
                    "warning",
                )
            )
        frames.append(pd.DataFrame(children - shift, columns=tree.codes[level]))
    weights[tree.codes[tree.top][0]] = 1.0
    return pd.concat(frames, axis=1), pd.Series(weights, name="weight")


def _rank_frame(scores: pd.DataFrame, log: list[dict]) -> pd.DataFrame:
    ranks = rank_desc(scores.to_numpy().T).T
    frame = pd.DataFrame(ranks, index=scores.index, columns=scores.columns).astype("Int64")
    frame = frame.mask(frame == 0)
    n_missing = int(frame.isna().sum().sum())
    log.append(
        _entry(
            "rank",
            {"ties": "min", "order": "descending"},
            "ranks at every level: 1 = highest score; ties share the best rank"
            + (f"; {n_missing} missing score(s) left unranked" if n_missing else ""),
            "warning" if n_missing else "info",
        )
    )
    return frame
