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

import pandas as pd

from leheranalysis import keyfindings as kf
from leheranalysis.codebook import Codebook, load_codebook

__all__ = [
    "GLOSSARY_ANCHOR",
    "link_glossary",
    "key_findings_section",
    "part2_commitments",
    "part2_summary",
    "part2_block_table",
    "glossary_table",
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
    findings: pd.DataFrame,
    synthetic: bool = False,
    codebook: Codebook | None = None,
    seen: set[str] | None = None,
) -> str:
    """The report's opening "Key findings" list, abbreviations linked to the glossary.

    Parameters
    ----------
    findings : pandas.DataFrame
        :func:`leheranalysis.keyfindings.key_findings`.
    synthetic : bool
    codebook : Codebook, optional
    seen : set of str, optional
        Glossary terms already linked (updated).

    Returns
    -------
    str
        Markdown.
    """
    return link_glossary(kf.key_findings_markdown(findings, synthetic), codebook, seen=seen)


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
        ``indicator``, ``issue`` (indicator label), ``evidence`` (the block's community
        figure in words; sensitive counts of 1-4 hidden), ``official``, ``response``,
        ``timeline_months`` (float or NaN).
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
    ]
    p2 = evidence.part2
    if p2 is None or p2.empty or evidence.shares.empty:
        return pd.DataFrame(columns=cols)
    p2 = p2[p2["group"].isin(list(cb.groups.index)) & p2["indicator"].isin(cb.indicators.index)]
    texts: dict[tuple[int, str], str] = {}
    for code in dict.fromkeys(p2["indicator"]):
        if code not in set(evidence.shares["indicator"]):
            continue
        for b in _block_baseline(evidence, cb, code).itertuples(index=False):
            where = f"reported in {b.villages_reporting} villages"
            if b.baseline is None or pd.isna(b.baseline):
                text = f"figure not shown (fewer than 5); {where}"
            elif b.unit == "% of villages":
                text = f"{where} ({b.baseline:.0f} %)"
            else:
                text = f"{b.baseline:g} {b.unit}; {where}"
            texts[(b.block_id, code)] = text
    order = {c: i for i, c in enumerate(cb.indicators.index)}
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
                "_o": order[r.indicator],
            }
        )
    out = pd.DataFrame(rows)
    out = out.sort_values(["block", "_o"], kind="stable").drop(columns="_o")
    return out[cols].reset_index(drop=True)


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
        ``Committed timeline``.
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
        }
    )


def glossary_table(codebook: Codebook | None = None) -> pd.DataFrame:
    """The glossary of abbreviations and method terms, alphabetical.

    Returns
    -------
    pandas.DataFrame
        ``Term``, ``Stands for``, ``Meaning``.
    """
    g = _cb(codebook).glossary
    g = g.sort_values("term", key=lambda s: s.str.lower(), kind="stable")
    return pd.DataFrame(
        {
            "Term": g["term"].to_numpy(),
            "Stands for": g["expansion"].to_numpy(),
            "Meaning": g["definition"].to_numpy(),
        }
    )
