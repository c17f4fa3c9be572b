"""NFHS-5 fact sheets: load, repair indicator names, harmonise districts, compare.

Reads the parsed NFHS-5 (2019-21) fact sheets registered in :mod:`leheranalysis.sources`
from the public data folder (:func:`leheranalysis.config.public_data_dir`, or the ``root``
argument of every loader):

- phase 1 district fact sheets (``load_districts``), with the NFHS-4 (2015-16) value;
- state fact sheets, all states (``load_states``) or phase 1 only (``load_states(phase1=True)``);
- all-India (``load_india``).

Values are kept exactly as published: ``NA`` and ``*`` cells are missing, the
parsers' text flags are kept (``flag_*`` columns) and values that the PDFs print in
parentheses (25-49 unweighted cases) are marked in ``*_parenthesised`` columns.

Indicator names are repaired (:func:`repair_indicator_name`): the leading number is
moved to ``indicator_number``, footnote digits glued to words are dropped, mojibake is
decoded (``â‰¥`` -> ``≥``), ``=``/``>`` standing for ``≥`` are restored, and the few
names that the PDF extraction truncated, merged or garbled are mapped to the
standard name. Where a fact sheet repeats a name for women and then for men (blood sugar,
blood pressure), the two are told apart as ``Women: ...`` and ``Men: ...``. The published
name stays in ``indicator_published``.

District names are harmonised with the gazetteer (``Badgam`` -> ``Budgam``,
``Leh (Ladakh)`` -> ``Leh``); the name as published stays in ``district_published``.
Lookups accept every spelling of the gazetteer's one alias table
(:func:`leheranalysis.gazetteer.district_spellings`, ``data/aliases.yaml``): PMGSY's
``Nowgaon``, ``Sibsagar``, ``Chapra(Saran)`` find NFHS-5 Nagaon, Sivasagar, Saran.
:func:`match_district` says which NFHS-5 district a gazetteer district has, or why it has
none, and :func:`district_caveats` where the two do not cover the same area. State codes
are expanded to names (``BR`` -> ``Bihar``).

For calibration (synthetic data), use :func:`district_value` for one number or
:func:`synth_rates` for the rates the generator needs::

    >>> district_value("Madhubani", "child_marriage")  # doctest: +SKIP
    39.2

Values are in the published unit: per cent for shares (divide by 100 for a
probability), females per 1,000 males for sex ratios.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from leheranalysis import config
from leheranalysis._nfhs_names import (  # noqa: F401  (re-exported)
    _NAME_VARIANTS,
    DISTRICT_RENAMES,
    INDICATOR_INFO,
    INDICATORS,
    KEY_INDICATORS,
    OTHER_INDICATORS,
    STATE_CODES,
    _canonicalise,
    _code_of,
    _compact,
    _fix_mojibake,
    _key,
    _norm_place,
    _split_number,
    harmonise_district,
    repair_indicator_name,
)
from leheranalysis.errors import DataNotAvailableError, SourceError, UnknownNameError

__all__ = [
    "DISTRICT_FILE",
    "STATE_FILE_PHASE1",
    "STATES_FILE",
    "INDIA_FILE",
    "KEY_INDICATORS",
    "OTHER_INDICATORS",
    "INDICATORS",
    "INDICATOR_INFO",
    "STATE_CODES",
    "DISTRICT_RENAMES",
    "NfhsMatch",
    "repair_indicator_name",
    "harmonise_district",
    "load_districts",
    "load_states",
    "load_india",
    "districts",
    "resolve_district",
    "match_district",
    "gazetteer_matches",
    "district_caveats",
    "RURAL_ONLY",
    "district_profile",
    "district_value",
    "state_value",
    "india_value",
    "SYNTH_CODES",
    "synth_rates",
    "compare",
]

DISTRICT_FILE = "nfhs5_factsheets/phase 1 release/NFHS-5 Phase 1 District Factsheets vDec21.csv"
STATE_FILE_PHASE1 = "nfhs5_factsheets/phase 1 release/NFHS-5 Phase 1 State Factsheets.csv"
STATES_FILE = "nfhs5_factsheets/data for analysis/states.csv"
INDIA_FILE = "nfhs5_factsheets/data for analysis/india.csv"

_FILES: dict[str, tuple[str, str]] = {
    "districts": (DISTRICT_FILE, "district fact sheets"),
    "states": (STATES_FILE, "state fact sheets"),
    "states_phase1": (STATE_FILE_PHASE1, "phase 1 state fact sheets"),
    "india": (INDIA_FILE, "all-India fact sheet"),
}

_FLAG_PARENTHESISED = "Based on 25-49 unweighted cases"
_FLAG_NOT_SHOWN = "Percentage not shown; based on fewer than 25 unweighted cases"

# --------------------------------------------------------------------------- loading


def _path(root: str | os.PathLike[str] | None, relpath: str) -> Path:
    return Path(root if root is not None else config.public_data_dir()) / relpath


def _loaded(kind: str, root: str | os.PathLike[str] | None, copy: bool = True) -> pd.DataFrame:
    """Processed table of one file, cached per path and modification time.

    Internal callers pass ``copy=False`` and must not modify the frame.
    """
    relpath, what = _FILES[kind]
    path = _path(root, relpath)
    frame = _load_cached(kind, str(path), *_stamp(path, what))
    return frame.copy() if copy else frame


@lru_cache(maxsize=8)
def _load_cached(kind: str, path: str, mtime_ns: int, size: int) -> pd.DataFrame:
    frame = _read_csv(Path(path))
    if kind == "districts":
        return _process_districts(frame, Path(path))
    return _process_state_like(frame, Path(path))


def _stamp(path: Path, what: str) -> tuple[int, int]:
    try:
        st = path.stat()
    except OSError:
        raise DataNotAvailableError(
            f"NFHS-5 {what} not found at {path}; run `leher data fetch` "
            f"(or set LEHER_PUBLIC_DATA to a folder that has it)"
        ) from None
    return st.st_mtime_ns, st.st_size


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise SourceError(f"cannot read {path}: {exc}; run `leher data check`") from None
    return frame.drop(columns=[c for c in frame.columns if c in ("", "Unnamed: 0")])


def _numbers(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    """Parse a value column; ``NA``/empty/``*`` become missing, anything else must be numeric."""
    raw = frame[column].str.strip()
    missing = raw.isin(["", "NA", "na", "*"])
    values = pd.to_numeric(raw.where(~missing), errors="coerce")
    bad = values.isna() & ~missing
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SourceError(
            f"{path}: row {i + 2}, column {column!r}: value {raw.iloc[i]!r} is not a number"
        )
    return values.astype("float64")


def _flags(frame: pd.DataFrame, column: str) -> pd.Series:
    flags = frame[column].str.strip()
    return flags.where(~flags.isin(["", "NA"])).astype("string")


def _value_columns(out: pd.DataFrame, frame: pd.DataFrame, pairs, path: Path) -> None:
    for value_col, new in pairs:
        out[new] = _numbers(frame, value_col, path)
        flag = _flags(frame, f"Flag_{value_col}")
        out[f"flag_{new}"] = flag
        out[f"{new}_parenthesised"] = (flag == _FLAG_PARENTHESISED).fillna(False).astype(bool)


def _indicator_columns(frame: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    published = frame["Indicator"]
    unique = pd.Series(published.unique())
    numbers = dict(
        zip(
            unique,
            unique.map(lambda s: _split_number(" ".join(_fix_mojibake(s).split()))[0]),
            strict=True,
        )
    )
    repairs = dict(zip(unique, unique.map(repair_indicator_name), strict=True))
    repaired = published.map(repairs)
    # the standard names: those used by at least half of the fact sheets of the file
    spread = pd.DataFrame({"name": repaired, "group": groups}).groupby("name")["group"].nunique()
    standard = spread[spread >= -(-groups.nunique() // 2)].index
    names = _canonicalise(repaired, groups, standard)
    return pd.DataFrame(
        {
            "indicator_number": published.map(numbers).astype("Int64"),
            "indicator": names.astype("string"),
            "code": _code_of(names),
            "indicator_published": published.astype("string"),
        },
        index=frame.index,
    )


def load_districts(root: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """NFHS-5 phase 1 district fact sheets, tidy, names repaired.

    Parameters
    ----------
    root : path-like, optional
        Public data folder (default :func:`leheranalysis.config.public_data_dir`).

    Returns
    -------
    pandas.DataFrame
        One row per district and indicator: ``state_code``, ``state``, ``district``
        (harmonised), ``district_published``, ``indicator_number`` (as published),
        ``indicator`` (repaired), ``code`` (see :data:`INDICATORS`, else missing),
        ``indicator_published``, ``nfhs5``, ``nfhs4`` (float, NaN when not available),
        ``flag_nfhs5``, ``flag_nfhs4`` (the parsers' text flags) and
        ``nfhs5_parenthesised``, ``nfhs4_parenthesised`` (25-49 unweighted cases).

    Raises
    ------
    DataNotAvailableError
        The file has not been fetched.
    """
    return _loaded("districts", root)


def _process_districts(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    state = frame["state"].str.strip()
    unknown = sorted(set(state) - set(STATE_CODES))
    if unknown:
        raise SourceError(f"{path}: column 'state': unknown state code {unknown[0]!r}")
    published = frame["district"].map(lambda s: " ".join(s.split()))
    groups = state + "/" + published
    out = pd.DataFrame(
        {
            "state_code": state.astype("string"),
            "state": state.map(STATE_CODES).astype("string"),
            "district": published.map(harmonise_district).astype("string"),
            "district_published": published.astype("string"),
        }
    )
    out = out.join(_indicator_columns(frame, groups))
    _value_columns(out, frame, [("NFHS5", "nfhs5"), ("NFHS4", "nfhs4")], path)
    return out.reset_index(drop=True)


def _process_state_like(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    state = frame["state"].str.strip()
    state = state.where(state != "INDIA", "India")
    out = pd.DataFrame({"state": state.astype("string")})
    out = out.join(_indicator_columns(frame, state))
    pairs = [("Urban", "urban"), ("Rural", "rural"), ("Total", "total"), ("NFHS4", "nfhs4")]
    _value_columns(out, frame, pairs, path)
    return out.reset_index(drop=True)


def load_states(root: str | os.PathLike[str] | None = None, phase1: bool = False) -> pd.DataFrame:
    """NFHS-5 state fact sheets, tidy, names repaired.

    Parameters
    ----------
    root : path-like, optional
        Public data folder (default :func:`leheranalysis.config.public_data_dir`).
    phase1 : bool, default False
        Read the phase 1 state file (22 states and UTs) instead of ``states.csv``
        (all 36; for phase 1 states it holds the same figures).

    Returns
    -------
    pandas.DataFrame
        One row per state and indicator: ``state``, ``indicator_number``,
        ``indicator``, ``code``, ``indicator_published``, ``urban``, ``rural``,
        ``total``, ``nfhs4`` (float) with ``flag_<col>`` and ``<col>_parenthesised``.
    """
    return _loaded("states_phase1" if phase1 else "states", root)


def load_india(root: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """NFHS-5 all-India fact sheet, tidy, names repaired (``state`` is ``India``).

    Same columns as :func:`load_states`.
    """
    return _loaded("india", root)


# --------------------------------------------------------------------------- lookups


def districts(root: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Districts of the phase 1 fact sheets: ``state_code``, ``state``, ``district``,
    ``district_published``."""
    cols = ["state_code", "state", "district", "district_published"]
    return _district_table(root)[cols].copy()


def _district_table(root: str | os.PathLike[str] | None) -> pd.DataFrame:
    return _district_index(root)[1]


def _district_rows(root: str | os.PathLike[str] | None, district: str, state: str) -> pd.DataFrame:
    frame, _, positions = _district_index(root)
    return frame.iloc[positions[(district, state)]]


def _district_index(root: str | os.PathLike[str] | None):
    """(frame, table of districts with lookup keys, row positions per (district, state))."""
    frame = _loaded("districts", root, copy=False)
    key = id(frame)
    cached = _DISTRICT_TABLES.get(key)
    if cached is None or cached[0] is not frame:
        cols = ["state_code", "state", "district", "district_published"]
        table = frame[cols].drop_duplicates().reset_index(drop=True)
        table["key"] = table["district"].map(_compact)
        table["key_published"] = table["district_published"].map(_compact)
        table["state_key"] = table["state"].map(_norm_place)
        positions = {
            (str(d), str(s)): idx
            for (d, s), idx in frame.groupby(["district", "state"], sort=False).indices.items()
        }
        cached = (frame, table, positions)
        _DISTRICT_TABLES.clear()
        _DISTRICT_TABLES[key] = cached
    return cached


_DISTRICT_TABLES: dict[int, tuple] = {}


def _state_key(state: str) -> str:
    code = str(state).strip().upper()
    if code in STATE_CODES:
        return _norm_place(STATE_CODES[code])
    return _norm_place(state)


def _hits(table: pd.DataFrame, spellings: Iterable[str], state: str | None) -> pd.DataFrame:
    keys = {_compact(x) for x in spellings} - {""}
    hits = table[table["key"].isin(keys) | table["key_published"].isin(keys)]
    if state is not None:
        hits = hits[hits["state_key"] == _state_key(state)]
    return hits


def _gazetteer_state(name: str, root: str | os.PathLike[str] | None) -> str | None:
    """The PMGSY state of a district name, when the gazetteer knows it in one state only."""
    from leheranalysis import gazetteer
    from leheranalysis.errors import LeherError

    try:
        return gazetteer.resolve_district(name, root)[1]
    except LeherError:
        return None


def resolve_district(
    name: str, state: str | None = None, root: str | os.PathLike[str] | None = None
) -> tuple[str, str]:
    """Find a district of the fact sheets by any known spelling.

    The name is looked up as written, then by every spelling the gazetteer's alias table
    makes equivalent (:func:`leheranalysis.gazetteer.district_spellings`). A name used in
    two states is resolved to the state where the gazetteer's PMGSY data has it, when
    that data is available.

    Parameters
    ----------
    name : str
        District name; case, spaces and punctuation do not matter; aliases such as
        ``Badgam``, ``Marigaon``, ``Leh (Ladakh)``, ``Poonch``, ``Nowgaon`` are accepted.
    state : str, optional
        State name or code, for names used in two states (``Aurangabad``).
    root : path-like, optional
        Public data folder.

    Returns
    -------
    tuple of (str, str)
        Harmonised district name and state name.

    Raises
    ------
    UnknownNameError
        No such district (the message lists close matches), or the name is ambiguous.
    """
    from leheranalysis.gazetteer import district_spellings

    table = _district_table(root)
    hits = _hits(table, [name], state)
    if hits.empty:
        hits = _hits(table, district_spellings(str(name)), state)
    if len(hits) > 1 and state is None:
        home = _gazetteer_state(str(name), root)
        narrowed = hits[hits["state_key"] == _state_key(home)] if home else hits.iloc[:0]
        hits = narrowed if len(narrowed) == 1 else hits
    if len(hits) == 1:
        return str(hits["district"].iloc[0]), str(hits["state"].iloc[0])
    if len(hits) > 1:
        options = [f"{d} ({s})" for d, s in zip(hits["district"], hits["state"], strict=True)]
        err = UnknownNameError("NFHS-5 phase 1 district", name, options)
        err.args = (
            f"District {name!r} is in several states: {', '.join(options)}; "
            f"pass state= (or write 'Name, State').",
        )
        raise err
    wanted = _norm_place(name)
    pool = sorted(set(table["district"]))
    lowered = {_norm_place(p): p for p in pool}
    close = difflib.get_close_matches(wanted, list(lowered), n=5, cutoff=0.6)
    close += [k for k in lowered if wanted and (wanted in k or k in wanted) and k not in close]
    where = f" in {state}" if state is not None else ""
    raise UnknownNameError(f"NFHS-5 phase 1 district{where}", name, [lowered[k] for k in close[:5]])


class NfhsMatch(NamedTuple):
    """The NFHS-5 district of a gazetteer district, or why there is none."""

    district: str | None
    """Harmonised NFHS-5 district name (None: no district)."""
    state: str | None
    """Its state as the fact sheets name it."""
    how: str
    """``same name``, ``alias`` (another spelling of the alias table) or ``none``."""
    reason: str
    """Why there is no NFHS-5 district ('' when there is one)."""


def match_district(
    name: str, state: str | None = None, root: str | os.PathLike[str] | None = None
) -> NfhsMatch:
    """The NFHS-5 district of a district name, or the reason it has none.

    Parameters
    ----------
    name : str
        District name (any spelling of the alias table).
    state : str, optional
        State, for names used in two states.
    root : path-like, optional
        Public data folder.

    Returns
    -------
    NfhsMatch
        ``how`` is ``same name`` when the NFHS-5 name (as harmonised or as published)
        is ``name`` up to case and punctuation, ``alias`` when another spelling found it,
        ``none`` with ``reason`` otherwise (not in the phase 1 fact sheets, a name in
        several states, or the fact sheets not available).
    """
    try:
        district, found_state = resolve_district(name, state=state, root=root)
    except DataNotAvailableError:
        return NfhsMatch(
            None, None, "none", "the NFHS-5 fact sheets are not available (leher data fetch)"
        )
    except UnknownNameError as exc:
        if str(exc).startswith("District "):  # the several-states message
            return NfhsMatch(None, None, "none", str(exc))
        close = f" (closest: {', '.join(exc.suggestions)})" if exc.suggestions else ""
        return NfhsMatch(
            None, None, "none", f"not a district of the NFHS-5 phase 1 fact sheets{close}"
        )
    table = _district_table(root)
    row = table[(table["district"] == district) & (table["state"] == found_state)].iloc[0]
    same = _compact(name) in {row["key"], row["key_published"]}
    return NfhsMatch(district, found_state, "same name" if same else "alias", "")


#: The coverage caveat of every real district without a large city of its own.
RURAL_ONLY = (
    "PMGSY lists rural habitations only, while NFHS-5 district figures include the "
    "district's towns."
)


@lru_cache(maxsize=1)
def boundaries() -> dict:
    """The boundary table ``data/boundaries.yaml``: ``splits``, ``not_in_pmgsy``, ``cities``."""
    import yaml

    path = config.package_data("boundaries.yaml")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SourceError(f"cannot read the boundary table {path}: {exc}") from exc
    return {key: raw.get(key) or {} for key in ("splits", "not_in_pmgsy", "cities")}


def _canonical_pmgsy(name: str) -> str:
    """The alias table's canonical (PMGSY) spelling of a district name, else the name."""
    from leheranalysis.gazetteer import alias_canonical

    return alias_canonical(str(name).strip()) or str(name).strip()


def district_caveats(
    name: str,
    state: str | None = None,
    root: str | os.PathLike[str] | None = None,
    *,
    match: NfhsMatch | None = None,
) -> list[str]:
    """Sentences a reader needs before comparing a district with its NFHS-5 figures.

    A report shows them in a short caveat block; ``leher gazetteer`` prints them. They
    say when the district has no NFHS-5 district (and that national figures stand in),
    when NFHS-5 uses another name, when a district was split after the PMGSY list was
    drawn up (PMGSY Nowgaon still holds the blocks of Hojai; NFHS-5 Nagaon does not),
    and that PMGSY lists rural habitations only while NFHS-5 district figures include
    the towns (named when the district has a large city, such as Patna).

    Parameters
    ----------
    name : str
        District name (any spelling of the alias table).
    state : str, optional
        State, for names used in two states.
    root : path-like, optional
        Public data folder of the fact sheets.
    match : NfhsMatch, optional
        The result of :func:`match_district`, if already known.

    Returns
    -------
    list of str
        Caveat sentences, most important first; empty for a synthetic geography.

    Examples
    --------
    >>> district_caveats("Synthetic District")
    []
    """
    if str(name).strip().casefold().startswith("synthetic"):
        return []
    match = match or match_district(name, state=state, root=root)
    pmgsy = _canonical_pmgsy(name)
    table = boundaries()
    out = []
    if match.district is None:
        out.append(
            f"{pmgsy} has no NFHS-5 district figures: {match.reason}. Synthetic "
            "demonstration data for it is calibrated to national figures, and district "
            "comparisons leave it out."
        )
        return out
    if _compact(match.district) != _compact(pmgsy):
        out.append(f"NFHS-5 calls {pmgsy} (its name in the PMGSY village list) {match.district}.")
    for new, blocks in (table["splits"].get(pmgsy) or {}).items():
        held = f" (blocks {', '.join(blocks)})" if blocks else ""
        out.append(
            f"PMGSY's {pmgsy} predates the forming of {new} district from part of it and "
            f"still includes that area{held}; NFHS-5 {match.district} does not, so its "
            f"figures describe {match.district} without {new}."
        )
    city = table["cities"].get(pmgsy)
    if city:
        out.append(
            f"PMGSY lists rural habitations only, while the NFHS-5 figures of "
            f"{match.district} include {city} city: synthetic data and comparisons are "
            "calibrated to district rates that include the city, which may be better "
            "(schooling, birth registration, child marriage) than in the villages."
        )
    else:
        out.append(RURAL_ONLY)
    return out


def gazetteer_matches(
    state: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    root: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Every district of the PMGSY gazetteer with its NFHS-5 district, or the reason it has none.

    Parameters
    ----------
    state : str, optional
        Only the districts of this PMGSY state.
    data_dir, root : path-like, optional
        Public data folders of the gazetteer and of the fact sheets (default
        :func:`leheranalysis.config.public_data_dir` for both).

    Returns
    -------
    pandas.DataFrame
        ``state``, ``district`` (PMGSY), ``nfhs_district``, ``nfhs_state``, ``how``,
        ``reason``, ``caveats`` (the sentences of :func:`district_caveats`, joined).
    """
    from leheranalysis import gazetteer

    rows = []
    for item in gazetteer.list_districts(state, data_dir).itertuples():
        match = match_district(item.district, state=item.state, root=root)
        caveats = district_caveats(item.district, match=match)
        rows.append(
            {
                "state": item.state,
                "district": item.district,
                "nfhs_district": match.district,
                "nfhs_state": match.state,
                "how": match.how,
                "reason": match.reason,
                "caveats": " ".join(caveats),
            }
        )
    return pd.DataFrame(rows)


def _indicator_name(key: str) -> str:
    if key in INDICATORS:
        return INDICATORS[key]
    return repair_indicator_name(key)


def _select_indicators(frame: pd.DataFrame, indicators: Sequence[str] | None) -> pd.DataFrame:
    if indicators is None:
        return frame
    names = [_indicator_name(k) for k in indicators]
    known = set(frame["indicator"])
    for key, name in zip(indicators, names, strict=True):
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.6)
            raise UnknownNameError("NFHS-5 indicator", key, close or list(INDICATORS))
    order = {name: i for i, name in enumerate(names)}
    picked = frame[frame["indicator"].isin(order)]
    return picked.sort_values("indicator", key=lambda s: s.map(order), kind="stable")


def _change(after: pd.Series, before: pd.Series) -> pd.Series:
    """NFHS-5 minus NFHS-4, rounded to the published precision (one decimal)."""
    return (after - before).round(1)


_COMPARE_COLUMNS = [
    "district",
    "state",
    "code",
    "indicator",
    "label",
    "unit",
    "better",
    "district_nfhs5",
    "district_nfhs4",
    "district_change",
    "state_nfhs5",
    "state_nfhs4",
    "state_change",
    "india_nfhs5",
    "india_nfhs4",
    "india_change",
    "district_nfhs5_parenthesised",
    "district_nfhs4_parenthesised",
]


def district_profile(
    district: str,
    state: str | None = None,
    indicators: Sequence[str] | None = None,
    root: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """All (or some) NFHS-5 indicators of one district, with NFHS-4 and the change.

    Parameters
    ----------
    district : str
        District name (any spelling :func:`resolve_district` accepts).
    state : str, optional
        State name or code, for names used in two states.
    indicators : sequence of str, optional
        Codes (:data:`INDICATORS`) or repaired names; default every indicator, in
        fact-sheet order.
    root : path-like, optional
        Public data folder.

    Returns
    -------
    pandas.DataFrame
        Columns ``district``, ``state``, ``indicator_number``, ``code``, ``indicator``,
        ``nfhs5``, ``nfhs4``, ``change`` (NFHS-5 minus NFHS-4), the flag columns of
        :func:`load_districts` and ``indicator_published``.
    """
    name, state_name = resolve_district(district, state, root)
    rows = _district_rows(root, name, state_name)
    rows = _select_indicators(rows, indicators).copy()
    rows["change"] = _change(rows["nfhs5"], rows["nfhs4"])
    cols = [
        "district",
        "state",
        "indicator_number",
        "code",
        "indicator",
        "nfhs5",
        "nfhs4",
        "change",
        "flag_nfhs5",
        "flag_nfhs4",
        "nfhs5_parenthesised",
        "nfhs4_parenthesised",
        "indicator_published",
    ]
    return rows[cols].reset_index(drop=True)


def district_value(
    district: str,
    key: str,
    survey: str = "nfhs5",
    state: str | None = None,
    root: str | os.PathLike[str] | None = None,
) -> float:
    """One published district value (NaN when not available).

    Parameters
    ----------
    district : str
        District name (any spelling :func:`resolve_district` accepts).
    key : str
        Indicator code (:data:`INDICATORS`) or repaired name.
    survey : {"nfhs5", "nfhs4"}
        Which round.
    state : str, optional
        State, for names used in two states.
    root : path-like, optional
        Public data folder.

    Returns
    -------
    float
        In the published unit (per cent, or females per 1,000 males).
    """
    if survey not in ("nfhs5", "nfhs4"):
        raise ValueError(f"survey must be 'nfhs5' or 'nfhs4', got {survey!r}")
    profile = district_profile(district, state=state, indicators=[key], root=root)
    return float(profile[survey].iloc[0])


def _area_value(frame: pd.DataFrame, key: str, column: str) -> float:
    rows = _select_indicators(frame, [key])
    return float(rows[column].iloc[0]) if len(rows) else float("nan")


def state_value(
    state: str, key: str, column: str = "total", root: str | os.PathLike[str] | None = None
) -> float:
    """One published state value (``column``: ``total``, ``urban``, ``rural``, ``nfhs4``).

    ``state`` is a name (``Jammu and Kashmir`` or ``Jammu & Kashmir``) or a code (``JK``).
    """
    frame = _loaded("states", root, copy=False)
    mask = frame["state"].map(_norm_place) == _state_key(state)
    if not mask.any():
        pool = sorted(set(frame["state"]))
        close = difflib.get_close_matches(str(state), pool, n=3, cutoff=0.5)
        raise UnknownNameError("NFHS-5 state", state, close)
    return _area_value(frame[mask], key, column)


def india_value(
    key: str, column: str = "total", root: str | os.PathLike[str] | None = None
) -> float:
    """One published all-India value (``column``: ``total``, ``urban``, ``rural``, ``nfhs4``)."""
    return _area_value(_loaded("india", root, copy=False), key, column)


#: codes :func:`synth_rates` returns (the synthetic data generator's calibration targets)
SYNTH_CODES: tuple[str, ...] = (
    "child_marriage",
    "birth_registration",
    "female_school",
    "teen_pregnancy",
    "sex_ratio_at_birth",
    "under15",
    "institutional_births",
    "full_immunisation",
)


def synth_rates(
    district: str, state: str | None = None, root: str | os.PathLike[str] | None = None
) -> dict[str, float]:
    """NFHS-5 values the synthetic data generator calibrates to.

    Parameters
    ----------
    district : str
        District name (any spelling :func:`resolve_district` accepts).
    state : str, optional
        State, for names used in two states.
    root : path-like, optional
        Public data folder.

    Returns
    -------
    dict of str to float
        Code (:data:`SYNTH_CODES`) -> published NFHS-5 value; codes whose value is not
        available are left out. An empty dict when the district is not in the phase 1
        fact sheets or the fact sheets have not been fetched (the generator then uses
        national defaults and says so).
    """
    try:
        profile = district_profile(district, state=state, indicators=list(SYNTH_CODES), root=root)
    except (UnknownNameError, DataNotAvailableError):
        return {}
    values = dict(zip(profile["code"], profile["nfhs5"], strict=True))
    return {code: float(v) for code, v in values.items() if pd.notna(v)}


def compare(
    districts: Sequence[str],
    indicators: Sequence[str] | None = None,
    root: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """District, state and all-India values side by side, NFHS-5, NFHS-4 and the change.

    Parameters
    ----------
    districts : sequence of str
        District names (any spelling :func:`resolve_district` accepts; use
        ``"Name, State"`` for names used in two states).
    indicators : sequence of str, optional
        Codes or repaired names (default :data:`KEY_INDICATORS`).
    root : path-like, optional
        Public data folder.

    Returns
    -------
    pandas.DataFrame
        One row per district and indicator, in the order given: ``district``, ``state``,
        ``code``, ``indicator``, ``label``, ``unit``, ``better``, ``district_nfhs5``,
        ``district_nfhs4``, ``district_change``, ``state_nfhs5``, ``state_nfhs4``,
        ``state_change``, ``india_nfhs5``, ``india_nfhs4``, ``india_change``,
        ``district_nfhs5_parenthesised``, ``district_nfhs4_parenthesised``. State and India
        values are the survey's "Total".
    """
    if isinstance(districts, str):
        districts = [districts]
    keys = list(indicators) if indicators is not None else list(KEY_INDICATORS)
    states = _loaded("states", root, copy=False)
    india = _loaded("india", root, copy=False)
    parts = []
    for item in districts:
        name, _, state_hint = str(item).partition(",")
        profile = district_profile(
            name.strip(), state=state_hint.strip() or None, indicators=keys, root=root
        )
        state_rows = states[
            states["state"].map(_norm_place) == _norm_place(profile["state"].iloc[0])
        ]
        part = pd.DataFrame(
            {
                "district": profile["district"],
                "state": profile["state"],
                "code": profile["code"],
                "indicator": profile["indicator"],
                "district_nfhs5": profile["nfhs5"],
                "district_nfhs4": profile["nfhs4"],
                "district_change": profile["change"],
            }
        )
        for prefix, frame in (("state", state_rows), ("india", india)):
            lookup = frame.drop_duplicates("indicator").set_index("indicator")
            total = part["indicator"].map(lookup["total"]).astype("float64")
            before = part["indicator"].map(lookup["nfhs4"]).astype("float64")
            part[f"{prefix}_nfhs5"] = total
            part[f"{prefix}_nfhs4"] = before
            part[f"{prefix}_change"] = _change(total, before)
        part["district_nfhs5_parenthesised"] = profile["nfhs5_parenthesised"].to_numpy()
        part["district_nfhs4_parenthesised"] = profile["nfhs4_parenthesised"].to_numpy()
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    info = out["code"].map(lambda c: INDICATOR_INFO.get(c, {}) if pd.notna(c) else {})
    out["label"] = info.map(lambda d: d.get("label")).fillna(out["indicator"])
    out["unit"] = info.map(lambda d: d.get("unit", ""))
    out["better"] = info.map(lambda d: d.get("better", ""))
    return out[_COMPARE_COLUMNS]
