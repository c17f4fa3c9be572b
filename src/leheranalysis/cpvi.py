"""The Child Protection Vulnerability Index (CPVI): the composite configured from the codebook.

The CPVI ranks the programme villages of one district by child-protection vulnerability,
built with the general composite engine :mod:`leheranalysis.composite` (JRC/OECD Handbook
on Constructing Composite Indicators; COINr). Its configuration is a YAML file a user can
edit (packaged default ``data/cpvi.yaml``, read with :func:`load_cpvi_config`).

Definitions
-----------
Structure
    Three levels: indicators (level 1) -> pillars = the codebook's domains (level 2:
    education and labour, marriage and gender, violence and safety, services and systems)
    -> the index (level 3). Weights come from the configuration, re-normalised to sum to
    1 within each pillar and over the pillars.
Direction
    From the codebook: ``higher_is: worse`` -> +1, ``better`` -> -1, so that a higher
    score means more vulnerable and rank 1 is the most vulnerable village.
Village values
    Per village and indicator, the community value (children's and adult groups combined:
    max for counts, mean for scores and shares, any-yes for yes/no;
    :func:`leheranalysis.indicators.village_values`). Counts with a codebook denominator
    enter as rates per 1,000 of that base (village population x the Census 2011 share,
    optionally scaled to the district's NFHS-5 share under 15); counts without one
    (``unsafe_places``) as plain counts. A village without a population gets its block's
    median village population (``missing_population: block_median``, logged).
Method
    The ``settings`` of the configuration (default: block-mean imputation, 65 %
    availability screening, COINr outlier treatment, min-max 0-100, arithmetic means);
    the Monte Carlo uncertainty analysis varies weights (+-25 %), normalisation (min-max,
    z-score, rank), aggregation (arithmetic, geometric) and the winsorisation limit (1-5);
    priority villages have their whole 5-95 % rank interval in the most vulnerable fifth.
Block roll-up
    The population-weighted mean of the village scores (index and pillars) of the
    block's villages in the index, not a composite over block aggregates: the village is
    the unit the DNA measures and the index normalises over, and a composite recomputed
    over the three or so blocks of a programme would min-max over three units. Villages
    without a population weigh as the block's median village (equal weights when no
    village of the block has one). Blocks are ranked on that mean (1 = most vulnerable).

Examples
--------
>>> cfg = load_cpvi_config()
>>> list(cfg.pillars)
['education_labour', 'marriage_gender', 'violence_safety', 'services_systems']
>>> round(cfg.pillars["violence_safety"], 2)
0.25
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from leheranalysis import config as _config
from leheranalysis import indicators as _ind
from leheranalysis.codebook import Codebook, load_codebook
from leheranalysis.errors import ConfigError, IndicatorInputError

__all__ = [
    "CPVIConfig",
    "CPVIResult",
    "load_cpvi_config",
    "parse_cpvi_config",
    "cpvi_inputs",
    "compute_cpvi",
    "block_rollup",
]

_TOP_KEYS = (
    "version",
    "name",
    "code",
    "source",
    "under15_share",
    "missing_population",
    "pillars",
    "indicators",
    "settings",
    "uncertainty",
    "rollup",
)
_SOURCES = ("community", "children", "adults")
_MISSING_POP = ("block_median", "exclude")
_ROLLUPS = ("population_weighted_mean",)
_UNCERTAINTY_KEYS = (
    "weight_noise",
    "normalisations",
    "aggregations",
    "winsor_limits",
    "priority_quantile",
    "bootstrap",
)


@dataclass(frozen=True)
class CPVIConfig:
    """A validated CPVI configuration.

    Attributes
    ----------
    name, code : str
        Name of the index and its code in the metadata and score tables.
    source : str
        Whose evidence gives the village values (``community``, ``children``, ``adults``).
    under15_share : float or None
        District share under 15 for the denominators (None: Census 2011 India).
    missing_population : str
        ``block_median`` or ``exclude``.
    pillars : dict of str to float
        Domain code -> weight (summing to 1), in configuration order.
    indicators : dict of str to float
        Indicator code -> weight within its pillar (summing to 1 per pillar).
    settings : dict
        Keyword arguments of :class:`leheranalysis.composite.Settings`.
    uncertainty : dict
        Keyword arguments of :func:`leheranalysis.composite.uncertainty`.
    rollup : str
        Block roll-up method.
    path : pathlib.Path or None
        File the configuration was read from.
    """

    name: str
    code: str
    source: str
    under15_share: float | None
    missing_population: str
    pillars: dict[str, float]
    indicators: dict[str, float]
    settings: dict[str, Any]
    uncertainty: dict[str, Any]
    rollup: str
    path: Path | None = field(default=None, compare=False)

    def composite_settings(self):
        """The :class:`leheranalysis.composite.Settings` of the nominal index."""
        from leheranalysis.composite import Settings

        return Settings(**self.settings)

    def replace(self, **changes: Any) -> CPVIConfig:
        """A copy with some fields changed (re-validated)."""
        doc = {**self.as_dict(), **changes}
        return parse_cpvi_config(doc, source=str(self.path or "<cpvi config>"))

    def as_dict(self) -> dict[str, Any]:
        """The configuration as a plain dict (for logs and manifests)."""
        out = dataclasses.asdict(self)
        out.pop("path")
        return {"version": 1, **out}


# ------------------------------------------------------------------------ configuration
def load_cpvi_config(
    path: str | Path | None = None, codebook: Codebook | None = None
) -> CPVIConfig:
    """Load and validate a CPVI configuration file.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        A YAML file; default the packaged ``data/cpvi.yaml``.
    codebook : Codebook, optional
        The codebook the indicator and domain codes refer to (default: packaged).

    Returns
    -------
    CPVIConfig

    Raises
    ------
    ConfigError
        If the file is missing or invalid; the message names the file and the key.
    """
    path = _config.package_data("cpvi.yaml") if path is None else Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: CPVI configuration file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the CPVI configuration ({exc})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
    cfg = parse_cpvi_config(doc, source=str(path), codebook=codebook)
    return dataclasses.replace(cfg, path=path)


def parse_cpvi_config(
    doc: Any, source: str = "<cpvi config>", codebook: Codebook | None = None
) -> CPVIConfig:
    """Validate a CPVI configuration given as a mapping (the parsed YAML).

    Parameters
    ----------
    doc : mapping
        Keys as in ``data/cpvi.yaml``; ``settings``, ``uncertainty``, ``source``,
        ``under15_share``, ``missing_population`` and ``rollup`` may be omitted (defaults).
    source : str
        Name used in error messages.
    codebook : Codebook, optional

    Returns
    -------
    CPVIConfig

    Raises
    ------
    ConfigError
        On the first problem, naming the source and the key.
    """
    cb = load_codebook() if codebook is None else codebook

    def fail(msg: str) -> ConfigError:
        return ConfigError(f"{source}: {msg}")

    if not isinstance(doc, Mapping):
        raise fail("expected a mapping at the top level")
    unknown = [k for k in doc if k not in _TOP_KEYS]
    if unknown:
        raise fail(f"unknown key {unknown[0]!r} (known: {', '.join(_TOP_KEYS)})")
    if doc.get("version", 1) != 1:
        raise fail(f"unsupported version {doc.get('version')!r} (this package reads version 1)")
    code = str(doc.get("code") or "cpvi")
    source_ = _choice(doc.get("source", "community"), _SOURCES, "source", fail)
    missing_pop = _choice(
        doc.get("missing_population", "block_median"), _MISSING_POP, "missing_population", fail
    )
    rollup = _choice(doc.get("rollup", _ROLLUPS[0]), _ROLLUPS, "rollup", fail)
    u15 = doc.get("under15_share")
    if u15 is not None:
        try:
            _ind.denominator_shares(under15_share=u15)
        except IndicatorInputError as exc:
            raise fail(f"under15_share: {exc}") from None
        u15 = float(u15)
    pillars = _weights(doc.get("pillars"), "pillars", fail)
    for dom in pillars:
        if dom not in cb.domains.index:
            raise fail(f"pillars: {dom!r} is not a codebook domain ({', '.join(cb.domains.index)})")
    inds = _weights(doc.get("indicators"), "indicators", fail)
    inds = _check_indicators(inds, pillars, cb, fail)
    if code in set(pillars) | set(inds):
        raise fail(f"code {code!r} clashes with a pillar or indicator code")
    return CPVIConfig(
        name=str(doc.get("name") or "Child Protection Vulnerability Index"),
        code=code,
        source=source_,
        under15_share=u15,
        missing_population=missing_pop,
        pillars=pillars,
        indicators=inds,
        settings=_check_settings(doc.get("settings") or {}, fail),
        uncertainty=_check_uncertainty(doc.get("uncertainty") or {}, fail),
        rollup=rollup,
    )


def _choice(value: Any, allowed: tuple[str, ...], key: str, fail) -> str:
    if value not in allowed:
        raise fail(f"{key}: {value!r} is not one of {', '.join(allowed)}")
    return str(value)


def _weights(raw: Any, key: str, fail) -> dict[str, float]:
    if not isinstance(raw, Mapping) or not raw:
        raise fail(f"{key}: expected a non-empty mapping of code: weight")
    out: dict[str, float] = {}
    for code, w in raw.items():
        try:
            wf = float(w)
        except (TypeError, ValueError):
            raise fail(f"{key}: weight of {code!r} is not a number: {w!r}") from None
        if not np.isfinite(wf) or wf < 0:
            raise fail(f"{key}: weight of {code!r} must be a number >= 0, got {w!r}")
        if wf > 0:
            out[str(code)] = wf
    if not out:
        raise fail(f"{key}: every weight is 0")
    return out


def _check_indicators(inds: dict[str, float], pillars: dict[str, float], cb: Codebook, fail):
    ind = cb.indicators
    for code in inds:
        if code not in ind.index:
            raise fail(f"indicators: {code!r} is not a codebook indicator")
        if ind.at[code, "instrument"] != "village" or ind.at[code, "unit"] == "rank":
            raise fail(
                f"indicators: {code!r} is not a village indicator with a value "
                f"(instrument {ind.at[code, 'instrument']}, unit {ind.at[code, 'unit']})"
            )
        if ind.at[code, "domain"] not in pillars:
            raise fail(
                f"indicators: {code!r} belongs to domain {ind.at[code, 'domain']!r}, which is "
                "not among the pillars (or has weight 0)"
            )
    out: dict[str, float] = {}
    for dom in pillars:
        members = {c: w for c, w in inds.items() if ind.at[c, "domain"] == dom}
        if not members:
            raise fail(f"pillars: {dom!r} has no indicator with a weight above 0")
        total = sum(members.values())
        out.update({c: w / total for c, w in members.items()})
    total = sum(pillars.values())
    for dom in pillars:
        pillars[dom] = pillars[dom] / total
    return out


def _check_settings(raw: Any, fail) -> dict[str, Any]:
    from leheranalysis.composite import Settings

    if not isinstance(raw, Mapping):
        raise fail("settings: expected a mapping of composite settings")
    fields = {f.name for f in dataclasses.fields(Settings)}
    out = {}
    for k, v in raw.items():
        if k not in fields:
            raise fail(f"settings: unknown key {k!r} (known: {', '.join(sorted(fields))})")
        out[k] = tuple(v) if k in ("minmax_range", "zscore_params") else v
    try:
        Settings(**out).check()
    except (ConfigError, TypeError, ValueError) as exc:
        raise fail(f"settings: {exc}") from None
    return out


def _check_uncertainty(raw: Any, fail) -> dict[str, Any]:
    from leheranalysis.composite import AGGREGATIONS, NORMALISATIONS

    if not isinstance(raw, Mapping):
        raise fail("uncertainty: expected a mapping")
    out = dict(raw)
    for k in out:
        if k not in _UNCERTAINTY_KEYS:
            raise fail(f"uncertainty: unknown key {k!r} (known: {', '.join(_UNCERTAINTY_KEYS)})")
    for key, allowed in (("normalisations", NORMALISATIONS), ("aggregations", AGGREGATIONS)):
        for v in out.get(key, ()):
            if v not in allowed:
                raise fail(f"uncertainty: {key}: {v!r} is not one of {', '.join(allowed)}")
        if key in out:
            out[key] = tuple(out[key])
    noise = out.get("weight_noise", 0.25)
    if not isinstance(noise, Mapping) and not 0 <= float(noise) < 1:
        raise fail(f"uncertainty: weight_noise must be in [0, 1), got {noise!r}")
    q = out.get("priority_quantile", 0.2)
    if not 0 < float(q) <= 1:
        raise fail(f"uncertainty: priority_quantile must be in (0, 1], got {q!r}")
    if "winsor_limits" in out:
        out["winsor_limits"] = tuple(int(w) for w in out["winsor_limits"])
    return out


def _resolve(config: Any, codebook: Codebook | None) -> CPVIConfig:
    if config is None or isinstance(config, str | Path):
        return load_cpvi_config(config, codebook)
    if isinstance(config, CPVIConfig):
        return config
    if isinstance(config, Mapping):
        return parse_cpvi_config(config, codebook=codebook)
    raise ConfigError(
        f"config must be a path, a mapping or a CPVIConfig, got {type(config).__name__}"
    )


# ---------------------------------------------------------------------------- inputs
def _filled_population(villages: pd.DataFrame, how: str) -> tuple[pd.DataFrame, list]:
    """Villages with missing populations filled by the block median (if asked)."""
    vil = villages.copy()
    pop = pd.to_numeric(vil["population"], errors="coerce").astype(float)
    pop = pop.where(pop > 0)
    missing = vil.loc[pop.isna(), "village_id"].tolist()
    if how == "block_median":
        pop = pop.fillna(pop.groupby(vil["block_id"]).transform("median"))
    vil["population"] = pop
    return vil, missing


def cpvi_inputs(
    observations: pd.DataFrame,
    villages: pd.DataFrame,
    codebook: Codebook | None = None,
    config: Any = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The indicator table and metadata of the CPVI for one district.

    Parameters
    ----------
    observations : pandas.DataFrame
        The ``observations`` table.
    villages : pandas.DataFrame
        The programme villages (``village_id``, ``block_id``, ``population``).
    codebook : Codebook, optional
    config : CPVIConfig, mapping, path or None
        The configuration (default: the packaged ``data/cpvi.yaml``).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        ``data``: villages x indicators (index ``village_id``, every programme village;
        rates per 1,000 for counts with a denominator). Indicators without any value are
        left out and named in ``data.attrs["dropped"]``; villages whose population was
        filled in ``data.attrs["population_filled"]``. ``meta``: ``code``, ``parent``,
        ``level``, ``direction``, ``weight``, ``label`` for the indicators (level 1),
        pillars (level 2) and the index (level 3), weights summing to 1 per parent.

    Raises
    ------
    IndicatorInputError
        If observations name villages that are not in ``villages``, or no indicator has
        any value.
    """
    cb = load_codebook() if codebook is None else codebook
    cfg = _resolve(config, cb)
    _ind._require(villages, ("village_id", "block_id", "population"), "villages")
    vil, filled = _filled_population(villages, cfg.missing_population)
    vals = _ind.village_values(observations, cb, cfg.source)
    stray = sorted(int(v) for v in set(vals["village_id"]) - set(vil["village_id"].astype("Int64")))
    if stray:
        raise IndicatorInputError(
            f"observations name village_id(s) {stray[:10]} that are not programme villages "
            "(not in the villages table)"
        )
    vals = vals[vals["indicator"].isin(list(cfg.indicators))]
    shares = _ind.denominator_shares(under15_share=cfg.under15_share)
    den = _ind.village_denominators(vil, shares)
    long = den.melt(
        id_vars="village_id", value_vars=list(shares), var_name="denominator", value_name="base"
    )
    vals = vals.assign(denominator=vals["indicator"].map(cb.indicators["denominator"]))
    vals = vals.merge(long, on=["village_id", "denominator"], how="left")
    rated = (vals["unit"] == "count") & vals["denominator"].notna()
    vals["x"] = np.where(rated, 1000.0 * vals["value"] / vals["base"], vals["value"])
    data = vals.pivot(index="village_id", columns="indicator", values="x")
    ids = pd.Index(vil["village_id"].astype("int64"), name="village_id")
    data = data.reindex(index=ids, columns=list(cfg.indicators)).astype(float)
    empty = [c for c in data.columns if data[c].isna().all()]
    data = data.drop(columns=empty)
    if data.shape[1] == 0:
        raise IndicatorInputError(
            f"no CPVI indicator has a value from the {cfg.source!r} groups of any village"
        )
    meta = _metadata(cfg, cb, list(data.columns))
    data.attrs["dropped"] = empty
    data.attrs["population_filled"] = filled
    return data, meta


def _metadata(cfg: CPVIConfig, cb: Codebook, present: list[str]) -> pd.DataFrame:
    ind = cb.indicators
    inds = {c: w for c, w in cfg.indicators.items() if c in present}
    rows = []
    pillar_w = {}
    for dom, pw in cfg.pillars.items():
        members = {c: w for c, w in inds.items() if ind.at[c, "domain"] == dom}
        if not members:
            continue
        pillar_w[dom] = pw
        total = sum(members.values())
        for c, w in members.items():
            direction = 1 if ind.at[c, "higher_is"] == "worse" else -1
            rows.append((c, dom, 1, direction, w / total, str(ind.at[c, "label"])))
    ptotal = sum(pillar_w.values())
    for dom, pw in pillar_w.items():
        rows.append((dom, cfg.code, 2, pd.NA, pw / ptotal, str(cb.domains.at[dom, "label"])))
    rows.append((cfg.code, None, 3, pd.NA, 1.0, cfg.name))
    meta = pd.DataFrame(rows, columns=["code", "parent", "level", "direction", "weight", "label"])
    meta["direction"] = meta["direction"].astype("Int64")
    return meta


# ---------------------------------------------------------------------------- result
@dataclass
class CPVIResult:
    """Result of :func:`compute_cpvi`.

    Attributes
    ----------
    villages : pandas.DataFrame
        One row per programme village, most vulnerable first: ``village_id``,
        ``village_name``, ``block_id``, ``block_name``, ``population``, the index score
        (column named by the config code, ``cpvi``), one score column per pillar,
        ``rank`` (1 = most vulnerable), ``median_rank``, ``q05``, ``q95``,
        ``mean_abs_shift``, ``priority`` (bool), ``excluded`` (screened out: no score).
    scores : pandas.DataFrame
        Nominal scores at every level (villages x indicators, pillars, index).
    ranks : pandas.DataFrame
        Rank statistics per village (``nominal_rank``, ``median_rank``, ``q05``,
        ``q95``, ``mean_abs_shift``), as from :func:`leheranalysis.composite.uncertainty`.
    sensitivity : pandas.DataFrame
        First-order (``S1``) and total (``ST``) sensitivity indices per uncertain input.
    priority : list
        Priority village ids (whole 5-95 % rank interval in the worst quintile).
    blocks : pandas.DataFrame
        Block roll-up (:func:`block_rollup`).
    data, meta : pandas.DataFrame
        Inputs of the composite (:func:`cpvi_inputs`).
    config : CPVIConfig
    composite : CompositeResult
        The nominal index (``.log``, ``.treatment_report``, ``.regenerate()``).
    uncertainty : UncertaintyResult or None
        None when ``n = 0``.
    log : list of dict
        The composite's log plus the CPVI's own entries (population filled, indicators
        dropped).
    """

    villages: pd.DataFrame
    scores: pd.DataFrame
    ranks: pd.DataFrame
    sensitivity: pd.DataFrame
    priority: list
    blocks: pd.DataFrame
    data: pd.DataFrame
    meta: pd.DataFrame
    config: CPVIConfig
    composite: Any
    uncertainty: Any
    log: list[dict]


def compute_cpvi(
    observations: pd.DataFrame,
    villages: pd.DataFrame,
    config: Any = None,
    n: int = 1000,
    seed: int = 0,
    codebook: Codebook | None = None,
) -> CPVIResult:
    """Compute the CPVI of a district's programme villages with rank intervals.

    Parameters
    ----------
    observations : pandas.DataFrame
        The ``observations`` table.
    villages : pandas.DataFrame
        The programme villages (``village_id``, ``village_name``, ``block_id``,
        ``block_name``, ``population``).
    config : CPVIConfig, mapping, path or None
        Default: the packaged ``data/cpvi.yaml``.
    n : int
        Monte Carlo replications of the uncertainty analysis (0: nominal index only, no
        rank intervals or priority villages); a negative ``n`` is a ``ConfigError``.
    seed : int
        Random seed (same seed, same result).
    codebook : Codebook, optional

    Returns
    -------
    CPVIResult

    Raises
    ------
    IndicatorInputError, ConfigError, CompositeInputError, MetadataError
        Unusable tables or configuration (the message says which and where).
    """
    from leheranalysis.composite import build_index, uncertainty

    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ConfigError(
            f"n (Monte Carlo replications of the uncertainty analysis) must be a whole "
            f"number >= 0 (0: no uncertainty analysis), got {n!r}"
        )
    cb = load_codebook() if codebook is None else codebook
    cfg = _resolve(config, cb)
    data, meta = cpvi_inputs(observations, villages, cb, cfg)
    settings = cfg.composite_settings()
    group = pd.Series(villages["block_id"].to_numpy(), index=villages["village_id"].astype("int64"))
    own_log = _own_log(data)
    if n > 0:
        unc = uncertainty(data, meta, settings, n=n, seed=seed, group=group, **cfg.uncertainty)
        nominal = unc.nominal
        ranks, sens, priority, log = unc.ranks, unc.sensitivity, list(unc.priority), unc.log
    else:
        unc = None
        nominal = build_index(data, meta, settings, group=group)
        ranks = nominal.ranks[[cfg.code]].rename(columns={cfg.code: "nominal_rank"})
        sens, priority, log = pd.DataFrame(columns=["S1", "ST"]), [], nominal.log
    table = _village_table(villages, nominal, ranks, priority, cfg)
    return CPVIResult(
        villages=table,
        scores=nominal.scores,
        ranks=ranks,
        sensitivity=sens,
        priority=priority,
        blocks=block_rollup(table, cfg.code, [p for p in cfg.pillars if p in nominal.scores]),
        data=data,
        meta=meta,
        config=cfg,
        composite=nominal,
        uncertainty=unc,
        log=own_log + list(log),
    )


def _own_log(data: pd.DataFrame) -> list[dict]:
    log = []
    if data.attrs.get("population_filled"):
        log.append(
            {
                "step": "cpvi",
                "parameters": {"missing_population": data.attrs["population_filled"]},
                "message": f"population missing for village(s) {data.attrs['population_filled']}",
                "level": "warning",
            }
        )
    if data.attrs.get("dropped"):
        log.append(
            {
                "step": "cpvi",
                "parameters": {"dropped": data.attrs["dropped"]},
                "message": f"indicator(s) without any value left out: {data.attrs['dropped']}",
                "level": "warning",
            }
        )
    return log


def _village_table(villages, nominal, ranks, priority, cfg: CPVIConfig) -> pd.DataFrame:
    keep = [c for c in ("village_id", "village_name", "block_id", "block_name", "population")
            if c in villages]  # fmt: skip
    out = villages[keep].copy()
    out["village_id"] = out["village_id"].astype("int64")
    out = out.set_index("village_id")
    pillars = [p for p in cfg.pillars if p in nominal.scores.columns]
    out = out.join(nominal.scores[[cfg.code, *pillars]])
    stats = ranks.rename(columns={"nominal_rank": "rank"})
    out = out.join(stats)
    out["priority"] = out.index.isin(priority)
    out["excluded"] = out[cfg.code].isna()
    out = out.sort_values(["rank", "block_id"], kind="stable", na_position="last")
    return out.reset_index()


def block_rollup(table: pd.DataFrame, code: str = "cpvi", pillars: list[str] | None = None):
    """Population-weighted mean of village scores per block.

    Parameters
    ----------
    table : pandas.DataFrame
        ``CPVIResult.villages`` (``block_id``, ``block_name``, ``population``, the index
        column, pillar columns, ``priority``).
    code : str
        Index column.
    pillars : list of str, optional
        Pillar columns to roll up as well.

    Returns
    -------
    pandas.DataFrame
        ``block_id``, ``block_name``, ``n_villages`` (with a score), ``population``
        (weights summed), the index and pillar means, ``rank`` (1 = most vulnerable
        block), ``n_priority`` (priority villages in the block).

    Examples
    --------
    >>> t = pd.DataFrame({"block_id": [1, 1, 2], "block_name": ["A", "A", "B"],
    ...                   "population": [100.0, 300.0, None], "cpvi": [80.0, 40.0, 60.0],
    ...                   "priority": [True, False, False]})
    >>> block_rollup(t)[["block_id", "cpvi", "rank"]].to_dict("list")
    {'block_id': [1, 2], 'cpvi': [50.0, 60.0], 'rank': [2, 1]}
    """
    cols = [code, *(pillars or [])]
    t = table[table[code].notna()].copy()
    pop = pd.to_numeric(t["population"], errors="coerce").astype(float)
    pop = pop.where(pop > 0)
    pop = pop.fillna(pop.groupby(t["block_id"]).transform("median")).fillna(1.0)
    t["_w"] = pop
    if "block_name" not in t:
        t["block_name"] = pd.NA
    rows = []
    for (bid, bname), g in t.groupby(["block_id", "block_name"], dropna=False, sort=True):
        w = g["_w"].to_numpy()
        row = {"block_id": bid, "block_name": bname, "n_villages": len(g), "population": w.sum()}
        for c in cols:
            row[c] = float(np.average(g[c].to_numpy(float), weights=w))
        row["n_priority"] = int(g["priority"].sum()) if "priority" in g else 0
        rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out["rank"] = out[code].rank(ascending=False, method="min").astype(int)
    front = ["block_id", "block_name", "n_villages", "population", *cols, "rank", "n_priority"]
    return out[front]
