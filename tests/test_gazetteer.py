"""Tests of the gazetteer: real PMGSY data where it matters, tiny frames for units."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leheranalysis import config, gazetteer
from leheranalysis.cli import main
from leheranalysis.errors import (
    ConfigError,
    DataNotAvailableError,
    SourceError,
    UnknownNameError,
)

PMGSY = "pmgsy-geosadak/data"

# Real FAC_DESC strings (as published, with their FAC_CATEGO) and the expected class.
REAL_FACILITIES = [
    ("Panchayat Headquarter", "Transport/Admin", "administration", "panchayat"),
    ("panchyat bhawan", "Transport/Admin", "administration", "panchayat"),
    ("Panchayat sarkar bhawan", "Transport/Admin", "administration", "panchayat"),
    ("psb bhawan", "Transport/Admin", "administration", "panchayat"),
    ("Apna Panchayat Ghar", "Transport/Admin", "administration", "panchayat"),
    ("panchayat halqa", "Transport/Admin", "administration", "panchayat"),
    ("Block Headquarter", "Transport/Admin", "administration", "block_hq"),
    ("block development office", "Transport/Admin", "administration", "block_hq"),
    ("BDO office", "Transport/Admin", "administration", "block_hq"),
    (
        "Margherita development block and anchalik panchayat",
        "Transport/Admin",
        "administration",
        "block_hq",
    ),
    ("Jorhat block", "Transport/Admin", "administration", "block_hq"),
    ("+2 high school", "Education", "school", "secondary"),
    ("+2high school", "Education", "school", "secondary"),
    ("High school general", "Education", "school", "secondary"),
    ("u.h.s", "Education", "school", "secondary"),
    ("Govt Hr Sec School", "Education", "school", "secondary"),
    ("Uunch Vidayalaya", "Education", "school", "secondary"),
    ("Degree college", "Education", "school", "secondary"),
    ("ITI", "Education", "school", "secondary"),
    ("Jawahar Navodaya Vidyalaya", "Education", "school", "secondary"),
    ("High school1", "Education", "school", "secondary"),
    ("Primary school", "Education", "school", "primary"),
    ("Govt Middle School", "Education", "school", "primary"),
    ("UMS", "Education", "school", "primary"),
    ("Sankardev Sishu Niketan", "Education", "school", "primary"),
    ("Don Bosco School", "Education", "school", "other"),
    ("madarsa", "Education", "school", "other"),
    ("primary health centre", "Medical", "health", "phc"),
    ("PHC", "Medical", "health", "phc"),
    ("Additional primary health center", "Medical", "health", "phc"),
    ("A.P.H.C", "Medical", "health", "phc"),
    ("Extra Primary Health Centre", "Medical", "health", "phc"),
    ("prathmik sawasthye kendra", "Medical", "health", "phc"),
    ("amguri mphc", "Medical", "health", "phc"),
    ("Community Health Centre", "Medical", "health", "chc_hospital"),
    ("Referral hospital", "Medical", "health", "chc_hospital"),
    ("Sub district hospital", "Medical", "health", "chc_hospital"),
    ("bedded hospital", "Medical", "health", "chc_hospital"),
    ("madhubani medical college", "Medical", "health", "chc_hospital"),
    ("Health sub centre", "Medical", "health", "sub_centre"),
    ("Health and wellness centre", "Medical", "health", "sub_centre"),
    ("govt ism dispensary", "Medical", "health", "sub_centre"),
    ("Veterinary hospital", "Medical", "other", "other"),
    ("vetnary hospital", "Medical", "other", "other"),
    ("Sheep husbandry", "Medical", "other", "other"),
    ("pasu hospital", "Medical", "other", "other"),
    ("health center", "Medical", "health", "other"),
    ("swast kender", "Medical", "health", "other"),
    ("Bus stop near govt middle school", "Transport/Admin", "other", "other"),
    ("High school chowk", "Transport/Admin", "other", "other"),
    ("Hatimara PHC bus stand", "Transport/Admin", "other", "other"),
    ("uttar bihar gramin bank", "Transport/Admin", "other", "other"),
    ("Pack house", "Agro", "other", "other"),
    ("centre of habitation", "Transport/Admin", "other", "other"),
    ("Indian oil", "Transport/Admin", "other", "other"),
]


@pytest.fixture(scope="module")
def madhubani(public_data):
    return gazetteer.load_district("Madhubani", public_data)


# ----------------------------------------------------------------- units


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("  Jahar  Mohara ", "jahar mohara"),
        ("HARIZAN TOLA", "harijan tola"),
        ("Lakshmipur", "laksmipur"),
        ("Laxmipur", "laksmipur"),
        ("Phulparas", "fulparas"),
        ("Ganj.Per", "ganj per"),
        ("Sheetalpur", "sitalpur"),
        ("Madhubanni", "madhubani"),
        ("Rampura", "rampura"),
        ("Tol-2", "tol 2"),
        ("Qazi Bagh", "kaji bagh"),
        (None, ""),
        (float("nan"), ""),
    ],
)
def test_normalise_name(a, b):
    assert gazetteer.normalise_name(a) == b


def test_normalise_keeps_pur_and_pura_apart():
    assert gazetteer.normalise_name("Rampur") != gazetteer.normalise_name("Rampura")


@pytest.mark.parametrize(("desc", "cat", "kind", "level"), REAL_FACILITIES)
def test_classify_real_descriptions(desc, cat, kind, level):
    assert gazetteer.classify_facility(desc, cat) == (kind, level)


def test_classify_missing_and_vectorised():
    assert gazetteer.classify_facility(None, None) == ("other", "other")
    out = gazetteer.classify_facilities(
        ["PHC", "High school", None], ["Medical", "Education", None]
    )
    assert out.to_dict("list") == {
        "kind": ["health", "school", "other"],
        "level": ["phc", "secondary", "other"],
    }


def test_classification_table_is_valid_and_ordered():
    table = gazetteer.facility_classes()
    assert list(table.columns) == ["priority", "kind", "level", "category", "pattern", "note"]
    assert table["priority"].is_monotonic_increasing
    assert table.iloc[-1]["pattern"] == "."  # a catch-all closes the table
    for kind, level in zip(table["kind"], table["level"], strict=True):
        assert kind in gazetteer.KINDS and level in gazetteer.LEVELS


def test_bad_classification_table_names_row(tmp_path, monkeypatch):
    bad = tmp_path / "facility_classes.csv"
    bad.write_text("priority,kind,level,category,pattern,note\n1,school,phc,,x,wrong level\n")
    real = config.package_data
    monkeypatch.setattr(
        config,
        "package_data",
        lambda name: bad if name == "facility_classes.csv" else real(name),
    )
    with pytest.raises(ConfigError, match=r"facility_classes.csv, row 2: level 'phc'"):
        gazetteer.facility_classes()


def test_aliases_table():
    al = gazetteer.aliases()
    assert al["districts"]["badgam"] == "Budgam"
    assert al["districts"]["lehladakh"] == "Leh"
    assert al["blocks"]["laharighat"] == "Lahorighat"
    assert al["blocks"]["nubra"] == "Nobra"
    assert al["blocks"]["khaltse"] == "Khalsti"
    assert al["blocks"]["diskit"] == "Deskit"


# ---------------------------------------------------------- synthetic


def test_synthetic_district_is_deterministic_and_marked():
    a = gazetteer.synthetic_district()
    b = gazetteer.synthetic_district()
    assert a.synthetic and a.name == "Synthetic District" and a.state == "Synthetic State"
    assert len(a.blocks) == 3 and len(a.villages) == 60
    assert a.villages.drop(columns="geometry").equals(b.villages.drop(columns="geometry"))
    assert a.villages.geometry.geom_equals(b.villages.geometry).all()
    assert list(a.blocks_without_polygon["block_name"]) == ["Synthetic Block Without Polygon"]
    assert a.population_issues["issue"].tolist() == ["missing", "missing"]
    assert a.villages["village_id"].is_unique
    # every point lies in its block
    merged = a.villages.merge(
        a.blocks[["block_id", "geometry"]].rename(columns={"geometry": "poly"}), on="block_id"
    )
    assert all(p.within(q) for p, q in zip(merged.geometry, merged["poly"], strict=True))
    s = gazetteer.summary(a)
    assert s["habitations"].tolist() == [20, 20, 20, 0]  # the block without polygon is last
    assert s["population_missing"].sum() == 2
    assert (
        s[["facilities_school", "facilities_health", "facilities_administration"]].gt(0).any().all()
    )


def test_synthetic_matching_reports_ambiguity():
    d = gazetteer.synthetic_district()
    m = gazetteer.match_village("harijan  tola", "Synthetic Block North", d)
    assert m.status == "ambiguous" and len(m.candidates) == 2 and m.village_id is None


def test_load_district_or_synthetic_falls_back(tmp_path):
    district, notice = gazetteer.load_district_or_synthetic("Madhubani", tmp_path)
    assert district.synthetic
    assert district.name == "Synthetic Madhubani"
    assert "SYNTHETIC" in notice and "leher data fetch" in notice


# -------------------------------------------------------- real data


def test_madhubani_blocks_and_counts(madhubani):
    d = madhubani
    assert (d.name, d.state, d.district_id, d.synthetic) == ("Madhubani", "Bihar", 342, False)
    assert d.n_blocks == 21 and len(d.blocks) == 21 and d.blocks_without_polygon.empty
    s = gazetteer.summary(d).set_index("block_name")
    assert len(s) == 21
    assert s.loc["Bisfi", "habitations"] == 142
    assert s.loc["Pandaul", "habitations"] == 110
    assert s.loc["Rajnagar", "habitations"] == 119
    assert s.loc[["Bisfi", "Pandaul", "Rajnagar"], "block_id"].tolist() == [978, 4508, 4991]
    assert s.loc["Bisfi", "population"] == 283762
    # the placeholder record (HAB_ID 1234, no name, no population) of Lakhnaur is kept
    assert s.loc["Lakhnaur", "habitations"] == 128 and s.loc["Lakhnaur", "population_missing"] == 1
    assert s["habitations"].sum() == len(d.villages) == 2548
    assert s["has_polygon"].all()


def test_madhubani_contract_columns(madhubani):
    d = madhubani
    assert list(d.blocks.columns) == ["block_id", "block_name", "geometry"]
    assert d.blocks.crs.to_epsg() == 4326 and d.blocks["block_id"].dtype == "int64"
    assert list(d.villages.columns) == [
        "village_id",
        "name",
        "name_norm",
        "block_id",
        "block_name",
        "population",
        "geometry",
    ]
    assert d.villages["village_id"].dtype == "int64"
    assert d.villages["population"].dtype == "float64"
    assert (d.villages["population"].dropna() > 0).all()
    assert list(d.facilities.columns) == [
        "facility_id",
        "village_id",
        "block_id",
        "description",
        "category",
        "kind",
        "level",
        "geometry",
    ]
    assert set(d.facilities["kind"]) <= set(gazetteer.KINDS)
    assert set(d.facilities["level"]) <= set(gazetteer.LEVELS)
    assert list(d.blocks_without_polygon.columns) == ["block_id", "block_name"]


def test_madhubani_population_issues(madhubani):
    pi = madhubani.population_issues
    assert len(pi) == 1
    row = pi.iloc[0]
    assert (row["village_id"], row["block_name"], row["issue"]) == (1234, "Lakhnaur", "missing")
    assert np.isnan(row["population_raw"])
    issues = madhubani.issues
    assert {"population_missing", "name_missing"} <= set(issues["issue"])


def test_madhubani_facilities(madhubani):
    f = madhubani.facilities
    assert len(f) == 1138
    counts = f.groupby("level").size()
    assert counts["panchayat"] == 322
    assert counts["block_hq"] == 21  # one or more per block headquarters
    assert counts["phc"] == 55 and counts["chc_hospital"] == 28
    assert counts["secondary"] == 281
    vet = f["description"].str.contains("veterinary", case=False, na=False)
    assert vet.sum() > 10 and (f.loc[vet, "kind"] == "other").all()


def test_real_descriptions_exist_in_data(public_data):
    import pyogrio

    seen = set()
    for state in gazetteer.STATES.values():
        df = pyogrio.read_dataframe(
            public_data / PMGSY / "Facilities" / f"{state}.zip", read_geometry=False
        )
        seen |= set(zip(df["FAC_DESC"].fillna(""), df["FAC_CATEGO"], strict=True))
    folded = {(d.casefold().strip(), c) for d, c in seen}
    for desc, cat, _, _ in REAL_FACILITIES:
        assert (desc.casefold(), cat) in folded, desc


@pytest.mark.parametrize("name", ["Budgam", "badgam", "BADGAM", " Budgam "])
def test_budgam_aliases(public_data, name):
    d = gazetteer.load_district(name, public_data)
    assert (d.name, d.district_id, d.n_blocks, len(d.villages)) == ("Budgam", 90, 17, 534)


def test_budgam_polygon_without_district_id_is_attached_and_reported(public_data):
    d = gazetteer.load_district("Budgam", public_data)
    # 17 listed; 16 polygons carry DISTRICT_I 90, Rathsun's has none but is found by BLOCK_ID
    assert len(d.blocks) == 17 and d.blocks_without_polygon.empty
    odd = d.issues[d.issues["issue"] == "polygon_district_id"]
    assert odd["name"].tolist() == ["Rathsun"]


def test_leh_block_without_polygon_and_aliases(public_data):
    d = gazetteer.load_district("Leh (Ladakh)", public_data)
    assert (d.name, d.state, d.n_blocks, len(d.blocks)) == ("Leh", "Ladakh", 17, 16)
    assert d.blocks_without_polygon["block_name"].tolist() == ["Nobra"]
    assert sorted(d.issues.loc[d.issues["issue"] == "polygon_district_id", "name"]) == [
        "Leh",
        "Thiksay",
    ]
    assert d.block_id("Nubra") == 7758
    assert d.block_id("khaltse") == d.block_id("Khalsti") == 7755
    # the Nubra valley's habitations lie in Deskit (also written Diskit), Panamic, Turtuk
    assert d.block_id("Diskit") == d.block_id("Deskit") == 7978
    per_block = d.villages.groupby("block_name").size()
    assert "Nobra" not in per_block and per_block["Deskit"] == 28
    assert (per_block["Panamic"], per_block["Turtuk"]) == (25, 8)


def test_polygon_coverage_explains_the_block_id_join(public_data):
    budgam = gazetteer.polygon_coverage(gazetteer.load_district("Badgam", public_data))
    assert budgam == {
        "listed": 17,
        "with_district_id": 16,
        "attached_by_block_id": 17,
        "without_polygon": 0,
        "lacking_district_id": ["Rathsun"],
    }
    leh = gazetteer.polygon_coverage(gazetteer.load_district("Leh", public_data))
    assert leh == {
        "listed": 17,
        "with_district_id": 14,
        "attached_by_block_id": 16,
        "without_polygon": 1,
        "lacking_district_id": ["Leh", "Thiksay"],
    }
    madhubani = gazetteer.polygon_coverage(gazetteer.load_district("Madhubani", public_data))
    assert madhubani["listed"] == madhubani["with_district_id"] == 21
    assert madhubani["lacking_district_id"] == []


def test_issue_details_show_empty_fields_plainly(public_data):
    d = gazetteer.load_district("Budgam", public_data)
    details = d.issues.set_index(["issue", "id"])["detail"]
    assert details[("polygon_district_id", 7790)] == (
        "polygon DISTRICT_I is empty, not 90; attached by BLOCK_ID"
    )
    assert details[("population_missing", 212333)] == "TOT_POPULA is empty"
    assert details[("district_id", 212333)] == "DISTRICT_I is empty; attached by BLOCK_ID"
    assert not d.issues["detail"].str.contains("nan|np\\.", regex=True).any()


def test_morigaon_and_rajouri(public_data):
    m = gazetteer.load_district("Marigaon", public_data)
    assert (m.name, m.district_id, m.n_blocks, len(m.villages)) == ("Morigaon", 371, 5, 1026)
    assert m.block_id("Laharighat") == m.block_id("LAHORIGHAT") == 3329
    r = gazetteer.load_district("rajouri", public_data)
    assert (r.name, r.n_blocks, len(r.blocks), len(r.villages)) == ("Rajouri", 19, 19, 734)


def test_unknown_names_list_closest(public_data, madhubani):
    with pytest.raises(UnknownNameError, match=r"Unknown district 'Madhubni'.*Madhubani"):
        gazetteer.load_district("Madhubni", public_data)
    with pytest.raises(UnknownNameError, match=r"Bisfi"):
        madhubani.block_id("Bisfy")
    with pytest.raises(UnknownNameError, match="state"):
        gazetteer.list_districts("Kerala", public_data)


def test_list_districts(public_data):
    all_ = gazetteer.list_districts(data_dir=public_data)
    assert set(all_["state"]) == set(gazetteer.STATES)
    assert len(gazetteer.list_districts("Bihar", public_data)) == 38
    assert gazetteer.list_districts("jammuandkashmir", public_data)["district"].tolist()[:2] == [
        "Anantnag",
        "Bandipora",
    ]


# ------------------------------------------------------------ matching


def test_match_statuses_in_real_blocks(madhubani):
    d = madhubani
    m = gazetteer.match_village("Raj  Nagar", "Rajnagar", d)
    assert (m.status, m.village_id, m.name, m.score) == ("exact", 890221, "Raj Nagar", 1.0)
    m = gazetteer.match_village("rajnagar", "Rajnagar", d)
    assert (m.status, m.village_id) == ("normalised", 890221)
    m = gazetteer.match_village("Araji Parsauni", "Bisfi", d)
    assert (m.status, m.village_id, m.name) == ("normalised", 44690, "Arazi Parsauni")
    m = gazetteer.match_village("Parohee", "Bisfi", d)
    assert (m.status, m.village_id, m.name) == ("normalised", 826426, "Parohi")
    m = gazetteer.match_village("Singhiya Tol", "Bisfi", d)
    assert (m.status, m.village_id, m.name) == ("fuzzy", 995491, "Singhia Tol")
    assert 0.85 <= m.score < 1
    # Bhataura and Bhatra are equally close to "Bhatoura": a tie, not a guess
    m = gazetteer.match_village("Bhatoura", "Bisfi", d)
    assert m.status == "ambiguous" and sorted(m.candidates) == [142358, 143940]
    m = gazetteer.match_village("Qwertyuiop", "Bisfi", d)
    assert m.status == "unmatched" and m.village_id is None and len(m.candidates) <= 3


def test_match_reports_ties_instead_of_guessing(madhubani):
    d = madhubani
    # two habitations named Laxmipur in Rajnagar
    m = gazetteer.match_village("Laxmipur", "Rajnagar", d)
    assert m.status == "ambiguous" and m.village_id is None
    assert sorted(m.candidates) == [624023, 624122]
    m = gazetteer.match_village("Lakshmipur", 4991, d)  # spelling variant, block by id
    assert m.status == "ambiguous" and sorted(m.candidates) == [624023, 624122]
    # RAMNAGAR and Ramnagar in Bisfi differ only by case
    m = gazetteer.match_village("ramnagar", "Bisfi", d)
    assert m.status == "ambiguous" and sorted(m.candidates) == [903685, 903686]
    # without block context the name is far more ambiguous
    m = gazetteer.match_village("Laxmipur", None, d)
    assert m.status == "ambiguous" and len(m.candidates) > 10


def test_match_unknown_block_raises(madhubani):
    with pytest.raises(UnknownNameError, match="Rajnagar"):
        gazetteer.match_village("Laxmipur", "Rajnagr", madhubani)
    with pytest.raises(ConfigError):
        gazetteer.match_village("Laxmipur", "Rajnagar")


def test_match_villages_vectorised_with_aliases(madhubani):
    df = pd.DataFrame(
        {
            "block": ["Rajnagar", "rajnagar", "Bisfi", "Nowhere", "Bisfi", None],
            "village": ["Raj Nagar", "Laxmipur", "Singhiya Tol", "Raj Nagar", "", "Arazi Parsauni"],
        },
        index=[10, 11, 12, 13, 14, 15],
    )
    out = gazetteer.match_villages(df, madhubani)
    assert out.index.tolist() == [10, 11, 12, 13, 14, 15]
    assert out["status"].tolist() == [
        "exact",
        "ambiguous",
        "fuzzy",
        "unmatched",
        "unmatched",
        "exact",
    ]
    assert out.loc[10, "village_id"] == 890221 and out.loc[10, "block_id"] == 4991
    assert out.loc[11, "candidates"] == "624023;624122" or out.loc[11, "candidates"] == (
        "624122;624023"
    )
    assert "Unknown block" in out.loc[13, "note"] and pd.isna(out.loc[13, "block_id"])
    assert out.loc[14, "note"] == "no village name written"
    assert out["village_id"].dtype == "Int64"
    aliases = pd.DataFrame(
        {"written_name": ["laxmipur"], "block": ["Rajnagar"], "village_id": [624122]}
    )
    out2 = gazetteer.match_villages(df, madhubani, aliases=aliases)
    assert out2.loc[11, "status"] == "alias" and out2.loc[11, "village_id"] == 624122
    bad = pd.DataFrame({"written_name": ["x"], "block": [None], "village_id": [1]})
    with pytest.raises(ConfigError, match="village_id 1 is not a habitation of Madhubani"):
        gazetteer.match_villages(df, madhubani, aliases=bad)


# ------------------------------------------------------------------ CLI


def test_cli_table(public_data, capsys):
    code = main(["gazetteer", "Madhubani", "--data", str(public_data)])
    out = capsys.readouterr().out
    assert code == 0
    assert "21 blocks (21 with polygon), 2,548 habitations" in out
    lines = {
        line.split()[1]: line.split() for line in out.splitlines() if line[:9].strip().isdigit()
    }
    assert lines["Bisfi"][2] == "142" and lines["Pandaul"][2] == "110"
    assert lines["Rajnagar"][2] == "119"
    assert "Every block listed in MasterData has a polygon." in out
    assert "Government Open Data License - India" in out


def test_cli_json_and_block(public_data, capsys):
    assert main(["gazetteer", "madhubani", "--json", "--data", str(public_data)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["district"] == "Madhubani" and len(doc["blocks"]) == 21
    by = {b["block_name"]: b for b in doc["blocks"]}
    assert by["Bisfi"]["habitations"] == 142 and by["Bisfi"]["block_id"] == 978
    assert doc["population_missing"] == 1
    assert (
        main(["gazetteer", "Madhubani", "--block", "bisfi", "--json", "--data", str(public_data)])
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["villages"]) == 142 and doc["blocks"][0]["block_name"] == "Bisfi"


def test_cli_badgam_reports_block_without_polygon_for_leh(public_data, capsys):
    assert main(["gazetteer", "Badgam", "--data", str(public_data)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Budgam (Jammu And Kashmir)") and "polygon_district_id 1" in out
    assert (
        "Block polygons: 17 listed in MasterData; 16 polygons carry the district's id; "
        "17 attached by block id; 0 without any polygon\n" in out
    )
    assert "\nBlocks whose polygon lacks the district id (attached by block id): Rathsun\n" in out
    assert "Every block listed in MasterData has a polygon." in out
    assert main(["gazetteer", "Leh", "--data", str(public_data)]) == 0
    out = capsys.readouterr().out
    assert (
        "Block polygons: 17 listed in MasterData; 14 polygons carry the district's id; "
        "16 attached by block id; 1 without any polygon\n" in out
    )
    assert (
        "\nBlocks whose polygon lacks the district id (attached by block id): Leh, Thiksay\n" in out
    )
    assert "Blocks listed in MasterData without a polygon: Nobra (7758)" in out
    assert main(["gazetteer", "Madhubani", "--data", str(public_data)]) == 0
    assert "polygon lacks the district id" not in capsys.readouterr().out


def test_cli_issues_table(public_data, capsys):
    assert main(["gazetteer", "Badgam", "--issues", "--data", str(public_data)]) == 0
    out = capsys.readouterr().out
    head, _, table = out.partition("\nData-quality issues of Budgam (35):\n")
    assert table, out
    lines = table.rstrip("\n").splitlines()
    assert lines[0].split() == ["level", "issue", "id", "name", "block", "detail"]
    assert len(lines) == 1 + 35
    rows = [line.split() for line in lines[1:]]
    assert rows[0][:5] == ["block", "polygon_district_id", "7790", "Rathsun", "Rathsun"]
    # the placeholder habitations of Narbal: no name, no population, no district id
    placeholder = [r for r in rows if r[2] == "212333"]
    assert [r[1] for r in placeholder] == ["population_missing", "name_missing", "district_id"]
    assert all(r[3] == "(none)" and r[4] == "Narbal" for r in placeholder)
    assert sum(r[1] == "outside_block" for r in rows) == 25
    assert sum(r[1] == "unknown_habitation" for r in rows) == 3
    # one block only, and JSON
    args = ["gazetteer", "Leh", "--block", "Nubra", "--issues", "--data", str(public_data)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Data-quality issues of Nobra (1):" in out and "no_polygon" in out
    assert main([*args, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [(i["issue"], i["block_name"]) for i in doc["issues"]] == [("no_polygon", "Nobra")]
    assert doc["polygons"]["without_polygon"] == 1


def test_cli_issues_none(capsys):
    # the synthetic geography has three issues, all deliberate; one block has none
    assert main(["gazetteer", "Synthetic District", "--issues"]) == 0
    out = capsys.readouterr().out
    assert "Data-quality issues of Synthetic District (3):" in out
    assert (
        main(["gazetteer", "Synthetic District", "--block", "Synthetic Block Centre", "--issues"])
        == 0
    )
    assert "No data-quality issues found in Synthetic Block Centre." in capsys.readouterr().out


def test_cli_unknown_names_exit_2(public_data, capsys):
    assert main(["gazetteer", "Madhubny", "--data", str(public_data)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Unknown district 'Madhubny'") and "Madhubani" in err
    assert main(["gazetteer", "Madhubani", "--block", "Bisfy", "--data", str(public_data)]) == 2
    assert "Did you mean: Bisfi" in capsys.readouterr().err


# ------------------------------------------------------------ bad input


def _mirror(public_data: Path, dest: Path, state: str = "Ladakh") -> Path:
    """A data folder of symlinks to the real files of one state (fast, nothing copied)."""
    src = public_data / PMGSY
    for rel in [
        "MasterData.xls",
        f"Bound_Block/{state}.zip",
        f"Habitation/{state}.zip",
        f"Facilities/{state}.zip",
    ]:
        target = dest / PMGSY / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(src / rel, target)
    return dest


def _listing(root: Path) -> list[tuple[str, int]]:
    return sorted((str(p.relative_to(root)), p.lstat().st_size) for p in root.rglob("*"))


def _replace(path: Path, data: bytes) -> None:
    path.unlink()
    path.write_bytes(data)


def _cli_fails(root: Path, capsys, *needles: str) -> None:
    before = _listing(root)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        code = main(["gazetteer", "Leh", "--data", str(root)])
    finally:
        os.chdir(cwd)
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1  # one line, no traceback
    for needle in needles:
        assert needle in err
    assert _listing(root) == before  # nothing written


def test_missing_data_directory(tmp_path, capsys):
    with pytest.raises(DataNotAvailableError, match="leher data fetch"):
        gazetteer.load_district("Leh", tmp_path)
    _cli_fails(tmp_path, capsys, str(tmp_path / PMGSY), "leher data fetch")


def test_missing_layer_file(public_data, tmp_path, capsys):
    root = _mirror(public_data, tmp_path)
    (root / PMGSY / "Habitation/Ladakh.zip").unlink()
    with pytest.raises(DataNotAvailableError, match="Habitation/Ladakh.zip is missing"):
        gazetteer.load_district("Leh", root)
    _cli_fails(root, capsys, "Habitation/Ladakh.zip", "leher data fetch")


def test_corrupted_zip(public_data, tmp_path, capsys):
    root = _mirror(public_data, tmp_path)
    path = root / PMGSY / "Habitation/Ladakh.zip"
    data = path.read_bytes()
    _replace(path, data[: len(data) // 2])
    with pytest.raises(SourceError, match="not a readable zip archive"):
        gazetteer.load_district("Leh", root)
    _cli_fails(root, capsys, "Habitation/Ladakh.zip", "corrupted", "leher data fetch")


def test_shapefile_without_dbf(public_data, tmp_path, capsys):
    root = _mirror(public_data, tmp_path)
    path = root / PMGSY / "Facilities/Ladakh.zip"
    real = public_data / PMGSY / "Facilities/Ladakh.zip"
    path.unlink()
    with zipfile.ZipFile(real) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            if not info.filename.lower().endswith(".dbf"):
                dst.writestr(info, src.read(info))
    with pytest.raises(SourceError, match=r"Facilities\.shp has no \.dbf"):
        gazetteer.load_district("Leh", root)
    _cli_fails(root, capsys, "Facilities/Ladakh.zip", ".dbf", "leher data fetch")


def test_unreadable_xls(public_data, tmp_path, capsys):
    root = _mirror(public_data, tmp_path)
    _replace(root / PMGSY / "MasterData.xls", b"this is not an excel workbook\n" * 50)
    with pytest.raises(SourceError, match="MasterData.xls is not a readable .xls workbook"):
        gazetteer.load_district("Leh", root)
    _cli_fails(root, capsys, "MasterData.xls", "leher data fetch")


def test_layer_cache_sees_a_replaced_file(public_data, tmp_path):
    root = _mirror(public_data, tmp_path)
    assert len(gazetteer.load_district("Leh", root).villages) == 346
    path = root / PMGSY / "Habitation/Ladakh.zip"
    path.unlink()
    shutil.copyfile(public_data / PMGSY / "Habitation/Ladakh.zip", path)
    path.write_bytes(b"broken")  # same path, new size and mtime: the cache must not hide it
    with pytest.raises(SourceError):
        gazetteer.load_district("Leh", root)


def test_cli_names_the_nfhs5_district_and_its_caveats(public_data, capsys):
    assert main(["gazetteer", "Nagaon", "--data", str(public_data)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Nowgaon (Assam)")
    assert "\nNFHS-5 district: Nagaon (Assam) (under another name)\nCaveats:\n" in out
    assert "  - PMGSY's Nowgaon predates the forming of Hojai district" in out
    assert main(["gazetteer", "Patna", "--json", "--data", str(public_data)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["nfhs5_district"] == "Patna" and doc["nfhs5_match"] == "same name"
    assert len(doc["caveats"]) == 1 and "include Patna city" in doc["caveats"][0]
    assert main(["gazetteer", "Synthetic District"]) == 0
    assert "NFHS-5" not in capsys.readouterr().out


def test_cli_list_with_nfhs5_districts(public_data, capsys):
    assert main(["gazetteer", "--list", "--nfhs", "--json", "--data", str(public_data)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 86 and all(r["nfhs_district"] for r in rows)
    nowgaon = next(r for r in rows if r["district"] == "Nowgaon")
    assert nowgaon["nfhs_district"] == "Nagaon" and nowgaon["how"] == "alias"
    assert "Hojai" in nowgaon["caveats"]
    assert (
        main(["gazetteer", "--list", "--nfhs", "--state", "Bihar", "--data", str(public_data)]) == 0
    )
    out = capsys.readouterr().out
    assert "boundary" in out.splitlines()[0] and "city: Patna" in out
    assert main(["gazetteer", "--nfhs"]) == 2
