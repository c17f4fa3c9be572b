"""The DNA indicator codebook: load, validate and query ``data/codebook.yaml``.

The codebook is the one machine-readable description of every indicator of the District
Need Assessment: its code, label, domain, instrument, respondent groups, unit, valid range,
direction, denominator, agreement tolerance and sensitivity. It drives the blank
templates and XLSForms (:mod:`leheranalysis.instruments`), validation at ingestion, the
indicator tables and the vulnerability index.

Examples
--------
>>> cb = load_codebook()
>>> cb.indicator("oosc_6_14")["unit"]
'count'
>>> cb.groups_for("corporal_punishment")[:2]
['cg_girls_10_14', 'cg_girls_15_17']
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from leheranalysis import config
from leheranalysis.errors import CodebookError, UnknownNameError

__all__ = [
    "Codebook",
    "load_codebook",
    "parse_codebook",
    "INSTRUMENTS",
    "UNITS",
    "DIRECTIONS",
    "INDICATOR_FIELDS",
]

#: instruments an indicator can belong to
INSTRUMENTS = ("village", "secondary")
#: units of measurement
UNITS = ("count", "share", "yesno", "score", "rank")
#: allowed values of ``higher_is``
DIRECTIONS = ("worse", "better")

#: fields every indicator must have (``max`` and ``denominator`` may be null)
REQUIRED_FIELDS = (
    "code",
    "label",
    "domain",
    "instrument",
    "groups",
    "unit",
    "min",
    "max",
    "higher_is",
    "sensitive",
)

#: optional fields and their defaults
OPTIONAL_DEFAULTS: dict[str, Any] = {
    "label_hi": "",
    "denominator": None,
    "denominator_note": None,
    "tolerance_abs": 0.0,
    "tolerance_rel": 0.0,
    "part2": False,
    "ranked": False,
    "department": None,
}

#: column order of :attr:`Codebook.indicators` (the index is ``code``)
INDICATOR_FIELDS = (
    "label",
    "label_hi",
    "domain",
    "instrument",
    "groups",
    "unit",
    "min",
    "max",
    "higher_is",
    "denominator",
    "denominator_note",
    "tolerance_abs",
    "tolerance_rel",
    "sensitive",
    "part2",
    "ranked",
    "department",
)

_GROUP_FIELDS = ("label", "label_hi", "family", "kind", "sex", "age_band")
_BOOL_FIELDS = ("sensitive", "part2", "ranked")


@dataclass(frozen=True, repr=False)
class Codebook:
    """A validated codebook.

    Attributes
    ----------
    version : str
        Codebook version (recorded in every processed manifest).
    indicators : pandas.DataFrame
        One row per indicator, indexed by ``code``, in YAML order; columns
        :data:`INDICATOR_FIELDS` (``groups`` holds a list of group families).
    groups : pandas.DataFrame
        Respondent groups indexed by group code: ``label``, ``label_hi`` (Hindi label,
        ``""`` when not given), ``family``, ``kind``, ``sex``, ``age_band`` (None where
        not applicable).
    domains : pandas.DataFrame
        Domains indexed by code: ``label``.
    denominators : pandas.DataFrame
        Population bases indexed by code: ``label``.
    ranking_issues : pandas.DataFrame
        Issues of the pairwise ranking exercise: ``code``, ``label``, ``label_hi``
        (``""`` when not given), ``indicator``.
    ranking_groups : list of str
        Group families that do the ranking exercise (``cg``, ``ag``).
    responses : dict of str to list of str
        Response scales (``duty_bearer``, ``block_official``).
    secondary_years : list of str
        Years of the secondary data template.
    path : pathlib.Path or None
        File the codebook was read from (None when parsed from text).
    responses_hi : dict of str to str
        Hindi labels of answers (keys: answers of :attr:`responses`, ``yes``, ``no``);
        empty when the codebook has no ``responses_hi`` section.
    key_findings : dict
        Rules that choose the key findings (:mod:`leheranalysis.keyfindings`): ``n``,
        ``max_per_domain``, ``domain_limits``, ``min_villages``, ``weights``; empty when
        the codebook has no ``key_findings`` section (the module's defaults apply).
    reason_codes : pandas.DataFrame
        Reasons a duty bearer gives for a different figure: ``code``, ``label``,
        ``label_hi``; empty when the section is absent.
    plan_issues : dict of str to dict
        Ranking issue (or an issue of the child protection system) -> ``label`` (None
        for a ranking issue, whose label is the ranking's), ``indicators`` (list, the
        first is the default monitoring indicator), ``department``, ``officer``,
        ``officials`` (block-official group codes), ``activities`` (activity codes) for
        the plan workbook.
    finding_activities : dict of str to str
        Indicator -> the activity proposed for a key finding on it when it is not the
        first activity of its plan issue.
    activities : pandas.DataFrame
        The library of standard activities: ``code``, ``label``.
    glossary : pandas.DataFrame
        Abbreviations and method terms: ``term``, ``expansion``, ``definition``.
    reader_labels : dict of str to str
        Village indicator -> what its share of villages "reporting" counts, in the
        reader's words (see :meth:`reader_label`); empty when the section is absent.
    """

    version: str
    indicators: pd.DataFrame
    groups: pd.DataFrame
    domains: pd.DataFrame
    denominators: pd.DataFrame
    ranking_issues: pd.DataFrame
    ranking_groups: list[str]
    responses: dict[str, list[str]]
    secondary_years: list[str]
    path: Path | None = field(default=None, compare=False)
    responses_hi: dict[str, str] = field(default_factory=dict)
    key_findings: dict[str, Any] = field(default_factory=dict, compare=False)
    reason_codes: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["code", "label", "label_hi"]), compare=False
    )
    plan_issues: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False)
    activities: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["code", "label"]), compare=False
    )
    finding_activities: dict[str, str] = field(default_factory=dict, compare=False)
    glossary: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["term", "expansion", "definition"]),
        compare=False,
    )
    reader_labels: dict[str, str] = field(default_factory=dict, compare=False)

    def __repr__(self) -> str:
        n_village = int((self.indicators["instrument"] == "village").sum())
        n_sec = int((self.indicators["instrument"] == "secondary").sum())
        return (
            f"Codebook(version={self.version!r}, indicators={len(self.indicators)} "
            f"(village {n_village}, secondary {n_sec}), groups={len(self.groups)}, "
            f"path={str(self.path) if self.path else None!r})"
        )

    # ------------------------------------------------------------------ queries
    def indicator(self, code: str) -> pd.Series:
        """Return one indicator's fields.

        Parameters
        ----------
        code : str
            Indicator code, e.g. ``"oosc_6_14"``.

        Returns
        -------
        pandas.Series
            The indicator's row (``name`` is the code).

        Raises
        ------
        UnknownNameError
            If the code is unknown; the message lists close matches.
        """
        if code not in self.indicators.index:
            raise UnknownNameError("indicator", code, _close(code, self.indicators.index))
        return self.indicators.loc[code]

    def group_families(self) -> dict[str, list[str]]:
        """Map each group family to its group codes, in YAML order.

        Returns
        -------
        dict of str to list of str
            E.g. ``{"cg": ["cg_girls_10_14", ...], "ag": ["ag_women", "ag_men"], ...}``.
        """
        out: dict[str, list[str]] = {}
        for code, fam in self.groups["family"].items():
            out.setdefault(fam, []).append(code)
        return out

    def groups_for(self, code: str) -> list[str]:
        """Group codes that report an indicator (families expanded, YAML group order).

        Parameters
        ----------
        code : str
            Indicator code.

        Returns
        -------
        list of str
            E.g. ``["cg_girls_10_14", ..., "ag_women", "ag_men", "teacher"]``.
        """
        fams = set(self.indicator(code)["groups"])
        return [g for g, fam in self.groups["family"].items() if fam in fams]

    def indicators_for(self, instrument: str, family: str | None = None) -> list[str]:
        """Indicator codes of an instrument, optionally for one respondent family.

        Parameters
        ----------
        instrument : str
            ``village`` or ``secondary`` (the YAML instruments); also ``part2`` (village
            indicators presented to block officials) and ``collation`` (village indicators).
        family : str, optional
            A group family (``cg``, ``ag``, ``teacher``, ...) or a group code
            (``cg_girls_10_14`` is taken as its family ``cg``).

        Returns
        -------
        list of str
            Codes in YAML order.

        Raises
        ------
        UnknownNameError
            If the instrument or family is unknown.
        """
        ind = self.indicators
        if instrument in INSTRUMENTS:
            mask = ind["instrument"] == instrument
        elif instrument == "part2":
            mask = (ind["instrument"] == "village") & ind["part2"].astype(bool)
        elif instrument == "collation":
            mask = ind["instrument"] == "village"
        else:
            choices = [*INSTRUMENTS, "part2", "collation"]
            raise UnknownNameError("instrument", instrument, _close(instrument, choices))
        if family is not None:
            fams = self.group_families()
            if family not in fams:
                if family in self.groups.index:
                    family = str(self.groups.at[family, "family"])
                else:
                    raise UnknownNameError(
                        "group family", family, _close(family, [*fams, *self.groups.index])
                    )
            mask = mask & ind["groups"].map(lambda gs: family in gs)
        return list(ind.index[mask])

    @property
    def has_hindi(self) -> bool:
        """True when any indicator, group, ranking issue or answer has a Hindi label."""
        return bool(
            self.responses_hi
            or (self.indicators["label_hi"] != "").any()
            or (self.groups["label_hi"] != "").any()
            or (self.ranking_issues["label_hi"] != "").any()
        )

    def label_hi(self, code: str) -> str:
        """Hindi label of an indicator, group, ranking issue or answer (``""`` if none).

        Parameters
        ----------
        code : str
            Indicator, group or ranking-issue code, or an answer such as ``"agree"``,
            ``"yes"``.

        Returns
        -------
        str
            The Hindi label; ``""`` when the codebook has none for a known code.

        Raises
        ------
        UnknownNameError
            If the code is neither a known code nor an answer.
        """
        for frame in (self.indicators, self.groups):
            if code in frame.index:
                return str(frame.at[code, "label_hi"])
        hit = self.ranking_issues.loc[self.ranking_issues["code"] == code, "label_hi"]
        if len(hit):
            return str(hit.iloc[0])
        answers = [a for vals in self.responses.values() for a in vals] + ["yes", "no"]
        if code in answers:
            return self.responses_hi.get(code, "")
        names = [*self.indicators.index, *self.groups.index, *self.ranking_issues["code"]]
        raise UnknownNameError("code", code, _close(code, [*names, *answers]))

    def reader_label(self, code: str) -> str:
        """What the share of villages reporting an indicator counts, in the reader's words.

        ``"No Village Level Child Protection Committee (VLCPC)"`` for ``vlcpc_exists``:
        the villages counted are those where a group said there is none. Falls back to
        the indicator's label when the codebook has no reader label for it.

        Raises
        ------
        UnknownNameError
            If ``code`` is not an indicator.
        """
        if code not in self.indicators.index:
            raise UnknownNameError("indicator", code, _close(code, self.indicators.index))
        return self.reader_labels.get(code) or str(self.indicators.at[code, "label"])

    def label(self, code: str) -> str:
        """Label of an indicator, group, domain or ranking issue code."""
        for frame in (self.indicators, self.groups, self.domains, self.denominators):
            if code in frame.index:
                return str(frame.at[code, "label"])
        hit = self.ranking_issues.loc[self.ranking_issues["code"] == code, "label"]
        if len(hit):
            return str(hit.iloc[0])
        names = [
            *self.indicators.index,
            *self.groups.index,
            *self.domains.index,
            *self.ranking_issues["code"],
        ]
        raise UnknownNameError("code", code, _close(code, names))


# ---------------------------------------------------------------------- loading
def _close(name: str, choices) -> list[str]:
    return difflib.get_close_matches(str(name), [str(c) for c in choices], n=5, cutoff=0.6)


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Load and validate the codebook.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        A codebook YAML file; default the package's ``data/codebook.yaml`` (cached: every
        call returns the same object, so do not modify its frames in place).

    Returns
    -------
    Codebook

    Raises
    ------
    CodebookError
        If the file is missing, not YAML, or fails validation; the message names the
        file, the indicator code and the field.
    """
    if path is None:
        return _load_default()
    return _load_path(Path(path))


@functools.lru_cache(maxsize=1)
def _load_default() -> Codebook:
    return _load_path(config.package_data("codebook.yaml"))


def _load_path(path: Path) -> Codebook:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CodebookError(f"{path}: codebook file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CodebookError(f"{path}: cannot read codebook ({exc})") from None
    cb = parse_codebook(text, source=str(path))
    object.__setattr__(cb, "path", path)
    return cb


def parse_codebook(text: str, source: str = "<codebook>") -> Codebook:
    """Parse and validate codebook YAML text.

    Parameters
    ----------
    text : str
        YAML text with ``version``, ``groups``, ``domains``, ``denominators``,
        ``responses``, ``indicators``, ``ranking`` and ``secondary_years``.
    source : str
        Name used in error messages (the file path).

    Returns
    -------
    Codebook

    Raises
    ------
    CodebookError
        On the first problem found, naming the indicator code and field.
    """
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CodebookError(f"{source}: not valid YAML ({exc})") from None
    if not isinstance(doc, Mapping):
        raise CodebookError(f"{source}: expected a mapping at the top level")

    def fail(msg: str) -> CodebookError:
        return CodebookError(f"{source}: {msg}")

    for key in ("version", "groups", "domains", "denominators", "responses", "indicators"):
        if key not in doc or doc[key] in (None, "", [], {}):
            raise fail(f"missing top-level section {key!r}")
    version = str(doc["version"])
    groups, families = _groups(doc, fail)
    domains = _code_table(doc, "domains", ("label",), ("label",), fail)
    denominators = _code_table(doc, "denominators", ("label",), ("label",), fail)
    for gcode, fam in groups["family"].items():
        if gcode in families and gcode != fam:
            raise fail(f"groups {gcode!r}: code is also the name of another group family")
    responses_out = _responses(doc, fail)
    responses_hi = _responses_hi(doc, responses_out, fail)
    indicators = _indicators(doc, domains, denominators, families, fail)
    ranking_groups, ranking_issues = _ranking(doc, indicators, families, fail)
    years = _secondary_years(doc, indicators, fail)
    return Codebook(
        version=version,
        indicators=indicators,
        groups=groups,
        domains=domains,
        denominators=denominators,
        ranking_issues=ranking_issues,
        ranking_groups=ranking_groups,
        responses=responses_out,
        secondary_years=years,
        responses_hi=responses_hi,
        **_plan_sections(doc, indicators, ranking_issues, groups, fail),
        reader_labels=_reader_labels(doc, indicators, fail),
    )


def _code_table(
    doc: Mapping, key: str, fields: tuple[str, ...], required: tuple[str, ...], fail
) -> pd.DataFrame:
    """A required list of ``{code, ...}`` mappings with unique codes, indexed by code."""
    rows = doc[key]
    if not isinstance(rows, list):
        raise fail(f"section {key!r} must be a list")
    seen: set[str] = set()
    recs = []
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping):
            raise fail(f"{key} entry {i} must be a mapping")
        for req in ("code", *required):
            if row.get(req) in (None, ""):
                where = f"{key} {row.get('code')!r}" if row.get("code") else f"{key} entry {i}"
                raise fail(f"{where}: missing required field {req!r}")
        code = str(row["code"])
        if code in seen:
            raise fail(f"{key}: duplicate code {code!r}")
        seen.add(code)
        recs.append({"code": code, **{f: row.get(f) for f in fields}})
    return _frame(recs, ["code", *fields]).set_index("code")


def _groups(doc: Mapping, fail) -> tuple[pd.DataFrame, list[str]]:
    """The respondent groups (with their Hindi labels) and the group families, in order."""
    groups = _code_table(doc, "groups", _GROUP_FIELDS, ("label", "family", "kind"), fail)
    groups["label_hi"] = [
        _check_hi(row.get("label_hi"), f"groups {row['code']!r}", fail) for row in doc["groups"]
    ]
    return groups, list(dict.fromkeys(groups["family"]))


def _responses(doc: Mapping, fail) -> dict[str, list[str]]:
    """The response scales: ``duty_bearer`` and ``block_official`` at least, each a list of
    distinct non-empty answers."""
    responses = doc["responses"]
    if not isinstance(responses, Mapping):
        raise fail("section 'responses' must be a mapping of scale name to list of answers")
    responses_out: dict[str, list[str]] = {}
    for name in ("duty_bearer", "block_official"):
        vals = responses.get(name)
        if not isinstance(vals, list) or not vals:
            raise fail(f"responses: missing or empty scale {name!r}")
    for name, vals in responses.items():
        if not isinstance(vals, list) or not all(isinstance(v, str) and v for v in vals):
            raise fail(f"responses {name!r}: must be a list of non-empty strings")
        if len(set(vals)) != len(vals):
            raise fail(f"responses {name!r}: duplicate answers")
        responses_out[str(name)] = [str(v) for v in vals]
    return responses_out


def _responses_hi(doc: Mapping, responses: dict[str, list[str]], fail) -> dict[str, str]:
    """The optional Hindi labels of answers (of the scales, and ``yes`` and ``no``)."""
    responses_hi: dict[str, str] = {}
    raw_hi = doc.get("responses_hi")
    if raw_hi is None:
        return responses_hi
    if not isinstance(raw_hi, Mapping):
        raise fail("section 'responses_hi' must be a mapping of answer to Hindi label")
    answers = [a for vals in responses.values() for a in vals] + ["yes", "no"]
    for ans, hi in raw_hi.items():
        # YAML 1.1 reads unquoted yes/no as booleans
        key = {True: "yes", False: "no"}.get(ans, ans) if isinstance(ans, bool) else ans
        if not isinstance(key, str) or key not in answers:
            hint = _close(str(key), answers)
            raise fail(
                f"responses_hi: unknown answer {ans!r} (known: {', '.join(answers)})"
                + (f"; did you mean {', '.join(hint)}?" if hint else "")
            )
        if not isinstance(hi, str) or not hi.strip():
            raise fail(f"responses_hi {key!r}: must be a non-empty string")
        responses_hi[key] = hi.strip()
    return responses_hi


def _indicators(doc: Mapping, domains, denominators, families: list[str], fail) -> pd.DataFrame:
    """The indicators, each checked (:func:`_validate_indicator`), indexed by code."""
    raw_inds = doc["indicators"]
    if not isinstance(raw_inds, list):
        raise fail("section 'indicators' must be a list")
    recs: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, row in enumerate(raw_inds, start=1):
        recs.append(_validate_indicator(row, i, seen, domains, denominators, families, fail))
    indicators = _frame(recs, ["code", *INDICATOR_FIELDS]).set_index("code")
    return indicators.astype({"sensitive": bool, "part2": bool, "ranked": bool})


def _ranking(
    doc: Mapping, indicators: pd.DataFrame, families: list[str], fail
) -> tuple[list[str], pd.DataFrame]:
    """The ranking exercise: the group families that rank and the issues ranked."""
    ranking = doc.get("ranking") or {}
    if not isinstance(ranking, Mapping):
        raise fail("section 'ranking' must be a mapping with 'groups' and 'issues'")
    ranking_groups = [str(g) for g in (ranking.get("groups") or [])]
    for g in ranking_groups:
        if g not in families:
            raise fail(
                f"ranking: unknown group family {g!r} in field 'groups' "
                f"(known: {', '.join(families)})"
            )
    issue_recs = []
    seen_issues: set[str] = set()
    for i, row in enumerate(ranking.get("issues") or [], start=1):
        issue_recs.append(_ranking_issue(row, i, seen_issues, indicators, fail))
    return ranking_groups, _frame(issue_recs, ["code", "label", "label_hi", "indicator"])


def _ranking_issue(row: Any, i: int, seen: set[str], indicators: pd.DataFrame, fail) -> dict:
    """Check one ranking issue (unique code, label, known indicator) and return its record."""
    if not isinstance(row, Mapping):
        raise fail(f"ranking issue {i} must be a mapping")
    for req in ("code", "label"):
        if row.get(req) in (None, ""):
            raise fail(f"ranking issue {row.get('code') or i!r}: missing required field {req!r}")
    code = str(row["code"])
    if code in seen:
        raise fail(f"ranking: duplicate issue code {code!r}")
    seen.add(code)
    ind = row.get("indicator")
    if ind is not None and str(ind) not in indicators.index:
        hint = _close(str(ind), indicators.index)
        raise fail(
            f"ranking issue {code!r}: field 'indicator' refers to unknown indicator "
            f"{ind!r}" + (f" (did you mean {', '.join(hint)}?)" if hint else "")
        )
    return {
        "code": code,
        "label": str(row["label"]),
        "label_hi": _check_hi(row.get("label_hi"), f"ranking issue {code!r}", fail),
        "indicator": None if ind is None else str(ind),
    }


def _secondary_years(doc: Mapping, indicators: pd.DataFrame, fail) -> list[str]:
    """The distinct year labels of the secondary data template (needed when there are
    secondary indicators)."""
    years = doc.get("secondary_years") or []
    if not isinstance(years, list) or not all(isinstance(y, str | int) for y in years):
        raise fail("secondary_years must be a list of year labels such as '2023-24'")
    years = [str(y) for y in years]
    if len(set(years)) != len(years):
        raise fail("secondary_years: duplicate year")
    if (indicators["instrument"] == "secondary").any() and not years:
        raise fail("secondary_years must not be empty when there are secondary indicators")
    return years


def reader_label_agrees(label: str, unit: str, higher_is: str) -> bool:
    """Whether a reader label says what an indicator's share of villages counts.

    Where higher is better, the villages counted are those with the bad answer, so the
    label must say so (a yes/no: no / not / did not; a score: rated poor; a share: under
    half); where higher is worse, the label names the issue itself and is not negated.

    Examples
    --------
    >>> reader_label_agrees("No VLCPC", "yesno", "better")
    True
    >>> reader_label_agrees("VLCPC met in the last quarter", "yesno", "better")
    False
    >>> reader_label_agrees("Teachers rated poor (1-2 of 5)", "score", "better")
    True
    >>> reader_label_agrees("Births not registered", "count", "worse")
    True
    >>> reader_label_agrees("No child marriage reported", "count", "worse")
    False
    """
    low = f" {' '.join(label.casefold().split())} "
    bad_answer = {
        "yesno": (" no ", " not ", " did not ", " never "),
        "score": (" rated poor ",),
        "share": (" under half ",),
    }
    if higher_is == "better":
        return any(w in low for w in bad_answer.get(unit, ()))
    negated = low.startswith((" no ", " not ", " never ")) or any(
        w in low for w in (" did not ", " under half ", " rated poor ")
    )
    return not negated


def _reader_labels(doc: Mapping, indicators: pd.DataFrame, fail) -> dict[str, str]:
    """The optional ``reader_labels`` section: one per village indicator, each agreeing
    with its indicator's direction (:func:`reader_label_agrees`)."""
    raw = doc.get("reader_labels") or {}
    if not isinstance(raw, Mapping):
        raise fail("section 'reader_labels' must be a mapping of indicator code to label")
    out: dict[str, str] = {}
    for code, label in raw.items():
        if code not in indicators.index:
            hint = _close(str(code), indicators.index)
            raise fail(
                f"reader_labels: unknown indicator {code!r}"
                + (f" (did you mean {', '.join(hint)}?)" if hint else "")
            )
        if not isinstance(label, str) or not label.strip():
            raise fail(f"reader_labels {code!r}: must be a non-empty string")
        unit, higher = indicators.at[code, "unit"], indicators.at[code, "higher_is"]
        if not reader_label_agrees(label, unit, higher):
            raise fail(
                f"reader_labels {code!r}: {label!r} contradicts the indicator's direction "
                f"({unit}, higher is {higher}): the share counts villages where "
                + (
                    "the answer was bad (say no / not / under half / rated poor)"
                    if higher == "better"
                    else "the issue was reported (no negation)"
                )
            )
        out[str(code)] = label.strip()
    if out:
        missing = [
            c for c in indicators.index[indicators["instrument"] == "village"] if c not in out
        ]
        if missing:
            raise fail(
                f"reader_labels: no reader label for village indicator(s) {', '.join(missing)}"
            )
    return out


def _code_list(doc: Mapping, key: str, fields: tuple[str, ...], fail) -> pd.DataFrame:
    """An optional list of ``{code, label, ...}`` mappings with unique codes."""
    rows = doc.get(key) or []
    if not isinstance(rows, list):
        raise fail(f"section {key!r} must be a list")
    seen: set[str] = set()
    recs = []
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping) or row.get(fields[0]) in (None, ""):
            raise fail(f"{key} entry {i}: needs a non-empty {fields[0]!r}")
        name = str(row[fields[0]])
        if name in seen:
            raise fail(f"{key}: duplicate {fields[0]} {name!r}")
        seen.add(name)
        for f in fields[1:2]:
            if row.get(f) in (None, ""):
                raise fail(f"{key} {name!r}: missing required field {f!r}")
        recs.append({f: ("" if row.get(f) is None else str(row.get(f))) for f in fields})
    return _frame(recs, list(fields))


def _frame(recs: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """A table of records whose text columns keep None for a missing field.

    pandas 3 stores text in a string dtype whose missing value is NaN; the codebook's
    tables keep text columns as objects with None (as pandas 2 does), so that
    ``row["denominator"] is None`` holds under both.
    """
    df = pd.DataFrame.from_records(recs, columns=columns)
    for col in df.columns:
        if pd.api.types.is_string_dtype(df[col].dtype) and df[col].dtype != object:
            df[col] = pd.Series([r.get(col) for r in recs], index=df.index, dtype=object)
    return df


def _plan_sections(
    doc: Mapping, indicators: pd.DataFrame, ranking_issues: pd.DataFrame, groups: pd.DataFrame, fail
) -> dict[str, Any]:
    """Validate the optional plan sections: key findings rules, reason codes, plan issues,
    activity library and glossary."""
    rules = doc.get("key_findings") or {}
    if not isinstance(rules, Mapping):
        raise fail("section 'key_findings' must be a mapping")
    n = rules.get("n", 6)
    if not isinstance(n, int) or not 5 <= n <= 8:
        raise fail(f"key_findings: 'n' must be a whole number from 5 to 8, got {n!r}")
    weights = rules.get("weights") or {}
    for k, w in weights.items():
        if k not in ("severity", "spread", "register_gap", "community_rank"):
            raise fail(f"key_findings weights: unknown criterion {k!r}")
        if not _is_number(w) or w < 0:
            raise fail(f"key_findings weights {k!r}: must be a number >= 0, got {w!r}")
    reasons = _code_list(doc, "reason_codes", ("code", "label", "label_hi"), fail)
    activities = _code_list(doc, "activities", ("code", "label"), fail)
    glossary = _code_list(doc, "glossary", ("term", "expansion", "definition"), fail)
    raw = doc.get("plan_issues") or {}
    if not isinstance(raw, Mapping):
        raise fail("section 'plan_issues' must be a mapping of ranking issue to its plan")
    issues = set(ranking_issues["code"])
    plan: dict[str, dict[str, Any]] = {}
    for issue, spec in raw.items():
        where = f"plan_issues {issue!r}"
        if not isinstance(spec, Mapping):
            raise fail(f"{where}: must be a mapping")
        label = spec.get("label")
        if issue not in issues and (not isinstance(label, str) or not label.strip()):
            raise fail(
                f"{where}: not a ranking issue (known: {', '.join(sorted(issues))}), so it "
                "needs a 'label'"
            )
        inds = list(spec.get("indicators") or [])
        if not inds:
            raise fail(f"{where}: field 'indicators' must list at least one indicator")
        for code in inds:
            if code not in indicators.index or indicators.at[code, "instrument"] != "village":
                raise fail(f"{where}: field 'indicators' names unknown village indicator {code!r}")
        for f in ("department", "officer"):
            if not isinstance(spec.get(f), str) or not spec.get(f).strip():
                raise fail(f"{where}: missing required field {f!r}")
        officials = list(spec.get("officials") or [])
        for g in officials:
            if g not in groups.index or groups.at[g, "kind"] != "block_official":
                raise fail(f"{where}: field 'officials' names unknown block official {g!r}")
        acts = list(spec.get("activities") or [])
        for a in acts:
            if a not in set(activities["code"]):
                raise fail(f"{where}: field 'activities' names unknown activity {a!r}")
        plan[str(issue)] = {
            "label": str(label).strip() if isinstance(label, str) and label.strip() else None,
            "indicators": [str(c) for c in inds],
            "department": str(spec["department"]).strip(),
            "officer": str(spec["officer"]).strip(),
            "officials": [str(g) for g in officials],
            "activities": [str(a) for a in acts],
        }
    known_acts = set(activities["code"])
    finding_acts = doc.get("finding_activities") or {}
    if not isinstance(finding_acts, Mapping):
        raise fail("section 'finding_activities' must be a mapping of indicator to activity")
    for code, act in finding_acts.items():
        if code not in indicators.index:
            raise fail(f"finding_activities: unknown indicator {code!r}")
        if act not in known_acts:
            raise fail(f"finding_activities {code!r}: unknown activity {act!r}")
    return {
        "key_findings": dict(rules),
        "finding_activities": {str(k): str(v) for k, v in finding_acts.items()},
        "reason_codes": reasons,
        "plan_issues": plan,
        "activities": activities,
        "glossary": glossary,
    }


def _check_hi(value: Any, where: str, fail) -> str:
    """An optional Hindi label: absent (``""``) or a non-empty string."""
    if value is None:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{where}, field 'label_hi': must be a non-empty string when given")
    return value.strip()


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _validate_indicator(
    row: Any,
    i: int,
    seen: set[str],
    domains: pd.DataFrame,
    denominators: pd.DataFrame,
    families: list[str],
    fail,
) -> dict[str, Any]:
    """Check one indicator mapping and return it with defaults filled."""
    if not isinstance(row, Mapping):
        raise fail(f"indicator entry {i} must be a mapping")
    code = row.get("code")
    if code in (None, ""):
        raise fail(f"indicator entry {i}: missing required field 'code'")
    code = str(code)
    where = f"indicator {code!r}"

    def bad(field_: str, msg: str) -> CodebookError:
        return fail(f"{where}, field {field_!r}: {msg}")

    if code in seen:
        raise fail(f"{where}: duplicate code (indicator codes must be unique)")
    if not code.replace("_", "").isalnum() or not code[0].isalpha() or code != code.lower():
        raise bad("code", "use lower-case letters, digits and underscores, starting with a letter")
    seen.add(code)
    for req in REQUIRED_FIELDS:
        if req not in row:
            raise bad(req, "missing required field")
    known = set(REQUIRED_FIELDS) | set(OPTIONAL_DEFAULTS)
    extra = sorted(set(row) - known)
    if extra:
        raise bad(extra[0], f"unknown field (known: {', '.join(sorted(known))})")
    rec: dict[str, Any] = {**OPTIONAL_DEFAULTS, **dict(row)}
    rec["code"] = code
    _check_indicator_kind(rec, domains, families, bad)
    _check_indicator_range(rec, bad)
    _check_indicator_denominator(rec, denominators, bad)
    _check_indicator_flags(rec, bad)
    return rec


def _check_indicator_kind(rec: dict[str, Any], domains, families: list[str], bad) -> None:
    """Labels, domain, instrument, respondent group families and unit (normalised in
    ``rec``: Hindi label stripped, group families as text)."""
    if not isinstance(rec["label"], str) or not rec["label"].strip():
        raise bad("label", "must be a non-empty string")
    if rec["label_hi"] is None:
        rec["label_hi"] = ""
    if not isinstance(rec["label_hi"], str):
        raise bad("label_hi", f"must be a string, got {rec['label_hi']!r}")
    rec["label_hi"] = rec["label_hi"].strip()
    if rec["domain"] not in domains.index:
        raise bad("domain", f"unknown domain {rec['domain']!r} (known: {', '.join(domains.index)})")
    if rec["instrument"] not in INSTRUMENTS:
        raise bad(
            "instrument",
            f"unknown instrument {rec['instrument']!r} (known: {', '.join(INSTRUMENTS)})",
        )
    grp = rec["groups"]
    if not isinstance(grp, list) or not grp:
        raise bad("groups", "must be a non-empty list of group families")
    for g in grp:
        if g not in families:
            raise bad("groups", f"unknown group family {g!r} (known: {', '.join(families)})")
    rec["groups"] = [str(g) for g in grp]
    if rec["unit"] not in UNITS:
        raise bad("unit", f"unknown unit {rec['unit']!r} (known: {', '.join(UNITS)})")


def _check_indicator_range(rec: dict[str, Any], bad) -> None:
    """Valid range for the unit (yes/no 0-1, share within 0-100, count >= 0) and direction."""
    if not _is_number(rec["min"]):
        raise bad("min", f"must be a number, got {rec['min']!r}")
    if rec["max"] is not None and not _is_number(rec["max"]):
        raise bad("max", f"must be a number or null, got {rec['max']!r}")
    if rec["max"] is not None and rec["min"] > rec["max"]:
        raise bad("min", f"min {rec['min']} is greater than max {rec['max']}")
    unit = rec["unit"]
    if unit == "yesno" and (rec["min"], rec["max"]) != (0, 1):
        raise bad("max", "a yesno indicator must have min 0 and max 1")
    if unit == "share" and (rec["min"] < 0 or rec["max"] is None or rec["max"] > 100):
        raise bad("max", "a share (percent) must lie within 0..100")
    if unit == "count" and rec["min"] < 0:
        raise bad("min", "a count cannot be negative")
    if rec["higher_is"] not in DIRECTIONS:
        raise bad("higher_is", f"must be 'worse' or 'better', got {rec['higher_is']!r}")


def _check_indicator_denominator(rec: dict[str, Any], denominators, bad) -> None:
    """A known denominator, for counts only; a village count needs one or a note saying why
    it is a plain count."""
    unit = rec["unit"]
    den = rec["denominator"]
    if den is not None and den not in denominators.index:
        raise bad(
            "denominator",
            f"unknown denominator {den!r} (known: {', '.join(denominators.index)})",
        )
    if den is not None and unit != "count":
        raise bad("denominator", f"only counts take a denominator, this is a {unit}")
    note = rec["denominator_note"]
    if note is not None and (not isinstance(note, str) or not note.strip()):
        raise bad(
            "denominator_note", "must be a non-empty string explaining the missing denominator"
        )
    if unit == "count" and rec["instrument"] == "village" and den is None and not note:
        raise bad(
            "denominator",
            "a village count needs a denominator (or a 'denominator_note' documenting why "
            "it is reported as a plain count)",
        )


def _check_indicator_flags(rec: dict[str, Any], bad) -> None:
    """Agreement tolerances (numbers >= 0, as floats in ``rec``), the true/false flags and
    the department."""
    for tol in ("tolerance_abs", "tolerance_rel"):
        v = rec[tol]
        if not _is_number(v) or v < 0:
            raise bad(tol, f"must be a number >= 0, got {v!r}")
        rec[tol] = float(v)
    if rec["tolerance_rel"] > 1:
        raise bad("tolerance_rel", "a relative tolerance must be at most 1")
    for b in _BOOL_FIELDS:
        if not isinstance(rec[b], bool):
            raise bad(b, f"must be true or false, got {rec[b]!r}")
    if rec["instrument"] == "secondary" and (rec["part2"] or rec["ranked"]):
        raise bad("part2", "secondary indicators are not presented in Part II or ranked")
    if rec["department"] is not None and not isinstance(rec["department"], str):
        raise bad("department", "must be a string")
