"""Tests of the NFHS-5 fact-sheet loaders: name repair, harmonisation, published values."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from leheranalysis import nfhs
from leheranalysis.errors import DataNotAvailableError, SourceError, UnknownNameError

DNA_DISTRICTS = ["Madhubani", "Morigaon", "Budgam", "Leh", "Rajouri"]

# ----------------------------------------------------------------------------- units


@pytest.mark.parametrize(
    ("published", "repaired"),
    [
        (
            "8. Population living in households with an improved drinking-water source1 (%)",
            "Population living in households with an improved drinking-water source (%)",
        ),
        (
            "79. Women who are overweight or obese (BMI â‰¥25.0 kg/m2)21 (%)",
            "Women who are overweight or obese (BMI ≥25.0 kg/m2) (%)",
        ),
        (
            "93. Moderately or severely elevated blood pressure (Systolic â‰¥160mm of Hg and/or "
            "Diastolic â‰¥100mm of Hg) (%)",
            "Moderately or severely elevated blood pressure (Systolic ≥160 mm of Hg and/or "
            "Diastolic ≥100 mm of Hg) (%)",
        ),
        (
            "72. Total children age 6-23 months receiving an adequate diet16, 17  (%)",
            "Total children age 6-23 months receiving an adequate diet (%)",
        ),
        (
            "73. Children under 5 years who are stunted (height-for-age)18 (%)",
            "Children under 5 years who are stunted (height-for-age) (%)",
        ),
        (
            "87. Blood sugar level - very high (>160 mg/dl)23 (%)",
            "Blood sugar level - very high (>160 mg/dl) (%)",
        ),
        (
            "81. Children age 6-59 months who are anaemic (<11.0 g/dl)22 (%)",
            "Children age 6-59 months who are anaemic (<11.0 g/dl) (%)",
        ),
        (  # states.csv writes "=" for the greater-or-equal sign, india.csv ">"
            "89. Men who are overweight or obese (BMI =25.0 kg/m2) (%)",
            "Men who are overweight or obese (BMI ≥25.0 kg/m2) (%)",
        ),
        (
            "90. Women who have high risk waist-to-hip ratio (>0.85) (%)",
            "Women who have high risk waist-to-hip ratio (≥0.85) (%)",
        ),
        (
            "Current Use of Family Planning Methods (currently married women age 15â€“49 years) "
            "21. Any method6 (%)",
            "Any method (%)",
        ),
        (
            "control blood pressure (%) 98.Ever undergone a screening test for cervical cancer (%)",
            "Ever undergone a screening test for cervical cancer (%)",
        ),
        (
            "115. Women who have comprehensive knowledge24 of HIV/AIDS (%)",
            "Women who have comprehensive knowledge of HIV/AIDS (%)",
        ),
        (
            "24. Adolescent fertility rate for women age 15-19 years5",
            "Adolescent fertility rate for women age 15-19 years",
        ),
        (
            "3. Sex ratio of the total population (females per 1,000 males)",
            "Sex ratio of the total population (females per 1,000 males)",
        ),
        (
            "13. Households with any usual member covered by a health scheme or health insurance (%)",
            "Households with any usual member covered under a health insurance/financing scheme (%)",
        ),
        (
            "78. Women whose Body Mass Index (BMI) is below normal (BMI <18.5 kg/m2)21 (%)",
            "Women whose Body Mass Index (BMI) is below normal (BMI <18.5 kg/m2) (%)",
        ),
    ],
)
def test_repair_indicator_name_real_strings(published, repaired):
    assert nfhs.repair_indicator_name(published) == repaired


def test_harmonise_and_norm_place():
    assert nfhs.harmonise_district("Badgam") == "Budgam"
    assert nfhs.harmonise_district("Leh  (Ladakh)") == "Leh"
    assert nfhs.harmonise_district("Marigaon") == "Morigaon"
    assert nfhs.harmonise_district("Rajouri") == "Rajouri"
    assert nfhs._norm_place("  JAMMU & Kashmir ") == "jammu and kashmir"


def _write(root: Path, relpath: str, text: str) -> None:
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


_HEADER = '"Indicator","NFHS5","NFHS4","Flag_NFHS5","Flag_NFHS4","state","district"\n'


def _tiny_districts(root: Path) -> None:
    rows = []
    for dist, state in (("Badgam", "JK"), ("Punch", "JK"), ("Leh (Ladakh)", "LH")):
        rows += [
            f'"16. Women age 20-24 years married before age 18 years (%)",12.5,NA,"","","{state}","{dist}"',
            f'"44. Home births that were conducted by skilled health personnel10 (%)",(7),*,'
            f'"Based on 25-49 unweighted cases","Percentage not shown; based on fewer than 25 '
            f'unweighted cases","{state}","{dist}"',
            f'"86. Blood sugar level - high (141-160 mg/dl)23 (%)",4.1,NA,"","","{state}","{dist}"',
            f'"89. Blood sugar level - high (141-160 mg/dl)23 (%)",6.2,NA,"","","{state}","{dist}"',
        ]
    rows[5] = rows[5].replace("(7)", "7")  # Punch: 7 with its flag, as the parser writes it
    rows[1] = rows[1].replace("(7)", "7.0")
    rows[9] = rows[9].replace("(7)", "NA")
    # a truncated name in one fact sheet only
    rows[4] = rows[4].replace("before age 18 years (%)", "before age")
    _write(root, nfhs.DISTRICT_FILE, _HEADER + "\n".join(rows) + "\n")


def test_tiny_district_file_parsing(tmp_path):
    _tiny_districts(tmp_path)
    frame = nfhs.load_districts(tmp_path)
    assert sorted(frame["district"].unique()) == ["Budgam", "Leh", "Punch"]
    assert set(frame["district_published"]) == {"Badgam", "Leh (Ladakh)", "Punch"}
    assert set(frame["state"]) == {"Jammu & Kashmir", "Ladakh"}
    budgam = frame[frame["district"] == "Budgam"].set_index("indicator")
    cm = budgam.loc["Women age 20-24 years married before age 18 years (%)"]
    assert cm["nfhs5"] == 12.5 and math.isnan(cm["nfhs4"]) and cm["code"] == "child_marriage"
    assert cm["indicator_number"] == 16
    home = budgam.loc["Home births that were conducted by skilled health personnel (%)"]
    assert home["nfhs5"] == 7.0 and bool(home["nfhs5_parenthesised"])
    assert math.isnan(home["nfhs4"]) and not bool(home["nfhs4_parenthesised"])
    assert home["flag_nfhs4"].startswith("Percentage not shown")
    assert budgam.loc["Women: Blood sugar level - high (141-160 mg/dl) (%)", "nfhs5"] == 4.1
    assert budgam.loc["Men: Blood sugar level - high (141-160 mg/dl) (%)", "nfhs5"] == 6.2
    # Punch's truncated name maps to the standard one
    punch = frame[frame["district"] == "Punch"]
    assert "Women age 20-24 years married before age 18 years (%)" in set(punch["indicator"])
    assert nfhs.district_value("Poonch", "child_marriage", root=tmp_path) == 12.5
    assert nfhs.district_value("leh ladakh", "child_marriage", root=tmp_path) == 12.5


def test_bad_value_is_located(tmp_path):
    _write(
        tmp_path,
        nfhs.DISTRICT_FILE,
        _HEADER + '"1. Female population age 6 years and above who ever attended school (%)",'
        'abc,1,"","","BR","Madhubani"\n',
    )
    with pytest.raises(SourceError, match=r"row 2, column 'NFHS5': value 'abc' is not a number"):
        nfhs.load_districts(tmp_path)


def test_missing_file_is_clear(tmp_path):
    with pytest.raises(DataNotAvailableError, match="run `leher data fetch`"):
        nfhs.load_districts(tmp_path)
    assert nfhs.synth_rates("Madhubani", root=tmp_path) == {}


# ----------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def districts(public_data) -> pd.DataFrame:
    return nfhs.load_districts(public_data)


def test_district_file_shape(districts):
    assert districts.groupby(["state", "district"]).ngroups == 341
    assert districts["indicator"].nunique() == 104
    assert (districts.groupby("indicator").size() == 341).all()
    assert (
        not districts["indicator"]
        .str.contains(r"â|[a-z)]\d{1,2}(?:, \d+)?\s*\(%\)$|^\d+\.", regex=True)
        .any()
    )
    assert set(districts["state_code"]) >= {"BR", "AS", "JK", "LH"}
    assert set(districts["code"].dropna()) == set(nfhs.INDICATORS)


def test_madhubani_published_values(public_data):
    p = nfhs.district_profile("Madhubani", root=public_data).set_index("code")
    assert p.loc["child_marriage", "nfhs5"] == 39.2
    assert p.loc["child_marriage", "nfhs4"] == 42.7
    assert p.loc["child_marriage", "change"] == -3.5
    assert p.loc["sex_ratio_at_birth", "nfhs5"] == 805
    assert p.loc["sex_ratio_at_birth", "nfhs4"] == 954
    assert p.loc["birth_registration", "nfhs5"] == 81.1
    assert p.loc["stunting", "nfhs5"] == 43.3 and p.loc["underweight", "nfhs5"] == 36.0
    assert nfhs.district_value("madhubani ", "child_marriage", root=public_data) == 39.2
    assert nfhs.district_value("Madhubani", "child_marriage", "nfhs4", root=public_data) == 42.7
    full = nfhs.district_profile("Madhubani", root=public_data)
    assert len(full) == 104 and full["indicator_number"].tolist() == list(range(1, 105))


@pytest.mark.parametrize(
    ("written", "name", "state", "child_marriage"),
    [
        ("Morigaon", "Morigaon", "Assam", 39.1),
        ("Marigaon", "Morigaon", "Assam", 39.1),
        ("Budgam", "Budgam", "Jammu & Kashmir", 1.5),
        ("BADGAM", "Budgam", "Jammu & Kashmir", 1.5),
        ("Leh", "Leh", "Ladakh", 2.5),
        ("Leh (Ladakh)", "Leh", "Ladakh", 2.5),
        ("Rajouri", "Rajouri", "Jammu & Kashmir", 12.2),
    ],
)
def test_dna_districts(public_data, written, name, state, child_marriage):
    assert nfhs.resolve_district(written, root=public_data) == (name, state)
    p = nfhs.district_profile(written, indicators=list(nfhs.KEY_INDICATORS), root=public_data)
    assert p["code"].tolist() == list(nfhs.KEY_INDICATORS)
    assert p["nfhs5"].notna().all() and p["nfhs4"].notna().all()
    assert p.loc[0, "nfhs5"] == child_marriage


def test_state_and_india_values(public_data):
    assert nfhs.state_value("Bihar", "child_marriage", root=public_data) == 40.8
    assert nfhs.state_value("BR", "child_marriage", "nfhs4", root=public_data) == 42.5
    assert nfhs.state_value("Jammu and Kashmir", "birth_registration", root=public_data) == 95.3
    assert nfhs.india_value("child_marriage", root=public_data) == 23.3
    assert nfhs.india_value("sex_ratio_at_birth", root=public_data) == 929
    with pytest.raises(UnknownNameError, match="Unknown NFHS-5 state 'Bihr'. Did you mean: Bihar"):
        nfhs.state_value("Bihr", "child_marriage", root=public_data)


def test_state_files_agree_and_names_match(public_data):
    states = nfhs.load_states(public_data)
    phase1 = nfhs.load_states(public_data, phase1=True)
    india = nfhs.load_india(public_data)
    assert states["state"].nunique() == 36 and phase1["state"].nunique() == 22
    assert set(states["indicator"]) == set(phase1["indicator"]) == set(india["indicator"])
    assert india["indicator"].nunique() == 131 and set(india["state"]) == {"India"}
    merged = phase1.merge(states, on=["state", "indicator"], suffixes=("_p1", ""))
    assert len(merged) == len(phase1)
    for col in ("urban", "rural", "total", "nfhs4"):
        assert merged[f"{col}_p1"].equals(merged[col])
    assert "Women who have high risk waist-to-hip ratio (≥0.85) (%)" in set(india["indicator"])


def test_compare_five_districts(public_data):
    table = nfhs.compare(DNA_DISTRICTS, root=public_data)
    assert len(table) == 5 * len(nfhs.KEY_INDICATORS)
    assert table["district"].unique().tolist() == DNA_DISTRICTS
    cols = ["district_nfhs5", "district_nfhs4", "state_nfhs5", "state_nfhs4", "india_nfhs5"]
    assert table[cols].notna().all().all()
    row = table[(table["district"] == "Madhubani") & (table["code"] == "child_marriage")].iloc[0]
    assert (row["district_nfhs5"], row["district_nfhs4"], row["district_change"]) == (
        39.2,
        42.7,
        -3.5,
    )
    assert (row["state"], row["state_nfhs5"], row["india_nfhs5"]) == ("Bihar", 40.8, 23.3)
    assert row["india_change"] == -3.5 and row["unit"] == "%" and row["better"] == "lower"
    leh = table[(table["district"] == "Leh") & (table["code"] == "sex_ratio_at_birth")].iloc[0]
    assert leh["state"] == "Ladakh" and leh["district_nfhs5"] == 949


def test_unknown_and_ambiguous_districts(public_data):
    with pytest.raises(UnknownNameError) as err:
        nfhs.district_profile("Madhubanni", root=public_data)
    assert "Did you mean: Madhubani" in str(err.value)
    assert err.value.suggestions[0] == "Madhubani"
    # the gazetteer's PMGSY data has Aurangabad in Bihar only
    assert nfhs.resolve_district("Aurangabad", root=public_data) == ("Aurangabad", "Bihar")
    assert nfhs.resolve_district("Aurangabad", "BR", root=public_data) == ("Aurangabad", "Bihar")
    assert nfhs.compare(["Aurangabad, Bihar"], ["child_marriage"], root=public_data).shape[0] == 1
    with pytest.raises(UnknownNameError, match="Unknown NFHS-5 indicator 'nope'"):
        nfhs.district_value("Madhubani", "nope", root=public_data)


def test_ambiguous_district_without_the_gazetteer(public_data, tmp_path):
    (tmp_path / "nfhs5_factsheets").symlink_to(public_data / "nfhs5_factsheets")
    with pytest.raises(UnknownNameError, match="in several states: Aurangabad \\(Bihar\\)"):
        nfhs.resolve_district("Aurangabad", root=tmp_path)
    match = nfhs.match_district("Aurangabad", root=tmp_path)
    assert match.district is None and match.how == "none"
    assert "in several states" in match.reason


def test_synth_rates(public_data):
    rates = nfhs.synth_rates("Madhubani", root=public_data)
    assert set(rates) == set(nfhs.SYNTH_CODES)
    assert rates["child_marriage"] == 39.2 and rates["sex_ratio_at_birth"] == 805
    assert rates["birth_registration"] == 81.1 and rates["under15"] == 34.7
    assert nfhs.synth_rates("Synthetic district", root=public_data) == {}


def test_upstream_parse_errors_are_repaired(districts):
    kangra = districts[districts["district"] == "Kangra"].set_index("indicator_number")
    assert kangra.loc[50, "indicator"] == (
        "Children age 12-23 months fully vaccinated based on information from vaccination "
        "card only (%)"
    )
    assert kangra.loc[50, "indicator_published"].startswith("50. Cmhoiltdhreern's")
    thane = districts[districts["district"] == "Thane"].set_index("indicator_number")
    assert thane.loc[38, "indicator"].endswith("within 2 days of delivery (%)")


# ------------------------------------------- one name harmonisation, 86 PMGSY districts

#: PMGSY districts whose NFHS-5 district has another name.
OTHER_NAMES = {
    "Nowgaon": "Nagaon",
    "Sibsagar": "Sivasagar",
    "Kamrup Rural": "Kamrup",
    "N.C.Hills": "Dima Hasao",
    "Chapra(Saran)": "Saran",
    "Jahanabad": "Jehanabad",
    "Kaimur (Bhabhua)": "Kaimur (Bhabua)",
    "East Champaran": "Purba Champaran",
    "West Champaran": "Pashchim Champaran",
    "Bandipora": "Bandipore",
    "Poonch": "Punch",
    "Shopian": "Shupiyan",
}


@pytest.fixture(scope="module")
def matches(public_data) -> pd.DataFrame:
    return nfhs.gazetteer_matches(data_dir=public_data, root=public_data)


def test_every_pmgsy_district_resolves_to_its_nfhs5_district(matches):
    assert len(matches) == 86
    assert matches.groupby("state").size().to_dict() == {
        "Assam": 26,
        "Bihar": 38,
        "Jammu And Kashmir": 20,
        "Ladakh": 2,
    }
    none = matches[matches["how"] == "none"]
    assert none.empty, none[["district", "reason"]].to_string()
    by_name = matches.set_index("district")
    for pmgsy, published in OTHER_NAMES.items():
        assert by_name.loc[pmgsy, "nfhs_district"] == published, pmgsy
        assert by_name.loc[pmgsy, "how"] == "alias", pmgsy
    same = matches[~matches["district"].isin(list(OTHER_NAMES))]
    assert (same["how"] == "same name").all(), same[same["how"] != "same name"]
    assert (same["nfhs_district"] == same["district"]).all()
    states = matches["state"].str.replace("Jammu And Kashmir", "Jammu & Kashmir")
    assert (matches["nfhs_state"] == states).all()
    assert by_name.loc["Aurangabad", "nfhs_state"] == "Bihar"
    assert matches["reason"].eq("").all()


def test_every_nfhs5_district_of_the_four_states_is_accounted_for(matches, public_data):
    table = nfhs.districts(root=public_data)
    four = table[table["state"].isin(["Bihar", "Assam", "Jammu & Kashmir", "Ladakh"])]
    matched = set(matches["nfhs_district"])
    apart = set(nfhs.boundaries()["not_in_pmgsy"])
    assert matched.isdisjoint(apart)
    assert set(four["district"]) == matched | apart
    assert len(matched) == 86  # each NFHS-5 district has one PMGSY district at most


def test_split_districts_name_real_pmgsy_blocks(public_data):
    from leheranalysis import gazetteer

    master = gazetteer._read_master(public_data / gazetteer.PMGSY_DIR)
    for old, parts in nfhs.boundaries()["splits"].items():
        blocks = set(master.loc[master["DISTRICT_NAME"] == old, "BLOCK_NAME"])
        assert blocks, old
        for new, listed in parts.items():
            assert set(listed) <= blocks, (old, new, set(listed) - blocks)
            assert new in nfhs.boundaries()["not_in_pmgsy"], new


def test_caveats_of_split_and_city_districts(public_data):
    nowgaon = nfhs.district_caveats("Nagaon", root=public_data)
    assert nowgaon == nfhs.district_caveats("Nowgaon", root=public_data)
    assert nowgaon[0] == "NFHS-5 calls Nowgaon (its name in the PMGSY village list) Nagaon."
    assert "Hojai" in nowgaon[1] and "Lamding" in nowgaon[1]
    assert "rural habitations only" in nowgaon[2]
    patna = nfhs.district_caveats("Patna", root=public_data)
    assert len(patna) == 1 and "include Patna city" in patna[0]
    darbhanga = nfhs.district_caveats("Darbhanga", root=public_data)
    assert darbhanga == [
        "PMGSY lists rural habitations only, while NFHS-5 district figures include "
        "the district's towns."
    ]
    nowhere = nfhs.district_caveats("Atlantis", root=public_data)
    assert len(nowhere) == 1
    assert nowhere[0].startswith("Atlantis has no NFHS-5 district figures: not a district")
    assert "national figures" in nowhere[0]


def test_renamed_districts_are_calibrated_to_their_own_rates(public_data):
    for pmgsy, published in OTHER_NAMES.items():
        assert nfhs.synth_rates(pmgsy, root=public_data) == nfhs.synth_rates(
            published, root=public_data
        ), pmgsy
        assert nfhs.synth_rates(pmgsy, root=public_data), pmgsy
    assert nfhs.synth_rates("Aurangabad", root=public_data)


def test_published_renames_are_alias_pairs_of_the_gazetteer():
    from leheranalysis import gazetteer

    for published, harmonised in nfhs.DISTRICT_RENAMES.items():
        assert gazetteer.alias_canonical(published) == harmonised, published
