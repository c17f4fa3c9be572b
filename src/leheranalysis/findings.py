"""Tables and figures of the data-quality and baseline-findings reports (pure functions).

The notebooks ``01-data-quality`` and ``02-baseline-findings`` stay thin: they load a
district's processed tables, call :mod:`leheranalysis.indicators` and
:mod:`leheranalysis.cpvi`, and pass the results through the functions here, which turn
them into reviewer-ready tables (readable column names, formatted percentages and
intervals) and matplotlib figures. Nothing here reads or writes files.

Small cells
-----------
Counts of the codebook's *sensitive* indicators (sexual abuse, missing and trafficked
children, POCSO and trafficking cases, ...) between 1 and 4 are shown as ``"<5"``
(:func:`leheranalysis.privacy.suppress_small`); shares, rates and intervals that would
let a reader recover such a count are hidden with them.

Examples
--------
>>> fmt_pct(0.614)
'61 %'
>>> fmt_interval(0.49, 0.723)
'49-72 %'
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd

from leheranalysis.codebook import Codebook, load_codebook
from leheranalysis.privacy import REMOVED, looks_personal, suppress_small
from leheranalysis.processed import analysis_observations

__all__ = [
    "KIND_LABELS",
    "MATCH_STATUSES",
    "CLEANING_RULES",
    "SUPPRESSED",
    "SUPPRESSED_FILL",
    "fmt_pct",
    "fmt_share",
    "fmt_interval",
    "figure_bundle",
    "show_figure",
    "group_short_label",
    "analysis_observations",
    "attach_block_names",
    "sensitive_codes",
    "styled",
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
    "headline_table",
    "headline_sentences",
    "ranking_table",
    "ranking_by_block",
    "ranking_by_group",
    "plot_ranking",
    "triangulation_table",
    "plot_triangulation_matrix",
    "discrepancy_table",
    "block_rates_table",
    "plot_block_rates",
    "secondary_table",
    "priority_table",
    "cpvi_block_table",
    "plot_caterpillar",
    "sensitivity_table",
    "plot_sensitivity",
    "SENSITIVITY_NOTE",
    "synthetic_geography",
    "district_denominator_shares",
    "collation_agreement",
]

#: what a suppressed small count shows
SUPPRESSED = "<5"
_THRESHOLD = 5
_DASH = "-"

#: reader-facing names of respondent-group kinds
KIND_LABELS: dict[str, str] = {
    "children": "Children's groups",
    "adults": "Adult groups",
    "duty_bearer": "Duty bearers",
    "community": "Children's or adult groups",
    "all": "All groups",
}

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
_DUTY_BEARERS = ("teacher", "aww", "asha")
_DUTY_LABELS = {"teacher": "Teacher", "aww": "Anganwadi worker", "asha": "ASHA"}
_SENS_INPUTS = {
    "weights_L2": "Indicator weights (within pillars)",
    "weights_L3": "Pillar weights",
    "normalisation": "Normalisation method",
    "aggregation": "Aggregation method",
    "winsor_limit": "Outlier treatment (winsorisation limit)",
}


# ------------------------------------------------------------------------ formatting
def fmt_pct(x: Any, digits: int = 0, floor_ceiling: bool = False) -> str:
    """A fraction as a percentage (``0.614 -> '61 %'``); NaN gives ``'-'``.

    Parameters
    ----------
    x : float
        The fraction (0-1).
    digits : int
        Decimal places.
    floor_ceiling : bool
        Never show ``100 %`` unless ``x`` is exactly 1, nor ``0 %`` unless it is exactly
        0: a fraction just below 1 is rounded down (``99.9 %``), one just above 0 up
        (``0.1 %``). Use it for shares of counts ("2,950 of 2,961 agree").

    Examples
    --------
    >>> fmt_pct(0.6149, 1), fmt_pct(float("nan"))
    ('61.5 %', '-')
    >>> fmt_pct(2950 / 2961, 1), fmt_pct(2960 / 2961, 1, floor_ceiling=True)
    ('99.6 %', '99.9 %')
    >>> fmt_pct(1 / 5000, 1, floor_ceiling=True), fmt_pct(1.0, 1, floor_ceiling=True)
    ('0.1 %', '100.0 %')
    """
    if x is None or pd.isna(x):
        return _DASH
    value = 100 * float(x)
    text = f"{value:.{digits}f}"
    if floor_ceiling and 0 < value < 100:
        step = 10.0**-digits
        if float(text) >= 100:
            text = f"{100 - step:.{digits}f}"
        elif float(text) <= 0:
            text = f"{step:.{digits}f}"
    return f"{text} %"


def fmt_share(part: Any, whole: Any, digits: int = 1) -> str:
    """``part`` of ``whole`` as a percentage shown next to its counts.

    One decimal place by default; ``100 %`` only when all agree and ``0 %`` only when
    none do (:func:`fmt_pct` with ``floor_ceiling``); ``'-'`` when ``whole`` is 0.

    Examples
    --------
    >>> fmt_share(2950, 2961), fmt_share(2961, 2961), fmt_share(0, 7), fmt_share(0, 0)
    ('99.6 %', '100.0 %', '0.0 %', '-')
    >>> fmt_share(2960, 2961)
    '99.9 %'
    """
    if whole is None or pd.isna(whole) or float(whole) == 0 or part is None or pd.isna(part):
        return _DASH
    return fmt_pct(float(part) / float(whole), digits, floor_ceiling=True)


def fmt_interval(lo: Any, hi: Any, digits: int = 0, pct: bool = True) -> str:
    """An interval as text: ``'49-72 %'`` for fractions, ``'1.2-3.4'`` otherwise.

    Examples
    --------
    >>> fmt_interval(1.234, 3.456, digits=1, pct=False)
    '1.2-3.5'
    """
    if lo is None or hi is None or pd.isna(lo) or pd.isna(hi):
        return _DASH
    if pct:
        return f"{100 * float(lo):.{digits}f}-{100 * float(hi):.{digits}f} %"
    return f"{float(lo):,.{digits}f}-{float(hi):,.{digits}f}"


def figure_bundle(fig, alt: str) -> tuple[dict[str, str], dict[str, Any]]:
    """The display data of a figure with alternative text: ``(data, metadata)``.

    ``data`` has ``text/html`` (an ``<img>`` with the PNG inline and ``alt``), ``image/png``
    (base64) and ``text/plain`` (the alt text); ``metadata`` carries ``alt`` for the PNG
    too. The HTML export prefers ``text/html``, so the report's image gets ``alt`` (the
    JupyterLab template ignores PNG metadata and would write "No description has been
    provided for this image"). The PNG is rendered as the inline backend does (the
    figure's dpi, tight bounding box).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(1, 1))
    >>> data, meta = figure_bundle(fig, 'Share <5 "x"')
    >>> 'alt="Share &lt;5 &quot;x&quot;"' in data["text/html"], meta["image/png"]["alt"]
    (True, 'Share <5 "x"')
    >>> plt.close(fig)
    """
    import base64
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi, bbox_inches="tight")
    png = base64.b64encode(buf.getvalue()).decode("ascii")
    text = " ".join(str(alt).split())
    tag = f'<img src="data:image/png;base64,{png}" alt="{html.escape(text, quote=True)}" />'
    return (
        {"text/html": tag, "image/png": png, "text/plain": text},
        {"image/png": {"alt": text}},
    )


def show_figure(fig, alt: str) -> None:
    """Show a figure in the notebook with alternative text, then close it.

    Use instead of ``plt.show()`` so the figure in the HTML report has a description
    (``alt``: what the figure shows, e.g. its caption) for screen readers.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    alt : str
        One or two plain sentences saying what the figure shows.
    """
    import matplotlib.pyplot as plt
    from IPython.display import display

    data, metadata = figure_bundle(fig, alt)
    display(data, raw=True, metadata=metadata)
    plt.close(fig)


def _fmt_number(x: Any, digits: int = 0) -> str:
    if isinstance(x, str):
        return x
    if x is None or pd.isna(x):
        return _DASH
    return f"{float(x):,.{digits}f}"


def _cb(codebook: Codebook | None) -> Codebook:
    return load_codebook() if codebook is None else codebook


def group_short_label(code: str, codebook: Codebook | None = None) -> str:
    """A short reader-facing label of a respondent group.

    Examples
    --------
    >>> group_short_label("cg_girls_10_14"), group_short_label("aww")
    ('Girls 10-14', 'Anganwadi worker')
    """
    if code in _DUTY_LABELS:
        return _DUTY_LABELS[code]
    cb = _cb(codebook)
    if code not in cb.groups.index:
        return str(code)
    label = str(cb.groups.at[code, "label"])
    _, sep, rest = label.partition(": ")
    label = rest if sep else label
    label = label.split(" (")[0]
    return label[:1].upper() + label[1:]


def _indicator_label(code: str, cb: Codebook) -> str:
    return str(cb.indicators.at[code, "label"]) if code in cb.indicators.index else str(code)


def sensitive_codes(codebook: Codebook | None = None) -> set[str]:
    """Codes of the codebook's sensitive indicators."""
    ind = _cb(codebook).indicators
    return set(ind.index[ind["sensitive"].astype(bool)])


def _file_name(path: Any) -> str:
    text = str(path or "")
    return PurePath(text.replace("\\", "/")).name if text else ""


def styled(df: pd.DataFrame, index: bool = True, caption: str | None = None):
    """A pandas Styler for reports: optional hidden index and caption, no numbers touched.

    Cells, index labels, column headers and the caption are HTML-escaped: they may carry
    text from an input (a written village name, a cleaning-log value).

    Parameters
    ----------
    df : pandas.DataFrame
        An already formatted table (text cells).
    index : bool
        Show the index (False for tables whose index is a plain row number).
    caption : str, optional

    Returns
    -------
    pandas.io.formats.style.Styler
    """
    # every cell, index label and header may carry text from an input: escape them all
    # (the Styler escapes values and labels, not the index and column level names)
    df = df.rename_axis(
        index=[_escape_name(n) for n in df.index.names],
        columns=[_escape_name(n) for n in df.columns.names],
    )
    sty = df.style.format(escape="html").format_index(escape="html", axis=0)
    sty = sty.format_index(escape="html", axis=1)
    if not index:
        sty = sty.hide(axis="index")
    left = [("text-align", "left")]
    keep = [("white-space", "nowrap")]
    per_column = {
        c: [{"selector": "", "props": left}]
        if _is_text_column(df.iloc[:, i])
        else [{"selector": "td", "props": keep}]
        for i, c in enumerate(df.columns)
    }
    if per_column and df.columns.is_unique:
        sty = sty.set_table_styles(per_column, overwrite=False)
    heads = [{"selector": "th.row_heading, th.index_name", "props": left}]
    if index:
        inner = f"th.row_heading.level{df.index.nlevels - 1}"
        heads.append({"selector": inner, "props": [("min-width", "12rem")]})
    sty = sty.set_table_styles(heads, overwrite=False)
    sty = sty.set_table_attributes('class="dataframe leher-table"')
    if caption:
        sty = sty.set_caption(html.escape(caption))
    return sty


def _escape_name(name: Any) -> Any:
    return None if name is None else html.escape(str(name))


def _is_text_column(col: pd.Series) -> bool:
    """True when most cells are words rather than numbers, percentages or intervals."""
    if pd.api.types.is_numeric_dtype(col):
        return False
    vals = [str(v) for v in col.dropna() if str(v) not in ("", _DASH)]
    if not vals:
        return False
    numeric = sum(1 for v in vals if v[:1].isdigit() or v[:1] in "<-.")
    return numeric < len(vals) / 2


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


# ---------------------------------------------------------------- 02: headline shares
def _hide_with_totals(df: pd.DataFrame, hide: pd.Series, keys: list[str]) -> pd.Series:
    """Extend a block-row mask to the district row of the same ``keys``.

    A district total shown next to a hidden block count would give the count back by
    subtraction, so it is hidden too. Only a block row hidden in ``hide`` extends to its
    total: with no hidden block count, no total is hidden. The caller shows a total that
    is missing anyway as missing, not as suppressed.

    Examples
    --------
    >>> df = pd.DataFrame({"scope": ["block", "block", "district"], "indicator": "x"})
    >>> _hide_with_totals(df, pd.Series([True, False, False]), ["indicator"]).tolist()
    [True, False, True]
    >>> _hide_with_totals(df, pd.Series([False, False, False]), ["indicator"]).tolist()
    [False, False, False]
    """
    hide = hide.reindex(df.index).fillna(False).astype(bool)
    if not hide.any() or "scope" not in df:
        return hide
    hit = df.loc[hide & (df["scope"] == "block"), keys].drop_duplicates()
    if hit.empty:
        return hide
    flagged = df[keys].merge(hit.assign(_h=True), on=keys, how="left")["_h"].notna()
    return hide | ((df["scope"] == "district").to_numpy() & flagged.to_numpy(bool))


def attach_block_names(df: pd.DataFrame, blocks: pd.DataFrame) -> pd.DataFrame:
    """Add (or fill) ``block_name`` from the ``blocks`` table by ``block_id``.

    The ``rankings`` table has no block names; summaries read them from this column.

    Examples
    --------
    >>> r = pd.DataFrame({"block_id": [1, 2]})
    >>> attach_block_names(r, pd.DataFrame({"block_id": [1], "block_name": ["A"]}))["block_name"].tolist()
    ['A', '2']
    """
    out = df.copy()
    names = (
        dict(
            zip(
                pd.Series(blocks["block_id"]).astype("int64"),
                blocks["block_name"].astype(str),
                strict=True,
            )
        )
        if len(blocks)
        else {}
    )
    looked = out["block_id"].map(lambda b: names.get(int(b), str(b)) if pd.notna(b) else None)
    if "block_name" in out:
        out["block_name"] = out["block_name"].where(out["block_name"].notna(), looked)
    else:
        out["block_name"] = looked
    return out


def _suppressed_mask(df: pd.DataFrame, count_col: str, cb: Codebook) -> pd.Series:
    sens = df["indicator"].isin(sensitive_codes(cb))
    n = pd.to_numeric(df[count_col], errors="coerce")
    return sens & (n >= 1) & (n < _THRESHOLD)


def _suppressed_of(n: int) -> str:
    """``'<5 of N'`` for a suppressed count out of ``n``; ``'<5'`` alone when ``n < 5``.

    Examples
    --------
    >>> _suppressed_of(62), _suppressed_of(4)
    ('<5 of 62', '<5')
    """
    return f"{SUPPRESSED} of {n}" if n >= _THRESHOLD else SUPPRESSED


def headline_table(
    shares: pd.DataFrame,
    codebook: Codebook | None = None,
    kinds: Sequence[str] = ("children", "adults", "duty_bearer"),
    block_id: int | None = None,
) -> pd.DataFrame:
    """The headline table: share of villages reporting each issue, by respondent group kind.

    Parameters
    ----------
    shares : pandas.DataFrame
        Output of :func:`leheranalysis.indicators.share_of_villages_reporting`.
    codebook : Codebook, optional
    kinds : sequence of str
        Kinds to show, in column order.
    block_id : int, optional
        A block; default the district (``All blocks``) rows.

    Returns
    -------
    pandas.DataFrame
        Index (``Domain``, ``Issue``); column MultiIndex (kind label, ``Share`` /
        ``95 % CI`` / ``Villages``), e.g. ``61 %``, ``49-72 %``, ``38 of 62``. ``-`` where
        the kind is not asked about the issue. For sensitive indicators 1-4 reporting
        villages show as ``<5 of N`` (``<5`` alone when fewer than 5 villages were
        asked) and the share and interval are hidden.
    """
    cb = _cb(codebook)
    lvl = round(100 * float(shares.attrs.get("level", 0.95)))
    if block_id is None:
        sel = shares[shares["scope"] == "district"]
    else:
        sel = shares[(shares["scope"] == "block") & (shares["block_id"] == block_id)]
    sel = sel[sel["kind"].isin(list(kinds))]
    ci_name = f"{lvl} % CI"
    cols = pd.MultiIndex.from_product(
        [[KIND_LABELS.get(k, k) for k in kinds], ["Share", ci_name, "Villages"]]
    )
    codes = [c for c in cb.indicators.index if c in set(sel["indicator"])]
    index = pd.MultiIndex.from_tuples(
        [
            (str(cb.domains.at[cb.indicators.at[c, "domain"], "label"]), _indicator_label(c, cb))
            for c in codes
        ],
        names=["Domain", "Issue"],
    )
    out = pd.DataFrame(_DASH, index=index, columns=cols)
    if sel.empty:
        return out
    hide = _suppressed_mask(sel, "n_reported", cb)
    for (_, row), secret in zip(sel.iterrows(), hide, strict=True):
        key = index[codes.index(row["indicator"])]
        kl = KIND_LABELS.get(row["kind"], row["kind"])
        if secret:
            out.loc[key, (kl, "Share")] = "suppressed"
            out.loc[key, (kl, ci_name)] = _DASH
            out.loc[key, (kl, "Villages")] = _suppressed_of(int(row["n_villages"]))
        else:
            out.loc[key, (kl, "Share")] = fmt_pct(row["share"], floor_ceiling=True)
            out.loc[key, (kl, ci_name)] = fmt_interval(row["share_lo"], row["share_hi"])
            out.loc[key, (kl, "Villages")] = f"{int(row['n_reported'])} of {int(row['n_villages'])}"
    return out


def headline_sentences(
    shares: pd.DataFrame,
    codebook: Codebook | None = None,
    kinds: Sequence[str] = ("children", "adults", "duty_bearer"),
    top: int = 3,
    block_id: int | None = None,
) -> list[str]:
    """Headline sentences for the issues most often reported by each kind of group.

    Uses :func:`leheranalysis.indicators.headline` ("Children in 61 % of villages (38 of
    62; 95 % CI 49-72 %) reported ..."); for sensitive indicators with 1-4 villages the
    sentence says "fewer than 5 of N villages" without a percentage.

    Parameters
    ----------
    shares : pandas.DataFrame
        Output of :func:`leheranalysis.indicators.share_of_villages_reporting`.
    codebook : Codebook, optional
    kinds : sequence of str
    top : int
        Issues per kind, highest share first (ties in codebook order).
    block_id : int, optional
        A block instead of the district.

    Returns
    -------
    list of str
    """
    from leheranalysis.indicators import headline

    cb = _cb(codebook)
    order = {c: i for i, c in enumerate(cb.indicators.index)}
    scope = (
        shares[shares["scope"] == "district"]
        if block_id is None
        else shares[(shares["scope"] == "block") & (shares["block_id"] == block_id)]
    )
    out: list[str] = []
    for kind in kinds:
        sel = scope[(scope["kind"] == kind) & (scope["n_villages"] > 0)].copy()
        if sel.empty:
            continue
        sel["_o"] = sel["indicator"].map(order)
        sel = sel.sort_values(["share", "_o"], ascending=[False, True]).head(top)
        hide = _suppressed_mask(sel, "n_reported", cb)
        for (_, row), secret in zip(sel.iterrows(), hide, strict=True):
            text = headline(shares, row["indicator"], kind, block_id=block_id, codebook=cb)
            if secret:
                subject, _, rest = text.partition(" in ")
                issue = rest.split(" reported ", 1)[1]
                text = f"{subject} in fewer than 5 of {int(row['n_villages'])} villages reported {issue}"
            out.append(text)
    return out


# ---------------------------------------------------------------------- 02: ranking
def ranking_table(
    ranking: pd.DataFrame,
    kinds: Sequence[str] = ("children", "adults", "all"),
    block_id: int | None = None,
) -> pd.DataFrame:
    """The issue ranking of the pairwise exercise, by kind of group.

    Parameters
    ----------
    ranking : pandas.DataFrame
        Output of :func:`leheranalysis.indicators.issue_ranking`.
    kinds : sequence of str
        Kinds, in column order. The last one (``all`` by default) orders the rows and
        gets every statistic; the others their position and Borda score.
    block_id : int, optional
        A block instead of the district.

    Returns
    -------
    pandas.DataFrame
        Index ``Issue``; column MultiIndex (kind label, statistic): ``Position`` and
        ``Borda score`` for every kind, plus ``Mean rank`` and ``Top 3 (95 % CI)`` for
        the last. Borda score: 1 = every group ranked the issue first.
    """
    if block_id is None:
        sel = ranking[ranking["scope"] == "district"]
    else:
        sel = ranking[(ranking["scope"] == "block") & (ranking["block_id"] == block_id)]
    sel = sel[sel["kind"].isin(list(kinds))]
    brief, full = (
        ["Position", "Borda score"],
        ["Position", "Borda score", "Mean rank", "Top 3 (95 % CI)"],
    )
    labels = [KIND_LABELS.get(k, k) for k in kinds]
    cols = pd.MultiIndex.from_tuples(
        [(kl, st) for kl in labels[:-1] for st in brief] + [(labels[-1], st) for st in full]
    )
    if sel.empty:
        return pd.DataFrame(columns=cols)
    last = [k for k in kinds if k in set(sel["kind"])][-1]
    issues = sel[sel["kind"] == last].sort_values("position")["label"].tolist()
    out = pd.DataFrame(_DASH, index=pd.Index(issues, name="Issue"), columns=cols)
    for _, r in sel.iterrows():
        kl = KIND_LABELS.get(r["kind"], r["kind"])
        if r["n_groups"] == 0:
            continue
        out.loc[r["label"], (kl, "Position")] = _fmt_number(r["position"])
        out.loc[r["label"], (kl, "Borda score")] = _fmt_number(r["borda"], 2)
        if (kl, "Mean rank") in out.columns:
            out.loc[r["label"], (kl, "Mean rank")] = _fmt_number(r["mean_rank"], 1)
            out.loc[r["label"], (kl, "Top 3 (95 % CI)")] = (
                f"{fmt_pct(r['share_top'], floor_ceiling=True)} ({fmt_interval(r['top_lo'], r['top_hi'])})"
            )
    return out


def ranking_by_block(ranking: pd.DataFrame, kind: str = "all") -> pd.DataFrame:
    """Position of each issue in each block (1 = most serious), and in the district.

    Returns
    -------
    pandas.DataFrame
        Index ``Issue`` (district order); one column per block and ``All blocks``.
    """
    sel = ranking[ranking["kind"] == kind]
    if sel.empty:
        return pd.DataFrame()
    wide = sel.pivot_table(index="label", columns="block_name", values="position", sort=False)
    dist = sel[sel["scope"] == "district"].sort_values("position")["label"].tolist()
    blocks = [b for b in dict.fromkeys(sel.loc[sel["scope"] == "block", "block_name"])]
    wide = wide.reindex(index=dist or list(wide.index), columns=[*blocks, "All blocks"])
    wide = wide.astype("Int64")
    wide.index.name = "Issue"
    wide.columns.name = None
    return wide


def ranking_by_group(
    rankings: pd.DataFrame, codebook: Codebook | None = None, value: str = "position"
) -> pd.DataFrame:
    """Each respondent group's district ranking of the issues (girls 10-14, men, ...).

    Parameters
    ----------
    rankings : pandas.DataFrame
        The ``rankings`` table.
    codebook : Codebook, optional
    value : {"position", "borda"}
        Show the issue's position (1 = most serious) or its normalised Borda score.

    Returns
    -------
    pandas.DataFrame
        Index ``Issue`` (order of all groups together); one column per respondent group
        that did the exercise, in codebook order.
    """
    from leheranalysis.indicators import issue_ranking

    cb = _cb(codebook)
    if rankings.empty:
        return pd.DataFrame()
    overall = issue_ranking(rankings, cb, by="district", kinds=("all",))
    order = overall.sort_values("position")["label"].tolist()
    cols = {}
    for g in [g for g in cb.groups.index if g in set(rankings["group"])]:
        r = issue_ranking(rankings[rankings["group"] == g], cb, by="district", kinds=("all",))
        cols[group_short_label(g, cb)] = r.set_index("label")[value].reindex(order)
    out = pd.DataFrame(cols)
    if value == "position":
        out = out.astype("Int64")
    else:
        out = out.round(2)
    out.index.name = "Issue"
    return out


def plot_ranking(ranking: pd.DataFrame, kinds: Sequence[str] = ("children", "adults")):
    """Horizontal bars of the district Borda score of each issue, one bar per kind.

    Parameters
    ----------
    ranking : pandas.DataFrame
        Output of :func:`leheranalysis.indicators.issue_ranking`.
    kinds : sequence of str

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from leheranalysis import plotting

    dist = ranking[(ranking["scope"] == "district") & ranking["kind"].isin(list(kinds))]
    fig, ax = plt.subplots(figsize=(8, 0.55 * max(1, dist["issue"].nunique()) + 1.8))
    if dist.empty:
        ax.axis("off")
        ax.text(0.5, 0.5, "No ranking exercise data", ha="center", va="center")
        return fig
    ref = dist.groupby("label", sort=False)["borda"].mean().sort_values()
    y = np.arange(len(ref))
    present = [k for k in kinds if k in set(dist["kind"])]
    height = 0.8 / len(present)
    colors = plotting.category_colors([KIND_LABELS[k] for k in present])
    for i, k in enumerate(present):
        s = dist[dist["kind"] == k].set_index("label")["borda"].reindex(ref.index)
        ax.barh(y + (i - (len(present) - 1) / 2) * height, s.to_numpy(float), height=height,
                color=colors[KIND_LABELS[k]], label=KIND_LABELS[k])  # fmt: skip
    ax.set_yticks(y, ref.index)
    ax.set_xlim(0, 1)
    ax.set_xlabel("Borda score (1 = every group ranked the issue first)")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right")
    top = ref.index[-1]
    _title(
        ax,
        f"{top} is ranked the most serious issue",
        "Pairwise ranking by children's and adult groups, all villages",
    )
    fig.tight_layout()
    return fig


def _pair_hidden(d: pd.DataFrame, small: pd.Series) -> pd.Series:
    """Rows of the agreement classes that share a scope, indicator and duty bearer with a
    small class: the classes add up to the compared villages, so all of them are hidden."""
    small = small.reindex(d.index).fillna(False).astype(bool)
    keys = [k for k in ("scope", "block_id", "indicator", "duty_bearer") if k in d]
    if not small.any():
        return small
    k = d[keys].astype(str).agg("|".join, axis=1)
    return k.isin(set(k[small]))


# ---------------------------------------------------------------- 02: triangulation
def triangulation_table(rates: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """District agreement of community and duty-bearer evidence, per indicator and duty bearer.

    Parameters
    ----------
    rates : pandas.DataFrame
        Output of :func:`leheranalysis.indicators.discrepancy_rates` (district rows used).
    codebook : Codebook, optional

    Returns
    -------
    pandas.DataFrame
        ``Indicator``, ``Duty bearer``, ``Villages compared``, ``Agree``, ``Community
        higher``, ``Duty bearer higher`` (share with interval, or ``<5`` for sensitive
        indicators with 1-4 villages), ``No data``. The three classes add up to the
        villages compared, so when one class of a sensitive indicator and duty bearer is
        ``<5`` the other two show ``suppressed``: otherwise the small count would follow
        by subtraction.
    """
    cb = _cb(codebook)
    cols = ["Indicator", "Duty bearer", "Villages compared", "Agree", "Community higher",
            "Duty bearer higher", "No data"]  # fmt: skip
    d = rates[rates["scope"] == "district"] if len(rates) else rates
    if d.empty:
        return pd.DataFrame(columns=cols)
    small = _suppressed_mask(d, "n", cb)
    pair = _pair_hidden(d, small)
    d = d.assign(_cell=[
        SUPPRESSED if sm else "suppressed" if h
        else (f"{fmt_pct(s, floor_ceiling=True)} ({fmt_interval(lo, hi)})" if n_p else _DASH)
        for sm, h, s, lo, hi, n_p in zip(small, pair, d["share"], d["share_lo"], d["share_hi"],
                                         d["n_pairs"], strict=True)
    ])  # fmt: skip
    wide = d.pivot_table(index=["indicator", "duty_bearer"], columns="agreement", values="_cell",
                         aggfunc="first", sort=False)  # fmt: skip
    base = d.drop_duplicates(["indicator", "duty_bearer"]).set_index(["indicator", "duty_bearer"])
    out = pd.DataFrame(
        {
            "Indicator": [_indicator_label(i, cb) for i, _ in wide.index],
            "Duty bearer": [_DUTY_LABELS.get(g, g) for _, g in wide.index],
            "Villages compared": base.loc[wide.index, "n_pairs"].astype(int).to_numpy(),
            "Agree": wide.get("agree", pd.Series(_DASH, index=wide.index)).to_numpy(),
            "Community higher": wide.get(
                "community higher", pd.Series(_DASH, index=wide.index)
            ).to_numpy(),
            "Duty bearer higher": wide.get(
                "duty bearer higher", pd.Series(_DASH, index=wide.index)
            ).to_numpy(),
            "No data": base.loc[wide.index, "n_no_data"].astype(int).to_numpy(),
        }
    )
    return out[cols]


#: flat fill of a figure cell hidden to protect a small count
SUPPRESSED_FILL = "#B8B8B8"


def plot_triangulation_matrix(tri: pd.DataFrame, codebook: Codebook | None = None):
    """Matrix figure: share of villages where community and duty bearer disagree, by side.

    Two panels (community reported more; duty bearer reported more), indicators x duty
    bearers, cells coloured by the share of compared villages and annotated with the
    percentage and the number of villages. When a class of a sensitive indicator and
    duty bearer counts 1-4 villages, both cells of that pair are drawn in a flat grey
    (:data:`SUPPRESSED_FILL`), never coloured by the share: the small one says ``<5``, the
    other ``suppressed`` (with the villages compared it would give the small count back).

    Parameters
    ----------
    tri : pandas.DataFrame
        Output of :func:`leheranalysis.indicators.triangulate`.
    codebook : Codebook, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from leheranalysis import plotting
    from leheranalysis.indicators import discrepancy_rates

    cb = _cb(codebook)
    panels = ("community higher", "duty bearer higher")
    rates = discrepancy_rates(tri, by="district", codebook=cb) if len(tri) else pd.DataFrame()
    if rates.empty:
        fig, ax = plt.subplots(figsize=(6, 2))
        ax.axis("off")
        ax.text(0.5, 0.5, "No triangulation data", ha="center", va="center")
        return fig
    small = _suppressed_mask(rates, "n", cb)
    rates = rates.assign(_small=small, _hidden=_pair_hidden(rates, small))
    codes = list(dict.fromkeys(rates["indicator"]))
    duty = [d for d in _DUTY_BEARERS if d in set(rates["duty_bearer"])]
    labels = [_indicator_label(c, cb) for c in codes]
    fig, axes = plt.subplots(
        1, 2, figsize=(10, 0.4 * len(codes) + 2.0), sharey=True, layout="constrained"
    )
    cmap = plotting.sequential_cmap(plotting.SEQUENTIAL).reversed()
    for ax, p in zip(axes, panels, strict=True):
        m = rates[rates["agreement"] == p].set_index(["indicator", "duty_bearer"])
        vals = np.full((len(codes), len(duty)), np.nan)
        ax.set_facecolor("#EEEEEE")
        for i, c in enumerate(codes):
            for j, d in enumerate(duty):
                if (c, d) not in m.index or m.at[(c, d), "n_pairs"] == 0:
                    continue
                r = m.loc[(c, d)]
                if r["_hidden"]:
                    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor=SUPPRESSED_FILL,
                                           edgecolor="none", zorder=2))  # fmt: skip
                    ax.text(j, i, SUPPRESSED if r["_small"] else "suppressed", ha="center",
                            va="center", fontsize=7.5, color="#222222", zorder=3)  # fmt: skip
                    continue
                vals[i, j] = r["share"]
                ax.text(j, i, f"{100 * r['share']:.0f} %\n{int(r['n'])}/{int(r['n_pairs'])}",
                        ha="center", va="center", fontsize=7.5, zorder=3,
                        color="white" if r["share"] > 0.55 else "#222222")  # fmt: skip
        im = ax.imshow(np.ma.masked_invalid(vals), cmap=cmap, vmin=0, vmax=1, aspect="auto")
        ax.set_xticks(range(len(duty)), [_DUTY_LABELS[d] for d in duty], rotation=20, ha="right")
        ax.set_yticks(range(len(codes)), labels)
        ax.set_xlim(-0.5, len(duty) - 0.5)
        ax.set_ylim(len(codes) - 0.5, -0.5)
        ax.grid(False)
        ax.set_title("Community reported more" if p == panels[0] else "Duty bearer reported more",
                     fontsize=11, loc="left")  # fmt: skip
    cbar = fig.colorbar(im, ax=list(axes), fraction=0.025, pad=0.02)
    cbar.set_label("share of compared villages")
    cbar.ax.yaxis.set_major_formatter(lambda x, _: f"{100 * x:.0f} %")
    fig.suptitle("Where community and duty-bearer evidence disagree", x=0.01, ha="left",
                 fontweight="bold", fontsize=13)  # fmt: skip
    return fig


def discrepancy_table(largest: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """Reader table of the largest village-level discrepancies.

    Parameters
    ----------
    largest : pandas.DataFrame
        Output of :func:`leheranalysis.indicators.largest_discrepancies`.
    codebook : Codebook, optional

    Returns
    -------
    pandas.DataFrame
        ``Village``, ``Block``, ``Indicator``, ``Duty bearer``, ``Community``, ``Duty
        bearer's figure``, ``Who reported more``, ``Duty bearer's response``. Rows of
        sensitive indicators are left out: a named village next to "sexual abuse" or
        "trafficked" points at identifiable children whatever the count shows (pass
        non-sensitive rows to :func:`leheranalysis.indicators.largest_discrepancies` to
        keep the table full). Remaining small values of sensitive codes (none after this
        rule; kept as a safety net) would show as ``<5``.
    """
    cb = _cb(codebook)
    cols = ["Village", "Block", "Indicator", "Duty bearer", "Community", "Duty bearer's figure",
            "Who reported more", "Duty bearer's response"]  # fmt: skip
    if not largest.empty:
        largest = largest[~largest["indicator"].isin(sensitive_codes(cb))]
    if largest.empty:
        return pd.DataFrame(columns=cols)
    t = suppress_small(
        largest, ["community", "duty_value"], _THRESHOLD, sensitive=sensitive_codes(cb)
    )

    def show(v: Any, unit: str) -> str:
        if isinstance(v, str):
            return v
        if unit == "yesno" and pd.notna(v):
            return "yes" if float(v) >= 0.5 else "no"
        return _fmt_number(v, 0 if unit == "count" else 1)

    out = pd.DataFrame(
        {
            "Village": t["village_name"].astype(str),
            "Block": t["block_name"].astype(str),
            "Indicator": [_indicator_label(c, cb) for c in t["indicator"]],
            "Duty bearer": [_DUTY_LABELS.get(g, g) for g in t["duty_bearer"]],
            "Community": [show(v, u) for v, u in zip(t["community"], t["unit"], strict=True)],
            "Duty bearer's figure": [
                show(v, u) for v, u in zip(t["duty_value"], t["unit"], strict=True)
            ],
            "Who reported more": [
                "community" if str(a) == "community higher" else "duty bearer"
                for a in t["agreement"]
            ],
            "Duty bearer's response": t["response"].fillna(_DASH).astype(str),
        }
    )
    return out[cols]


# ------------------------------------------------------------- 02: block comparisons
def block_rates_table(rates: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """Population-weighted rates per 1,000 with intervals, indicators x blocks.

    Parameters
    ----------
    rates : pandas.DataFrame
        Output of :func:`leheranalysis.indicators.population_weighted_rates`.
    codebook : Codebook, optional

    Returns
    -------
    pandas.DataFrame
        Index (``Indicator``, ``Per 1,000``: the denominator); one column per block and
        ``All blocks``: ``"126.6 (119.5-134.0)"``; for sensitive indicators with 1-4
        cases ``"<5 cases"``.
    """
    cb = _cb(codebook)
    if rates.empty:
        return pd.DataFrame()
    small = _suppressed_mask(rates, "count", cb)
    hide = _hide_with_totals(rates, small, ["indicator"])

    def text(sm: bool, h: bool, r: float, lo: float, hi: float) -> str:
        if sm:
            return f"{SUPPRESSED} cases"
        if h and not pd.isna(r):
            return "suppressed"
        return _DASH if pd.isna(r) else f"{r:,.1f} ({fmt_interval(lo, hi, 1, pct=False)})"

    cell = [
        text(*a)
        for a in zip(
            small, hide, rates["rate_per_1000"], rates["rate_lo"], rates["rate_hi"], strict=True
        )
    ]
    t = rates.assign(_cell=cell)
    t["Indicator"] = [_indicator_label(c, cb) for c in t["indicator"]]
    t["Per 1,000"] = [
        str(cb.denominators.at[d, "label"])
        if d in cb.denominators.index
        else str(d).replace("_", " ")
        for d in t["denominator"]
    ]
    blocks = list(dict.fromkeys(t.loc[t["scope"] == "block", "block_name"]))
    wide = t.pivot_table(index=["Indicator", "Per 1,000"], columns="block_name", values="_cell",
                         aggfunc="first", sort=False)  # fmt: skip
    wide = wide.reindex(columns=[c for c in [*blocks, "All blocks"] if c in wide.columns])
    wide.columns.name = None
    return wide


def plot_block_rates(rates: pd.DataFrame, codebook: Codebook | None = None, ncols: int = 3):
    """Small multiples: each indicator's rate per 1,000 per block with its interval.

    The district rate is a dashed line. Panels of sensitive indicators with a block of
    1-4 cases are left empty with a note.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from leheranalysis import plotting

    cb = _cb(codebook)
    codes = list(dict.fromkeys(rates["indicator"])) if len(rates) else []
    if not codes:
        fig, ax = plt.subplots(figsize=(6, 2))
        ax.axis("off")
        ax.text(0.5, 0.5, "No rates to compare", ha="center", va="center")
        return fig
    fig, axes = plotting.figure_grid(len(codes), ncols=ncols, panel=(3.6, 2.6))
    blocks = list(dict.fromkeys(rates.loc[rates["scope"] == "block", "block_name"]))
    colors = plotting.category_colors(blocks) if len(blocks) <= 8 else {}
    hide = _suppressed_mask(rates, "count", cb)
    for ax, code in zip(axes, codes, strict=True):
        sel = rates[(rates["indicator"] == code)]
        ax.set_title("\n".join(_wrap(_indicator_label(code, cb), 34)), fontsize=9.5, loc="left")
        if hide[sel.index].any():
            ax.text(0.5, 0.5, "fewer than 5 cases in a block:\nnot shown", ha="center", va="center",
                    transform=ax.transAxes, fontsize=9, color="#555555")  # fmt: skip
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        b = sel[sel["scope"] == "block"].set_index("block_name").reindex(blocks)
        x = np.arange(len(blocks))
        r = b["rate_per_1000"].to_numpy(float)
        err = np.vstack([r - b["rate_lo"].to_numpy(float), b["rate_hi"].to_numpy(float) - r])
        for i, blk in enumerate(blocks):
            ax.errorbar(x[i], r[i], yerr=err[:, [i]], fmt="o", capsize=3,
                        color=colors.get(blk, plotting.OKABE_ITO[0]))  # fmt: skip
        dist = sel.loc[sel["scope"] == "district", "rate_per_1000"]
        if len(dist) and pd.notna(dist.iloc[0]):
            ax.axhline(float(dist.iloc[0]), color="#555555", ls="--", lw=1)
        ax.set_xticks(x, ["\n".join(_wrap(b, 11)) for b in blocks], fontsize=8)
        ax.set_xlim(-0.6, len(blocks) - 0.4)
        ax.set_ylim(bottom=0)
        ax.tick_params(axis="y", labelsize=8)
    fig.suptitle("Rates per 1,000 by block (dots: block, bars: 95 % interval, dashed: district)",
                 x=0.01, ha="left", fontweight="bold", fontsize=12)  # fmt: skip
    fig.tight_layout()
    return fig


def _title(ax, text: str, subtitle: str | None = None) -> None:
    """Bold left title with a lighter subtitle under it, spaced in points (any axes height)."""
    ax.set_title(text, loc="left", fontweight="bold", fontsize=13, pad=22 if subtitle else 8)
    if subtitle:
        ax.annotate(subtitle, xy=(0, 1), xycoords="axes fraction", xytext=(0, 7),
                    textcoords="offset points", fontsize=9.5, color="#555555", va="bottom")  # fmt: skip


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [text]


def secondary_table(sec: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """Departmental figures by block and year, sensitive counts of 1-4 as ``<5``.

    A district total next to a hidden block count is hidden too (``suppressed``), since
    it would give the count back by subtraction; a total that is missing anyway (a block
    did not report) stays ``-``.

    Parameters
    ----------
    sec : pandas.DataFrame
        Tidy output of :func:`leheranalysis.indicators.secondary_indicators`.
    codebook : Codebook, optional

    Returns
    -------
    pandas.DataFrame
        Index (``Department``, ``Indicator``, ``Block``), one column per year; counts
        with thousands separators, shares in percent with one decimal, ``-`` missing.
    """
    cb = _cb(codebook)
    if sec.empty:
        return pd.DataFrame()
    t = suppress_small(sec, "value", _THRESHOLD, sensitive=sensitive_codes(cb))
    small = t["value"].map(lambda v: isinstance(v, str))
    totals = _hide_with_totals(t, small, ["indicator", "year"]) & ~small
    # a total missing anyway (a block did not report) stays "-", not "suppressed"
    totals &= t["value"].map(lambda v: isinstance(v, str) or not pd.isna(v)).astype(bool)
    if totals.any():
        t["value"] = t["value"].astype(object)
        t.loc[totals, "value"] = "suppressed"

    def cell(v: Any, unit: str) -> str:
        if isinstance(v, str):
            return v
        if pd.isna(v):
            return _DASH
        return f"{v:.1f} %" if unit == "share" else f"{v:,.0f}"

    t["_cell"] = [cell(v, u) for v, u in zip(t["value"], t["unit"], strict=True)]
    t["Department"] = t["department"].fillna(_DASH)
    t["Indicator"] = t["label"]
    t["Block"] = t["block_name"].astype(str)
    years = sorted(set(t["year"].dropna()))
    wide = t.pivot_table(index=["Department", "Indicator", "Block"], columns="year",
                         values="_cell", aggfunc="first", sort=False)  # fmt: skip
    wide = wide.reindex(columns=years)
    wide.columns.name = None
    return wide.fillna(_DASH)


# ----------------------------------------------------------------------- 02: the CPVI
def priority_table(
    villages: pd.DataFrame, code: str = "cpvi", top: int | None = None
) -> pd.DataFrame:
    """Priority villages (or the ``top`` most vulnerable) with their rank intervals.

    Parameters
    ----------
    villages : pandas.DataFrame
        ``CPVIResult.villages``.
    code : str
        Index column.
    top : int, optional
        Show the ``top`` villages by nominal rank instead of the priority villages.

    Returns
    -------
    pandas.DataFrame
        ``Rank``, ``Village``, ``Block``, ``Index (0-100)``, ``Rank interval (5-95 %)``,
        ``Priority``.
    """
    cols = ["Rank", "Village", "Block", "Index (0-100)", "Rank interval (5-95 %)", "Priority"]
    v = villages[villages[code].notna()]
    v = v.head(top) if top is not None else v[v["priority"].astype(bool)]
    if v.empty:
        return pd.DataFrame(columns=cols)
    has_ci = {"q05", "q95"} <= set(v.columns)
    out = pd.DataFrame(
        {
            "Rank": v["rank"].astype(int).to_numpy(),
            "Village": v["village_name"].astype(str).to_numpy(),
            "Block": v["block_name"].astype(str).to_numpy(),
            "Index (0-100)": [f"{x:.1f}" for x in v[code]],
            "Rank interval (5-95 %)": [
                f"{lo:.0f}-{hi:.0f}" if pd.notna(lo) else _DASH
                for lo, hi in zip(
                    v["q05"] if has_ci else [np.nan] * len(v),
                    v["q95"] if has_ci else [np.nan] * len(v),
                    strict=True,
                )
            ],  # fmt: skip
            "Priority": ["yes" if p else "no" for p in v["priority"].astype(bool)],
        }
    )
    return out[cols]


def cpvi_block_table(
    blocks: pd.DataFrame, meta: pd.DataFrame | None = None, code: str = "cpvi"
) -> pd.DataFrame:
    """Block roll-up of the index: score, pillar scores, rank, priority villages.

    Parameters
    ----------
    blocks : pandas.DataFrame
        ``CPVIResult.blocks``.
    meta : pandas.DataFrame, optional
        ``CPVIResult.meta`` (pillar labels).
    code : str

    Returns
    -------
    pandas.DataFrame
    """
    if blocks.empty:
        return pd.DataFrame()
    labels = {}
    if meta is not None and len(meta):
        labels = dict(zip(meta["code"], meta["label"], strict=True))
    pillars = [c for c in blocks.columns if c not in
               ("block_id", "block_name", "n_villages", "population", code, "rank", "n_priority")]  # fmt: skip
    out = pd.DataFrame({"Block": blocks["block_name"].astype(str), "Rank": blocks["rank"].astype(int),
                        "Villages": blocks["n_villages"].astype(int),
                        "Index (0-100)": blocks[code].map(lambda x: f"{x:.1f}")})  # fmt: skip
    for p in pillars:
        out[labels.get(p, p)] = blocks[p].map(lambda x: f"{x:.1f}")
    out["Priority villages"] = blocks["n_priority"].astype(int)
    return out.sort_values("Rank").reset_index(drop=True)


def plot_caterpillar(
    villages: pd.DataFrame,
    code: str = "cpvi",
    priority_quantile: float = 0.2,
    label_limit: int = 120,
):
    """Caterpillar plot of the villages' ranks: nominal rank and 5-95 % interval.

    Villages run top to bottom from the most vulnerable; priority villages (whole
    interval in the most vulnerable ``priority_quantile``) are highlighted, and that zone
    is shaded.

    Parameters
    ----------
    villages : pandas.DataFrame
        ``CPVIResult.villages``.
    code : str
        Index column.
    priority_quantile : float
        Share of villages forming the priority zone.
    label_limit : int
        Village names are written when there are at most this many villages.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from leheranalysis import plotting

    v = villages[villages[code].notna()].sort_values("rank", kind="stable").reset_index(drop=True)
    n = len(v)
    fig, ax = plt.subplots(figsize=(8.5, max(3.0, 0.19 * n + 1.8)))
    if n == 0:
        ax.axis("off")
        ax.text(0.5, 0.5, "No village has an index score", ha="center", va="center")
        return fig
    y = np.arange(n)
    cut = int(np.floor(priority_quantile * n))
    if cut > 0:
        ax.axvspan(0.5, cut + 0.5, color="#F3D9C8", zorder=0, lw=0)
    prio = v["priority"].astype(bool).to_numpy()
    hi_col, lo_col = plotting.OKABE_ITO_NAMES["vermillion"], plotting.OKABE_ITO_NAMES["blue"]
    cols = np.where(prio, hi_col, lo_col)
    if {"q05", "q95"} <= set(v.columns) and v["q05"].notna().any():
        ax.hlines(y, v["q05"], v["q95"], colors=cols, lw=2.2, alpha=0.85)
    ax.scatter(v["rank"], y, c=cols, s=18, zorder=3, edgecolors="white", linewidths=0.4)
    if n <= label_limit:
        names = [f"{a} ({b})" for a, b in zip(v["village_name"], v["block_name"], strict=True)]
        ax.set_yticks(y, names, fontsize=7.5)
        for tick, p in zip(ax.get_yticklabels(), prio, strict=True):
            if p:
                tick.set_color(hi_col)
                tick.set_fontweight("bold")
    else:
        ax.set_yticks([])
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlim(0.5, n + 0.5)
    ax.set_xlabel("Rank (1 = most vulnerable)")
    ax.grid(axis="y", visible=False)
    handles = [
        Line2D(
            [], [], color=hi_col, marker="o", lw=2, label=f"priority village ({int(prio.sum())})"
        ),
        Line2D([], [], color=lo_col, marker="o", lw=2, label="other village"),
    ]
    if cut > 0:
        from matplotlib.patches import Patch

        handles.append(
            Patch(color="#F3D9C8", label=f"most vulnerable {100 * priority_quantile:.0f} %")
        )
    ax.legend(handles=handles, loc="upper right", fontsize=8.5, frameon=True)
    _title(
        ax,
        f"{int(prio.sum())} of {n} villages are priority villages"
        if prio.any()
        else f"No village is certainly among the most vulnerable {100 * priority_quantile:.0f} %",
        "Nominal rank (dot) and 5-95 % rank interval under alternative index choices (line)",
    )
    fig.tight_layout()
    return fig


def _clean_sensitivity(sensitivity: pd.DataFrame) -> pd.DataFrame:
    """S1 and ST clipped at 0 and S1 capped at ST (Monte Carlo noise of the estimators)."""
    s = sensitivity.copy()
    st = pd.to_numeric(s["ST"], errors="coerce").clip(lower=0)
    s1 = pd.to_numeric(s["S1"], errors="coerce").clip(lower=0)
    s["ST"] = st
    s["S1"] = s1.where(~(s1 > st), st)
    return s


#: what :func:`sensitivity_table` and :func:`plot_sensitivity` say about estimator noise
SENSITIVITY_NOTE = (
    "Sensitivity indices are estimated from a finite number of recomputations: small "
    "negative estimates are Monte Carlo noise and are shown as 0, and a first-order index "
    "above its total index (also noise) is shown equal to the total."
)


def sensitivity_table(sensitivity: pd.DataFrame) -> pd.DataFrame:
    """Plain-language table of first-order (S1) and total (ST) sensitivity indices.

    Both are clipped at 0 and S1 is capped at ST: an estimate below 0 or an S1 above its
    ST is Monte Carlo noise of the estimators (:data:`SENSITIVITY_NOTE`).

    Returns
    -------
    pandas.DataFrame
        ``Choice``, ``First order (S1)``, ``Total (ST)``, most influential first.

    Examples
    --------
    >>> s = pd.DataFrame({"S1": [-0.02, 0.5], "ST": [0.1, 0.4]}, index=["aggregation", "weights_L2"])
    >>> sensitivity_table(s).values.tolist()
    [['Indicator weights (within pillars)', '0.40', '0.40'], ['Aggregation method', '0.00', '0.10']]
    """
    cols = ["Choice", "First order (S1)", "Total (ST)"]
    if sensitivity is None or sensitivity.empty:
        return pd.DataFrame(columns=cols)
    s = _clean_sensitivity(sensitivity).sort_values("ST", ascending=False, kind="stable")
    return pd.DataFrame(
        {
            "Choice": [_SENS_INPUTS.get(i, str(i)) for i in s.index],
            "First order (S1)": [f"{x:.2f}" for x in s["S1"]],
            "Total (ST)": [f"{x:.2f}" for x in s["ST"]],
        }
    )


def plot_sensitivity(sensitivity: pd.DataFrame):
    """Bar chart of the sensitivity indices (S1 and ST) of the index's uncertain choices.

    Estimates are clipped at 0 and S1 capped at ST, as in :func:`sensitivity_table`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from leheranalysis import plotting

    fig, ax = plt.subplots(figsize=(8, 0.6 * max(1, len(sensitivity)) + 1.8))
    if sensitivity is None or sensitivity.empty:
        ax.axis("off")
        ax.text(0.5, 0.5, "No sensitivity analysis (no uncertainty run)", ha="center", va="center")
        return fig
    s = _clean_sensitivity(sensitivity).sort_values("ST", kind="stable")
    y = np.arange(len(s))
    c = plotting.palette(2)
    ax.barh(y + 0.2, s["ST"], height=0.4, color=c[0], label="total effect (ST)")
    ax.barh(y - 0.2, s["S1"], height=0.4, color=c[1], label="first order (S1)")
    ax.set_yticks(y, [_SENS_INPUTS.get(i, str(i)) for i in s.index])
    ax.set_xlim(0, max(1.0, float(s["ST"].max()) * 1.05))
    ax.set_xlabel("share of the variance of the mean village rank shift")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right")
    top = _SENS_INPUTS.get(s.index[-1], str(s.index[-1]))
    _title(ax, f"{top} moves village ranks most", "Variance-based sensitivity of the village ranks")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------- provenance
def synthetic_geography(manifest: Mapping[str, Any], district: str) -> bool:
    """Whether a district's villages and blocks are the built-in invented geography.

    Read from the manifest (``parameters.synthetic_geography``, written by ingestion and
    by the demo pipeline); manifests without that key are judged by the district's name
    (:func:`leheranalysis.gazetteer.is_synthetic_name`). Reports credit PMGSY GeoSadak
    only when this is False.

    Examples
    --------
    >>> synthetic_geography({"parameters": {"synthetic_geography": True}}, "Madhubani")
    True
    >>> synthetic_geography({}, "Synthetic District"), synthetic_geography({}, "Leh")
    (True, False)
    """
    from leheranalysis.gazetteer import is_synthetic_name

    params = manifest.get("parameters") if isinstance(manifest, Mapping) else None
    flag = params.get("synthetic_geography") if isinstance(params, Mapping) else None
    if isinstance(flag, bool | np.bool_):
        return bool(flag)
    return is_synthetic_name(district)


# ------------------------------------------------------------- rates: denominators
def district_denominator_shares(district: str, root: Any = None) -> tuple[dict[str, float], str]:
    """Denominator shares of rates per 1,000 for a district, and a sentence saying which.

    Uses the district's NFHS-5 "Population below age 15 years (%)" when the fact sheets
    give it (:func:`leheranalysis.indicators.denominator_shares` with
    ``under15_share=value / 100``); otherwise India's Census 2011 age shares. The
    built-in synthetic districts ("Synthetic ...") are never looked up.

    Parameters
    ----------
    district : str
        District name (any spelling :func:`leheranalysis.nfhs.resolve_district` accepts).
    root : path-like, optional
        Public data folder (default :func:`leheranalysis.config.public_data_dir`).

    Returns
    -------
    shares : dict of str to float
        Share of the population per denominator code.
    note : str
        One sentence for captions and markdown.
    """
    from leheranalysis import nfhs
    from leheranalysis.errors import LeherError
    from leheranalysis.gazetteer import is_synthetic_name
    from leheranalysis.indicators import CENSUS2011_UNDER15_SHARE, denominator_shares

    national = denominator_shares()
    census = f"{100 * CENSUS2011_UNDER15_SHARE:.1f} % under 15"
    if is_synthetic_name(district):
        return national, (
            f"Age shares: India's Census 2011 age structure ({census}); the synthetic "
            "district has no NFHS-5 value."
        )
    try:
        value = nfhs.district_value(district, "under15", root=root)
    except (LeherError, OSError, ValueError, KeyError):
        value = float("nan")
    if not (isinstance(value, float) and np.isfinite(value) and 0 < value < 100):
        return national, (
            f"Age shares: India's Census 2011 age structure ({census}); no NFHS-5 share of "
            f"the population under 15 is available for {district}."
        )
    return denominator_shares(under15_share=value / 100.0), (
        f"Age shares: Census 2011 age pattern scaled to {district}'s NFHS-5 (2019-21) share "
        f"of the population under 15, {value:.1f} % (India in 2011: {census})."
    )


# ------------------------------------------------------ 01: collation against Part I
_COLLATION_SOURCES = ("cg", "ag", "teacher", "aww", "asha")


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
    from leheranalysis.indicators import village_values

    cb = _cb(codebook)
    cols = ["Indicator", "Collated values", "No Part I value", "Compared", "Agree",
            "Share agreeing"]  # fmt: skip
    if observations.empty or "instrument" not in observations:
        return pd.DataFrame(columns=cols)
    obs = observations[observations["indicator"].isin(cb.indicators.index)]
    col = obs[(obs["instrument"] == "collation") & obs["group"].isin(_COLLATION_SOURCES)]
    col = col[col["village_id"].notna() & col["value"].notna()]
    if col.empty:
        return pd.DataFrame(columns=cols)
    col = col[["village_id", "indicator", "group", "value", "unit"]].rename(
        columns={"group": "source", "value": "collated"}
    )
    col["village_id"] = col["village_id"].astype("int64")
    parts = []
    for src in _COLLATION_SOURCES:
        if not (col["source"] == src).any():
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
    m = col.merge(part1, on=["village_id", "indicator", "source"], how="left")
    has = m["value"].notna()
    diff = (m["collated"].astype(float) - m["value"].astype(float)).abs()
    exact = m["unit"].isin(["count", "yesno"])
    m["_agree"] = has & np.where(exact, diff <= 1e-9, diff <= 0.5 + 1e-9)
    m["_has"] = has
    g = m.groupby("indicator", sort=False).agg(
        n=("collated", "size"), has=("_has", "sum"), agree=("_agree", "sum")
    )
    order = [c for c in cb.indicators.index if c in g.index]
    g = g.loc[order]
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
