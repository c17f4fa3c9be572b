"""Presenters of the data-quality report (notebook ``01-data-quality``).

Pure functions from a district's processed tables and manifest (inputs, cleaning log,
match report, observations) to reviewer-ready tables and figures: what was read, what
was cleaned and matched, what is missing, and how far the collation template agrees
with Part I. Nothing here reads or writes files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from leheranalysis.codebook import Codebook, load_codebook
from leheranalysis.present._quality_sections import (  # noqa: F401 - re-exported
    cleaning_examples_table,
    cleaning_rule_parts,
    cleaning_sheet_table,
    collation_parts,
    ingestion_parts,
    inputs_section,
    match_exceptions_table,
    match_table,
    missingness_section,
    plot_missingness_of,
)
from leheranalysis.present.kit import (
    _DASH,
    _cb,
    _file_name,
    _indicator_label,
    _title,
    fmt_pct,
    fmt_share,
    group_short_label,
)
from leheranalysis.privacy import REMOVED, looks_personal

__all__ = [
    "inputs_section",
    "ingestion_parts",
    "cleaning_rule_parts",
    "cleaning_sheet_table",
    "cleaning_examples_table",
    "match_table",
    "match_exceptions_table",
    "plot_missingness_of",
    "missingness_section",
    "collation_parts",
    "MATCH_STATUSES",
    "CLEANING_RULES",
    "inputs_table",
    "run_facts",
    "ingestion_counts",
    "cleaning_by_rule",
    "cleaning_by_sheet",
    "cleaning_examples",
    "match_status_counts",
    "match_exceptions",
    "missingness",
    "missingness_table",
    "plot_missingness",
    "collation_agreement",
    "quality_summary",
]


#: village match statuses (``match_report.csv``) and what they mean
MATCH_STATUSES: dict[str, str] = {
    "exact": "written exactly as in the gazetteer",
    "normalised": (
        "same name after ignoring case, accents, spaces and punctuation and folding common "
        "spelling variants (ph/f, sh/s, x/ks, ee/i, oo/u, z/j, w/v, q/k, doubled letters)"
    ),
    "alias": "matched through the alias list",
    "fuzzy": "closest gazetteer name in the block (spelling differs)",
    "ambiguous": "several gazetteer villages fit equally well",
    "unmatched": "no gazetteer village of the block fits",
}


#: automatic changes of the cleaning log (``cleaning_log.csv``) in plain language
CLEANING_RULES: dict[str, str] = {
    "trim": "spaces removed around or inside a value",
    "missing_token": "a 'not available' mark (NA, -, ...) read as a blank",
    "text_to_number": "a number typed as text read as a number",
    "percent_sign": "a percent sign removed from a share",
    "percent_format": "a share formatted as a percentage in Excel read as typed (45 %, not 0.45)",
    "yes_no": "yes/no answer stored as 1/0",
    "category_normalised": "a category written differently set to its standard spelling",
    "year_format": "a year written differently set to the standard form (2023-24)",
    "sheet_name": "a sheet found under a different name",
    "merged_cell_filled": "the value of a merged cell copied to each of its rows",
    "block_matched": "block name matched by case, spelling or alias",
    "village_normalised": (
        "village name set to its gazetteer spelling (case, spaces, punctuation or a "
        "common spelling variant such as ph/f, sh/s, ee/i, oo/u)"
    ),
    "village_fuzzy": "misspelt village name matched to the closest gazetteer name",
    "village_alias": "village name matched through the alias list",
    "pii_removed": "personal data removed (content never copied)",
    "free_text_removed": "free-text field removed (content never copied)",
    "metadata_column_ignored": "a form metadata column ignored",
    "sheet_ignored": "a sheet that is not part of the template ignored",
}


_REMOVAL_RULES = ("pii_removed", "free_text_removed")


# --------------------------------------------------------------- 01: inputs, validation
def inputs_table(manifest: Mapping[str, Any]) -> pd.DataFrame:
    """The input files of a processed district with their SHA-256 checksums.

    Parameters
    ----------
    manifest : mapping
        ``manifest.json`` of the processed folder.

    Returns
    -------
    pandas.DataFrame
        ``File`` (name only), ``SHA-256``, ``Synthetic`` (``yes``/``no``).
    """
    rows = [
        {
            "File": _file_name(item.get("file")),
            "SHA-256": str(item.get("sha256") or _DASH),
            "Synthetic": "yes" if item.get("synthetic") else "no",
        }
        for item in manifest.get("inputs", []) or []
    ]
    return pd.DataFrame(rows, columns=["File", "SHA-256", "Synthetic"])


def run_facts(manifest: Mapping[str, Any]) -> pd.DataFrame:
    """Key facts of the ingestion run (district, synthetic flag, versions, counts).

    Parameters
    ----------
    manifest : mapping
        ``manifest.json`` of the processed folder.

    Returns
    -------
    pandas.DataFrame
        Two columns, ``Item`` and ``Value`` (text).
    """
    params = manifest.get("parameters") or {}
    synthetic = bool(manifest.get("synthetic", False))
    facts = [
        ("District", manifest.get("district", _DASH)),
        (
            "Data",
            "SYNTHETIC (generated for demonstration, not real observations)"
            if synthetic
            else "collected in the field",
        ),
        ("Processed on", manifest.get("created", _DASH)),
        ("Codebook version", manifest.get("codebook_version", _DASH)),
        ("Package version", manifest.get("package_version", _DASH)),
        ("Village name matching: fuzzy cut-off", params.get("fuzzy_cutoff", _DASH)),
        ("Alias list", _file_name(params.get("aliases")) or "none"),
    ]
    for key, value in (manifest.get("counts") or {}).items():
        facts.append((f"Rows written: {str(key).replace('_', ' ')}", f"{int(value):,}"))
    return pd.DataFrame([(k, str(v)) for k, v in facts], columns=["Item", "Value"])


def ingestion_counts(
    observations: pd.DataFrame, rankings: pd.DataFrame | None = None
) -> pd.DataFrame:
    """What was read from each file and sheet.

    Parameters
    ----------
    observations : pandas.DataFrame
        The processed ``observations`` table (``source_file``, ``source_sheet``,
        ``source_row``, ``village_id``, ``group``, ``indicator``).
    rankings : pandas.DataFrame, optional
        The ``rankings`` table, added when not empty: by ``source_file`` and
        ``source_sheet`` when it has them, else as one row ``-`` / ``Ranking``.

    Returns
    -------
    pandas.DataFrame
        ``File``, ``Sheet``, ``Data rows``, ``Values``, ``Villages``, ``Groups``,
        ``Indicators``.
    """
    cols = ["File", "Sheet", "Data rows", "Values", "Villages", "Groups", "Indicators"]
    rows = []
    if not observations.empty:
        obs = observations.assign(_file=observations["source_file"].map(_file_name))
        for (f, s), g in obs.groupby(["_file", "source_sheet"], sort=True, dropna=False):
            rows.append(
                (
                    f,
                    s,
                    g["source_row"].nunique(),
                    len(g),
                    g["village_id"].nunique(),
                    g["group"].nunique(),
                    g["indicator"].nunique(),
                )  # fmt: skip
            )
    if rankings is not None and not rankings.empty:
        rk = rankings
        if "source_file" in rk:
            rk = rk.assign(_file=rk["source_file"].map(lambda x: _file_name(x) if pd.notna(x) else ""),
                           _sheet=rk["source_sheet"] if "source_sheet" in rk else "Ranking")  # fmt: skip
            rk["_file"] = rk["_file"].fillna(_DASH).replace("", _DASH)
            rk["_sheet"] = rk["_sheet"].fillna("Ranking")
        else:
            rk = rk.assign(_file=_DASH, _sheet="Ranking")
        for (f, sh), g in rk.groupby(["_file", "_sheet"], sort=True, dropna=False):
            n_rows = (
                g["source_row"].nunique()
                if "source_row" in g and g["source_row"].notna().all()
                else len(g.drop_duplicates(["village_id", "group"]))
            )
            rows.append(
                (
                    f,
                    sh,
                    n_rows,
                    len(g),
                    g["village_id"].nunique(),
                    g["group"].nunique(),
                    g["issue"].nunique(),
                )  # fmt: skip
            )
    return pd.DataFrame(rows, columns=cols)


# ------------------------------------------------------------------ 01: cleaning log
def cleaning_by_rule(cleaning_log: pd.DataFrame) -> pd.DataFrame:
    """Automatic changes per cleaning rule, most frequent first.

    Parameters
    ----------
    cleaning_log : pandas.DataFrame
        ``cleaning_log.csv`` (``rule`` column).

    Returns
    -------
    pandas.DataFrame
        ``Rule``, ``What it means``, ``Changes``.
    """
    cols = ["Rule", "What it means", "Changes"]
    if cleaning_log.empty:
        return pd.DataFrame(columns=cols)
    counts = cleaning_log["rule"].value_counts()
    out = pd.DataFrame(
        {
            "Rule": counts.index,
            "What it means": [CLEANING_RULES.get(r, _DASH) for r in counts.index],
            "Changes": counts.to_numpy().astype(int),
        }
    )
    return out.sort_values(["Changes", "Rule"], ascending=[False, True]).reset_index(drop=True)


def cleaning_by_sheet(cleaning_log: pd.DataFrame) -> pd.DataFrame:
    """Automatic changes per file and sheet (rows) and rule (columns), with totals.

    Returns
    -------
    pandas.DataFrame
        Index ``File``, ``Sheet``; one integer column per rule and ``Total``.
    """
    if cleaning_log.empty:
        return pd.DataFrame(columns=["Total"])
    log = cleaning_log.assign(
        File=cleaning_log["file"].map(_file_name), Sheet=cleaning_log["sheet"]
    )
    table = pd.crosstab([log["File"], log["Sheet"]], log["rule"])
    table = table[table.sum().sort_values(ascending=False).index]
    table.columns.name = None
    table["Total"] = table.sum(axis=1)
    return table.astype(int)


def _safe_value(value: Any, rule: str, column: str) -> str:
    text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    if rule in _REMOVAL_RULES or looks_personal(text):
        return REMOVED if text else ""
    return text


#: a visible space, so that "spaces removed" shows in an HTML table (which collapses spaces)
VISIBLE_SPACE = "\u2423"
_BLANK = "(blank)"
#: rules whose new value is a number (shown unquoted); their old value was text
_NUMBER_RULES = ("text_to_number", "percent_sign", "yes_no")


def _shown_text(text: str) -> str:
    """A cell value as written: quoted, every space (and tab) a visible ``␣``."""
    if text == "":
        return _BLANK
    visible = text.replace("\t", " ").replace("\u00a0", " ").replace(" ", VISIBLE_SPACE)
    return f"'{visible}'"


def _example_value(text: str, rule: str, before: bool) -> str:
    if text in (REMOVED, "[not shown]"):
        return text
    if not before and rule in _NUMBER_RULES:
        return text or _BLANK
    shown = _shown_text(text)
    if before and text and rule in _NUMBER_RULES:
        shown += " (text)"
    return shown


def cleaning_examples(
    cleaning_log: pd.DataFrame, per_rule: int = 2, sensitive: Iterable[str] = ()
) -> pd.DataFrame:
    """A few example changes of each rule, without personal data.

    Values removed as personal data or free text stay ``[removed]``; any other value
    that looks like personal data (phone, identity number, e-mail) is masked the same
    way; values of columns of sensitive indicators are not shown.

    So that each change is visible in an HTML table, text values are quoted with every
    space shown as ``␣`` (``' 0 '`` becomes ``'␣0␣'``), an empty value is ``(blank)``,
    and the text a number was read from is marked: ``'33' (text)`` before, ``33`` after.

    Parameters
    ----------
    cleaning_log : pandas.DataFrame
        ``cleaning_log.csv``.
    per_rule : int
        Examples per rule (the first ones in log order).
    sensitive : iterable of str
        Sensitive indicator codes (their column headers end in ``[code]``).

    Returns
    -------
    pandas.DataFrame
        ``Rule``, ``File``, ``Sheet``, ``Row``, ``Column``, ``Before``, ``After``.
    """
    cols = ["Rule", "File", "Sheet", "Row", "Column", "Before", "After"]
    if cleaning_log.empty:
        return pd.DataFrame(columns=cols)
    hidden = tuple(f"[{c}]" for c in sensitive)
    ex = cleaning_log.groupby("rule", sort=False, group_keys=False).head(per_rule)
    rows = []
    for r in ex.itertuples(index=False):
        column = str(r.column or "")
        secret = bool(hidden) and column.endswith(hidden)
        before = "[not shown]" if secret else _safe_value(r.old_value, r.rule, column)
        after = "[not shown]" if secret else _safe_value(r.new_value, r.rule, column)
        before = _example_value(before, r.rule, before=True)
        after = _example_value(after, r.rule, before=False)
        rows.append((r.rule, _file_name(r.file), r.sheet, r.row, column, before, after))
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values("Rule", kind="stable").reset_index(drop=True)


# ------------------------------------------------------------------- 01: village match
def match_status_counts(match_report: pd.DataFrame) -> pd.DataFrame:
    """How village names were matched: data rows and distinct written names per status.

    Returns
    -------
    pandas.DataFrame
        ``Status``, ``Meaning``, ``Data rows``, ``Distinct names``, ``Share of rows``;
        every status of :data:`MATCH_STATUSES` appears (0 when absent).
    """
    rows = []
    total = len(match_report)
    for status, meaning in MATCH_STATUSES.items():
        if match_report.empty:
            sel = match_report
        else:
            sel = match_report[match_report["status"] == status]
        names = sel[["written_block", "written_village"]].drop_duplicates() if len(sel) else sel
        rows.append(
            (
                status,
                meaning,
                len(sel),
                len(names),
                fmt_share(len(sel), total),
            )
        )
    return pd.DataFrame(
        rows, columns=["Status", "Meaning", "Data rows", "Distinct names", "Share of rows"]
    )


def match_exceptions(
    match_report: pd.DataFrame,
    statuses: Sequence[str] = ("normalised", "alias", "fuzzy", "ambiguous", "unmatched"),
) -> pd.DataFrame:
    """Village names not written exactly as in the gazetteer, one row per written form.

    Parameters
    ----------
    match_report : pandas.DataFrame
        ``match_report.csv``.
    statuses : sequence of str
        Statuses to list.

    Returns
    -------
    pandas.DataFrame
        ``Status``, ``Block``, ``Written as``, ``Matched village id``, ``Score``,
        ``Candidates``, ``Data rows``, ``Where`` (file: sheet of the first row), ordered
        by status (most doubtful first) and score.
    """
    cols = ["Status", "Block", "Written as", "Matched village id", "Score", "Candidates",
            "Data rows", "Where"]  # fmt: skip
    if match_report.empty:
        return pd.DataFrame(columns=cols)
    mr = match_report[match_report["status"].isin(list(statuses))]
    if mr.empty:
        return pd.DataFrame(columns=cols)
    mr = mr.assign(_where=mr["file"].map(_file_name) + ": " + mr["sheet"].astype(str))
    keys = ["status", "written_block", "written_village", "village_id", "score", "candidates"]
    g = mr.fillna({k: "" for k in keys}).groupby(keys, sort=False, dropna=False)
    out = g.agg(n=("row", "size"), where=("_where", "first")).reset_index()
    rank = {s: i for i, s in enumerate(reversed(list(MATCH_STATUSES)))}
    out["_s"] = out["status"].map(rank)
    out["_score"] = pd.to_numeric(out["score"], errors="coerce")
    out = out.sort_values(["_s", "_score", "written_village"], kind="stable")
    out = out[keys + ["n", "where"]]
    out.columns = cols
    return out.reset_index(drop=True)


# ------------------------------------------------------------------ 01: missingness
def missingness(
    observations: pd.DataFrame,
    villages: pd.DataFrame,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Share of expected answers that are missing, per indicator and respondent group.

    Every programme village is expected to answer every village indicator the codebook
    asks of each group of the indicator's families (e.g. ``oosc_6_14`` of the four
    children's groups, the two adult groups and the teacher). An answer is missing when
    no observation with a value exists (a blank cell, a "not available" mark, or a group
    that did not meet).

    Parameters
    ----------
    observations : pandas.DataFrame
        The ``observations`` table (``village`` instrument rows are used).
    villages : pandas.DataFrame
        The programme villages (``village_id``).
    codebook : Codebook, optional

    Returns
    -------
    pandas.DataFrame
        ``indicator``, ``label``, ``group``, ``group_label``, ``kind``, ``n_expected``,
        ``n_missing``, ``share_missing``, in codebook order.
    """
    cb = _cb(codebook)
    ind = cb.indicators
    fams = cb.group_families()
    pairs = [
        (code, g)
        for code, row in ind[(ind["instrument"] == "village") & (ind["unit"] != "rank")].iterrows()
        for fam in row["groups"]
        for g in fams.get(fam, [])
    ]
    cols = ["indicator", "label", "group", "group_label", "kind", "n_expected", "n_missing",
            "share_missing"]  # fmt: skip
    n_vil = int(pd.Series(villages["village_id"]).nunique()) if len(villages) else 0
    if not pairs or n_vil == 0:
        return pd.DataFrame(columns=cols)
    grid = pd.DataFrame(pairs, columns=["indicator", "group"])
    obs = observations
    if len(obs):
        obs = obs[
            (obs["instrument"] == "village") & obs["value"].notna() & obs["village_id"].notna()
        ]
        obs = obs[obs["village_id"].isin(list(villages["village_id"]))]
    answered = (
        obs.drop_duplicates(["village_id", "group", "indicator"])
        .groupby(["indicator", "group"])
        .size()
        .rename("n_answered")
        if len(obs)
        else pd.Series(dtype=int, name="n_answered")
    )
    out = grid.join(answered, on=["indicator", "group"])
    out["n_expected"] = n_vil
    out["n_missing"] = (n_vil - out["n_answered"].fillna(0)).astype(int)
    out["share_missing"] = out["n_missing"] / n_vil
    out["label"] = out["indicator"].map(ind["label"])
    out["group_label"] = out["group"].map(lambda g: group_short_label(g, cb))
    out["kind"] = out["group"].map(cb.groups["kind"])
    return out[cols].reset_index(drop=True)


def missingness_table(miss: pd.DataFrame) -> pd.DataFrame:
    """Missingness as a reader table: indicators (rows) x groups (columns), percentages.

    Parameters
    ----------
    miss : pandas.DataFrame
        Output of :func:`missingness`.

    Returns
    -------
    pandas.DataFrame
        Index ``Indicator``; one text column per group (``'-'`` where the group is not
        asked) and ``All groups`` (missing over expected answers of the indicator).
    """
    if miss.empty:
        return pd.DataFrame()
    groups = list(dict.fromkeys(miss["group_label"]))
    order = {g: i for i, g in enumerate(_group_order(miss))}
    groups = sorted(groups, key=lambda g: order.get(g, 99))
    wide = miss.pivot_table(
        index="label", columns="group_label", values="share_missing", sort=False
    )
    wide = wide.reindex(index=list(dict.fromkeys(miss["label"])), columns=groups)
    tot = miss.groupby("label", sort=False)[["n_missing", "n_expected"]].sum()
    out = wide.map(lambda x: fmt_pct(x, floor_ceiling=True))
    out["All groups"] = (
        (tot["n_missing"] / tot["n_expected"])
        .reindex(out.index)
        .map(lambda x: fmt_pct(x, 1, floor_ceiling=True))
    )
    out.index.name = "Indicator"
    out.columns.name = None
    return out


def _group_order(miss: pd.DataFrame) -> list[str]:
    cb = load_codebook()
    return [group_short_label(g, cb) for g in cb.groups.index]


def plot_missingness(miss: pd.DataFrame, title: str | None = None):
    """Heat map of the share of missing answers, indicators x respondent groups.

    Parameters
    ----------
    miss : pandas.DataFrame
        Output of :func:`missingness`.
    title : str, optional
        Plain-language title (default says how many answers are missing overall).

    Returns
    -------
    matplotlib.figure.Figure
        Cells annotated with the percentage; grey where the group is not asked.
    """
    import matplotlib.pyplot as plt

    from leheranalysis import plotting

    if miss.empty:
        fig, ax = plt.subplots(figsize=(6, 2))
        ax.axis("off")
        ax.text(0.5, 0.5, "No village indicators expected", ha="center", va="center")
        return fig
    order = {g: i for i, g in enumerate(_group_order(miss))}
    groups = sorted(dict.fromkeys(miss["group_label"]), key=lambda g: order.get(g, 99))
    labels = list(dict.fromkeys(miss["label"]))
    wide = miss.pivot_table(
        index="label", columns="group_label", values="share_missing", sort=False
    )
    wide = wide.reindex(index=labels, columns=groups)
    vals = wide.to_numpy(dtype=float)
    vmax = max(0.1, float(np.nanmax(vals)) if np.isfinite(vals).any() else 0.1)
    fig, ax = plt.subplots(figsize=(0.7 * len(groups) + 4.2, 0.34 * len(labels) + 1.8))
    ax.set_facecolor("#EEEEEE")
    cmap = plotting.sequential_cmap(plotting.SEQUENTIAL).reversed()
    im = ax.imshow(np.ma.masked_invalid(vals), cmap=cmap, vmin=0, vmax=vmax, aspect="auto")
    for (i, j), v in np.ndenumerate(vals):
        if np.isfinite(v):
            dark = v > 0.55 * vmax
            ax.text(j, i, f"{100 * v:.0f}", ha="center", va="center", fontsize=8,
                    color="white" if dark else "#222222")  # fmt: skip
    ax.set_xticks(range(len(groups)), groups, rotation=35, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    cbar = fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02)
    cbar.set_label("missing answers (%)")
    cbar.ax.yaxis.set_major_formatter(lambda x, _: f"{100 * x:.0f}")
    overall = miss["n_missing"].sum() / max(1, miss["n_expected"].sum())
    _title(
        ax,
        title
        or f"{fmt_pct(overall, 1, floor_ceiling=True)} of expected village answers are missing",
        "Share of programme villages without an answer, by indicator and respondent group "
        "(grey: not asked)",
    )
    fig.tight_layout()
    return fig


# ------------------------------------------------------ 01: collation against Part I
_COLLATION_SOURCES = ("cg", "ag", "teacher", "aww", "asha")


def _collated(obs: pd.DataFrame) -> pd.DataFrame:
    """The collation template's values: ``village_id``, ``indicator``, ``source``,
    ``collated``, ``unit`` (empty when there are none)."""
    col = obs[(obs["instrument"] == "collation") & obs["group"].isin(_COLLATION_SOURCES)]
    col = col[col["village_id"].notna() & col["value"].notna()]
    if col.empty:
        return col
    col = col[["village_id", "indicator", "group", "value", "unit"]].rename(
        columns={"group": "source", "value": "collated"}
    )
    col["village_id"] = col["village_id"].astype("int64")
    return col


def _part1_values(obs: pd.DataFrame, cb: Codebook, sources: pd.Series) -> pd.DataFrame:
    """The Part I value of each village, indicator and collated source (``sources``)."""
    from leheranalysis.indicators import village_values

    parts = []
    for src in _COLLATION_SOURCES:
        if not (sources == src).any():
            continue
        v = village_values(obs, cb, src)
        if len(v):
            parts.append(v[["village_id", "indicator", "value"]].assign(source=src))
    part1 = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["village_id", "indicator", "value", "source"])
    )
    part1["village_id"] = part1["village_id"].astype("int64")
    return part1


def _agreement_by_indicator(m: pd.DataFrame, cb: Codebook) -> pd.DataFrame:
    """Collated values, compared and agreeing per indicator, in codebook order."""
    has = m["value"].notna()
    diff = (m["collated"].astype(float) - m["value"].astype(float)).abs()
    exact = m["unit"].isin(["count", "yesno"])
    m["_agree"] = has & np.where(exact, diff <= 1e-9, diff <= 0.5 + 1e-9)
    m["_has"] = has
    g = m.groupby("indicator", sort=False).agg(
        n=("collated", "size"), has=("_has", "sum"), agree=("_agree", "sum")
    )
    return g.loc[[c for c in cb.indicators.index if c in g.index]]


def collation_agreement(
    observations: pd.DataFrame, codebook: Codebook | None = None
) -> pd.DataFrame:
    """How far the collation template agrees with the values recomputed from Part I.

    For each collated value of a village, indicator and source (children's groups ``cg``,
    adult groups ``ag``, teacher, AWW, ASHA) the Part I value is recomputed from the
    village tool: the groups of a family combined as for the community value (largest
    count, any "yes", mean of scores and shares; ``docs/design.md``), a duty bearer's own
    answer. Counts and yes/no answers agree when equal; scores and shares (means) when
    they differ by at most 0.5, the rounding of a template holding whole numbers.

    Parameters
    ----------
    observations : pandas.DataFrame
        The processed ``observations`` table (``collation`` and ``village`` rows).
    codebook : Codebook, optional

    Returns
    -------
    pandas.DataFrame
        One row per indicator (codebook order): ``Indicator``, ``Collated values``,
        ``No Part I value``, ``Compared``, ``Agree``, ``Share agreeing`` (of the compared
        values). Empty when there are no collation rows. Counts are of village x source
        values, not of children, so nothing is suppressed.

    Examples
    --------
    >>> obs = pd.DataFrame({
    ...     "block_id": 1, "block_name": "B", "village_id": 7, "village_name": "V",
    ...     "instrument": ["village", "village", "collation"], "indicator": "oosc_6_14",
    ...     "group": ["cg_girls_10_14", "cg_boys_10_14", "cg"], "value": [3.0, 5.0, 5.0],
    ...     "unit": "count"})
    >>> collation_agreement(obs)[["Compared", "Agree", "Share agreeing"]].values.tolist()
    [[1, 1, '100.0 %']]
    """
    cb = _cb(codebook)
    cols = ["Indicator", "Collated values", "No Part I value", "Compared", "Agree",
            "Share agreeing"]  # fmt: skip
    if observations.empty or "instrument" not in observations:
        return pd.DataFrame(columns=cols)
    obs = observations[observations["indicator"].isin(cb.indicators.index)]
    col = _collated(obs)
    if col.empty:
        return pd.DataFrame(columns=cols)
    part1 = _part1_values(obs, cb, col["source"])
    m = col.merge(part1, on=["village_id", "indicator", "source"], how="left")
    g = _agreement_by_indicator(m, cb)
    out = pd.DataFrame(
        {
            "Indicator": [_indicator_label(c, cb) for c in g.index],
            "Collated values": g["n"].astype(int).to_numpy(),
            "No Part I value": (g["n"] - g["has"]).astype(int).to_numpy(),
            "Compared": g["has"].astype(int).to_numpy(),
            "Agree": g["agree"].astype(int).to_numpy(),
            "Share agreeing": [fmt_share(a, h) for a, h in zip(g["agree"], g["has"], strict=True)],
        }
    )
    return out[cols]


# ------------------------------------------------------------- 01: summary for readers
_MATCHED = ("exact", "normalised", "alias", "fuzzy")
#: cleaning-log rules that record bookkeeping or privacy, not a corrected value
_ROUTINE_RULES = (
    "yes_no",
    "free_text_removed",
    "pii_removed",
    "metadata_column_ignored",
    "sheet_ignored",
)


def _lower_first(text: str) -> str:
    """``Teacher`` -> ``teacher``; names and abbreviations (``ASHA``, ``Anganwadi``) kept."""
    first = text.split(" ", 1)[0]
    if first.isupper() or first in ("Anganwadi",):
        return text
    return text[:1].lower() + text[1:]


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def _completeness_text(miss: pd.DataFrame) -> tuple[str, tuple[str, str]]:
    """The completeness sentence and its key number (``miss``: :func:`missingness`)."""
    expected, missing = int(miss["n_expected"].sum()), int(miss["n_missing"].sum())
    given = fmt_share(expected - missing, expected)
    worst = miss.sort_values("share_missing", ascending=False, kind="stable").iloc[0]
    text = (
        f"**Completeness**: {expected - missing:,} of {expected:,} expected village "
        f"answers were given ({given})."
    )
    if worst["n_missing"] > 0:
        text += (
            f' The least complete is "{worst["label"]}" from the '
            f"{_lower_first(str(worst['group_label']))} "
            f"({fmt_pct(worst['share_missing'])} of villages "
            "without an answer)."
        )
    return text, (given, "of the expected village answers were given")


def _matching_text(
    match_report: pd.DataFrame, villages: pd.DataFrame, n_vil: int
) -> tuple[str, tuple[str, str]]:
    """The matching sentence and its key number (programme villages found)."""
    ok = match_report[match_report["status"].isin(_MATCHED)]
    ids = set(ok["village_id"].dropna().astype(int))
    found = len(ids & set(pd.Series(villages["village_id"]).astype(int)))
    names = match_report[["written_block", "written_village", "status"]].drop_duplicates()
    differ = int(names["status"].isin(("normalised", "alias", "fuzzy")).sum())
    fuzzy = int((names["status"] == "fuzzy").sum())
    left = int(names["status"].isin(("ambiguous", "unmatched")).sum())
    text = (
        f"**Matching**: {found} of {n_vil} programme villages were found in the official "
        f"village list; {_plural(differ, 'written name')} differed from the official "
        "spelling and were matched automatically"
    )
    text += f" ({fuzzy} by closest spelling: check them below)" if fuzzy else ""
    text += (
        f"; {_plural(left, 'name')} could not be matched."
        if left
        else "; no name was left unmatched."
    )
    return text, (f"{found} of {n_vil}", "programme villages matched to the official list")


def _corrections_text(cleaning_log: pd.DataFrame) -> tuple[str, tuple[str, str]]:
    """The corrections sentence and its key number (values corrected automatically)."""
    routine = cleaning_log["rule"].isin(_ROUTINE_RULES) if len(cleaning_log) else []
    fixes = cleaning_log[~routine] if len(cleaning_log) else cleaning_log
    n_fix = len(fixes)
    if n_fix:
        top = fixes["rule"].value_counts().head(2)
        kinds = " and ".join(
            f"{CLEANING_RULES.get(rule, 'other changes')} ({n:,})" for rule, n in top.items()
        )
        text = f"**Corrections**: ingestion corrected {_plural(n_fix, 'value')}, mostly {kinds}"
    else:
        text = "**Corrections**: no value needed correcting"
    n_routine = len(cleaning_log) - n_fix
    if n_routine:
        text += (
            f"; {_plural(n_routine, 'other change')} were routine (yes/no answers stored "
            "as 1/0, free text and personal data removed)"
        )
    text = f"{text}. Each change is logged below; the raw files were not modified."
    return text, (f"{n_fix:,}", "values corrected automatically, each logged")


def quality_summary(
    observations: pd.DataFrame,
    villages: pd.DataFrame,
    match_report: pd.DataFrame,
    cleaning_log: pd.DataFrame,
    codebook: Codebook | None = None,
) -> tuple[str, list[tuple[str, str]]]:
    """The reader's summary of the data-quality report and its key numbers.

    One paragraph on completeness (expected village answers given, the least complete
    indicator and group), matching (programme villages found in the official list, names
    matched automatically, names left unmatched) and corrections (automatic changes by
    their most frequent kinds, raw files untouched).

    Returns
    -------
    (str, list of (str, str))
        The paragraph (Markdown) and three ``(value, what it counts)`` pairs for the index.
    """
    cb = _cb(codebook)
    found: list[tuple[str, tuple[str, str]]] = []
    miss = missingness(observations, villages, cb)
    if len(miss):
        found.append(_completeness_text(miss))
    n_vil = int(pd.Series(villages["village_id"]).nunique()) if len(villages) else 0
    if len(match_report) and n_vil:
        found.append(_matching_text(match_report, villages, n_vil))
    found.append(_corrections_text(cleaning_log))
    return " ".join(text for text, _ in found), [key for _, key in found]
