"""Derive once: a district's derived tables, computed after ingestion and stored.

Every analysis table the reports show - shares of villages reporting, the issue ranking
with block names, triangulation, block rates, departmental figures, the Child
Protection Vulnerability Index with its uncertainty and sensitivity, the distances to
facilities and the village profiles - is a pure function
of a district's processed tables and a few parameters. :func:`derive` computes them once
and stores them in the processed folder's ``derived/`` sub-folder (Parquet), with a
record (``derived/derived.json``) of the parameters, the sha256 of every processed file
read and a fingerprint of the package code. :func:`load` gives the notebooks the stored
tables, deriving again only what is stale.

The registry
------------
A derivation is a pure function registered with :func:`derivation`: it receives a
:class:`Context` (the processed tables, the codebook, the parameters, the tables of the
derivations it needs) and returns one table or a dict of named tables. Add one with::

    @derivation("key_findings", reads=("observations.parquet",), needs=("shares",))
    def _key_findings(ctx):
        return my_module.key_findings(ctx.table("shares"), ctx.codebook)

and it is derived, stored, checked for staleness and loadable by name (``load(...)``)
like the others.

Examples
--------
>>> sorted(REGISTRY)[:3]
['block_rates', 'cpvi', 'discrepancy_rates']
>>> REGISTRY["cpvi"].tables
('cpvi_villages', 'cpvi_blocks', 'cpvi_sensitivity', 'cpvi_meta')
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from leheranalysis import __version__, config, store
from leheranalysis.errors import ConfigError, LeherError

__all__ = [
    "DEFAULTS",
    "RECORD",
    "REGISTRY",
    "CPVITables",
    "Context",
    "Derivation",
    "Derived",
    "code_fingerprint",
    "derivation",
    "derive",
    "describe",
    "fingerprint",
    "load",
    "public_sha256",
    "read_nfhs",
    "record_of",
    "refresh",
    "stale",
    "tables_sha256",
]

#: the record of a processed folder's derived tables, in its ``derived/`` folder
RECORD = "derived.json"

#: parameters of the derivations and their defaults (those of the report notebooks)
DEFAULTS: dict[str, Any] = {
    "cpvi_n": 1000,  # Monte Carlo replications of the index's uncertainty analysis
    "cpvi_seed": 0,  # random seed of the uncertainty analysis
    "cpvi_config": "",  # path of an edited CPVI configuration (YAML); "" for the packaged one
    "key_findings_n": 6,  # number of key findings (5-8)
    # the monitoring report's (05): change between the baseline and a follow-up round
    "baseline_round": "baseline",  # the round a follow-up round is compared with
    "alpha": 0.05,  # error rate of the calls of change, after adjustment
    "adjust": "bh",  # adjustment for many indicators: bh (Benjamini-Hochberg) or holm
    "monitoring_cpvi_n": 200,  # Monte Carlo replications of the index across rounds
}


@dataclass(frozen=True)
class Derivation:
    """A registered derivation: a pure function of stored inputs and parameters.

    Attributes
    ----------
    name : str
        Name of the derivation (and of its table when it makes one).
    compute : callable
        ``compute(ctx)`` returning a DataFrame, or a dict of the tables named in ``tables``.
    tables : tuple of str
        The tables it stores (``derived/<table>.parquet``).
    reads : tuple of str
        The processed files it reads (their sha256 decide staleness).
    params : tuple of str
        The parameters (keys of :data:`DEFAULTS`) it depends on.
    needs : tuple of str
        Derivations whose tables it reads (derived first).
    """

    name: str
    compute: Callable[[Context], pd.DataFrame | dict[str, pd.DataFrame]]
    tables: tuple[str, ...]
    reads: tuple[str, ...]
    params: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()


#: every derivation by name, in registration order (an order that respects ``needs``)
REGISTRY: dict[str, Derivation] = {}


def derivation(
    name: str,
    *,
    reads: Iterable[str],
    tables: Iterable[str] | None = None,
    params: Iterable[str] = (),
    needs: Iterable[str] = (),
) -> Callable[[Callable], Callable]:
    """Register a derivation (decorator); see the module's docstring.

    Raises
    ------
    ConfigError
        A name already registered, an unknown parameter or processed file, or a
        derivation needed that is not registered yet.
    """
    params, needs, reads = tuple(params), tuple(needs), tuple(reads)
    unknown = [p for p in params if p not in DEFAULTS]
    unread = [r for r in reads if r not in store.PROCESSED_FILES]
    missing = [n for n in needs if n not in REGISTRY]
    if name in REGISTRY or unknown or unread or missing:
        raise ConfigError(
            f"derivation {name!r}: "
            + (
                "already registered"
                if name in REGISTRY
                else f"unknown parameter(s) {unknown}"
                if unknown
                else f"not a processed file: {unread}"
                if unread
                else f"needs unregistered derivation(s) {missing}"
            )
        )

    def register(func: Callable) -> Callable:
        REGISTRY[name] = Derivation(
            name, func, tuple(tables) if tables else (name,), reads, params, needs
        )
        return func

    return register


# ------------------------------------------------------------------- context
@dataclass
class Context:
    """What a derivation sees: processed tables, codebook, parameters, needed tables."""

    processed: Any
    params: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    public: dict[str, str | None] = field(default_factory=dict)
    rounds: dict[str, str] = field(default_factory=dict)
    #: intermediate results several derivations of one run share (e.g. the evidence)
    memo: dict[str, Any] = field(default_factory=dict)

    @functools.cached_property
    def codebook(self):
        """The packaged codebook."""
        from leheranalysis.codebook import load_codebook

        return load_codebook()

    @functools.cached_property
    def observations(self) -> pd.DataFrame:
        """Observations of codebook indicators only (``analysis_observations``)."""
        from leheranalysis.processed import analysis_observations

        return analysis_observations(self.processed.observations, self.codebook)

    @property
    def has_village(self) -> bool:
        """True when there are village-tool observations."""
        obs = self.observations
        return bool(len(obs) and (obs["instrument"] == "village").any())

    @property
    def district(self) -> str:
        """The district's canonical name."""
        return str(self.processed.district)

    def table(self, name: str) -> pd.DataFrame:
        """A table made by a derivation this one needs."""
        return self.tables[name]

    def read_public(self, relative: str) -> Path:
        """Note a public file the derivation reads; its path in the public data folder.

        The file's sha256 (None when it is missing) is stored with the derived tables:
        they are stale when the file changes, appears or disappears.
        """
        self.public[relative] = public_sha256(relative)
        return config.public_data_dir() / relative

    def read_round(self, name: str, folder: Path) -> None:
        """Note another round's processed folder the derivation reads (its processed files
        and manifest, by :func:`fingerprint`): the tables are stale when it changes."""
        self.rounds[name] = fingerprint(folder, ())


# --------------------------------------------------------------- derivations
@derivation("shares", reads=("observations.parquet",))
def _shares(ctx: Context) -> pd.DataFrame:
    from leheranalysis import indicators as ind

    if not ctx.has_village:
        return pd.DataFrame()
    return ind.share_of_villages_reporting(ctx.observations, ctx.codebook)


@derivation("ranking", reads=("rankings.parquet", "blocks.parquet"))
def _ranking(ctx: Context) -> pd.DataFrame:
    from leheranalysis import indicators as ind
    from leheranalysis.present.kit import attach_block_names

    p = ctx.processed
    if p.rankings.empty:
        return pd.DataFrame()
    return ind.issue_ranking(attach_block_names(p.rankings, p.blocks), ctx.codebook)


@derivation("triangulation", reads=("observations.parquet", "villages.parquet"))
def _triangulation(ctx: Context) -> pd.DataFrame:
    from leheranalysis import indicators as ind

    if not ctx.has_village:
        return pd.DataFrame()
    return ind.triangulate(ctx.observations, ctx.codebook, ctx.processed.villages)


@derivation(
    "discrepancy_rates", reads=("observations.parquet", "villages.parquet"), needs=["triangulation"]
)
def _discrepancy_rates(ctx: Context) -> pd.DataFrame:
    from leheranalysis import indicators as ind

    tri = ctx.table("triangulation")
    if tri.empty:
        return pd.DataFrame()
    return ind.discrepancy_rates(tri, by="district", codebook=ctx.codebook)


def read_nfhs(ctx: Context) -> None:
    """Note the NFHS-5 fact sheets a derivation reads (the district's share under 15 that
    scales the age shares of rates per 1,000; the NFHS-5 figures of the key findings)."""
    from leheranalysis import nfhs

    for relative in (nfhs.DISTRICT_FILE, nfhs.STATE_FILE_PHASE1, nfhs.STATES_FILE, nfhs.INDIA_FILE):
        ctx.read_public(relative)


@derivation("block_rates", reads=("observations.parquet", "villages.parquet"))
def _block_rates(ctx: Context) -> pd.DataFrame:
    from leheranalysis import indicators as ind
    from leheranalysis.present.kit import district_denominator_shares

    read_nfhs(ctx)
    shares, note = district_denominator_shares(ctx.district)
    if not ctx.has_village:
        out = pd.DataFrame()
    else:
        out = ind.population_weighted_rates(
            ctx.observations, ctx.processed.villages, ctx.codebook, shares=shares
        )
    out.attrs["denominator_note"] = note
    return out


@derivation("secondary", reads=("observations.parquet",))
def _secondary(ctx: Context) -> pd.DataFrame:
    from leheranalysis import indicators as ind

    if not len(ctx.observations):
        return pd.DataFrame()
    return ind.secondary_indicators(ctx.observations, ctx.codebook)


@derivation(
    "cpvi",
    reads=("observations.parquet", "villages.parquet"),
    tables=("cpvi_villages", "cpvi_blocks", "cpvi_sensitivity", "cpvi_meta"),
    params=("cpvi_n", "cpvi_seed", "cpvi_config"),
)
def _cpvi(ctx: Context) -> dict[str, pd.DataFrame]:
    from leheranalysis import cpvi

    cfg = cpvi.load_cpvi_config(ctx.params["cpvi_config"] or None, codebook=ctx.codebook)
    result = cpvi.compute_cpvi(
        ctx.observations,
        ctx.processed.villages,
        config=cfg,
        n=int(ctx.params["cpvi_n"]),
        seed=int(ctx.params["cpvi_seed"]),
        codebook=ctx.codebook,
    )
    about = {
        "code": cfg.code,
        "priority_quantile": float(cfg.uncertainty.get("priority_quantile", 0.2)),
        "dropped": list(result.data.attrs.get("dropped") or []),
        "n": int(ctx.params["cpvi_n"]),
    }
    villages = result.villages.copy()
    villages.attrs = dict(about)
    return {
        "cpvi_villages": villages,
        "cpvi_blocks": result.blocks,
        # Parquet keeps no index: the uncertain input each row is about is a column
        "cpvi_sensitivity": result.sensitivity.rename_axis("input").reset_index(),
        "cpvi_meta": result.meta,
    }


def _evidence(ctx: Context):
    from leheranalysis import keyfindings as kf
    from leheranalysis.present.kit import district_denominator_shares

    p = ctx.processed
    read_nfhs(ctx)  # recorded as an input of every derivation that reads the evidence
    if "evidence" not in ctx.memo:  # built once per run (key findings, plan rows)
        shares, _ = district_denominator_shares(ctx.district)
        ctx.memo["evidence"] = kf.build_evidence(
            p.observations,
            p.villages,
            p.rankings,
            p.blocks,
            ctx.codebook,
            shares,
            ctx.district,
            kf.nfhs_reference(ctx.district),
            synthetic=bool(p.synthetic),
        )
    return ctx.memo["evidence"]


@derivation(
    "key_findings",
    reads=("observations.parquet", "villages.parquet", "rankings.parquet", "blocks.parquet"),
    tables=("key_findings", "reconciliation", "part2_commitments"),
    params=("key_findings_n",),
)
def _key_findings(ctx: Context) -> dict[str, pd.DataFrame]:
    from leheranalysis import keyfindings as kf
    from leheranalysis.present.planning import part2_commitments

    if not ctx.has_village:
        empty = pd.DataFrame()
        return {"key_findings": empty, "reconciliation": empty, "part2_commitments": empty}
    ev = _evidence(ctx)
    return {
        "key_findings": kf.key_findings(ev, ctx.codebook, n=int(ctx.params["key_findings_n"])),
        "reconciliation": kf.reconcile(ev, ctx.codebook),
        "part2_commitments": part2_commitments(ev, ctx.codebook),
    }


@derivation(
    "plan_rows",
    reads=("observations.parquet", "villages.parquet", "rankings.parquet", "blocks.parquet"),
    params=("cpvi_n", "cpvi_seed", "cpvi_config", "key_findings_n"),
    needs=("key_findings", "cpvi"),
)
def _plan_rows(ctx: Context) -> pd.DataFrame:
    """The draft plan's rows (:func:`leheranalysis.plan.plan_table`): one per key finding
    and block, with the index's priority villages; the plan workbook is written from it."""
    from leheranalysis import plan

    if not ctx.has_village or ctx.table("key_findings").empty:
        return pd.DataFrame(columns=list(plan.COLUMNS))
    return plan.plan_table(
        _evidence(ctx),
        ctx.codebook,
        ctx.tables.get("cpvi_villages"),
        None,
        ctx.table("key_findings"),
    )


def _by_input(sensitivity: pd.DataFrame) -> pd.DataFrame:
    """The stored sensitivity table indexed again by the uncertain input's name.

    Examples
    --------
    >>> _by_input(pd.DataFrame({"input": ["aggregation"], "S1": [0.2], "ST": [0.4]})).index.tolist()
    ['aggregation']
    """
    if "input" not in sensitivity.columns:
        return sensitivity
    return sensitivity.set_index("input")


# ----------------------------------------------------------- fingerprints, record
@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of the package's own source and data files (names and contents).

    Part of every derived record and report cache key: a change of the code or the
    codebook derives and reports again, even when the version number did not change.
    """
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".yaml", ".yml", ".csv", ".tpl", ".css"):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def public_sha256(relative: str) -> str | None:
    """sha256 of a file of the public data folder (``relative`` to it); None when missing."""
    path = config.public_data_dir() / relative
    try:
        st = path.stat()
    except OSError:
        return None
    return _public_sha256(str(path), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=64)
def _public_sha256(path: str, mtime: int, size: int) -> str:
    return store.file_sha256(path)


def _round_fingerprint(folder: Path, name: str) -> str:
    """The fingerprint of round ``name`` of the district of ``folder`` (a round's folder)."""
    from leheranalysis._derive_monitoring import baseline_folder

    district = baseline_folder(folder) or folder
    return fingerprint(store.round_folder(district, name), ())


def _param_values(params: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The parameters a derivation depends on, an edited CPVI file by its content too."""
    out = {}
    for name in names:
        value = params[name]
        out[name] = value
        if name == "cpvi_config" and value:
            path = Path(str(value))
            out["cpvi_config_sha256"] = store.file_sha256(path) if path.is_file() else None
    return out


def _input_hashes(folder: Path, reads: Iterable[str]) -> dict[str, str | None]:
    return {
        name: store.file_sha256(folder / name) if (folder / name).is_file() else None
        for name in reads
    }


def _read_record(folder: Path) -> dict[str, Any]:
    record = store.read_json(store.derived_folder(folder) / RECORD, missing_ok=True)
    return record if isinstance(record, dict) else {}


def _expected(
    d: Derivation, folder: Path, params: Mapping[str, Any], entries: Mapping[str, Any]
) -> dict[str, Any]:
    expected = {
        "params": _param_values(params, d.params),
        "inputs": _input_hashes(folder, d.reads),
        "code": code_fingerprint(),
    }
    if d.needs:  # the tables it reads from other derivations, as stored (or their error)
        expected["needs"] = {n: _outcome(entries.get(n)) for n in d.needs}
    return expected


def _outcome(entry: Mapping[str, Any] | None) -> dict[str, str] | None:
    """What a derivation's record says it made: its tables' sha256, or its error."""
    if not entry:
        return None
    if entry.get("error"):
        return {"error": hashlib.sha256(str(entry["error"]).encode()).hexdigest()[:16]}
    return dict(entry.get("tables") or {})


def _fresh(d: Derivation, entry: Mapping[str, Any] | None, expected: Mapping, folder: Path) -> bool:
    if not entry or any(entry.get(k) != v for k, v in expected.items()):
        return False
    if any(public_sha256(rel) != sha for rel, sha in (entry.get("public") or {}).items()):
        return False
    if any(_round_fingerprint(folder, n) != fp for n, fp in (entry.get("rounds") or {}).items()):
        return False
    if entry.get("error"):
        return True
    out = store.derived_folder(folder)
    return all((out / f"{t}.parquet").is_file() for t in d.tables)


def _resolve_params(
    record: Mapping[str, Any], d: Derivation, given: Mapping[str, Any]
) -> dict[str, Any]:
    """Given values first, then the stored ones (a caller that does not care), then defaults."""
    stored = (record.get("derivations", {}).get(d.name) or {}).get("params", {})
    return {p: given[p] if p in given else stored.get(p, DEFAULTS[p]) for p in d.params}


def _closure(names: Iterable[str] | None) -> list[str]:
    """The derivations named (all when None) with the ones they need, in registry order."""
    if names is None:
        return list(REGISTRY)
    wanted: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name not in REGISTRY:
            raise ConfigError(f"no derivation {name!r}; known: {', '.join(REGISTRY)}")
        if name not in wanted:
            wanted.add(name)
            todo.extend(REGISTRY[name].needs)
    return [n for n in REGISTRY if n in wanted]


def _check_params(params: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(params) - set(DEFAULTS))
    if unknown:
        raise ConfigError(
            f"unknown derivation parameter {unknown[0]!r}; known: {', '.join(DEFAULTS)}"
        )
    return dict(params)


# ----------------------------------------------------------------- derive, load
@dataclass
class Derived:
    """The derived tables of one processed folder (attribute or item access by name).

    Attributes
    ----------
    folder : pathlib.Path
        The processed folder.
    tables : dict of str to DataFrame
        The tables loaded.
    errors : dict of str to str
        Derivations that could not be computed from this data, with the reason.
    computed, fresh : list of str
        Derivations computed by this call, and those found up to date.
    """

    folder: Path
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    computed: list[str] = field(default_factory=list)
    fresh: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def __getitem__(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)

    @property
    def cpvi(self) -> CPVITables | None:
        """The index's tables together, None when it was not loaded or not derivable."""
        villages = self.tables.get("cpvi_villages")
        if villages is None:
            return None
        return CPVITables(
            villages=villages,
            blocks=self.tables["cpvi_blocks"],
            sensitivity=_by_input(self.tables["cpvi_sensitivity"]),
            meta=self.tables["cpvi_meta"],
            code=str(villages.attrs.get("code", "cpvi")),
            priority_quantile=float(villages.attrs.get("priority_quantile", 0.2)),
            dropped=list(villages.attrs.get("dropped") or []),
            n=int(villages.attrs.get("n", 0)),
        )

    def __getattr__(self, name: str) -> pd.DataFrame | None:
        if name.startswith("_") or name not in self.__dict__.get("tables", {}):
            raise AttributeError(name)
        return self.tables[name]


@dataclass(frozen=True)
class CPVITables:
    """The stored Child Protection Vulnerability Index of a district.

    Attributes
    ----------
    villages, blocks, sensitivity, meta : pandas.DataFrame
        As :class:`leheranalysis.cpvi.CPVIResult` has them.
    code : str
        Column of the index score (``cpvi``).
    priority_quantile : float
        The most vulnerable share of villages that defines priority villages.
    dropped : list of str
        Indicators left out for lack of data.
    n : int
        Monte Carlo replications of the uncertainty analysis.
    """

    villages: pd.DataFrame
    blocks: pd.DataFrame
    sensitivity: pd.DataFrame
    meta: pd.DataFrame
    code: str
    priority_quantile: float
    dropped: list[str]
    n: int


def _processed_of(district: str | None, folder: str | Path | None, processed: Any):
    from leheranalysis.processed import load_processed

    if processed is not None:
        return processed
    return load_processed(district, folder=folder)


def derive(
    district: str | None = None,
    folder: str | Path | None = None,
    *,
    processed: Any = None,
    names: Iterable[str] | None = None,
    force: bool = False,
    load_tables: bool = False,
    **params: Any,
) -> Derived:
    """Compute and store a processed folder's stale derived tables.

    Parameters
    ----------
    district : str, optional
        District name (its baseline folder ``config.processed_dir(district)``).
    folder : path, optional
        The processed folder (a district's or one round's); wins over ``district``.
    processed : Processed, optional
        Already loaded processed tables (saves reading them again).
    names : iterable of str, optional
        Derivations to bring up to date (with those they need); default all.
    force : bool
        Derive again even when up to date.
    load_tables : bool
        Return the up-to-date tables too (read from the store when not computed).
    **params
        Values of :data:`DEFAULTS` keys. A parameter not given keeps its stored value
        (else its default): a report that does not care about it accepts what is there.

    Returns
    -------
    Derived

    Raises
    ------
    ConfigError
        An unknown derivation or parameter, or an invalid CPVI configuration.
    DataNotAvailableError
        No processed data.
    """
    t0 = time.perf_counter()
    given = _check_params(params)
    p = _processed_of(district, folder, processed)
    folder = Path(p.folder)
    record = _read_record(folder)
    entries = dict(record.get("derivations") or {})
    out = Derived(folder)
    ctx = Context(p, {})
    for name in _closure(names):
        d = REGISTRY[name]
        values = _resolve_params(record, d, given)
        expected = _expected(d, folder, values, entries)
        if not force and _fresh(d, entries.get(name), expected, folder):
            out.fresh.append(name)
            if entries[name].get("error"):
                out.errors[name] = entries[name]["error"]
            elif load_tables or any(name in REGISTRY[n].needs for n in REGISTRY):
                ctx.tables.update(_read_tables(folder, d))
            continue
        ctx.params = {**DEFAULTS, **values}
        ctx.public, ctx.rounds = {}, {}
        entries[name] = _run(d, ctx, folder, expected, out)
        out.computed.append(name)
        store.write_json(
            {"version": 1, "derivations": entries}, store.derived_folder(folder) / RECORD
        )
    out.tables = {t: ctx.tables[t] for n in _closure(names) for t in REGISTRY[n].tables
                  if t in ctx.tables} if load_tables else {}  # fmt: skip
    out.seconds = round(time.perf_counter() - t0, 3)
    return out


def _run(d: Derivation, ctx: Context, folder: Path, expected: dict, out: Derived) -> dict:
    """Compute one derivation, store its tables; its record entry."""
    entry = dict(expected)
    try:
        result = d.compute(ctx)
    except ConfigError:
        raise
    except (LeherError, ValueError) as exc:  # the data does not allow it (too few villages)
        _note_outside(entry, ctx)
        out.errors[d.name] = entry["error"] = str(exc)
        for t in d.tables:
            (store.derived_folder(folder) / f"{t}.parquet").unlink(missing_ok=True)
        return entry
    tables = result if isinstance(result, dict) else {d.name: result}
    _note_outside(entry, ctx)
    entry["tables"] = {}
    for t in d.tables:
        path = store.write_parquet(tables[t], store.derived_folder(folder) / f"{t}.parquet")
        entry["tables"][t] = store.file_sha256(path)
        ctx.tables[t] = tables[t]
    return entry


def _note_outside(entry: dict, ctx: Context) -> None:
    """Record what the derivation read outside its processed folder."""
    if ctx.public:
        entry["public"] = dict(ctx.public)
    if ctx.rounds:
        entry["rounds"] = dict(ctx.rounds)


def _read_tables(folder: Path, d: Derivation) -> dict[str, pd.DataFrame]:
    base = store.derived_folder(folder)
    return {t: pd.read_parquet(base / f"{t}.parquet") for t in d.tables}


def load(
    processed: Any = None,
    *names: str,
    district: str | None = None,
    folder: str | Path | None = None,
    **params: Any,
) -> Derived:
    """The derived tables of a processed folder, deriving what is stale first.

    Parameters
    ----------
    processed : Processed, optional
        The loaded processed tables (or give ``district`` / ``folder``).
    *names : str
        Derivations wanted (default all).
    district, folder : optional
        Where the processed data is, when ``processed`` is not given.
    **params
        Parameters that matter to the caller (see :func:`derive`).

    Returns
    -------
    Derived
        ``tables`` holds every table of the derivations named; a derivation the data
        does not allow is absent from ``tables`` and named in ``errors``.
    """
    return derive(
        district,
        folder,
        processed=processed,
        names=names or None,
        load_tables=True,
        **params,
    )


def refresh(
    folder: str | Path, names: Iterable[str] | None = None, **params: Any
) -> Derived | None:
    """Derive what is stale in a processed folder; None when it holds no complete tables.

    What ``leher run`` calls before it decides which reports to run.
    """
    folder = Path(folder)
    if not all((folder / f).is_file() for f in store.REQUIRED_FILES):
        return None
    if names is None or "monitoring" in names:  # each follow-up round's comparison
        _refresh_rounds(folder, params)
    if not stale(folder, names, **params):
        return None
    return derive(folder=folder, names=names, **params)


def _refresh_rounds(folder: Path, params: Mapping[str, Any]) -> None:
    """Bring the ``monitoring`` tables of every follow-up round of a district up to date."""
    from leheranalysis import rounds

    given = {k: v for k, v in params.items() if k in REGISTRY["monitoring"].params}
    for r in rounds.list_rounds(folder).itertuples(index=False):
        where = Path(r.folder)
        if r.round != store.BASELINE and all((where / f).is_file() for f in store.REQUIRED_FILES):
            if stale(where, ["monitoring"], **given):
                derive(folder=where, names=["monitoring"], **given)


def stale(folder: str | Path, names: Iterable[str] | None = None, **params: Any) -> list[str]:
    """Derivations of a processed folder that :func:`derive` would compute (reads no table)."""
    folder = Path(folder)
    given = _check_params(params)
    record = _read_record(folder)
    entries = record.get("derivations") or {}
    out: list[str] = []
    for n in _closure(names):
        d = REGISTRY[n]
        expected = _expected(d, folder, _resolve_params(record, d, given), entries)
        if any(need in out for need in d.needs) or not _fresh(d, entries.get(n), expected, folder):
            out.append(n)  # a derivation whose inputs are derived again is stale too
    return out


def record_of(folder: str | Path) -> dict[str, Any]:
    """The stored record of a processed folder's derived tables (empty when none)."""
    return _read_record(Path(folder))


def tables_sha256(folder: str | Path, names: Iterable[str] | None = None) -> dict[str, str]:
    """sha256 of each stored derived table (``{table: sha}``), from the record."""
    entries = _read_record(Path(folder)).get("derivations") or {}
    out: dict[str, str] = {}
    for n in _closure(names):
        entry = entries.get(n) or {}
        if entry.get("error"):
            out[n] = "error:" + hashlib.sha256(entry["error"].encode()).hexdigest()[:16]
        out.update(entry.get("tables") or {})
    return dict(sorted(out.items()))


#: manifest keys that change with every ingestion run but not with the data
_VOLATILE = ("created",)


def fingerprint(folder: str | Path, names: Iterable[str] | None = None) -> str:
    """What a report reads from a processed folder, as one hash.

    The sha256 of every processed file, the manifest without its time of creation, and
    the recorded sha256 of every derived table: re-ingesting identical workbooks (the
    demo's, for instance) gives the same fingerprint, so no report re-runs.

    Parameters
    ----------
    folder : str or pathlib.Path
        A processed folder (a district's or one round's).
    names : iterable of str, optional
        Only the derived tables of these derivations (default all): a comparison reads
        only the index of the other districts.

    Returns
    -------
    str
        Hex sha256; ``""`` when the folder holds no manifest.
    """
    folder = Path(folder).resolve()
    if not store.has_manifest(folder):
        return ""
    stamp = []
    for name in (*store.PROCESSED_FILES, f"{store.DERIVED_FOLDER}/{RECORD}"):
        try:
            st = (folder / name).stat()
            stamp.append((name, st.st_mtime_ns, st.st_size))
        except OSError:
            stamp.append((name, 0, -1))
    return _fingerprint(folder, tuple(stamp), None if names is None else tuple(sorted(names)))


@functools.lru_cache(maxsize=512)
def _fingerprint(folder: Path, stamp: tuple, names: tuple[str, ...] | None) -> str:
    manifest = dict(store.read_manifest(folder))
    for key in _VOLATILE:
        manifest.pop(key, None)
    parts = {
        "manifest": manifest,
        "files": _input_hashes(folder, [f for f in store.PROCESSED_FILES if f != store.MANIFEST]),
        "derived": tables_sha256(folder, names),
    }
    text = json_dumps(parts)
    return hashlib.sha256(text.encode()).hexdigest()


def json_dumps(obj: Any) -> str:
    """Canonical JSON (sorted keys) for hashing."""
    import json

    return json.dumps(obj, sort_keys=True, default=str)


def describe(result: Derived) -> str:
    """One line per derivation: computed or up to date, and what could not be derived."""
    lines = [f"{'derived':>10}  {n}" for n in result.computed]
    lines += [f"{'unchanged':>10}  {n}" for n in result.fresh]
    lines += [f"{'not derived':>10}  {n}: {why}" for n, why in result.errors.items()]
    lines.append(
        f"{len(result.computed)} derived, {len(result.fresh)} up to date in "
        f"{result.seconds:.1f} s: {store.derived_folder(result.folder)}"
    )
    return "\n".join(lines)


# derivations registered in their own modules (imported last: they use the registry above)
from leheranalysis import _derive_maps, _derive_monitoring  # noqa: E402, F401
