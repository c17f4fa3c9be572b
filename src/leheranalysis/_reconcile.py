"""Reconciliation of the key findings (:mod:`leheranalysis.keyfindings`).

Owns :func:`reconcile`: every source that speaks to a village count (the DNA's groups,
the duty bearers' records, NFHS-5, the departments' figures) side by side, in the
DNA's unit where a conversion exists, with a short reason where two figures differ by
more than :data:`MARGIN`. :mod:`leheranalysis.keyfindings` re-exports both names; the
helpers and tables shared with the key findings stay there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from leheranalysis.codebook import Codebook

if TYPE_CHECKING:
    from leheranalysis.keyfindings import Evidence

#: two figures in the same unit differ when the larger exceeds the smaller by more than
#: this share (and, where both have intervals, the intervals do not overlap)
MARGIN = 0.25


def _differs(a: float, b: float, a_ci=(np.nan, np.nan), b_ci=(np.nan, np.nan)) -> bool:
    """True when ``a`` and ``b`` differ by more than :data:`MARGIN` (intervals apart).

    Examples
    --------
    >>> _differs(30.0, 189.0), _differs(30.0, 33.0), _differs(30, 45, (20, 40), (35, 55))
    (True, False, False)
    """
    if not (np.isfinite(a) and np.isfinite(b)):
        return False
    lo, hi = sorted((abs(a), abs(b)))
    if hi <= lo * (1 + MARGIN) or hi == 0:
        return False
    if all(np.isfinite(x) for x in (*a_ci, *b_ci)):
        return not (a_ci[0] <= b_ci[1] and b_ci[0] <= a_ci[1])
    return True


def _reason_labels(cb: Codebook, tri: pd.DataFrame, code: str, direction: str) -> str:
    if tri is None or tri.empty or "reason" not in tri:
        return ""
    t = tri[(tri["indicator"] == code) & (tri["agreement"].astype(object) == direction)]
    labels = dict(zip(cb.reason_codes["code"], cb.reason_codes["label"], strict=True))
    top = t["reason"].dropna().map(lambda r: labels.get(r, r)).value_counts().head(2)
    return ", ".join(s.lower() for s in top.index)


def _community_row(
    cb: Codebook, evidence: Evidence, c: pd.Series, sensitive: bool
) -> tuple[dict[str, Any], float, tuple[float, float], bool]:
    """The reference: the groups' district rate (``c``), hidden when a count is 1-4.

    Returns the row, the rate (NaN when hidden), its interval and whether it is hidden.
    """
    from leheranalysis.keyfindings import _THRESHOLD, _den_label, per_1000

    code = c["indicator"]
    small = sensitive and (
        1 <= float(c["count"]) < _THRESHOLD or _small_block(evidence.rates, code)
    )
    ref = np.nan if small else float(c["rate_per_1000"])
    ref_ci = (float(c["rate_lo"]), float(c["rate_hi"]))
    row = {
        "source": "DNA: children's and adult groups",
        "value": ref,
        "figure": "not shown (fewer than 5 cases in a block)"
        if small
        else f"{per_1000(ref)} (95 % CI {per_1000(ref_ci[0])}-{per_1000(ref_ci[1])})",
        "unit": f"per 1,000 {_den_label(cb, code)}",
        "same_unit": True,
        "differs": False,
        "why": "",
    }
    return row, ref, ref_ci, small


def _register_why(cb: Codebook, tri: pd.DataFrame, code: str, lower: bool) -> str:
    """Why the registers differ from the community: fewer cases (``lower``) or more."""
    if lower:
        r = _reason_labels(cb, tri, code, "community higher")
        return "under-registration: the registers hold fewer cases than the community knows" + (
            f" (reasons given: {r})" if r else ""
        )
    r = _reason_labels(cb, tri, code, "duty bearer higher")
    return (
        "the registers hold cases the groups did not name (records kept over "
        "a longer period or a wider definition)" + (f"; reasons given: {r}" if r else "")
    )


def _duty_row(
    cb: Codebook,
    evidence: Evidence,
    code: str,
    sensitive: bool,
    ref: float,
    ref_ci: tuple[float, float],
    hide: bool,
) -> dict[str, Any] | None:
    """The duty bearers' own records as a rate, against the reference (None: no records).

    ``hide``: the reference is hidden, so this figure is too (it would give it back).
    """
    from leheranalysis.keyfindings import _THRESHOLD, _den_label, _district, per_1000

    duty = _district(evidence.duty_rates)
    d = duty[duty["indicator"] == code] if len(duty) else duty
    if not (len(d) and int(d["n_villages"].iloc[0]) > 0):
        return None
    d = d.iloc[0]
    dsmall = sensitive and (
        1 <= float(d["count"]) < _THRESHOLD or _small_block(evidence.duty_rates, code)
    )
    val = np.nan if dsmall or hide else float(d["rate_per_1000"])
    dci = (float(d["rate_lo"]), float(d["rate_hi"]))
    diff = _differs(ref, val, ref_ci, dci)
    return {
        "source": "DNA: duty bearers' records (teacher, AWW, ASHA)",
        "value": val,
        "figure": "not shown (fewer than 5)"
        if np.isnan(val)
        else f"{per_1000(val)} (95 % CI {per_1000(dci[0])}-{per_1000(dci[1])})",
        "unit": f"per 1,000 {_den_label(cb, code)}",
        "same_unit": True,
        "differs": diff,
        "why": _register_why(cb, evidence.triangulation, code, val < ref) if diff else "",
    }


def _nfhs_row(cb: Codebook, evidence: Evidence, code: str, ref: float) -> dict[str, Any] | None:
    """The NFHS-5 district figure, in the DNA's unit where a conversion exists."""
    from leheranalysis.keyfindings import NFHS_LINKS, _den_label, per_1000

    link = NFHS_LINKS.get(code)
    if not (link and link["code"] in evidence.nfhs):
        return None
    v = evidence.nfhs[link["code"]]
    conv = {"complement": 1000 - 10 * v, "per_1000": 10 * v}.get(link["convert"])
    same = conv is not None
    diff = same and _differs(ref, conv)
    return {
        "source": "NFHS-5 (2019-21), district",
        "value": conv if same else v,
        "figure": (
            f"{per_1000(conv)} ({v:.1f} % {link['phrase']})"
            if same
            else f"{v:.1f} % {link['phrase']}"
        ),
        "unit": f"per 1,000 {_den_label(cb, code)}" if same else "% (survey)",
        "same_unit": same,
        "differs": diff,
        "why": f"{link['differs']}; a sample survey of the whole district, not "
        "the programme villages"
        if diff or not same
        else "",
    }


def reconcile(evidence: Evidence, codebook: Codebook | None = None) -> pd.DataFrame:
    """Every source that speaks to a village count, side by side, with why they differ.

    Sources: the DNA's children's and adult groups (the reference), the duty bearers'
    own records, NFHS-5 (the district's fact sheet) and the departments' figures of the
    secondary template. A figure is put in the DNA's unit (per 1,000 of the same
    population) where a conversion exists. When a figure in the same unit differs from
    the community's by more than :data:`MARGIN` (and the intervals do not overlap), a
    short reason is generated from what differs: the reference period, the population,
    the registers (with the reasons the duty bearers gave) or the survey's sampling.

    Parameters
    ----------
    evidence : Evidence
    codebook : Codebook, optional

    Returns
    -------
    pandas.DataFrame
        ``indicator``, ``issue`` (label), ``source``, ``value`` (NaN when hidden or not
        numeric), ``figure`` (text), ``unit``, ``same_unit`` (bool), ``differs`` (bool),
        ``why`` (``""`` when they agree or cannot be compared). Only indicators with at
        least two sources; sensitive counts of 1-4 never appear.
    """
    from leheranalysis.keyfindings import _cb, _district, _plain_label

    cb = _cb(codebook)
    rates = _district(evidence.rates)
    sens = set(cb.indicators.index[cb.indicators["sensitive"]])
    rows: list[dict[str, Any]] = []
    for code in rates["indicator"] if len(rates) else []:
        c = rates[rates["indicator"] == code].iloc[0]
        first, ref, ref_ci, small = _community_row(cb, evidence, c, code in sens)
        out = [
            first,
            _duty_row(cb, evidence, code, code in sens, ref, ref_ci, small),
            _nfhs_row(cb, evidence, code, ref),
            _department_row(cb, code, evidence.secondary, ref),
        ]
        out = [o for o in out if o]
        if len(out) < 2:
            continue
        for o in out:
            rows.append({"indicator": code, "issue": _plain_label(cb, code), **o})
    cols = [
        "indicator",
        "issue",
        "source",
        "value",
        "figure",
        "unit",
        "same_unit",
        "differs",
        "why",
    ]
    return pd.DataFrame(rows, columns=cols)


def _lower_first(text: str) -> str:
    """Lower-case the first letter unless the word is an abbreviation.

    Examples
    --------
    >>> _lower_first("Children reported missing"), _lower_first("POCSO cases")
    ('children reported missing', 'POCSO cases')
    """
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _small_block(rates: pd.DataFrame, code: str) -> bool:
    """A block count of 1-4 (the district figure would give it back by subtraction)."""
    from leheranalysis.keyfindings import _THRESHOLD

    if rates is None or rates.empty:
        return False
    b = rates[(rates["scope"] == "block") & (rates["indicator"] == code)]
    return bool(((b["count"] >= 1) & (b["count"] < _THRESHOLD)).any())


def _department_row(cb: Codebook, code: str, sec: pd.DataFrame, ref: float) -> dict | None:
    from leheranalysis.keyfindings import DEPARTMENT_LINKS, _den_label, per_1000

    sc = DEPARTMENT_LINKS.get(code)
    if not sc or sec is None or sec.empty:
        return None
    s = sec[(sec["indicator"] == sc) & sec["value"].notna()]
    if s.empty:
        return None
    year = sorted(s["year"].dropna().astype(str))[-1]
    s = s[s["year"].astype(str) == year]
    meta = cb.indicators.loc[sc]
    blocks, total = s[s["scope"] == "block"], s[s["scope"] == "district"]
    src = f"Departmental data {year}"
    if meta["unit"] == "count":
        if meta["sensitive"] and bool(((blocks["value"] >= 1) & (blocks["value"] < 5)).any()):
            return {
                "source": src,
                "value": np.nan,
                "figure": "not shown (a block has fewer than 5)",
                "unit": "count",
                "same_unit": False,
                "differs": False,
                "why": "",
            }
        if not len(total) or not np.isfinite(float(total["value"].iloc[0])):
            return None
        v = float(total["value"].iloc[0])
        return {
            "source": src,
            "value": v,
            "figure": f"{v:,.0f} {_lower_first(str(meta['label']).split(': ')[-1])}",
            "unit": "count, whole blocks",
            "same_unit": False,
            "differs": False,
            "why": "a count for the whole blocks, not a rate for the programme villages",
        }
    mean = float(blocks["value"].mean())
    if code == "births_not_registered":
        conv = 1000 - 10 * mean
        diff = _differs(ref, conv)
        return {
            "source": src,
            "value": conv,
            "figure": f"{per_1000(conv)} ({mean:.1f} % of births registered, mean of blocks)",
            "unit": f"per 1,000 {_den_label(cb, code)}",
            "same_unit": True,
            "differs": diff,
            "why": "registration counted by the department for all births of the blocks in "
            "the year; the community may not know of late registrations"
            if diff
            else "",
        }
    return {
        "source": src,
        "value": mean,
        "figure": f"{mean:.1f} % ({meta['label']}, mean of blocks)",
        "unit": "%",
        "same_unit": False,
        "differs": False,
        "why": "a different measure (share of enrolled pupils), not a count per 1,000 children",
    }
