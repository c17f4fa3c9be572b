"""Tests of the indicator codebook: the shipped file and validation of broken copies."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from leheranalysis import config
from leheranalysis.codebook import INDICATOR_FIELDS, load_codebook, parse_codebook
from leheranalysis.errors import CodebookError, LeherError, UnknownNameError

# ---------------------------------------------------------------- shipped codebook

ISSUE_INDICATORS = [
    "oosc_6_14",
    "child_labour_5_17",
    "child_migration",
    "child_marriage_12m",
    "adolescent_pregnancy",
    "girls_dropout_after_primary",
    "corporal_punishment",
    "violence_at_home",
    "unsafe_places",
    "sexual_abuse_known",
    "missing_trafficked",
    "births_not_registered",
    "awc_functioning",
    "teacher_attendance",
    "midday_meal",
    "helpline_1098_aware",
    "helpline_112_aware",
    "vlcpc_exists",
    "vlcpc_met_quarter",
]


@pytest.fixture(scope="module")
def cb():
    return load_codebook()


def test_shipped_codebook_loads_and_is_cached(cb):
    assert cb is load_codebook()
    assert cb.version == "2026.11.1"
    assert list(cb.indicators.columns) == list(INDICATOR_FIELDS)
    assert cb.indicators.index.name == "code"
    assert cb.indicators.index.is_unique
    assert set(ISSUE_INDICATORS) <= set(cb.indicators.index)
    assert cb.path is not None and cb.path.name == "codebook.yaml"


def test_loading_by_path_gives_equal_codebook(cb):
    other = load_codebook(cb.path)
    assert other is not cb
    pd.testing.assert_frame_equal(other.indicators, cb.indicators)


def test_sensitive_flags(cb):
    assert bool(cb.indicator("sexual_abuse_known")["sensitive"]) is True
    assert bool(cb.indicator("missing_trafficked")["sensitive"]) is True
    assert bool(cb.indicator("oosc_6_14")["sensitive"]) is False


def test_departmental_indicators_per_year(cb):
    sec = cb.indicators_for("secondary")
    assert len(sec) == 18
    assert all(c.startswith("sec_") for c in sec)
    depts = set(cb.indicators.loc[sec, "department"])
    assert {"ICDS", "Education", "Health", "Labour", "Police", "CWC/JJB"} <= depts
    assert cb.secondary_years == ["2021-22", "2022-23", "2023-24"]


def test_groups_frame(cb):
    assert list(cb.groups.columns) == ["label", "label_hi", "family", "kind", "sex", "age_band"]
    row = cb.groups.loc["cg_boys_15_17"]
    assert (row["family"], row["kind"], row["sex"], row["age_band"]) == (
        "cg",
        "children",
        "male",
        "15-17",
    )
    assert cb.groups.loc["teacher", "sex"] is None


def test_group_families(cb):
    fams = cb.group_families()
    assert fams["cg"] == ["cg_girls_10_14", "cg_girls_15_17", "cg_boys_10_14", "cg_boys_15_17"]
    assert fams["ag"] == ["ag_women", "ag_men"]
    assert fams["block_official"] == ["bdo", "cdpo", "beo", "moic", "sho", "leo", "blcpc"]


def test_groups_for_expands_families(cb):
    assert cb.groups_for("corporal_punishment") == [
        "cg_girls_10_14",
        "cg_girls_15_17",
        "cg_boys_10_14",
        "cg_boys_15_17",
        "teacher",
    ]
    assert cb.groups_for("missing_trafficked") == ["ag_women", "ag_men", "aww"]


def test_indicators_for(cb):
    assert cb.indicators_for("village", "asha") == [
        "child_marriage_12m",
        "adolescent_pregnancy",
        "births_not_registered",
        "sexual_abuse_known",
    ]
    # a group code stands for its family
    assert cb.indicators_for("village", "cg_girls_10_14") == cb.indicators_for("village", "cg")
    assert "helpline_1098_aware" not in cb.indicators_for("part2")
    assert len(cb.indicators_for("collation")) == len(cb.indicators_for("village")) == 19
    with pytest.raises(UnknownNameError, match="instrument 'vilage'.*village"):
        cb.indicators_for("vilage")
    with pytest.raises(UnknownNameError, match="group family 'cgg'"):
        cb.indicators_for("village", "cgg")


def test_unknown_indicator_suggests(cb):
    with pytest.raises(UnknownNameError, match="Did you mean: oosc_6_14") as info:
        cb.indicator("oosc_6_4")
    assert isinstance(info.value, LeherError)


def test_ranking_and_responses(cb):
    assert list(cb.ranking_issues.columns) == ["code", "label", "label_hi", "indicator"]
    assert len(cb.ranking_issues) == 8
    assert set(cb.ranking_issues["indicator"]) <= set(cb.indicators.index)
    assert cb.ranking_groups == ["cg", "ag"]
    assert cb.responses["duty_bearer"] == ["agree", "partly agree", "dispute"]
    assert cb.label("ag_men") == "Adult group: men"
    assert cb.label("child_labour") == "Child labour"


def test_every_village_count_has_denominator_or_note(cb):
    ind = cb.indicators
    counts = ind[(ind["unit"] == "count") & (ind["instrument"] == "village")]
    lacking = counts[counts["denominator"].isna()]
    assert list(lacking.index) == ["unsafe_places"]
    assert lacking.loc["unsafe_places", "denominator_note"]


def _is_devanagari(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    deva = [ch for ch in letters if "\u0900" <= ch <= "\u097f"]
    return len(deva) >= max(3, len(letters) // 2)


def test_hindi_labels_everywhere(cb):
    # every village and secondary indicator, group, ranking issue and answer has a
    # Hindi label written mostly in Devanagari (acronyms such as VLCPC may stay Latin)
    assert set(cb.indicators["instrument"]) == {"village", "secondary"}
    for frame in (cb.indicators, cb.groups, cb.ranking_issues):
        assert frame["label_hi"].map(_is_devanagari).all(), frame.loc[
            ~frame["label_hi"].map(_is_devanagari), "label_hi"
        ]
    answers = [a for vals in cb.responses.values() for a in vals] + ["yes", "no"]
    assert sorted(cb.responses_hi) == sorted(answers)
    assert all(_is_devanagari(v) or len(v) <= 4 for v in cb.responses_hi.values())
    assert cb.has_hindi
    assert cb.label_hi("oosc_6_14") == "6-14 वर्ष के स्कूल से बाहर बच्चे"
    assert cb.label_hi("ag_women") == "वयस्क समूह: महिलाएँ"
    assert cb.label_hi("child_marriage") == "बाल विवाह"
    assert cb.label_hi("yes") == "हाँ"
    assert cb.label_hi("partly agree") == "आंशिक रूप से सहमत"
    with pytest.raises(UnknownNameError, match="agree"):
        cb.label_hi("agre")
    # codes and English labels are unchanged
    assert cb.label("oosc_6_14") == "Out-of-school children aged 6-14"
    assert cb.responses["block_official"] == [
        "acknowledged",
        "partly acknowledged",
        "not acknowledged",
    ]


# ---------------------------------------------------------------- broken codebooks

BASE = """
version: "t1"
groups:
  - {code: cg_girls, label: "girls", family: cg, kind: children, sex: female, age_band: "10-14"}
  - {code: ag_men, label: "men", family: ag, kind: adults, sex: male, age_band: "18+"}
  - {code: teacher, label: "teacher", family: teacher, kind: duty_bearer}
domains:
  - {code: d1, label: "Domain one"}
denominators:
  - {code: children_0_17, label: "Children 0-17"}
responses:
  duty_bearer: [agree, dispute]
  block_official: [acknowledged, not acknowledged]
indicators:
  - {code: a_count, label: "A", domain: d1, instrument: village, groups: [cg, ag], unit: count, min: 0, max: 10, higher_is: worse, denominator: children_0_17, sensitive: false}
  - {code: b_score, label: "B", domain: d1, instrument: village, groups: [teacher], unit: score, min: 1, max: 5, higher_is: better, sensitive: false}
ranking:
  groups: [cg]
  issues:
    - {code: issue_a, label: "Issue A", indicator: a_count}
secondary_years: ["2022-23"]
"""

GOOD_B = '{code: b_score, label: "B", domain: d1, instrument: village, groups: [teacher], unit: score, min: 1, max: 5, higher_is: better, sensitive: false}'


def _with_b(replacement: str) -> str:
    """BASE with indicator b_score replaced by ``replacement``."""
    assert GOOD_B in BASE
    return BASE.replace(GOOD_B, replacement)


def test_hindi_is_optional_and_checked():
    cb = parse_codebook(BASE)
    assert not cb.has_hindi
    assert cb.responses_hi == {}
    assert cb.groups["label_hi"].tolist() == ["", "", ""]
    assert cb.ranking_issues["label_hi"].tolist() == [""]
    assert cb.label_hi("a_count") == ""
    text = BASE.replace('label: "men",', 'label: "men", label_hi: "पुरुष",')
    text = text.replace('label: "Issue A",', 'label: "Issue A", label_hi: " मुद्दा ",')
    text += 'responses_hi: {agree: "सहमत", "yes": "हाँ", no: "नहीं"}\n'
    cb = parse_codebook(text)
    assert cb.has_hindi
    assert cb.label_hi("ag_men") == "पुरुष"
    assert cb.label_hi("issue_a") == "मुद्दा"
    # unquoted YAML no is read as a boolean and taken as the answer "no"
    assert cb.responses_hi == {"agree": "सहमत", "yes": "हाँ", "no": "नहीं"}
    assert cb.label_hi("dispute") == ""


@pytest.mark.parametrize(
    ("old", "new", "pattern"),
    [
        ('label: "men",', 'label: "men", label_hi: "",', r"groups 'ag_men', field 'label_hi'"),
        ('label: "men",', 'label: "men", label_hi: 5,', r"groups 'ag_men', field 'label_hi'"),
        (
            'label: "Issue A",',
            'label: "Issue A", label_hi: "  ",',
            r"ranking issue 'issue_a', field 'label_hi': must be a non-empty string",
        ),
        ('label: "B",', 'label: "B", label_hi: 3,', r"indicator 'b_score', field 'label_hi'"),
        (
            "secondary_years:",
            'responses_hi: {agreed: "x"}\nsecondary_years:',
            r"unknown answer 'agreed'.*agree",
        ),
        (
            "secondary_years:",
            'responses_hi: {agree: ""}\nsecondary_years:',
            r"responses_hi 'agree': must be a non-empty",
        ),
        (
            "secondary_years:",
            "responses_hi: [a, b]\nsecondary_years:",
            r"'responses_hi' must be a mapping",
        ),
    ],
)
def test_bad_hindi_labels(old, new, pattern):
    assert old in BASE
    with pytest.raises(CodebookError, match=pattern):
        parse_codebook(BASE.replace(old, new, 1), source="cb.yaml")


def test_base_parses():
    cb = parse_codebook(BASE)
    assert list(cb.indicators.index) == ["a_count", "b_score"]
    assert cb.indicator("b_score")["denominator"] is None
    assert cb.indicator("b_score")["tolerance_abs"] == 0.0
    assert cb.groups_for("a_count") == ["cg_girls", "ag_men"]


@pytest.mark.parametrize(
    ("indicator", "pattern"),
    [
        (
            GOOD_B.replace("domain: d1", "domain: d9"),
            r"indicator 'b_score', field 'domain': unknown domain 'd9'",
        ),
        (
            GOOD_B.replace("groups: [teacher]", "groups: [teacher, asha]"),
            r"indicator 'b_score', field 'groups': unknown group family 'asha'",
        ),
        (
            GOOD_B.replace("groups: [teacher]", "groups: []"),
            r"indicator 'b_score', field 'groups': must be a non-empty list",
        ),
        (
            GOOD_B.replace("unit: score", "unit: percent"),
            r"indicator 'b_score', field 'unit': unknown unit 'percent'",
        ),
        (
            GOOD_B.replace("min: 1, max: 5", "min: 6, max: 5"),
            r"indicator 'b_score', field 'min': min 6 is greater than max 5",
        ),
        (
            GOOD_B.replace("higher_is: better", "higher_is: good"),
            r"indicator 'b_score', field 'higher_is': must be 'worse' or 'better'",
        ),
        (
            GOOD_B.replace('label: "B", ', ""),
            r"indicator 'b_score', field 'label': missing required field",
        ),
        (
            GOOD_B.replace(", sensitive: false", ""),
            r"indicator 'b_score', field 'sensitive': missing required field",
        ),
        (
            GOOD_B.replace("code: b_score", "code: a_count"),
            r"indicator 'a_count': duplicate code",
        ),
        (
            GOOD_B.replace("unit: score, min: 1, max: 5", "unit: count, min: 0, max: 5"),
            r"indicator 'b_score', field 'denominator': a village count needs a denominator",
        ),
        (
            GOOD_B.replace(
                "unit: score, min: 1, max: 5", "unit: count, min: 0, max: 5, denominator: kids"
            ),
            r"indicator 'b_score', field 'denominator': unknown denominator 'kids'",
        ),
        (
            GOOD_B.replace("instrument: village", "instrument: survey"),
            r"indicator 'b_score', field 'instrument': unknown instrument 'survey'",
        ),
        (
            GOOD_B.replace("min: 1", "min: one"),
            r"indicator 'b_score', field 'min': must be a number",
        ),
        (
            GOOD_B.replace("sensitive: false", "sensitive: maybe"),
            r"indicator 'b_score', field 'sensitive': must be true or false",
        ),
        (
            GOOD_B.replace("sensitive: false", "sensitive: false, colour: red"),
            r"indicator 'b_score', field 'colour': unknown field",
        ),
        (
            GOOD_B.replace("sensitive: false", "sensitive: false, tolerance_abs: -1"),
            r"indicator 'b_score', field 'tolerance_abs': must be a number >= 0",
        ),
        (
            GOOD_B.replace("unit: score, min: 1, max: 5", "unit: share, min: 0, max: 150"),
            r"indicator 'b_score', field 'max': a share \(percent\) must lie within 0..100",
        ),
    ],
)
def test_invalid_indicator_names_code_and_field(indicator, pattern):
    with pytest.raises(CodebookError, match=pattern):
        parse_codebook(_with_b(indicator), source="cb.yaml")


def test_count_without_denominator_allowed_when_documented():
    text = _with_b(
        GOOD_B.replace(
            "unit: score, min: 1, max: 5",
            'unit: count, min: 0, max: 5, denominator_note: "places, not children"',
        )
    )
    cb = parse_codebook(text)
    assert cb.indicator("b_score")["denominator"] is None
    assert cb.indicator("b_score")["denominator_note"] == "places, not children"


def test_secondary_count_needs_no_denominator():
    text = _with_b(
        GOOD_B.replace("instrument: village", "instrument: secondary").replace(
            "unit: score, min: 1, max: 5", "unit: count, min: 0, max: 5"
        )
    )
    assert parse_codebook(text).indicators_for("secondary") == ["b_score"]


def test_null_max_allowed():
    cb = parse_codebook(_with_b(GOOD_B.replace("max: 5", "max: null")))
    assert pd.isna(cb.indicator("b_score")["max"])


def test_ranking_issue_unknown_indicator():
    text = BASE.replace("indicator: a_count}", "indicator: a_cont}")
    with pytest.raises(
        CodebookError,
        match=r"cb.yaml: ranking issue 'issue_a': field 'indicator' refers to unknown "
        r"indicator 'a_cont' \(did you mean a_count\?\)",
    ):
        parse_codebook(text, source="cb.yaml")


def test_ranking_unknown_family():
    with pytest.raises(CodebookError, match="ranking: unknown group family 'kids'"):
        parse_codebook(BASE.replace("groups: [cg]\n", "groups: [kids]\n"))


def test_duplicate_group_and_missing_section():
    dup = BASE.replace("code: ag_men,", "code: cg_girls,")
    with pytest.raises(CodebookError, match="groups: duplicate code 'cg_girls'"):
        parse_codebook(dup)
    with pytest.raises(CodebookError, match="missing top-level section 'domains'"):
        parse_codebook(BASE.replace("domains:", "domain_list:"))


def test_missing_response_scale():
    with pytest.raises(CodebookError, match="responses: missing or empty scale 'block_official'"):
        parse_codebook(BASE.replace("  block_official: [acknowledged, not acknowledged]\n", ""))


def test_bad_yaml_and_missing_file(tmp_path):
    with pytest.raises(CodebookError, match="x.yaml: not valid YAML"):
        parse_codebook("a: [1, 2", source="x.yaml")
    with pytest.raises(CodebookError, match="codebook file not found"):
        load_codebook(tmp_path / "nope.yaml")
    p = tmp_path / "cb.yaml"
    p.write_text(textwrap.dedent(BASE).replace("min: 1, max: 5", "min: 9, max: 5"), "utf-8")
    with pytest.raises(CodebookError, match=r"cb.yaml: indicator 'b_score', field 'min'"):
        load_codebook(p)


# ------------------------------------------------------------------ reader labels
def test_every_village_indicator_has_a_reader_label_agreeing_with_its_direction():
    from leheranalysis.codebook import reader_label_agrees

    cb = load_codebook()
    village = cb.indicators[cb.indicators["instrument"] == "village"]
    assert set(cb.reader_labels) == set(village.index)
    for code, row in village.iterrows():
        label = cb.reader_label(code)
        assert reader_label_agrees(label, row["unit"], row["higher_is"]), (code, label)
    assert cb.reader_label("vlcpc_exists").startswith("No ")
    assert "did not meet" in cb.reader_label("vlcpc_met_quarter")
    assert "under half" in cb.reader_label("helpline_1098_aware").lower()
    assert "rated poor (1-2 of 5)" in cb.reader_label("awc_functioning")


def test_a_reader_label_contradicting_its_direction_is_refused(tmp_path):
    text = (config.package_data("codebook.yaml")).read_text(encoding="utf-8")
    bad = text.replace(
        'vlcpc_exists: "No Village Level Child Protection Committee (VLCPC)"',
        'vlcpc_exists: "Village Level Child Protection Committee exists"',
    )
    assert bad != text
    path = tmp_path / "codebook.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(CodebookError, match=r"reader_labels 'vlcpc_exists'.*contradicts.*yesno"):
        load_codebook(path)


def _label_counts(label: str, value: float) -> bool:
    """Whether a village answer is what the reader label describes (read from its words)."""
    low = label.casefold()
    if low.startswith("no ") or " did not " in f" {low} ":
        return value == 0
    if "under half" in low:
        return value < 50
    if "rated poor (1-2" in low:
        return value <= 2
    return value > 0  # the issue itself: counted, named or said yes


def test_the_share_shown_is_the_share_the_reader_label_describes():
    """Headline table: the villages counted under a reader label are those whose answer
    the label describes (decided from the label's words, not from the indicator)."""
    from leheranalysis import findings
    from leheranalysis.indicators import share_of_villages_reporting

    cb = load_codebook()
    village = cb.indicators[cb.indicators["instrument"] == "village"]
    family_group = {"cg": "cg_girls_10_14", "ag": "ag_women"}
    rows = []
    for code, ind in village.iterrows():
        fam = next(f for f in ind["groups"] if f in family_group)
        lo, hi = float(ind["min"]), float(ind["max"] if ind["max"] is not None else 10)
        values = {
            "yesno": [0, 1, 1, 0, 1, 1, 1, 0, 1, 1],
            "score": [1, 2, 3, 4, 5, 5, 4, 2, 3, 5],
            "share": [10, 49, 50, 80, 100, 30, 60, 70, 90, 20],
        }.get(ind["unit"], [0, 3, 0, 1, 7, 0, 0, 2, 0, 5])
        values = [min(max(v, lo), hi) for v in values]
        for vid, v in enumerate(values, start=1):
            rows.append(
                {"block_id": 1, "block_name": "Bisfi", "village_id": vid, "instrument": "village",
                 "group": family_group[fam], "indicator": code, "value": float(v)}
            )  # fmt: skip
    obs = pd.DataFrame(rows)
    shares = share_of_villages_reporting(obs, cb, by="district", kinds=("children", "adults"))
    table = findings.headline_table(shares, cb, kinds=("children", "adults"))
    for code, ind in village.iterrows():
        label = cb.reader_label(code)
        sub = obs[obs["indicator"] == code]
        expected = int(sum(_label_counts(label, v) for v in sub["value"]))
        kind = "Children's groups" if sub["group"].iloc[0].startswith("cg") else "Adult groups"
        cell = table.loc[(cb.domains.at[ind["domain"], "label"], label), (kind, "Villages")]
        if ind["sensitive"] and 1 <= expected <= 4:
            assert cell.startswith("<5"), (code, cell)
        else:
            assert cell == f"{expected} of 10", (code, label, cell)
