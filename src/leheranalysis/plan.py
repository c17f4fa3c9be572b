"""The draft District Child Protection Plan (DCPP) workbook.

The DNA is the evidence base of the district's child protection plan. This module turns
a district's processed data into a draft plan: one row per key finding and block with
the evidence, the priority villages, who is responsible, what the block officials
committed to in Part II, a proposed activity from the codebook's library, and a
monitoring indicator with its baseline value and an empty target for the district to
fill. The filled workbook is what a follow-up round is measured against.

Priority issues
---------------
Every key finding (:func:`leheranalysis.keyfindings.key_findings`), in the findings'
order, with its plan issue (the codebook's ``plan_issues``: the ranking issues and the
issues of the child protection system, such as helpline awareness, the VLCPC and the
Anganwadi services). When ``n_issues`` asks for more issues than the findings cover, the
other issues follow in order of their best indicator score. Every programme block gets
a row for every priority issue.

Proposed activity
-----------------
The activity the block officials committed to in Part II for the finding's indicator,
else the codebook's ``finding_activities`` entry for it, else its issue's first activity.

Monitoring indicator
--------------------
The finding's indicator (for an issue added by ``n_issues``, the issue's first
indicator). Its baseline is the block's value: the rate per 1,000 for a
count with a population base, the mean for a score or a share of group members, else
the share of villages where children or adults reported the issue (per cent).

Workbook contract (read back by the monitoring of later rounds)
---------------------------------------------------------------
Sheet ``Plan``, one header row (row 1), every header ending in its code in square
brackets: :data:`COLUMNS`. ``[baseline]``, ``[target]`` and ``[part2_timeline_months]``
are numbers, ``[target_date]`` a date; ``[issue]`` a ``plan_issues`` code, ``[block]`` a
block name, ``[indicator]`` a codebook indicator code.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leheranalysis import keyfindings as kf
from leheranalysis.codebook import Codebook, load_codebook
from leheranalysis.errors import ConfigError
from leheranalysis.present.kit import display_name
from leheranalysis.textsafe import put_cell

__all__ = [
    "COLUMNS",
    "SHEET",
    "plan_filename",
    "issue_of",
    "proposed_activity",
    "finding_actions",
    "priority_issues",
    "plan_table",
    "plan_workbook",
    "write_plan",
    "build_district_plan",
]

#: the plan sheet's name
SHEET = "Plan"

#: code -> header label of the plan sheet, in column order
COLUMNS: dict[str, str] = {
    "priority": "Priority",
    "issue": "Issue code",
    "issue_label": "Issue",
    "block": "Block",
    "indicator": "Monitoring indicator code",
    "indicator_label": "Monitoring indicator",
    "baseline": "Baseline (DNA)",
    "unit": "Unit",
    "baseline_ci": "Baseline 95 % CI",
    "villages_reporting": "Villages where children or adults reported it",
    "district_value": "All programme villages",
    "nfhs": "NFHS-5 district figure",
    "department_figure": "Departmental figure (block)",
    "priority_villages": "Priority villages (index) where it was reported",
    "department": "Responsible department",
    "officer": "Responsible officer",
    "part2_response": "Part II: block officials' response",
    "part2_timeline_months": "Part II: committed timeline (months)",
    "activity": "Proposed activity code",
    "activity_label": "Proposed activity",
    "target": "Target (same unit as the baseline)",
    "target_date": "Target date",
    "budget": "Budget (INR)",
    "responsible_person": "Responsible person (post)",
    "data": "Data",
}
_EDITABLE = ("activity", "target", "target_date", "budget", "responsible_person")


def _cb(codebook: Codebook | None) -> Codebook:
    return codebook if codebook is not None else load_codebook()


def plan_filename(district: str) -> str:
    """File name of a district's plan workbook, ``<slug>-dcpp-plan.xlsx``.

    Examples
    --------
    >>> plan_filename("Madhubani")
    'madhubani-dcpp-plan.xlsx'
    """
    from leheranalysis import config

    return f"{config.slugify(district)}-dcpp-plan.xlsx"


def issue_of(codebook: Codebook | None = None) -> dict[str, str]:
    """Village indicator -> the plan issue whose evidence it gives."""
    cb = _cb(codebook)
    return {c: i for i, spec in cb.plan_issues.items() for c in spec["indicators"]}


def proposed_activity(code: str, codebook: Codebook | None = None) -> str | None:
    """The activity code proposed for a key finding on indicator ``code``.

    The codebook's ``finding_activities`` entry for the indicator, else the first
    activity of its plan issue; None when the indicator belongs to no plan issue.
    """
    cb = _cb(codebook)
    if code in cb.finding_activities:
        return cb.finding_activities[code]
    issue = issue_of(cb).get(code)
    if issue is None or not cb.plan_issues[issue]["activities"]:
        return None
    return cb.plan_issues[issue]["activities"][0]


def finding_actions(findings: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """The proposed action of each key finding: what the plan workbook proposes.

    Parameters
    ----------
    findings : pandas.DataFrame
        :func:`leheranalysis.keyfindings.key_findings` (``indicator``).
    codebook : Codebook, optional

    Returns
    -------
    pandas.DataFrame
        One row per finding with a plan issue: ``indicator``, ``issue``, ``activity``
        (code), ``activity_label``, ``department``, ``officer``.
    """
    cb = _cb(codebook)
    of = issue_of(cb)
    acts = cb.activities.set_index("code")["label"]
    rows = []
    for code in findings["indicator"] if len(findings) else []:
        issue = of.get(code)
        if issue is None:
            continue
        act = proposed_activity(code, cb) or ""
        spec = cb.plan_issues[issue]
        rows.append(
            {
                "indicator": code,
                "issue": issue,
                "activity": act,
                "activity_label": str(acts.get(act, "")),
                "department": spec["department"],
                "officer": spec["officer"],
            }
        )
    cols = ["indicator", "issue", "activity", "activity_label", "department", "officer"]
    return pd.DataFrame(rows, columns=cols)


def priority_issues(
    evidence: kf.Evidence,
    codebook: Codebook | None = None,
    n_issues: int | None = None,
    findings: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The plan's priority issues and their monitoring indicators, in order.

    One entry per key finding, in the order of the findings, with the finding's
    indicator as the monitoring indicator (two findings of the same issue give two
    entries); then, when ``n_issues`` asks for more issues than the findings cover,
    the other issues in order of their best indicator score.

    Parameters
    ----------
    evidence : keyfindings.Evidence
    codebook : Codebook, optional
    n_issues : int, optional
        How many distinct issues at least (default: those of the key findings only).
    findings : pandas.DataFrame, optional
        :func:`leheranalysis.keyfindings.key_findings` (computed when omitted).

    Returns
    -------
    pandas.DataFrame
        ``priority``, ``issue``, ``indicator`` (monitoring indicator), ``score`` (the
        indicator's score), ``in_key_findings`` (bool).
    """
    cb = _cb(codebook)
    if n_issues is not None and n_issues < 1:
        raise ConfigError(f"the plan needs at least 1 issue, got n_issues={n_issues}")
    cols = ["priority", "issue", "indicator", "score", "in_key_findings"]
    scores = kf.score_issues(evidence, cb)
    if scores.empty or not cb.plan_issues:
        return pd.DataFrame(columns=cols)
    found = kf.key_findings(evidence, cb) if findings is None else findings
    best = scores.set_index("indicator")["score"]
    of = issue_of(cb)
    entries: list[tuple[str, str, bool]] = []
    for code in found["indicator"] if len(found) else []:
        if code in of and (of[code], code) not in [(i, c) for i, c, _ in entries]:
            entries.append((of[code], code, True))
    covered = {i for i, _, _ in entries}
    rest = {
        i: max(
            (float(best.get(c, np.nan)) for c in spec["indicators"] if c in best), default=np.nan
        )
        for i, spec in cb.plan_issues.items()
        if i not in covered
    }
    rest = {i: s for i, s in rest.items() if np.isfinite(s)}
    extra = max(0, (n_issues or 0) - len(covered))
    for issue in sorted(rest, key=lambda i: -rest[i])[:extra]:
        inds = [c for c in cb.plan_issues[issue]["indicators"] if c in best.index]
        entries.append((issue, inds[0], False))
    rows = [
        {
            "priority": k,
            "issue": issue,
            "indicator": code,
            "score": float(best.get(code, np.nan)),
            "in_key_findings": in_found,
        }
        for k, (issue, code, in_found) in enumerate(entries, start=1)
    ]
    return pd.DataFrame(rows, columns=cols)


# ----------------------------------------------------------------------- baselines
def _block_baseline(ev: kf.Evidence, cb: Codebook, code: str) -> pd.DataFrame:
    """Per block: baseline value, interval text, unit, villages reporting, hidden flag."""
    row = cb.indicator(code)
    sens = bool(row["sensitive"])
    shares = ev.shares
    comm = shares[(shares["kind"] == "community") & (shares["indicator"] == code)]
    blocks = comm[comm["scope"] == "block"].set_index("block_id")
    district = comm[comm["scope"] == "district"]
    rates = ev.rates[ev.rates["indicator"] == code] if len(ev.rates) else pd.DataFrame()
    out = []
    is_rate = len(rates) > 0 and rates["rate_per_1000"].notna().any()
    small_block = False
    if is_rate and sens:
        rb = rates[rates["scope"] == "block"]
        small_block = bool(((rb["count"] >= 1) & (rb["count"] < 5)).any())
    for bid, b in blocks.iterrows():
        n_rep, n_vil = int(b["n_reported"]), int(b["n_villages"])
        vil = f"{n_rep} of {n_vil}" if not (sens and 1 <= n_rep < 5) else f"<5 of {n_vil}"
        rec = {"block_id": int(bid), "block": str(b["block_name"]), "villages_reporting": vil}
        if is_rate:
            r = rates[(rates["scope"] == "block") & (rates["block_id"] == bid)].iloc[0]
            unit = f"per 1,000 {kf._den_label(cb, code)}"
            if small_block:
                rec |= {
                    "baseline": None,
                    "baseline_ci": "not shown: a block has fewer than 5 cases",
                }
            else:
                rec |= {
                    "baseline": round(float(r["rate_per_1000"]), 1),
                    "baseline_ci": f"{r['rate_lo']:.1f}-{r['rate_hi']:.1f}",
                }
        elif row["unit"] in ("score", "share"):
            v = ev.values[(ev.values["indicator"] == code) & (ev.values["block_id"] == bid)]
            vals = v["value"].astype(float).dropna()
            scale = 100.0 if row["unit"] == "share" and len(vals) and vals.max() <= 1 else 1.0
            vals = vals * scale
            m = float(vals.mean()) if len(vals) else np.nan
            half = 1.96 * float(vals.std(ddof=1)) / np.sqrt(len(vals)) if len(vals) > 1 else np.nan
            unit = (
                f"mean score (1-{float(row['max']):.0f})"
                if row["unit"] == "score"
                else ("% of group members")
            )
            rec |= {
                "baseline": round(m, 1) if np.isfinite(m) else None,
                "baseline_ci": f"{m - half:.1f}-{m + half:.1f}" if np.isfinite(half) else "",
            }
        else:
            unit = "% of villages"
            hide = sens and 1 <= n_rep < 5
            rec |= {
                "baseline": None if hide else round(100 * float(b["share"]), 1),
                "baseline_ci": "not shown: fewer than 5 villages"
                if hide
                else f"{100 * b['share_lo']:.0f}-{100 * b['share_hi']:.0f}",
            }
        rec["unit"] = unit
        out.append(rec)
    frame = pd.DataFrame(out)
    dval = None
    if is_rate and not small_block:
        d = rates[rates["scope"] == "district"]
        if len(d) and not (sens and 1 <= float(d["count"].iloc[0]) < 5):
            dval = round(float(d["rate_per_1000"].iloc[0]), 1)
    elif not is_rate and len(district) and row["unit"] not in ("score", "share"):
        d = district.iloc[0]
        if not (sens and (1 <= int(d["n_reported"]) < 5 or frame["baseline"].isna().any())):
            dval = round(100 * float(d["share"]), 1)
    elif row["unit"] in ("score", "share"):
        vals = ev.values.loc[ev.values["indicator"] == code, "value"].astype(float).dropna()
        scale = 100.0 if row["unit"] == "share" and len(vals) and vals.max() <= 1 else 1.0
        dval = round(float(vals.mean() * scale), 1) if len(vals) else None
    frame["district_value"] = dval
    return frame


def _department_block(ev: kf.Evidence, cb: Codebook, code: str) -> dict[int, str]:
    sc = kf.DEPARTMENT_LINKS.get(code)
    sec = ev.secondary
    if not sc or sec is None or sec.empty:
        return {}
    s = sec[(sec["indicator"] == sc) & (sec["scope"] == "block") & sec["value"].notna()]
    if s.empty:
        return {}
    year = sorted(s["year"].dropna().astype(str))[-1]
    s = s[s["year"].astype(str) == year]
    meta = cb.indicators.loc[sc] if sc in cb.indicators.index else None
    sens = bool(meta is not None and meta["sensitive"])
    label = str(meta["label"]) if meta is not None else sc.replace("_", " ")
    out = {}
    for b, v in zip(s["block_id"], s["value"].astype(float), strict=True):
        if sens and 1 <= v < 5:
            shown = "<5"
        elif meta is not None and meta["unit"] == "count":
            shown = f"{v:,.0f}"
        else:
            shown = f"{v:.1f} %"
        out[int(b)] = f"{label}: {shown} ({year})"
    return out


def _part2(
    ev: kf.Evidence, cb: Codebook, issue: str, code: str
) -> dict[int, tuple[str, Any, str | None]]:
    """Per block: the officials' responses to the issue's indicators (with the activity
    they committed to), the timeline and the activity code they committed to for the
    monitoring indicator itself (None without one)."""
    p2 = ev.part2
    if p2 is None or p2.empty:
        return {}
    inds = cb.plan_issues[issue]["indicators"]
    rows = p2[p2["indicator"].isin(inds) & p2["group"].isin(list(cb.groups.index))]
    acts = dict(zip(cb.activities["code"], cb.activities["label"], strict=True))
    has_action = "action" in rows
    out: dict[int, tuple[str, Any, str | None]] = {}
    for bid, g in rows.groupby("block_id"):
        g = g.assign(_o=g["indicator"].map({c: i for i, c in enumerate(inds)})).sort_values("_o")
        parts = []
        for r in g.itertuples(index=False):
            who = str(cb.groups.at[r.group, "label"])
            what = str(cb.indicators.at[r.indicator, "label"])
            resp = r.response if isinstance(r.response, str) else "no response recorded"
            months = "" if pd.isna(r.value) else f", within {float(r.value):.0f} months"
            act = getattr(r, "action", None) if has_action else None
            act = f" ({acts.get(act, act)})" if isinstance(act, str) else ""
            parts.append(f"{who} on {what.lower()}: {resp}{months}{act}")
        lead = g[g["indicator"] == code]
        months = lead["value"].dropna() if len(lead) else g["value"].dropna()
        timeline = float(months.min()) if len(months) else None
        committed = None
        if has_action:
            codes = list(lead["action"].dropna())
            committed = str(codes[0]) if codes else None
        out[int(bid)] = ("; ".join(parts), timeline, committed)
    return out


def _priority_villages(
    cpvi_villages: pd.DataFrame | None, ev: kf.Evidence, cb: Codebook, code: str
) -> dict[int, str]:
    """Per block: the index's priority villages where the community reported the issue."""
    if bool(cb.indicator(code)["sensitive"]):
        return {}
    if cpvi_villages is None or cpvi_villages.empty or "priority" not in cpvi_villages:
        return {}
    prio = cpvi_villages[cpvi_villages["priority"].astype(bool)]
    vals = ev.values[ev.values["indicator"] == code]
    row = cb.indicator(code)
    v = vals["value"].astype(float)
    if row["higher_is"] == "worse":
        hit = v > 0
    elif row["unit"] == "score":
        hit = v <= 2
    elif row["unit"] == "share":
        hit = v < (50 if v.max() > 1 else 0.5)
    else:
        hit = v < 0.5
    reported = set(vals.loc[hit, "village_id"].astype("int64"))
    prio = prio[prio["village_id"].astype("int64").isin(reported)].sort_values("rank")
    out: dict[int, str] = {}
    for bid, g in prio.groupby("block_id"):
        out[int(bid)] = "; ".join(
            f"{display_name(n)} (rank {int(r)})"
            for n, r in zip(g["village_name"], g["rank"], strict=True)
        )
    return out


def _nfhs_line(spec: Mapping[str, Any], evidence: kf.Evidence) -> str:
    """The first NFHS-5 sentence of the issue's indicators, without its source prefix."""
    text = next(
        (
            kf._nfhs_text(c, evidence, "")
            for c in spec["indicators"]
            if kf._nfhs_text(c, evidence, "")
        ),
        "",
    )
    return text.removeprefix("NFHS-5 (2019-21): ")


def _issue_rows(
    it: Any,
    evidence: kf.Evidence,
    cb: Codebook,
    cpvi_villages: pd.DataFrame | None,
) -> list[dict[str, Any]]:
    """The plan rows of one priority issue (``it``: a row of :func:`priority_issues`)."""
    spec = cb.plan_issues[it.issue]
    code = it.indicator
    labels = cb.ranking_issues.set_index("code")["label"]
    acts = cb.activities.set_index("code")["label"]
    dept = _department_block(evidence, cb, code)
    p2 = _part2(evidence, cb, it.issue, code)
    sensitive = bool(cb.indicator(code)["sensitive"])
    villages = _priority_villages(cpvi_villages, evidence, cb, code)
    nfhs = _nfhs_line(spec, evidence)
    default = proposed_activity(code, cb) or ""
    rows = []
    for b in _block_baseline(evidence, cb, code).itertuples(index=False):
        part2 = p2.get(b.block_id, ("no Part II response recorded", None, None))
        activity = part2[2] or default
        rows.append(
            {
                "priority": int(it.priority),
                "issue": it.issue,
                "issue_label": str(spec["label"] or labels.get(it.issue, it.issue)),
                "block": b.block,
                "indicator": code,
                "indicator_label": kf._plain_label(cb, code),
                "baseline": b.baseline,
                "unit": b.unit,
                "baseline_ci": b.baseline_ci,
                "villages_reporting": b.villages_reporting,
                "district_value": b.district_value,
                "nfhs": nfhs,
                "department_figure": dept.get(b.block_id, ""),
                "priority_villages": (
                    "not listed for a sensitive issue"
                    if sensitive
                    else villages.get(b.block_id, "none of the index's priority villages")
                ),
                "department": spec["department"],
                "officer": spec["officer"],
                "part2_response": part2[0],
                "part2_timeline_months": part2[1],
                "activity": activity,
                "activity_label": str(acts.get(activity, "")),
                "target": None,
                "target_date": None,
                "budget": None,
                "responsible_person": None,
                "data": "SYNTHETIC demonstration data" if evidence.synthetic else "DNA baseline",
            }
        )
    return rows


def plan_table(
    evidence: kf.Evidence,
    codebook: Codebook | None = None,
    cpvi_villages: pd.DataFrame | None = None,
    n_issues: int | None = None,
    findings: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The plan rows: one per key finding (priority issue) and block.

    Parameters
    ----------
    evidence : keyfindings.Evidence
    codebook : Codebook, optional
    cpvi_villages : pandas.DataFrame, optional
        ``CPVIResult.villages`` (``priority``, ``rank``); without it no village is listed.
    n_issues : int, optional
        Distinct issues at least (:func:`priority_issues`; default the key findings').
    findings : pandas.DataFrame, optional
        The key findings (computed when omitted).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS` (codes), the editable ones empty. Sensitive issues list
        no village and show no figure that would reveal a count of 1-4.
    """
    cb = _cb(codebook)
    issues = priority_issues(evidence, cb, n_issues, findings)
    rows = [
        row
        for it in issues.itertuples(index=False)
        for row in _issue_rows(it, evidence, cb, cpvi_villages)
    ]
    return pd.DataFrame(rows, columns=list(COLUMNS))


# ------------------------------------------------------------------------- workbook
def _instructions(ws, district: str, synthetic: bool, created: str, n_rows: int) -> None:
    from openpyxl.styles import Font

    lines = [
        f"Draft District Child Protection Plan (DCPP): {district}",
        "",
        "What this is: the District Need Assessment (DNA) baseline turned into a draft plan. "
        "Each row of the Plan sheet is one key finding in one block.",
        f"Built from the processed DNA data of {created or 'an unknown date'}; {n_rows} rows.",
        "",
        "How rows are chosen: every key finding of the baseline-findings report gets one row "
        "per block, in the report's order (Priority is the finding's number; findings are "
        "scored on severity, spread, the gap between community and registers, and the "
        "community's own ranking). The finding's indicator is the monitoring indicator. "
        "Rows after the last key finding appear only when more issues were asked for "
        "(leher plan --issues N): the next issues by the same score.",
        "Proposed activity: the activity the block officials committed to in Part II for "
        "the same indicator, else the activity the codebook proposes for the finding.",
        "Baseline: the block's figure in the DNA, in the unit of the Unit column (a rate per "
        "1,000 children of the age concerned, a mean score, or the share of villages).",
        "Priority villages: villages of the block whose whole rank interval on the Child "
        "Protection Vulnerability Index lies in the most vulnerable fifth and where children "
        "or adults reported the issue.",
        "",
        "What the district fills in (white columns): Proposed activity code (drop-down from "
        "the Activities sheet; change it if another activity fits), Target (a number in the "
        "unit of the baseline, e.g. 15 for 15 per 1,000), Target date (a date), Budget (INR) "
        "and Responsible person (a post, e.g. 'CDPO Bisfi', not a private name).",
        "Do not rename the headers or the sheet: a follow-up round reads the filled Plan "
        "sheet by the codes in square brackets and measures each target against it.",
        "",
        "Small counts: counts of 1-4 of sensitive issues (sexual abuse, missing and trafficked "
        "children) are never shown; their rows list no village.",
    ]
    for i, text in enumerate(lines, start=1):
        ws.cell(row=i, column=1, value=text)
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 120
    if synthetic:
        from leheranalysis.instruments import mark_synthetic

        mark_synthetic(ws.parent)


def _print_setup(ws) -> None:
    """Print the plan sheet landscape on A4, one page wide, the header row on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = "Page &P of &N"


#: Plan columns printed narrow (numbers, dates, the block's name)
_NARROW = ("priority", "baseline", "unit", "target", "target_date", "budget", "block")


def _plan_sheet(ws, table: pd.DataFrame) -> None:
    """The Plan sheet's header (codes in brackets, editable columns yellow) and rows."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    codes = list(COLUMNS)
    for j, code in enumerate(codes, start=1):
        cell = ws.cell(row=1, column=j, value=f"{COLUMNS[code]} [{code}]")
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.fill = PatternFill("solid", fgColor="FFF2CC" if code in _EDITABLE else "DDDDDD")
        ws.column_dimensions[get_column_letter(j)].width = 14 if code in _NARROW else 28
    for i, rec in enumerate(table.to_dict("records"), start=2):
        for j, code in enumerate(codes, start=1):
            v = rec.get(code)
            if v is None or (isinstance(v, float) and not np.isfinite(v)):
                continue
            cell = put_cell(ws, i, j, v.item() if hasattr(v, "item") else v)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "E2"


def _plan_validations(ws, cb: Codebook, col: Mapping[str, str], last: int) -> None:
    """Drop-down of activity codes (hidden ``Lists`` sheet), numbers and dates >= 0."""
    from openpyxl.worksheet.datavalidation import DataValidation

    lists = ws.parent.create_sheet("Lists")
    for i, a in enumerate(cb.activities["code"], start=1):
        lists.cell(row=i, column=1, value=a)
    lists.sheet_state = "hidden"
    n_act = max(len(cb.activities), 1)
    number = {"type": "decimal", "operator": "greaterThanOrEqual", "formula1": "0"}
    dvs = {
        "activity": DataValidation(
            type="list",
            formula1=f"Lists!$A$1:$A${n_act}",
            allow_blank=True,
            promptTitle="Activity",
            prompt="Choose an activity code (Activities sheet)",
        ),
        "target": DataValidation(
            **number,
            allow_blank=True,
            promptTitle="Target",
            prompt="A number in the unit of the baseline",
        ),
        "target_date": DataValidation(
            type="date",
            operator="greaterThan",
            formula1="36526",
            allow_blank=True,
            promptTitle="Target date",
            prompt="A date, e.g. 31/03/2027",
        ),
        "budget": DataValidation(**number, allow_blank=True, promptTitle="Budget", prompt="Rupees"),
    }
    for code, dv in dvs.items():
        dv.showErrorMessage = True
        dv.add(f"{col[code]}2:{col[code]}{last}")
        ws.add_data_validation(dv)
    for r in range(2, last + 1):
        ws[f"{col['target_date']}{r}"].number_format = "yyyy-mm-dd"


def _activities_sheet(wb, cb: Codebook) -> None:
    """The activity library with the issues each activity is proposed for."""
    from openpyxl.styles import Font

    acts = wb.create_sheet("Activities")
    acts.append(["Activity code [activity]", "Activity [activity_label]", "Issues [issues]"])
    for c in acts[1]:
        c.font = Font(bold=True)
    used: dict[str, list[str]] = {}
    for issue, spec in cb.plan_issues.items():
        for a in spec["activities"]:
            used.setdefault(a, []).append(issue)
    for r in cb.activities.itertuples(index=False):
        acts.append([r.code, r.label, ", ".join(used.get(r.code, []))])
    acts.column_dimensions["A"].width = 26
    acts.column_dimensions["B"].width = 100
    acts.column_dimensions["C"].width = 30
    acts.freeze_panes = "A2"


def plan_workbook(
    table: pd.DataFrame,
    district: str,
    synthetic: bool = False,
    codebook: Codebook | None = None,
    created: str = "",
):
    """Build the plan workbook (openpyxl) from :func:`plan_table`.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`plan_table`.
    district : str
    synthetic : bool
        Mark the workbook SYNTHETIC (banner, properties, every row's ``[data]``).
    codebook : Codebook, optional
    created : str
        Date of the processed data (Instructions).

    Returns
    -------
    openpyxl.Workbook
        Sheets ``Instructions``, ``Plan`` (frozen header and first columns, drop-downs,
        number and date validation; printed landscape, one page wide, the header row on
        every page, long text wrapped), ``Activities`` (the library), ``Lists`` (hidden).
    """
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    cb = _cb(codebook)
    wb = Workbook()
    wb.active.title = "Instructions"
    _instructions(wb["Instructions"], district, synthetic, created, len(table))
    ws = wb.create_sheet(SHEET)
    _plan_sheet(ws, table)
    last = max(len(table) + 1, 2)
    codes = list(COLUMNS)
    col = {c: get_column_letter(j) for j, c in enumerate(codes, start=1)}
    _plan_validations(ws, cb, col, last)
    ws.auto_filter.ref = f"A1:{col[codes[-1]]}{last}"
    _print_setup(ws)
    _activities_sheet(wb, cb)
    if synthetic:
        from leheranalysis.instruments import mark_synthetic

        mark_synthetic(wb)
    return wb


def write_plan(
    table: pd.DataFrame,
    path: str | Path,
    district: str,
    synthetic: bool = False,
    codebook: Codebook | None = None,
    created: str = "",
) -> Path:
    """Write the plan workbook atomically.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`plan_table`.
    path : str or pathlib.Path
        Destination ``.xlsx`` (its folder is created).
    district, synthetic, codebook, created
        As for :func:`plan_workbook`.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ConfigError
        If the path does not end in ``.xlsx`` or cannot be written.
    """
    from leheranalysis.instruments import ensure_folder, save_workbook

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ConfigError(f"{path}: the plan is an Excel workbook; give a name ending in .xlsx")
    ensure_folder(path.parent)
    wb = plan_workbook(table, district, synthetic, codebook, created)
    return save_workbook(wb, path, synthetic=synthetic)


def _stored_rows(p, cb: Codebook, cpvi_n: int, seed: int, cpvi_config) -> tuple | None:
    """The plan rows and key findings derived once and stored with the district's other
    derived tables (:mod:`leheranalysis.derive`: packaged codebook, the key findings'
    issues); None when there are none."""
    from leheranalysis import cpvi, derive

    cpvi.load_cpvi_config(cpvi_config, codebook=cb)  # a bad configuration is an error
    stored = derive.load(
        p,
        "plan_rows",
        "key_findings",
        cpvi_n=cpvi_n,
        cpvi_seed=seed,
        cpvi_config=str(cpvi_config or ""),
    )
    rows = stored.tables.get("plan_rows")
    if rows is None or rows.empty:
        return None
    return rows, stored.tables["key_findings"]


def build_district_plan(
    district: str | None = None,
    data_dir: str | Path | None = None,
    codebook: Codebook | None = None,
    n_issues: int | None = None,
    cpvi_n: int = 1000,
    seed: int = 0,
    cpvi_config: str | Path | None = None,
) -> tuple[pd.DataFrame, Mapping[str, Any]]:
    """Load a district's processed data and compute its plan rows.

    Parameters
    ----------
    district : str, optional
        District name (its processed folder ``data/processed/<slug>``).
    data_dir : str or pathlib.Path, optional
        The processed folder instead.
    codebook : Codebook, optional
    n_issues : int, optional
        Distinct issues at least (default: those of the key findings).
    cpvi_n, seed : int
        Monte Carlo replications and seed of the index's rank intervals (as in the
        baseline-findings report, so that both name the same priority villages).
    cpvi_config : str or pathlib.Path, optional
        An edited index configuration (YAML), as the report's ``cpvi_config``.

    Returns
    -------
    table : pandas.DataFrame
        :func:`plan_table`.
    info : dict
        ``district``, ``synthetic``, ``created``, ``findings`` (the key findings).
    """
    from leheranalysis import cpvi, derive
    from leheranalysis.errors import LeherError
    from leheranalysis.findings import district_denominator_shares
    from leheranalysis.processed import load_processed

    cb = _cb(codebook)
    p = load_processed(district, folder=data_dir)
    name = str(p.district or district or "")
    info = {
        "district": name,
        "synthetic": bool(p.synthetic),
        "created": str(p.manifest.get("created", ""))[:10],
    }
    if codebook is None and n_issues is None:
        stored = _stored_rows(p, cb, cpvi_n, seed, cpvi_config)
        if stored is not None:
            return stored[0], {**info, "findings": stored[1]}
    shares, _ = district_denominator_shares(name)
    ev = kf.build_evidence(
        p.observations,
        p.villages,
        p.rankings,
        p.blocks,
        cb,
        shares,
        name,
        kf.nfhs_reference(name),
        synthetic=bool(p.synthetic),
    )
    found = kf.key_findings(ev, cb)
    villages = None
    try:
        # the index the report shows, computed once and stored (leheranalysis.derive)
        cpvi.load_cpvi_config(cpvi_config, codebook=cb)  # a bad configuration is an error
        stored = derive.load(
            p, "cpvi", cpvi_n=cpvi_n, cpvi_seed=seed, cpvi_config=str(cpvi_config or "")
        )
        villages = stored.tables.get("cpvi_villages")
    except ConfigError:
        raise
    except LeherError:
        villages = None
    table = plan_table(ev, cb, villages, n_issues, found)
    return table, {**info, "findings": found}


def today() -> str:
    """Today's date as ISO text (helper for file names)."""
    return _dt.date.today().isoformat()
