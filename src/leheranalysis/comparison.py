"""Tables and figures comparing the DNA districts with each other and with NFHS-5.

Two kinds of comparison feed the ``04-district-comparison`` report:

1. **The DNA districts side by side** (from each district's processed data, where it
   exists): the share of villages in which each kind of respondent group reported a key
   issue (:func:`headline_shares`, :func:`headline_table`, :func:`headline_figure`), and
   the distribution of the vulnerability index over the programme villages
   (:func:`index_scores`, :func:`index_figure`).
2. **Against the official NFHS-5 fact sheets** for the districts, their states and
   India (a :func:`leheranalysis.nfhs.compare` table): the published values
   (:func:`nfhs_wide`, :func:`nfhs_district_table`, :func:`nfhs_level_figure`) and the
   NFHS-4 (2015-16) to NFHS-5 (2019-21) change (:func:`nfhs_change`,
   :func:`nfhs_change_table`, :func:`change_figure`).

Definitions
-----------
Own-district index
    The CPVI as each district's own report computes it: min-max normalised over the
    district's programme villages, so 0 is the least and 100 the most vulnerable village
    *of that district*. Its distribution shows spread and skew, not level.
Common-scale index
    The same index computed once over the programme villages of all districts with data
    pooled, so the scores of two districts can be compared directly (0 and 100 are the
    least and most vulnerable village of all districts).
Published values
    NFHS values are shown exactly as published (one decimal for percentages, whole
    numbers for sex ratios); values the fact sheets print in parentheses (25-49
    unweighted cases) keep their parentheses; ``NA`` is not available.

All functions except :func:`load_districts_data` are pure: they take DataFrames and
return new DataFrames or matplotlib figures. Figures are not saved here (use
:func:`leheranalysis.plotting.save_figure`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leheranalysis import config
from leheranalysis._compared import canonical_name, compared_districts
from leheranalysis._comparison_plots import (  # noqa: F401  (re-exported)
    _HIGHLIGHT_BAND,
    _HORIZONTAL,
    _SMALL,
    _area_grid,
    _area_labels,
    _decorate_area_panel,
    _mark_highlight,
    _natural_srb_line,
    _wrap,
    change_figure,
    headline_figure,
    index_figure,
    nfhs_level_figure,
)
from leheranalysis.codebook import Codebook, load_codebook
from leheranalysis.errors import (
    DataNotAvailableError,
    IndicatorInputError,
    InputFileError,
    UnknownNameError,
)
from leheranalysis.findings import fmt_pct
from leheranalysis.village_maps import analysis_observations

__all__ = [
    "NFHS_DISTRICT_BASES",
    "change_noise",
    "nfhs_key_numbers",
    "DNA_DISTRICTS",
    "canonical_name",
    "compared_districts",
    "caveat_block",
    "NATURAL_SEX_RATIO_AT_BIRTH",
    "KEY_ISSUES",
    "KIND_LABELS",
    "DistrictsData",
    "load_districts_data",
    "processed_folders",
    "nfhs_comparison",
    "data_status",
    "headline_shares",
    "headline_table",
    "headline_figure",
    "index_scores",
    "index_summary",
    "index_figure",
    "format_value",
    "nfhs_wide",
    "nfhs_district_table",
    "nfhs_level_figure",
    "nfhs_change",
    "nfhs_change_table",
    "change_figure",
]

#: The five districts where the DNA has been carried out.
DNA_DISTRICTS: tuple[str, ...] = ("Madhubani", "Morigaon", "Leh", "Budgam", "Rajouri")

#: Issues compared across districts (none of them sensitive).
KEY_ISSUES: tuple[str, ...] = (
    "oosc_6_14",
    "child_labour_5_17",
    "child_marriage_12m",
    "births_not_registered",
    "corporal_punishment",
    "violence_at_home",
)

#: Plain-language names of the respondent-group kinds.
KIND_LABELS: dict[str, str] = {
    "children": "Children's groups",
    "adults": "Adult groups",
    "duty_bearer": "Duty bearers",
    "community": "Children or adults",
}

#: Females per 1,000 males at birth without sex selection (about 105 boys per 100 girls).
NATURAL_SEX_RATIO_AT_BIRTH = 952
_NBSP = "\u00a0"  # keeps "61 % (38/62)" and "42.7 → 39.2" on one line in tables


# ----------------------------------------------------------------------------- loading
@dataclass
class DistrictsData:
    """Processed data of several districts, and why the others have none.

    Attributes
    ----------
    processed : dict
        District -> :class:`leheranalysis.processed.Processed`, in the order asked for.
    missing : dict
        District -> reason (message) for districts without usable processed data.
    """

    processed: dict[str, Any] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)


def load_districts_data(
    districts: Sequence[str],
    folders: Mapping[str, str] | None = None,
    loader: Callable[..., Any] | None = None,
) -> DistrictsData:
    """Load the processed data of every district that has some.

    Parameters
    ----------
    districts : sequence of str
        District names.
    folders : mapping, optional
        District -> processed folder, for districts not in the default place
        (``config.processed_dir``); empty strings are ignored.
    loader : callable, optional
        ``loader(district, folder=...)``; default
        :func:`leheranalysis.processed.load_processed`.

    Returns
    -------
    DistrictsData
        Districts whose folder is missing or unreadable are listed in ``missing`` with
        the reason; nothing is raised for them.
    """
    if loader is None:
        from leheranalysis.processed import load_processed as loader
    folders = {k: v for k, v in (folders or {}).items() if v}
    out = DistrictsData()
    for name in dict.fromkeys(districts):
        try:
            out.processed[name] = loader(name, folder=folders.get(name))
        except (DataNotAvailableError, InputFileError) as exc:
            out.missing[name] = str(exc)
    return out


def processed_folders(
    districts: Sequence[str], district: str | None = None, data_dir: str | Path | None = None
) -> dict[str, str]:
    """Processed folders of several districts, next to the report district's own.

    A report runs with ``data_dir``, the processed folder of its own ``district`` (e.g.
    ``<data>/processed/madhubani``); the other districts are looked for beside it
    (``<data>/processed/<slug>``), so a run on another data folder compares districts of
    that folder. Without ``data_dir`` every district gets its default folder
    (:func:`leheranalysis.config.processed_dir`).

    Examples
    --------
    >>> processed_folders(["Madhubani", "Leh"], "Madhubani", "/d/processed/madhubani")
    {'Madhubani': '/d/processed/madhubani', 'Leh': '/d/processed/leh'}
    """
    if not data_dir:
        return {name: str(config.processed_dir(name)) for name in districts}
    own = Path(data_dir)
    out = {}
    for name in districts:
        same = district is not None and config.slugify(name) == config.slugify(district)
        out[name] = str(own if same else own.parent / config.slugify(name))
    return out


def caveat_block(districts: Sequence[str], root: str | Path | None = None) -> str:
    """Markdown caveats of comparing DNA districts with their NFHS-5 district figures.

    One bullet per district with a caveat of its own (another name in NFHS-5, a
    district split since the PMGSY list, a large city, no NFHS-5 district), then the
    rural-only caveat once for the others (:func:`leheranalysis.nfhs.district_caveats`).

    Parameters
    ----------
    districts : sequence of str
        District names; synthetic ones have no caveats.
    root : path-like, optional
        Public data folder of the fact sheets.

    Returns
    -------
    str
        Markdown (names and sentences HTML-escaped), or '' when there is nothing to say.
    """
    import html

    from leheranalysis import nfhs

    bullets, general = [], False
    for name in dict.fromkeys(districts):
        sentences = nfhs.district_caveats(name, root=root)
        general = general or nfhs.RURAL_ONLY in sentences
        own = [x for x in sentences if x != nfhs.RURAL_ONLY]
        if own:
            bullets.append(f"- **{html.escape(name)}**: {html.escape(' '.join(own))}")
    if general:
        bullets.append(f"- {html.escape(nfhs.RURAL_ONLY)}")
    if not bullets:
        return ""
    return "**About the NFHS-5 district figures**\n\n" + "\n".join(bullets)


def nfhs_comparison(
    districts: Sequence[str], root: str | Path | None = None
) -> tuple[pd.DataFrame, dict[str, str]]:
    """:func:`leheranalysis.nfhs.compare` for the districts the fact sheets know.

    Returns
    -------
    tuple
        The comparison table (empty when no district is known or the fact sheets are
        missing) and district -> reason for the districts left out.
    """
    from leheranalysis import nfhs

    known, left_out, asked = [], {}, {}
    for name in dict.fromkeys(districts):
        try:
            found = nfhs.resolve_district(name, root=root)[0]
            if found in asked:  # another spelling of a district already compared
                continue
            asked[found] = name
            known.append(name)
        except UnknownNameError:
            left_out[name] = (
                "an invented SYNTHETIC district, not in NFHS-5"
                if str(name).strip().casefold().startswith("synthetic")
                else nfhs.match_district(name, root=root).reason
            )
        except DataNotAvailableError as exc:
            return pd.DataFrame(), {n: str(exc) for n in districts}
    if not known:
        return pd.DataFrame(), left_out
    table = nfhs.compare(known, root=root)
    table["district"] = table["district"].map(asked)  # the names the DNA data uses
    return table, left_out


def data_status(data: DistrictsData, districts: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per district: has it processed data, is it synthetic, how many villages.

    Parameters
    ----------
    data : DistrictsData
    districts : sequence of str, optional
        Order of the rows (default: processed, then missing).

    Returns
    -------
    pandas.DataFrame
        ``District``, ``Processed data`` (yes/no), ``Synthetic`` (yes/no), ``Blocks``,
        ``Villages`` (numbers) and ``Note``; ``""`` in the cells of a district without
        data.
    """
    names = list(districts) if districts is not None else [*data.processed, *data.missing]
    rows = []
    for name in names:
        p = data.processed.get(name)
        if p is None:
            reason = data.missing.get(name, "not loaded")
            note = "no processed data" if "missing" in reason else reason
            rows.append({"District": name, "Processed data": "no", "Synthetic": "",
                         "Blocks": "", "Villages": "", "Note": note})  # fmt: skip
            continue
        rows.append(
            {
                "District": name,
                "Processed data": "yes",
                "Synthetic": "yes" if p.synthetic else "no",
                "Blocks": len(p.blocks),
                "Villages": len(p.villages),
                "Note": "",
            }
        )
    out = pd.DataFrame(rows, columns=["District", "Processed data", "Synthetic", "Blocks",
                                      "Villages", "Note"])  # fmt: skip
    return out


# ------------------------------------------------------------------- headline shares
def _issue_label(cb: Codebook, code: str) -> str:
    """What the share of villages counts (the codebook's reader label, e.g. "No VLCPC")."""
    return cb.reader_label(code)


def headline_shares(
    observations: Mapping[str, pd.DataFrame],
    issues: Sequence[str] = KEY_ISSUES,
    kinds: Sequence[str] = ("children", "adults", "duty_bearer"),
    codebook: Codebook | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Share of villages reporting each issue, by district and respondent-group kind.

    Parameters
    ----------
    observations : mapping
        District -> its ``observations`` table.
    issues : sequence of str
        Indicator codes.
    kinds : sequence of str
        Respondent-group kinds (see :data:`leheranalysis.indicators.KINDS`).
    codebook : Codebook, optional
    level : float
        Confidence level of the Wilson intervals.

    Returns
    -------
    pandas.DataFrame
        ``district``, ``indicator``, ``issue`` (label), ``sensitive``, ``kind``,
        ``group`` (label), ``n_villages``, ``n_reported``, ``share``, ``share_lo``,
        ``share_hi`` (fractions); rows in the order of ``observations``, ``issues`` and
        ``kinds``. Issue-kind pairs no group of that kind answers are absent.

    Raises
    ------
    IndicatorInputError
        When an issue is not in the codebook.
    """
    from leheranalysis.indicators import share_of_villages_reporting

    cb = load_codebook() if codebook is None else codebook
    unknown = [c for c in issues if c not in cb.indicators.index]
    if unknown:
        raise IndicatorInputError(f"headline_shares: unknown indicator(s) {unknown}")
    cols = ["district", "indicator", "issue", "sensitive", "kind", "group", "n_villages",
            "n_reported", "share", "share_lo", "share_hi"]  # fmt: skip
    parts = []
    for district, obs in observations.items():
        if obs is None or obs.empty:
            continue
        obs = analysis_observations(obs, cb)
        s = share_of_villages_reporting(obs, cb, by="district", kinds=kinds, level=level)
        s = s[s["indicator"].isin(issues)].assign(district=district)
        parts.append(s)
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    out["issue"] = out["indicator"].map(lambda c: _issue_label(cb, c))
    out["sensitive"] = out["indicator"].map(lambda c: bool(cb.indicators.at[c, "sensitive"]))
    out["group"] = out["kind"].map(KIND_LABELS).fillna(out["kind"])
    d_order = {d: i for i, d in enumerate(observations)}
    i_order = {c: i for i, c in enumerate(issues)}
    k_order = {k: i for i, k in enumerate(kinds)}
    out = out.assign(_i=out["indicator"].map(i_order), _d=out["district"].map(d_order),
                     _k=out["kind"].map(k_order))  # fmt: skip
    out = out.sort_values(["_i", "_d", "_k"], kind="stable")
    return out[cols].reset_index(drop=True)


def _share_cell(row: pd.Series, threshold: int) -> str:
    """``'61 % (38/62)'``; a hidden sensitive count ``'<5 of 62 villages'``, or
    ``'<5 villages'`` when fewer than ``threshold`` villages were asked. The share is
    never ``100 %`` unless every village reported, nor ``0 %`` unless none did."""
    n, k = int(row["n_villages"]), int(row["n_reported"])
    if row["sensitive"] and 1 <= k < threshold:
        if n < threshold:
            return f"<{threshold}{_NBSP}villages"
        return f"<{threshold} of {n}{_NBSP}villages"
    pct = fmt_pct(row["share"], floor_ceiling=True).replace(" ", _NBSP)
    return f"{pct} ({k}/{n})"


def headline_table(shares: pd.DataFrame, threshold: int = 5) -> pd.DataFrame:
    """Reviewer table: issue and group by district, cells like ``61 % (38/62)``.

    Counts of villages below ``threshold`` for sensitive issues are shown as ``<5``
    (``<5 of 62 villages``; ``<5 villages`` when fewer than ``threshold`` were asked).

    Parameters
    ----------
    shares : pandas.DataFrame
        Output of :func:`headline_shares`.
    threshold : int
        Smallest count shown for sensitive issues.

    Returns
    -------
    pandas.DataFrame
        Index ``Issue``, ``Reported by``; one column per district; ``""`` where a
        district has no answer.
    """
    if shares.empty:
        return pd.DataFrame(
            index=pd.MultiIndex.from_arrays([[], []], names=["Issue", "Reported by"])
        )
    t = shares.assign(cell=shares.apply(_share_cell, axis=1, threshold=threshold))
    wide = t.pivot_table(index=["issue", "group"], columns="district", values="cell",
                         aggfunc="first", sort=False)  # fmt: skip
    wide = wide.reindex(columns=list(dict.fromkeys(shares["district"]))).fillna("")
    wide.index.names = ["Issue", "Reported by"]
    wide.columns.name = None
    return wide


# ---------------------------------------------------------------------- index scores
def _pooled_inputs(data: Mapping[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Observations and villages of all districts with unique pooled ids."""
    obs_parts, vil_parts, keys = [], [], []
    offset = 0
    for district, p in data.items():
        vil = pd.DataFrame(p.villages.drop(columns="geometry", errors="ignore")).copy()
        ids = vil["village_id"].astype("int64").to_numpy()
        pooled = np.arange(offset + 1, offset + len(ids) + 1, dtype="int64")
        offset += len(ids)
        mapping = dict(zip(ids, pooled, strict=True))
        keys.append(pd.DataFrame({"district": district, "village_id": ids, "pooled_id": pooled}))
        vil["village_id"] = pooled
        obs = analysis_observations(p.observations).copy()
        mask = obs["village_id"].notna()
        obs.loc[mask, "village_id"] = obs.loc[mask, "village_id"].astype("int64").map(mapping)
        obs["village_id"] = obs["village_id"].astype("Int64")
        obs_parts.append(obs)
        vil_parts.append(vil)
    return (pd.concat(obs_parts, ignore_index=True), pd.concat(vil_parts, ignore_index=True),
            pd.concat(keys, ignore_index=True))  # fmt: skip


def index_scores(
    data: Mapping[str, Any],
    compute: Callable[..., Any] | None = None,
    config_: Any = None,
    derived: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """CPVI scores of every programme village, own-district and common scale.

    Parameters
    ----------
    data : mapping
        District -> processed data (``observations`` and ``villages`` attributes).
    compute : callable, optional
        ``compute(observations, villages, config=..., n=0)`` returning an object with a
        ``villages`` table; default :func:`leheranalysis.cpvi.compute_cpvi`.
    config_ : optional
        CPVI configuration (default: the packaged one).
    derived : mapping, optional
        District -> its stored index (:class:`leheranalysis.derive.CPVITables`, with
        ``villages`` and ``code``), used instead of computing the district's own index;
        None for a district whose index could not be derived (it is skipped).

    Returns
    -------
    pandas.DataFrame
        ``district``, ``village_id``, ``village_name``, ``block_name``, ``scale``
        (``own district`` or ``common scale``), ``score`` (0-100, higher = more
        vulnerable); villages without a score (screened out) are absent. Districts
        whose index cannot be computed are skipped and named in ``attrs["skipped"]``.
    """
    if compute is None:
        from leheranalysis.cpvi import compute_cpvi as compute
    cols = ["district", "village_id", "village_name", "block_name", "scale", "score"]
    parts, skipped, usable = [], {}, {}
    for district, p in data.items():
        if derived is not None and district in derived:
            own = derived[district]
            if own is None or isinstance(own, str):
                skipped[district] = str(own or "the index could not be derived")
                continue
            table, code = own.villages, own.code
        else:
            try:
                res = compute(
                    analysis_observations(p.observations), p.villages, config=config_, n=0
                )
            except (IndicatorInputError, DataNotAvailableError, ValueError) as exc:
                skipped[district] = str(exc)
                continue
            table, code = res.villages, res.config.code
        usable[district] = p
        parts.append(_score_rows(table, district, "own district", code))
    if len(usable) > 1:
        obs, vil, keys = _pooled_inputs(usable)
        res = compute(obs, vil, config=config_, n=0)
        pooled = res.villages.merge(keys, left_on="village_id", right_on="pooled_id",
                                    suffixes=("_pooled", ""))  # fmt: skip
        parts.append(_score_rows(pooled, None, "common scale", res.config.code))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    out = out[cols]
    out.attrs["skipped"] = skipped
    return out


def _score_rows(table: pd.DataFrame, district: str | None, scale: str, code: str) -> pd.DataFrame:
    t = table[table[code].notna()]
    return pd.DataFrame(
        {
            "district": t["district"].to_numpy() if district is None else district,
            "village_id": t["village_id"].astype("int64").to_numpy(),
            "village_name": t["village_name"].to_numpy(),
            "block_name": t["block_name"].to_numpy(),
            "scale": scale,
            "score": t[code].astype(float).to_numpy(),
        }
    )


def index_summary(scores: pd.DataFrame) -> pd.DataFrame:
    """Median and quartiles of the index per district and scale.

    Returns
    -------
    pandas.DataFrame
        ``Scale``, ``District``, ``Villages``, ``Median``, ``Lower quartile``,
        ``Upper quartile`` (one decimal).
    """
    cols = ["Scale", "District", "Villages", "Median", "Lower quartile", "Upper quartile"]
    if scores.empty:
        return pd.DataFrame(columns=cols)
    order = {d: i for i, d in enumerate(dict.fromkeys(scores["district"]))}
    scale_order = {"own district": 0, "common scale": 1}
    scores = scores.assign(_s=scores["scale"].map(scale_order).fillna(2),
                           _d=scores["district"].map(order))  # fmt: skip
    scores = scores.sort_values(["_s", "_d"], kind="stable")
    g = scores.groupby(["scale", "district"], sort=False)["score"]
    out = pd.DataFrame(
        {
            "Villages": g.size(),
            "Median": g.median(),
            "Lower quartile": g.quantile(0.25),
            "Upper quartile": g.quantile(0.75),
        }
    ).round(1)
    out.index.names = ["Scale", "District"]
    return out.reset_index()[cols]


# ---------------------------------------------------------------------------- NFHS
def format_value(value: Any, unit: str = "%", parenthesised: bool = False) -> str:
    """A published NFHS value as text: ``39.2``, ``805``, ``(12.5)`` or ``NA``.

    Examples
    --------
    >>> format_value(39.2), format_value(805.0, "females per 1,000 males")
    ('39.2', '805')
    >>> format_value(float("nan")), format_value(12.5, parenthesised=True)
    ('NA', '(12.5)')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "NA"
    text = f"{float(value):.0f}" if "1,000" in str(unit) else f"{float(value):.1f}"
    return f"({text})" if parenthesised else text


def _unit_suffix(unit: str) -> str:
    return " (%)" if unit == "%" else f" ({unit})" if unit else ""


def nfhs_wide(cmp: pd.DataFrame, survey: str = "nfhs5") -> pd.DataFrame:
    """Indicators by area: each district followed by its state, then India.

    Parameters
    ----------
    cmp : pandas.DataFrame
        Output of :func:`leheranalysis.nfhs.compare`.
    survey : {"nfhs5", "nfhs4"}

    Returns
    -------
    pandas.DataFrame
        Index ``Indicator`` (plain label with unit); columns the districts, each
        followed by its state (once), and ``India``; text values as published.
    """
    if survey not in ("nfhs5", "nfhs4"):
        raise ValueError(f"survey must be 'nfhs5' or 'nfhs4', got {survey!r}")
    columns: dict[str, list[str]] = {}
    labels = list(dict.fromkeys(cmp["label"] + cmp["unit"].map(_unit_suffix)))
    order: list[str] = []
    for (district, state), g in cmp.groupby(["district", "state"], sort=False):
        par = g[f"district_{survey}_parenthesised"].fillna(False)
        columns[district] = [format_value(v, u, p) for v, u, p in
                             zip(g[f"district_{survey}"], g["unit"], par, strict=True)]  # fmt: skip
        order.append(district)
        if state not in columns:
            columns[state] = [format_value(v, u) for v, u in
                              zip(g[f"state_{survey}"], g["unit"], strict=True)]  # fmt: skip
            order.append(state)
    first = cmp[cmp["district"] == cmp["district"].iloc[0]]
    columns["India"] = [format_value(v, u) for v, u in
                        zip(first[f"india_{survey}"], first["unit"], strict=True)]  # fmt: skip
    out = pd.DataFrame({c: columns[c] for c in [*order, "India"]}, index=labels)
    out.index.name = "Indicator"
    return out


def nfhs_district_table(cmp: pd.DataFrame, district: str) -> pd.DataFrame:
    """One district's NFHS-5 and NFHS-4 values with its state's and India's.

    Returns
    -------
    pandas.DataFrame
        Index ``Indicator``; columns ``<district> NFHS-5``, ``<district> NFHS-4``,
        ``Change``, ``<state> NFHS-5``, ``India NFHS-5``, ``Better is`` (text; for the
        sex ratio at birth "closer to 952", as in :func:`nfhs_change`).

    Raises
    ------
    IndicatorInputError
        When the district is not in the table.
    """
    g = cmp[cmp["district"] == district]
    if g.empty:
        raise IndicatorInputError(
            f"nfhs_district_table: {district!r} not in the comparison "
            f"(districts: {', '.join(dict.fromkeys(cmp['district']))})"
        )
    state = g["state"].iloc[0]
    fmt = format_value
    rows = {
        f"{district} NFHS-5": [fmt(v, u, p) for v, u, p in zip(
            g["district_nfhs5"], g["unit"], g["district_nfhs5_parenthesised"].fillna(False),
            strict=True)],
        f"{district} NFHS-4": [fmt(v, u, p) for v, u, p in zip(
            g["district_nfhs4"], g["unit"], g["district_nfhs4_parenthesised"].fillna(False),
            strict=True)],
        "Change": [_signed(v, u) for v, u in zip(g["district_change"], g["unit"], strict=True)],
        f"{state} NFHS-5": [fmt(v, u) for v, u in zip(g["state_nfhs5"], g["unit"],
                                                          strict=True)],
        "India NFHS-5": [fmt(v, u) for v, u in zip(g["india_nfhs5"], g["unit"], strict=True)],
        "Better is": [
            f"closer to {NATURAL_SEX_RATIO_AT_BIRTH:g}" if c == "sex_ratio_at_birth" else b
            for c, b in zip(g["code"], g["better"].map({"lower": "lower", "higher": "higher"})
                            .fillna(""), strict=True)
        ],
    }  # fmt: skip
    out = pd.DataFrame(rows, index=list(g["label"] + g["unit"].map(_unit_suffix)))
    out.index.name = "Indicator"
    return out


def nfhs_key_numbers(
    cmp: pd.DataFrame,
    district: str,
    codes: Sequence[str] = ("child_marriage", "birth_registration"),
) -> list[tuple[str, str]]:
    """Key numbers of the comparison report for the index page: the district's NFHS-5
    value of each of ``codes`` with its state's and India's in the label.

    Returns
    -------
    list of (str, str)
        ``(value, what it counts)``, e.g. ``("39.2 %", "women 20-24 married before 18
        (NFHS-5; Bihar 40.8 %, India 23.3 %)")``; empty when the district has no NFHS-5 row.
    """
    g = cmp[cmp["district"] == district] if len(cmp) else cmp
    out = []
    for code in codes:
        row = g[g["code"] == code]
        if row.empty or pd.isna(row["district_nfhs5"].iloc[0]):
            continue
        r = row.iloc[0]
        unit = str(r["unit"])
        label = str(r["label"])
        pct = " %" if unit == "%" else ""

        def val(v: Any, unit: str = unit, pct: str = pct) -> str:
            return format_value(v, unit) + ("" if pd.isna(v) else pct)

        out.append(
            (
                val(r["district_nfhs5"]),
                f"{label[:1].lower()}{label[1:]} (NFHS-5; {r['state']} "
                f"{val(r['state_nfhs5'])}, India {val(r['india_nfhs5'])})",
            )
        )
    return out


def _signed(value: Any, unit: str) -> str:
    if pd.isna(value):
        return "NA"
    text = format_value(abs(float(value)), unit)
    return f"+{text}" if value > 0 else f"-{text}" if value < 0 else text


#: Approximate unweighted base of each NFHS indicator in one district survey (women,
#: children or births in the denominator; NFHS-4 and NFHS-5 each interviewed about 900
#: households per district). The fact sheets publish no standard errors, so the change
#: between rounds is judged against these bases with a design effect of 2 (cluster
#: sampling); a state's base is taken as 30 districts', India's as 600 districts'.
NFHS_DISTRICT_BASES: dict[str, int] = {
    "child_marriage": 150,  # women 20-24
    "teen_pregnancy": 180,  # women 15-19
    "women_school_10y": 900,  # women 15-49
    "female_school": 2000,  # girls and women 6+ in the households
    "birth_registration": 450,  # children under 5
    "stunting": 400,  # children under 5 measured
    "underweight": 400,
    "sex_ratio_at_birth": 450,  # births in the last five years
}
NFHS_DESIGN_EFFECT = 2.0
_AREA_DISTRICTS = {"district": 1, "state": 30, "india": 600}
_DEFAULT_BASE = 500


def change_noise(
    nfhs4: Any, nfhs5: Any, unit: str, code: str, area_type: str = "district"
) -> float:
    """Half-width of the 95 % sampling-noise band of an NFHS-4 to NFHS-5 change.

    For a percentage p with base n: SE = sqrt(deff * p (1 - p) / n) per round; for the sex
    ratio at birth R (females per 1,000 males) the share of girls f = R / (1000 + R) gives
    SE(R) = 1000 SE(f) / (1 - f)^2. The band is 1.96 * sqrt(SE4^2 + SE5^2). Bases:
    :data:`NFHS_DISTRICT_BASES` times the districts of the area.

    Examples
    --------
    >>> round(change_noise(42.7, 39.2, "%", "child_marriage"), 1)
    15.7
    >>> round(change_noise(42.7, 39.2, "%", "child_marriage", "india"), 1)
    0.6
    >>> change_noise(805, 868, "females per 1,000 males", "sex_ratio_at_birth") > 63
    True
    """
    n = NFHS_DISTRICT_BASES.get(code, _DEFAULT_BASE) * _AREA_DISTRICTS.get(area_type, 1)
    variances = []
    for v in (nfhs4, nfhs5):
        v = float(v)
        if code == "sex_ratio_at_birth":
            f = v / (1000.0 + v)
            se_f = np.sqrt(NFHS_DESIGN_EFFECT * f * (1 - f) / n)
            variances.append((1000.0 * se_f / (1 - f) ** 2) ** 2)
        else:
            q = min(max(v / 100.0, 0.0), 1.0)
            variances.append(100.0**2 * NFHS_DESIGN_EFFECT * q * (1 - q) / n)
    return float(1.96 * np.sqrt(sum(variances)))


def nfhs_change(cmp: pd.DataFrame) -> pd.DataFrame:
    """Long table of the NFHS-4 to NFHS-5 change for districts, states and India.

    Parameters
    ----------
    cmp : pandas.DataFrame
        Output of :func:`leheranalysis.nfhs.compare`.

    Returns
    -------
    pandas.DataFrame
        ``area``, ``area_type`` (``district``, ``state``, ``india``), ``district`` (the
        district the row belongs to; states and India once each), ``code``, ``label``,
        ``unit``, ``better``, ``nfhs4``, ``nfhs5``, ``change``, ``noise`` (half-width of
        the 95 % sampling-noise band, :func:`change_noise`), ``direction`` (``better`` or
        ``worse`` only when the change exceeds the noise, else ``within noise``; ``""``
        when unknown; for the sex ratio at birth, here as everywhere, better means closer
        to :data:`NATURAL_SEX_RATIO_AT_BIRTH`, since a ratio far above it is no
        improvement either). Areas in order: each district then its state (first time it
        appears), then India.
    """
    rows = []
    seen: set[str] = set()
    for (district, state), g in cmp.groupby(["district", "state"], sort=False):
        rows.append(_area_rows(g, district, "district", district, "district"))
        if state not in seen:
            rows.append(_area_rows(g, state, "state", district, "state"))
            seen.add(state)
    first = cmp[cmp["district"] == cmp["district"].iloc[0]]
    rows.append(_area_rows(first, "India", "india", "", "india"))
    out = pd.concat(rows, ignore_index=True)
    sign = np.where(
        out["better"] == "lower", -1.0, np.where(out["better"] == "higher", 1.0, np.nan)
    )
    score = out["change"] * sign
    srb = out["code"] == "sex_ratio_at_birth"
    closer = (out["nfhs4"] - NATURAL_SEX_RATIO_AT_BIRTH).abs() - (
        out["nfhs5"] - NATURAL_SEX_RATIO_AT_BIRTH
    ).abs()
    score = score.where(~srb, closer)
    out["noise"] = [
        change_noise(a, b, u, c, k) if pd.notna(a) and pd.notna(b) else np.nan
        for a, b, u, c, k in zip(out["nfhs4"], out["nfhs5"], out["unit"], out["code"],
                                 out["area_type"], strict=True)
    ]  # fmt: skip
    clear = out["change"].abs() > out["noise"]
    out["direction"] = np.select(
        [score.notna() & ~clear, clear & (score > 0), clear & (score < 0)],
        ["within noise", "better", "worse"],
        default="",
    )
    return out


def _area_rows(g: pd.DataFrame, area: str, area_type: str, district: str, prefix: str):
    return pd.DataFrame(
        {
            "area": area,
            "area_type": area_type,
            "district": district,
            "code": g["code"].to_numpy(),
            "label": g["label"].to_numpy(),
            "unit": g["unit"].to_numpy(),
            "better": g["better"].to_numpy(),
            "nfhs4": g[f"{prefix}_nfhs4"].astype(float).to_numpy(),
            "nfhs5": g[f"{prefix}_nfhs5"].astype(float).to_numpy(),
            "change": g[f"{prefix}_change"].astype(float).to_numpy(),
        }
    )


def nfhs_change_table(change: pd.DataFrame) -> pd.DataFrame:
    """Reviewer table of the change: indicator by area, ``42.7 -> 39.2 (better)``.

    Parameters
    ----------
    change : pandas.DataFrame
        Output of :func:`nfhs_change`.

    Returns
    -------
    pandas.DataFrame
        Index ``Indicator``; one column per area.
    """
    cells = [
        f"{format_value(a, u)}{_NBSP}→{_NBSP}{format_value(b, u)}" + (f" ({d})" if d else "")
        for a, b, u, d in zip(change["nfhs4"], change["nfhs5"], change["unit"],
                              change["direction"], strict=True)
    ]  # fmt: skip
    t = change.assign(cell=cells, Indicator=change["label"] + change["unit"].map(_unit_suffix))
    wide = t.pivot_table(index="Indicator", columns="area", values="cell", aggfunc="first",
                         sort=False)  # fmt: skip
    wide = wide.reindex(columns=list(dict.fromkeys(change["area"])))
    wide = wide.reindex(list(dict.fromkeys(t["Indicator"])))
    wide.columns.name = None
    return wide.fillna("")
