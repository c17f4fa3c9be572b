"""NFHS-5 names: coded indicator tables, indicator-name repair and district-name keys.

Owns the tables of :mod:`leheranalysis.nfhs` that do not depend on the data files
(``KEY_INDICATORS``, ``OTHER_INDICATORS``, ``INDICATORS``, ``INDICATOR_INFO``,
``STATE_CODES``, ``DISTRICT_RENAMES``), the repair of published indicator names
(:func:`repair_indicator_name`, the canonicalisation of rare names, the code of each
name) and the place-name keys and district harmonisation (:func:`harmonise_district`).
:mod:`leheranalysis.nfhs` re-exports the public names.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

#: Short codes of the indicators the district comparison shows, with their repaired names.
KEY_INDICATORS: dict[str, str] = {
    "child_marriage": "Women age 20-24 years married before age 18 years (%)",
    "sex_ratio_at_birth": (
        "Sex ratio at birth for children born in the last five years (females per 1,000 males)"
    ),
    "birth_registration": (
        "Children under age 5 years whose birth was registered with the civil authority (%)"
    ),
    "female_school": "Female population age 6 years and above who ever attended school (%)",
    "women_school_10y": "Women with 10 or more years of schooling (%)",
    "teen_pregnancy": (
        "Women age 15-19 years who were already mothers or pregnant at the time of the survey (%)"
    ),
    "stunting": "Children under 5 years who are stunted (height-for-age) (%)",
    "underweight": "Children under 5 years who are underweight (weight-for-age) (%)",
}

#: Further coded indicators (used to calibrate synthetic data and in profiles).
OTHER_INDICATORS: dict[str, str] = {
    "under15": "Population below age 15 years (%)",
    "sex_ratio_total": "Sex ratio of the total population (females per 1,000 males)",
    "institutional_births": "Institutional births (%)",
    "full_immunisation": (
        "Children age 12-23 months fully vaccinated based on information from either "
        "vaccination card or mother's recall (%)"
    ),
    "wasting": "Children under 5 years who are wasted (weight-for-height) (%)",
    "anaemia_children": "Children age 6-59 months who are anaemic (<11.0 g/dl) (%)",
    "women_literate": "Women who are literate (%)",
    "preprimary_5y": (
        "Children age 5 years who attended pre-primary school during the school year 2019-20 (%)"
    ),
    "electricity": "Population living in households with electricity (%)",
    "sanitation": "Population living in households that use an improved sanitation facility (%)",
}

#: Every coded indicator: code -> repaired name.
INDICATORS: dict[str, str] = {**KEY_INDICATORS, **OTHER_INDICATORS}

#: Plain-language label, unit and direction (``higher`` or ``lower`` is better) per code.
INDICATOR_INFO: dict[str, dict[str, str]] = {
    "child_marriage": {"label": "Women 20-24 married before 18", "unit": "%", "better": "lower"},
    "sex_ratio_at_birth": {
        "label": "Sex ratio at birth",
        "unit": "females per 1,000 males",
        "better": "higher",
    },
    "birth_registration": {
        "label": "Under-5 births registered",
        "unit": "%",
        "better": "higher",
    },
    "female_school": {
        "label": "Girls and women (6+) who ever attended school",
        "unit": "%",
        "better": "higher",
    },
    "women_school_10y": {
        "label": "Women with 10+ years of schooling",
        "unit": "%",
        "better": "higher",
    },
    "teen_pregnancy": {
        "label": "Women 15-19 already mothers or pregnant",
        "unit": "%",
        "better": "lower",
    },
    "stunting": {"label": "Children under 5 stunted", "unit": "%", "better": "lower"},
    "underweight": {"label": "Children under 5 underweight", "unit": "%", "better": "lower"},
    "under15": {"label": "Population under 15", "unit": "%", "better": ""},
    "sex_ratio_total": {
        "label": "Sex ratio of the population",
        "unit": "females per 1,000 males",
        "better": "",
    },
    "institutional_births": {"label": "Institutional births", "unit": "%", "better": "higher"},
    "full_immunisation": {
        "label": "Children 12-23 months fully vaccinated",
        "unit": "%",
        "better": "higher",
    },
    "wasting": {"label": "Children under 5 wasted", "unit": "%", "better": "lower"},
    "anaemia_children": {"label": "Children 6-59 months anaemic", "unit": "%", "better": "lower"},
    "women_literate": {"label": "Women literate", "unit": "%", "better": "higher"},
    "preprimary_5y": {
        "label": "Children age 5 in pre-primary school",
        "unit": "%",
        "better": "higher",
    },
    "electricity": {
        "label": "Population in households with electricity",
        "unit": "%",
        "better": "higher",
    },
    "sanitation": {
        "label": "Population with improved sanitation",
        "unit": "%",
        "better": "higher",
    },
}

#: NFHS-5 state codes of the district fact sheets -> state names as in the state files.
STATE_CODES: dict[str, str] = {
    "AN": "Andaman & Nicobar Islands",
    "AP": "Andhra Pradesh",
    "AS": "Assam",
    "BR": "Bihar",
    "DD": "Dadra & Nagar Haveli and Daman & Diu",
    "GA": "Goa",
    "GJ": "Gujarat",
    "HP": "Himachal Pradesh",
    "JK": "Jammu & Kashmir",
    "KA": "Karnataka",
    "KL": "Kerala",
    "LD": "Lakshadweep",
    "LH": "Ladakh",
    "MH": "Maharashtra",
    "ML": "Meghalaya",
    "MN": "Manipur",
    "MZ": "Mizoram",
    "NL": "Nagaland",
    "SK": "Sikkim",
    "TG": "Telangana",
    "TR": "Tripura",
    "WB": "West Bengal",
}

#: Published district names replaced by the gazetteer's (harmonised) name: alias pairs of
#: ``data/aliases.yaml`` (the pilot districts); other districts keep their NFHS-5 name.
DISTRICT_RENAMES: dict[str, str] = {
    "Badgam": "Budgam",
    "Leh (Ladakh)": "Leh",
    "Marigaon": "Morigaon",
}

# repaired names that differ from the standard wording only by the PDF extraction
_NAME_VARIANTS: dict[str, str] = {
    "Households with any usual member covered by a health scheme or health insurance (%)": (
        "Households with any usual member covered under a health insurance/financing scheme (%)"
    ),
}

# --------------------------------------------------------------------------- names

_MOJIBAKE_RUN = re.compile(
    r"[\u00c2-\u00f4][\u0080-\u00bf\u0152-\u0178\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]+"
)
_NUMBER = re.compile(r"(?:^|\s)(\d{1,3})\.\s*(?=[A-Za-z(])")
_FOOTNOTE_BEFORE_UNIT = re.compile(
    r"(?<=[A-Za-z)])\d{1,2}(?:,\s*\d{1,2})*(?=\s*\((?:%|Rs\.)\)\s*$|\s*$)"
)
_FOOTNOTE_MID = re.compile(r"(?<=[a-z]{3})\d{1,2}(?=\s+(?:of|and)\b)")
_GE = re.compile(r"[>=](?=\d+(?:\.\d+)?(?!\d|\.\d|\s*mg/dl))")


def _fix_mojibake(text: str) -> str:
    def decode(match: re.Match[str]) -> str:
        run = match.group(0)
        try:
            return run.encode("cp1252").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return run

    return _MOJIBAKE_RUN.sub(decode, text)


def _split_number(text: str) -> tuple[int | None, str]:
    """Leading (or, after a merged heading, last) ``NN.`` number and the rest."""
    matches = list(_NUMBER.finditer(text))
    if not matches:
        return None, text
    last = matches[-1]
    return int(last.group(1)), text[last.end() :]


def repair_indicator_name(name: str) -> str:
    """Repair one published NFHS-5 indicator name.

    Drops the leading number (and any section heading merged before it), footnote
    digits glued to words, trailing page numbers; decodes mojibake; restores ``≥``
    where the parsers wrote ``=`` or ``>``; normalises spaces.

    Parameters
    ----------
    name : str
        Indicator name as published in the CSV.

    Returns
    -------
    str
        The repaired name.

    Examples
    --------
    >>> repair_indicator_name(
    ...     "8. Population living in households with an improved drinking-water source1 (%)")
    'Population living in households with an improved drinking-water source (%)'
    >>> repair_indicator_name("79. Women who are overweight or obese (BMI â‰¥25.0 kg/m2)21 (%)")
    'Women who are overweight or obese (BMI ≥25.0 kg/m2) (%)'
    >>> repair_indicator_name("72. Total children age 6-23 months receiving an adequate diet16, 17  (%)")
    'Total children age 6-23 months receiving an adequate diet (%)'
    >>> repair_indicator_name("87. Blood sugar level - very high (>160 mg/dl)23 (%)")
    'Blood sugar level - very high (>160 mg/dl) (%)'
    """
    text = _fix_mojibake(str(name)).replace("\u2013", "-")
    text = " ".join(text.split())
    _, text = _split_number(text)
    text = re.sub(r"(\(%\))\s*\d+$", r"\1", text)
    text = _FOOTNOTE_BEFORE_UNIT.sub("", text)
    text = _FOOTNOTE_MID.sub("", text)
    text = _GE.sub("≥", text)
    text = re.sub(r"(?<=\d)mm\b", " mm", text)
    text = " ".join(text.split())
    return _NAME_VARIANTS.get(text, text)


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.casefold())


def _canonicalise(repaired: pd.Series, groups: pd.Series, standard: Iterable[str]) -> pd.Series:
    """Map rare (truncated, merged, garbled) names to a standard one; tell women from men.

    ``standard`` are the names most fact sheets of the file use. A rare name is mapped
    when a standard name starts with it (truncated), or it is a close match
    (ratio >= 0.8). Then, within each fact sheet, a name occurring twice becomes
    ``Women: <name>`` (first) and ``Men: <name>`` (second).
    """
    standard = list(dict.fromkeys(standard))
    keys = {_key(s): s for s in standard}
    mapping: dict[str, str] = {}
    for name in repaired.unique():
        if name in standard:
            continue
        k = _key(name)
        prefixed = [s for kk, s in keys.items() if len(k) >= 30 and kk.startswith(k)]
        if len(prefixed) == 1:
            mapping[name] = prefixed[0]
            continue
        close = difflib.get_close_matches(name, standard, n=1, cutoff=0.8)
        if close:
            mapping[name] = close[0]
    names = repaired.map(lambda n: mapping.get(n, n))
    occurrence = names.groupby([groups, names]).cumcount()
    repeated = names.groupby([groups, names]).transform("size") > 1
    sex = np.where(occurrence == 0, "Women: ", "Men: ")
    return pd.Series(np.where(repeated, sex + names, names), index=names.index)


def _code_of(names: pd.Series) -> pd.Series:
    reverse = {name: code for code, name in INDICATORS.items()}
    return names.map(reverse).astype("string")


# --------------------------------------------------------------------------- districts


def _norm_place(name: str) -> str:
    """Case-, space- and punctuation-insensitive key of a place name.

    Examples
    --------
    >>> _norm_place("  Leh (Ladakh) ")
    'leh ladakh'
    >>> _norm_place("Jammu & Kashmir")
    'jammu and kashmir'
    """
    text = str(name).casefold().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _compact(name: str) -> str:
    """:func:`_norm_place` without spaces (``N.C.Hills`` = ``NC Hills``)."""
    return _norm_place(name).replace(" ", "")


def harmonise_district(name: str) -> str:
    """Harmonised spelling of a published NFHS-5 district name.

    Examples
    --------
    >>> harmonise_district("Badgam"), harmonise_district("Leh (Ladakh)")
    ('Budgam', 'Leh')
    >>> harmonise_district("Marigaon"), harmonise_district("Madhubani")
    ('Morigaon', 'Madhubani')
    """
    name = " ".join(str(name).split())
    return DISTRICT_RENAMES.get(name, name)
