"""Presenters of the baseline-findings report's planning sections.

The key findings (opening section), the block officials' Part II response and
commitments, and the glossary. Pure functions from tables to reviewer-ready text and
tables; nothing here reads or writes files.

Examples
--------
>>> link_glossary("The AWW and the ASHA; the AWW again.", terms=["AWW", "ASHA"])
'The [AWW](#Glossary) and the [ASHA](#Glossary); the AWW again.'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from leheranalysis import keyfindings as kf
from leheranalysis.codebook import Codebook, load_codebook
from leheranalysis.present._baseline_sections import NO_TRIANGULATION_DATA
from leheranalysis.present.kit import display_name, or_no_data

__all__ = [
    "GLOSSARY_ANCHOR",
    "link_glossary",
    "key_findings_section",
    "part2_commitments",
    "part2_summary",
    "part2_block_table",
    "glossary_table",
    "with_reasons",
    "disagreement_phrase",
    "largest_by_direction",
    "reasons_by_issue",
    "priority_reasons",
    "priority_rule_text",
    "block_order_text",
    "sensitivity_sentence",
    "reconciliation_table",
]

#: the anchor nbconvert gives the report's "## Glossary" heading
GLOSSARY_ANCHOR = "#Glossary"


def _cb(codebook: Codebook | None) -> Codebook:
    return codebook if codebook is not None else load_codebook()


def link_glossary(
    text: str,
    codebook: Codebook | None = None,
    terms: Iterable[str] | None = None,
    seen: set[str] | None = None,
) -> str:
    """Link the first use of each glossary abbreviation in Markdown text to the glossary.

    Parameters
    ----------
    text : str
        Markdown.
    codebook : Codebook, optional
        Its ``glossary`` terms written in capitals (abbreviations) are linked.
    terms : iterable of str, optional
        Terms to link instead.
    seen : set of str, optional
        Terms already linked earlier in the report (updated in place).

    Returns
    -------
    str
    """
    if terms is None:
        terms = [t for t in _cb(codebook).glossary["term"] if re.fullmatch(r"[A-Z][A-Z0-9-]+", t)]
    seen = set() if seen is None else seen
    for term in sorted(terms, key=len, reverse=True):
        if term in seen:
            continue
        pat = re.compile(rf"(?<![\w\[#/-]){re.escape(term)}(?![\w\]-])")
        m = pat.search(text)
        if m:
            text = f"{text[: m.start()]}[{term}]({GLOSSARY_ANCHOR}){text[m.end() :]}"
            seen.add(term)
    return text


def key_findings_section(
    findings: pd.DataFrame | None,
    synthetic: bool = False,
    codebook: Codebook | None = None,
    seen: set[str] | None = None,
    plan_file: str | None = None,
) -> str:
    """The report's opening "Key findings" list, abbreviations linked to the glossary.

    Each finding ends with its proposed action: the activity the draft plan proposes for
    it and the responsible department (:func:`leheranalysis.plan.finding_actions`).

    Parameters
    ----------
    findings : pandas.DataFrame
        :func:`leheranalysis.keyfindings.key_findings`.
    synthetic : bool
    codebook : Codebook, optional
    seen : set of str, optional
        Glossary terms already linked (updated).
    plan_file : str, optional
        File name of the plan workbook beside the report
        (:func:`leheranalysis.plan.plan_filename`): a paragraph after the list links it
        and says what it is.

    Returns
    -------
    str
        Markdown.
    """
    from leheranalysis.plan import finding_actions

    cb = _cb(codebook)
    if findings is None:  # not derived: as without findings
        findings = pd.DataFrame()
    if findings.empty:
        return link_glossary(kf.key_findings_markdown(findings, synthetic), cb, seen=seen)
    actions = finding_actions(findings, cb).set_index("indicator")
    lines = []
    for i in range(len(findings)):
        row = findings.iloc[[i]]
        text = kf.key_findings_markdown(row, False).rstrip()
        code = row["indicator"].iloc[0]
        if code in actions.index:
            a = actions.loc[code]
            text += (
                f" *Proposed action:* {kf._md(a['activity_label'])}; "
                f"responsible: {kf._md(a['department'])}."
            )
        lines.append(text)
    body = "\n".join(lines)
    if synthetic:
        first = kf.key_findings_markdown(findings.iloc[[0]], False)
        head = kf.key_findings_markdown(findings.iloc[[0]], True).removesuffix(first)
        body = head + body
    if plan_file:
        name = kf._md(plan_file)
        body += (
            f"\n\nThe draft District Child Protection Plan (DCPP) workbook [{name}]({plan_file}) "
            "(Excel, in the folder of this report) turns each finding into one row per "
            "block: the monitoring indicator and its baseline, the responsible department "
            "and officer, the block officials' Part II commitment and the proposed activity, "
            "with empty columns for the district's target, target date, budget and "
            "responsible post. `leher run` writes it with the reports; "
            "`leher plan` writes it on its own."
        )
    return link_glossary(body, cb, seen=seen)


def part2_commitments(evidence: kf.Evidence, codebook: Codebook | None = None) -> pd.DataFrame:
    """The block officials' Part II responses with the community evidence they answered.

    Parameters
    ----------
    evidence : keyfindings.Evidence
    codebook : Codebook, optional

    Returns
    -------
    pandas.DataFrame
        One row per block, indicator and official: ``block_id``, ``block``,
        ``indicator``, ``issue`` (indicator label), ``evidence`` (what the villages
        counted said, in the codebook's reader label, how many of the block's villages -
        the headline table's count - and the block's rate or mean; sensitive counts of
        1-4 hidden), ``official``, ``response``,
        ``timeline_months`` (float or NaN), ``action`` (the committed activity from the
        library, ``-`` when none was recorded).
    """
    from leheranalysis.plan import _block_baseline

    cb = _cb(codebook)
    cols = [
        "block_id",
        "block",
        "indicator",
        "issue",
        "evidence",
        "official",
        "response",
        "timeline_months",
        "action",
    ]
    p2 = evidence.part2
    if p2 is None or p2.empty or evidence.shares.empty:
        return pd.DataFrame(columns=cols)
    p2 = p2[p2["group"].isin(list(cb.groups.index)) & p2["indicator"].isin(cb.indicators.index)]
    texts: dict[tuple[int, str], str] = {}
    for code in dict.fromkeys(p2["indicator"]):
        if code not in set(evidence.shares["indicator"]):
            continue
        counted = cb.reader_label(code)
        for b in _block_baseline(evidence, cb, code).itertuples(index=False):
            texts[(b.block_id, code)] = _evidence_text(counted, b)
    order = {c: i for i, c in enumerate(cb.indicators.index)}
    acts = dict(zip(cb.activities["code"], cb.activities["label"], strict=True))
    rows = []
    for r in p2.itertuples(index=False):
        rows.append(
            {
                "block_id": int(r.block_id),
                "block": str(r.block_name),
                "indicator": r.indicator,
                "issue": kf._plain_label(cb, r.indicator),
                "evidence": texts.get((int(r.block_id), r.indicator), "no village data"),
                "official": str(cb.groups.at[r.group, "label"]),
                "response": r.response if isinstance(r.response, str) else "not recorded",
                "timeline_months": float(r.value) if pd.notna(r.value) else float("nan"),
                "action": acts.get(a, a)
                if isinstance(a := getattr(r, "action", None), str)
                else "-",
                "_o": order[r.indicator],
            }
        )
    out = pd.DataFrame(rows)
    out = out.sort_values(["block", "_o"], kind="stable").drop(columns="_o")
    return out[cols].reset_index(drop=True)


def _evidence_text(counted: str, b: Any) -> str:
    """``'No VLCPC: 13 of 21 villages (62 %)'``: what the villages counted said, how many,
    and the block's figure (a rate, a mean) after it.

    Examples
    --------
    >>> from types import SimpleNamespace as B
    >>> _evidence_text("Anganwadi centre rated poor (1-2 of 5)",
    ...                B(villages_reporting="5 of 21", baseline=3.6, baseline_ci="3.2-4.0",
    ...                  unit="mean score (1-5)"))
    'Anganwadi centre rated poor (1-2 of 5): 5 of 21 villages; mean score 3.6 (1-5)'
    >>> _evidence_text("No VLCPC", B(villages_reporting="13 of 21", baseline=61.9,
    ...                baseline_ci="40-80", unit="% of villages"))
    'No VLCPC: 13 of 21 villages (62 %)'
    """
    where = f"{counted}: {b.villages_reporting} villages"
    if b.baseline is None or pd.isna(b.baseline):
        why = str(b.baseline_ci or "")
        if why.startswith("not shown"):
            return f"{where}; figure {why}"
        return f"{where}; figure not shown (fewer than 5)" if "<5" in where else where
    if b.unit == "% of villages":
        return f"{where} ({b.baseline:.0f} %)"
    if str(b.unit).startswith("mean score"):
        return f"{where}; mean score {b.baseline:g}{str(b.unit)[len('mean score') :]}"
    return f"{where}; {b.baseline:g} {b.unit}"


def part2_summary(commitments: pd.DataFrame, codebook: Codebook | None = None) -> list[str]:
    """One sentence per block: how many issues the officials acknowledged, partly, not.

    Examples
    --------
    >>> c = pd.DataFrame({"block": ["A", "A", "A"], "indicator": ["x", "y", "z"],
    ...                   "response": ["acknowledged", "not acknowledged", "acknowledged"],
    ...                   "timeline_months": [3.0, float("nan"), 6.0]})
    >>> part2_summary(c)[0]
    'A: of 3 issues presented, block officials acknowledged 2, partly acknowledged 0 and did not acknowledge 1; they committed to act on 2 within 3-6 months.'
    """
    out = []
    for block, g in commitments.groupby("block", sort=False):
        n = g["indicator"].nunique()
        resp = g["response"].value_counts()
        t = g["timeline_months"].dropna()
        when = (
            f"; they committed to act on {g.loc[g['timeline_months'].notna(), 'indicator'].nunique()}"
            f" within {t.min():.0f}-{t.max():.0f} months"
            if len(t)
            else "; no timeline was recorded"
        )
        out.append(
            f"{block}: of {n} issues presented, block officials acknowledged "
            f"{int(resp.get('acknowledged', 0))}, partly acknowledged "
            f"{int(resp.get('partly acknowledged', 0))} and did not acknowledge "
            f"{int(resp.get('not acknowledged', 0))}{when}."
        )
    return out


def part2_block_table(commitments: pd.DataFrame, block: str) -> pd.DataFrame:
    """The commitments table of one block, for readers.

    Parameters
    ----------
    commitments : pandas.DataFrame
        :func:`part2_commitments`.
    block : str
        Block name.

    Returns
    -------
    pandas.DataFrame
        ``Issue``, ``Community evidence (block)``, ``Block official``, ``Response``,
        ``Committed timeline``, ``Committed activity``.
    """
    g = commitments[commitments["block"] == block]
    return pd.DataFrame(
        {
            "Issue": g["issue"].to_numpy(),
            "Community evidence (block)": g["evidence"].to_numpy(),
            "Block official": g["official"].to_numpy(),
            "Response": g["response"].to_numpy(),
            "Committed timeline": [
                "-" if pd.isna(m) else f"within {m:.0f} months" for m in g["timeline_months"]
            ],
            "Committed activity": g["action"].to_numpy(),
        }
    )


def glossary_table(codebook: Codebook | None = None) -> pd.DataFrame:
    """See :func:`leheranalysis.present.kit.glossary_table`."""
    from leheranalysis.present.kit import glossary_table as _table

    return _table(codebook)


# ------------------------------------------------------------ disagreements and reasons
_DIRECTIONS = ("community higher", "duty bearer higher")


def with_reasons(tri: pd.DataFrame, observations: pd.DataFrame) -> pd.DataFrame:
    """See :func:`leheranalysis.keyfindings.with_reasons`."""
    return kf.with_reasons(tri, observations)


def disagreement_phrase(unit: str, higher_is: str, direction: str, who: str = "duty bearer") -> str:
    """What "reported more" means for an indicator's unit.

    Examples
    --------
    >>> disagreement_phrase("count", "worse", "community higher", "teacher")
    'the community counted more cases than the teacher'
    >>> disagreement_phrase("score", "better", "duty bearer higher", "Anganwadi worker")
    'the Anganwadi worker rated the service better than the community'
    """
    first, second = (
        ("the community", who) if direction == "community higher" else (who, "the community")
    )
    first = first if first.startswith("the ") else f"the {first}"
    second = second if second.startswith("the ") else f"the {second}"
    if unit == "count":
        verb = "counted more cases than" if first == "the community" else "recorded more cases than"
    elif unit == "score":
        verb = (
            "rated the service better than" if higher_is == "better" else "gave a higher score than"
        )
    elif unit == "yesno":
        return f'{first} said "yes" where {second} said "no"'
    else:
        verb = "gave a higher share than"
    return f"{first} {verb} {second}"


def largest_by_direction(
    tri: pd.DataFrame,
    observations: pd.DataFrame,
    codebook: Codebook | None = None,
    n: int = 5,
) -> dict[str, pd.DataFrame]:
    """The largest village-level gaps in each direction, with the reason given.

    Sensitive issues are left out (a named village next to them points at children).

    Returns
    -------
    dict
        ``"community higher"`` and ``"duty bearer higher"`` -> reader table: the columns
        of :func:`leheranalysis.present.baseline.discrepancy_table` without ``Who reported
        more``, plus ``What differs`` and ``Reason given``.
    """
    from leheranalysis import indicators as ind
    from leheranalysis.present.baseline import discrepancy_table
    from leheranalysis.present.kit import sensitive_codes

    cb = _cb(codebook)
    t = with_reasons(tri, observations)
    t = t[~t["indicator"].isin(sensitive_codes(cb))]
    labels = dict(zip(cb.reason_codes["code"], cb.reason_codes["label"], strict=True))
    out = {}
    for direction in _DIRECTIONS:
        part = t[t["agreement"].astype(object) == direction]
        largest = ind.largest_discrepancies(part, n=n)
        table = discrepancy_table(largest, cb)
        if table.empty:
            out[direction] = table.drop(columns="Who reported more", errors="ignore")
            continue
        table["What differs"] = [
            disagreement_phrase(u, h, direction, kf._DUTY_LABELS.get(d, d))
            for u, h, d in zip(
                largest["unit"], largest["higher_is"], largest["duty_bearer"], strict=True
            )
        ]
        table["Reason given"] = [labels.get(r, "-") if r else "-" for r in largest["reason"]]
        out[direction] = table.drop(columns="Who reported more")
    return out


@or_no_data(NO_TRIANGULATION_DATA)
def reasons_by_issue(
    tri: pd.DataFrame, observations: pd.DataFrame, codebook: Codebook | None = None
) -> pd.DataFrame:
    """Per issue: how often each side reported more, and the reasons duty bearers gave.

    Returns
    -------
    pandas.DataFrame
        ``Issue``, ``Records compared``, ``Community reported more``, ``Duty bearer
        reported more``, ``Reasons (community reported more)``, ``Reasons (duty bearer
        reported more)``: counts of village records; for sensitive issues any count of
        1-4 shows as ``<5`` and reasons are listed without counts.
    """
    from leheranalysis.present.kit import sensitive_codes

    cb = _cb(codebook)
    t = with_reasons(tri, observations)
    t = t[t["agreement"].astype(object) != "no data"]
    sens = sensitive_codes(cb)
    labels = dict(zip(cb.reason_codes["code"], cb.reason_codes["label"], strict=True))
    rows = []
    for code, g in t.groupby("indicator", sort=False):
        secret = code in sens

        def n(x: int, secret: bool = secret) -> str:
            return "<5" if secret and 1 <= x < 5 else f"{x}"

        cells = []
        for direction in _DIRECTIONS:
            d = g[g["agreement"].astype(object) == direction]
            counts = d["reason"].dropna().map(lambda r: labels.get(r, r)).value_counts()
            if secret:  # labels only: counts could be subtracted from the class total
                text = "; ".join(counts.index)
            else:
                text = "; ".join(f"{lab} {int(k)}" for lab, k in counts.items())
            cells.append((len(d), text or "-"))
        rows.append(
            {
                "Issue": kf._plain_label(cb, code),
                "Records compared": n(len(g)),
                "Community reported more": n(cells[0][0]),
                "Duty bearer reported more": n(cells[1][0]),
                "Reasons (community reported more)": cells[0][1],
                "Reasons (duty bearer reported more)": cells[1][1],
            }
        )
    return pd.DataFrame(rows)


# ------------------------------------------------------------- why a village is a priority
_SENS_WORDS = {
    "weights_L2": "the weights of the indicators within a domain",
    "weights_L3": "the weights of the four domains",
    "normalisation": "how indicators are put on one scale (normalisation)",
    "aggregation": "how indicators are combined (arithmetic or geometric mean)",
    "winsor_limit": "how extreme values are treated",
}


def _pillars(meta: pd.DataFrame) -> pd.DataFrame:
    return meta[meta["level"] == 2].set_index("code")[["label", "weight"]]


def priority_reasons(
    villages: pd.DataFrame, meta: pd.DataFrame, code: str = "cpvi", top: int = 2
) -> pd.DataFrame:
    """Why each priority village is a priority: rank interval and the domains that drive it.

    A domain's contribution is its weight times the village's domain score (0-100), the
    share of the arithmetic index it makes up.

    Parameters
    ----------
    villages : pandas.DataFrame
        ``CPVIResult.villages`` (``rank``, ``q05``, ``q95``, ``priority``, domain scores).
    meta : pandas.DataFrame
        ``CPVIResult.meta`` (domains are its level-2 rows).
    code : str
        Index column.
    top : int
        Domains named per village.

    Returns
    -------
    pandas.DataFrame
        ``Rank``, ``Village``, ``Block``, ``Rank interval (5-95 %)``, ``Why a priority``.
    """
    cols = ["Rank", "Village", "Block", "Rank interval (5-95 %)", "Why a priority"]
    pil = _pillars(meta)
    v = villages[villages[code].notna() & villages["priority"].astype(bool)]
    if v.empty or pil.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for _, r in v.sort_values("rank").iterrows():
        contrib = pd.Series({p: float(pil.at[p, "weight"]) * float(r[p]) for p in pil.index})
        total = float(contrib.sum())
        best = contrib.sort_values(ascending=False).head(top)
        parts = [
            f"{str(pil.at[p, 'label']).lower()} (score {float(r[p]):.0f} of 100, "
            f"{100 * c / total:.0f} % of its index)"
            for p, c in best.items()
        ]
        rows.append(
            {
                "Rank": int(r["rank"]),
                "Village": display_name(r["village_name"]),
                "Block": str(r["block_name"]),
                "Rank interval (5-95 %)": f"{r['q05']:.0f}-{r['q95']:.0f}",
                "Why a priority": "mostly " + " and ".join(parts),
            }
        )
    return pd.DataFrame(rows, columns=cols)


def priority_rule_text(villages: pd.DataFrame, quantile: float = 0.2, code: str = "cpvi") -> str:
    """How priority is decided, and why some high ranks are not on the priority list.

    Examples
    --------
    >>> v = pd.DataFrame({"cpvi": [9, 8, 7, 6, 5], "rank": [1, 2, 3, 4, 5],
    ...                   "q05": [1, 1, 1, 3, 4], "q95": [1, 2, 4, 5, 5],
    ...                   "priority": [True, True, False, False, False],
    ...                   "village_name": list("ABCDE")})
    >>> print(priority_rule_text(v, 0.4))  # doctest: +NORMALIZE_WHITESPACE
    A village is a priority when its whole rank interval (the 5-95 % range of its ranks
    when the index is recomputed with other reasonable choices) lies within the most
    vulnerable 40 % of villages, ranks 1-2 of 5. 2 villages qualify. Not on the list
    although ranked within 1-2 under the standard choices: none.
    """
    v = villages[villages[code].notna()]
    n = len(v)
    limit = int(np.floor(quantile * n + 1e-9))
    prio = v["priority"].astype(bool)
    inside = v[(v["rank"] <= limit + 1e-9) & ~prio].sort_values("rank")
    missing = (
        "; ".join(
            f"rank {int(r['rank'])} ({display_name(r['village_name'])}: its interval reaches rank {r['q95']:.0f})"
            for _, r in inside.iterrows()
        )
        or "none"
    )
    return (
        "A village is a priority when its whole rank interval (the 5-95 % range of its ranks "
        "when the index is recomputed with other reasonable choices) lies within the most "
        f"vulnerable {100 * quantile:.0f} % of villages, ranks 1-{limit:g} of {n}. "
        f"{int(prio.sum())} villages qualify. Not on the list although ranked within "
        f"1-{limit:g} under the standard choices: {missing}."
    )


def block_order_text(
    blocks: pd.DataFrame,
    meta: pd.DataFrame,
    rates: pd.DataFrame,
    code: str = "cpvi",
) -> str:
    """Explain when the block order by the index differs from the order by rates.

    Parameters
    ----------
    blocks : pandas.DataFrame
        ``CPVIResult.blocks`` (``rank``, domain scores).
    meta : pandas.DataFrame
        ``CPVIResult.meta``.
    rates : pandas.DataFrame
        :func:`leheranalysis.indicators.population_weighted_rates` (block rows are used).

    Returns
    -------
    str
        One or two sentences; ``""`` without blocks or rates.
    """
    if blocks.empty or rates is None or rates.empty:
        return ""
    rb = rates[(rates["scope"] == "block") & rates["rate_per_1000"].notna()]
    if rb.empty:
        return ""
    highest = rb.loc[rb.groupby("indicator")["rate_per_1000"].idxmax(), "block_name"]
    wins = highest.value_counts()
    n_rates = int(rb["indicator"].nunique())
    by_rate = str(wins.index[0])
    first = blocks.sort_values("rank").iloc[0]
    by_index = str(first["block_name"])
    if by_rate == by_index:
        return (
            f"{by_index} is the most vulnerable block on the index and has the highest rate "
            f"on {int(wins.iloc[0])} of {n_rates} rates per 1,000: both orders agree."
        )
    pil = _pillars(meta)
    other = blocks[blocks["block_name"] == by_rate].iloc[0]
    diff = pd.Series({p: float(first[p]) - float(other[p]) for p in pil.index})
    drivers = diff[diff > 0].sort_values(ascending=False).head(2)
    words = " and ".join(
        f"{str(pil.at[p, 'label']).lower()} ({float(first[p]):.0f} against {float(other[p]):.0f})"
        for p in drivers.index
    )
    return (
        f"{by_rate} has the highest rate on {int(wins.iloc[0])} of {n_rates} rates per 1,000, "
        f"yet {by_index} ranks first on the index and {by_rate} "
        f"{_ordinal(int(other['rank']))}: the index also counts yes/no issues, scores of "
        f"services and all four domains equally, and {by_index} scores higher on {words}."
    )


def _ordinal(k: int) -> str:
    return {1: "first", 2: "second", 3: "third"}.get(k, f"{k}th")


def sensitivity_sentence(sensitivity: pd.DataFrame, villages: pd.DataFrame | None = None) -> str:
    """The sensitivity analysis in one plain sentence.

    Examples
    --------
    >>> s = pd.DataFrame({"S1": [0.42, 0.24, 0.0], "ST": [0.75, 0.45, 0.01]},
    ...                  index=["normalisation", "aggregation", "winsor_limit"])
    >>> sensitivity_sentence(s)  # doctest: +ELLIPSIS
    'Of the choices behind the index, how indicators are put on one scale (normalisation) moves village ranks most (42 % of ...'
    """
    if sensitivity is None or sensitivity.empty:
        return ""
    st = sensitivity["ST"].clip(lower=0)
    s1 = sensitivity["S1"].clip(lower=0)
    top = st.idxmax()
    text = (
        f"Of the choices behind the index, {_SENS_WORDS.get(top, top)} moves village ranks "
        f"most ({100 * min(s1[top], st[top]):.0f} % of the variation in ranks on its own, "
        f"{100 * st[top]:.0f} % with its interactions)"
    )
    if villages is not None and "priority" in villages and "mean_abs_shift" in villages:
        prio = villages[villages["priority"].astype(bool)]
        if len(prio):
            text += (
                f"; the priority villages move on average {prio['mean_abs_shift'].mean():.1f} "
                "places under the alternatives"
            )
    return text + "."


@or_no_data(
    "No issue with more than one source for this district: no duty bearers' records, NFHS-5 "
    "or departmental figure speaks to an issue the groups reported."
)
def reconciliation_table(reconciled: pd.DataFrame) -> pd.DataFrame:
    """Reader table of :func:`leheranalysis.keyfindings.reconcile`.

    Returns
    -------
    pandas.DataFrame
        ``Issue``, ``Source``, ``Figure``, ``Unit``, ``Compared with the groups``,
        ``Why it may differ``.
    """
    cols = ["Issue", "Source", "Figure", "Unit", "Compared with the groups", "Why it may differ"]
    if reconciled.empty:
        return pd.DataFrame(columns=cols)
    first = ~reconciled["indicator"].duplicated()

    def verdict(r: pd.Series) -> str:
        if r["source"].startswith("DNA: children"):
            return "reference"
        if not r["same_unit"]:
            return "other unit"
        if pd.isna(r["value"]):
            return "-"
        return "differs" if r["differs"] else "about the same"

    return pd.DataFrame(
        {
            "Issue": reconciled["issue"].where(first, ""),
            "Source": reconciled["source"],
            "Figure": reconciled["figure"],
            "Unit": reconciled["unit"],
            "Compared with the groups": reconciled.apply(verdict, axis=1),
            "Why it may differ": reconciled["why"].replace("", "-"),
        }
    )[cols]
