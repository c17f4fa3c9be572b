"""Derive once: the derived tables equal today's computations, stored once, re-derived when stale."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

from leheranalysis import comparison, cpvi, derive, store
from leheranalysis import indicators as ind
from leheranalysis.codebook import load_codebook
from leheranalysis.errors import ConfigError
from leheranalysis.present.kit import attach_block_names, district_denominator_shares
from leheranalysis.processed import analysis_observations, load_processed
from tests._suite import build_processed, sandbox

pytestmark = pytest.mark.realdata
N = 30  # Monte Carlo replications: enough to exercise the uncertainty analysis


@pytest.fixture(scope="module")
def folder(public_data, tmp_path_factory):
    root = tmp_path_factory.mktemp("derive")
    with sandbox(root):
        name = build_processed("Leh", root, seed=3, villages=16)
        yield store.district_folder(name)


@pytest.fixture
def fresh(folder, tmp_path):
    """A private copy of the processed folder (derived tables of its own)."""
    copy = tmp_path / folder.name
    shutil.copytree(folder, copy)
    shutil.rmtree(copy / "derived", ignore_errors=True)
    return copy


@pytest.fixture
def counted(monkeypatch):
    calls = []
    real = cpvi.compute_cpvi

    def counting(*args, **kwargs):
        calls.append(kwargs.get("n"))
        return real(*args, **kwargs)

    monkeypatch.setattr(cpvi, "compute_cpvi", counting)
    return calls


def test_derived_tables_equal_the_computations_of_the_reports(fresh):
    p = load_processed(folder=fresh)
    cb = load_codebook()
    obs = analysis_observations(p.observations, cb)
    d = derive.load(p, cpvi_n=N, cpvi_seed=0)
    assert sorted(d.computed) == sorted(derive.REGISTRY) and d.errors == {}
    shares_den, note = district_denominator_shares(p.district)
    expected = {
        "shares": ind.share_of_villages_reporting(obs, cb),
        "ranking": ind.issue_ranking(attach_block_names(p.rankings, p.blocks), cb),
        "triangulation": ind.triangulate(obs, cb, p.villages),
        "block_rates": ind.population_weighted_rates(obs, p.villages, cb, shares=shares_den),
        "secondary": ind.secondary_indicators(obs, cb),
    }
    expected["discrepancy_rates"] = ind.discrepancy_rates(
        expected["triangulation"], by="district", codebook=cb
    )
    for name, table in expected.items():
        assert len(table) > 0, name
        pd.testing.assert_frame_equal(d[name].reset_index(drop=True), table, check_dtype=False)
    assert d.block_rates.attrs["denominator_note"] == note
    result = cpvi.compute_cpvi(obs, p.villages, n=N, seed=0, codebook=cb)
    pd.testing.assert_frame_equal(d.cpvi.villages, result.villages, check_dtype=False)
    pd.testing.assert_frame_equal(d.cpvi.blocks, result.blocks, check_dtype=False)
    pd.testing.assert_frame_equal(d.cpvi.sensitivity, result.sensitivity, check_dtype=False)
    assert d.cpvi.code == "cpvi" and d.cpvi.n == N and d.cpvi.priority_quantile == 0.2
    # the ranking carries block names, so presenters need not join them back
    assert d.ranking["block_name"].notna().all()
    # the same tables read back from the store
    again = derive.load(folder=fresh)
    assert again.computed == [] and sorted(again.fresh) == sorted(derive.REGISTRY)
    for name in expected:
        pd.testing.assert_frame_equal(_text_as_object(again[name]), _text_as_object(d[name]))
    # the index's sensitivity is about named choices, also when read back from the store
    pd.testing.assert_frame_equal(
        again.cpvi.sensitivity, result.sensitivity, check_dtype=False, check_index_type=False
    )
    assert set(again.cpvi.sensitivity.index) == {
        "weights_L2", "weights_L3", "normalisation", "aggregation", "winsor_limit"
    }  # fmt: skip
    from leheranalysis.present import baseline as pb
    from leheranalysis.present import planning as pp

    choices = pb.sensitivity_table(again.cpvi.sensitivity)["Choice"].tolist()
    assert "Normalisation method" in choices and not any(c.isdigit() for c in choices)
    fig = pb.plot_sensitivity(again.cpvi.sensitivity)
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert sorted(ticks) == sorted(choices)
    assert fig.axes[0].get_title(loc="left").removesuffix(" moves village ranks most") in choices
    sentence = pp.sensitivity_sentence(again.cpvi.sensitivity, again.cpvi.villages)
    assert sentence.startswith("Of the choices behind the index, ")
    assert not re.search(r"index, \d", sentence), sentence


def _text_as_object(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns as objects with None for missing: pandas 3 reads text back from Parquet
    in its string dtype, whose missing value is NaN."""
    text = [c for c in df.columns if pd.api.types.is_string_dtype(df[c].dtype)]
    return df.assign(**{c: df[c].astype(object).where(df[c].notna(), None) for c in text})


def test_the_index_is_computed_once_per_district_and_parameter_set(fresh, counted):
    p = load_processed(folder=fresh)
    derive.derive(processed=p, cpvi_n=N, cpvi_seed=0)  # as `leher run` before the reports
    # what the baseline report, the map report and the comparison read
    baseline = derive.load(p, cpvi_n=N, cpvi_seed=0, cpvi_config="")
    maps = derive.load(p, "cpvi", cpvi_config="")
    scores = comparison.index_scores({"Leh": p}, derived={"Leh": maps.cpvi})
    # the draft plan names the priority villages of the same stored index
    from leheranalysis import plan

    plan.build_district_plan(data_dir=fresh, cpvi_n=N, seed=0)
    assert counted == [N]
    assert baseline.cpvi.villages.equals(maps.cpvi.villages)
    own = scores[scores["scale"] == "own district"].set_index("village_id")["score"]
    ref = maps.cpvi.villages.dropna(subset=["cpvi"]).set_index("village_id")["cpvi"]
    pd.testing.assert_series_equal(own.sort_index(), ref.sort_index(), check_names=False)
    # another parameter set is another computation, once
    derive.load(p, cpvi_n=N, cpvi_seed=1)
    derive.load(p, cpvi_n=N, cpvi_seed=1)
    assert counted == [N, N]
    # the village profiles show the index: another index, other profiles
    assert derive.stale(fresh, cpvi_seed=0) == ["cpvi", "plan_rows", "village_profiles"]
    assert derive.stale(fresh) == []


def test_scores_of_the_index_do_not_depend_on_the_recomputations(fresh):
    p = load_processed(folder=fresh)
    obs = analysis_observations(p.observations)
    with_mc = derive.load(p, "cpvi", cpvi_n=N).cpvi.villages.set_index("village_id")
    plain = cpvi.compute_cpvi(obs, p.villages, n=0).villages.set_index("village_id")
    pd.testing.assert_series_equal(with_mc["cpvi"].sort_index(), plain["cpvi"].sort_index())


def test_re_ingesting_identical_data_leaves_everything_fresh(folder, tmp_path):
    from leheranalysis import ingest

    with sandbox(tmp_path):
        name = build_processed("Leh", tmp_path, seed=3, villages=16)
        out = store.district_folder(name)
        derive.derive(folder=out, cpvi_n=N)
        before = derive.fingerprint(out)
        raw = tmp_path / "data" / "raw" / "demo" / "leh"
        ingest.ingest_district("Leh", [raw], out_dir=out)  # same workbooks again
        assert (out / "derived" / derive.RECORD).is_file()  # kept across re-ingestion
        assert derive.stale(out) == []
        assert derive.fingerprint(out) == before
        # other data: everything that reads the observations is stale
        obs = pd.read_parquet(out / "observations.parquet")
        store.write_parquet(obs.iloc[:-5], out / "observations.parquet")
        assert set(derive.stale(out)) == set(derive.REGISTRY) - {"ranking", "distances"}
        assert derive.fingerprint(out) != before


def test_the_registry_takes_new_derived_tables(fresh):
    @derive.derivation("top_issues", reads=("observations.parquet",), needs=["shares"])
    def _top(ctx):
        s = ctx.table("shares")
        return s.nlargest(3, "share")[["indicator", "share"]].reset_index(drop=True)

    try:
        d = derive.load(None, "top_issues", folder=fresh)
        assert d.computed == ["shares", "top_issues"] and len(d.top_issues) == 3
        assert (fresh / "derived" / "top_issues.parquet").is_file()
        assert derive.load(None, "top_issues", folder=fresh).computed == []
    finally:
        derive.REGISTRY.pop("top_issues")


def test_bad_names_and_parameters_are_refused(fresh):
    with pytest.raises(ConfigError, match="no derivation 'index'"):
        derive.derive(folder=fresh, names=["index"])
    with pytest.raises(ConfigError, match="unknown derivation parameter 'cpvi_runs'"):
        derive.derive(folder=fresh, cpvi_runs=5)
    with pytest.raises(ConfigError, match="derivation 'shares': already registered"):
        derive.derivation("shares", reads=())(lambda ctx: None)
    with pytest.raises(ConfigError, match="needs unregistered derivation"):
        derive.derivation("x", reads=(), needs=["nothing"])(lambda ctx: None)
    assert not (fresh / "derived").exists()  # nothing written


def test_leher_derive_prints_what_it_did(fresh, capsys):
    from leheranalysis.cli import main

    assert main(["derive", "--district", "Leh", "--data", str(fresh), "--cpvi-n", "0"]) == 0
    out = capsys.readouterr().out
    assert "   derived  cpvi" in out and f"{len(derive.REGISTRY)} derived, 0 up to date" in out
    assert main(["derive", "--district", "Leh", "--data", str(fresh), "--only", "cpvi"]) == 0
    assert "0 derived, 1 up to date" in capsys.readouterr().out


def _public_copy(root, tmp_path, real=("pmgsy-geosadak/data/Facilities/Ladakh.zip",)):
    """A public data folder of links to ``root``'s files, those named in ``real`` copies."""
    out = tmp_path / "public"
    for path in root.rglob("*"):
        if path.is_file():
            target = out / path.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            if path.relative_to(root).as_posix() in real:
                shutil.copyfile(path, target)
            else:
                target.symlink_to(path)
    return out


def test_distances_and_village_profiles_equal_the_map_report(fresh):
    from leheranalysis import geo
    from leheranalysis import village_maps as vm

    p = load_processed(folder=fresh)
    d = derive.load(p, "village_profiles", cpvi_n=N)
    assert d.computed == ["triangulation", "cpvi", "distances", "village_profiles"]
    gaz, notice = vm.load_geography(p.district)
    assert notice is None and not gaz.synthetic
    distances = geo.nearest_facility_distances(p.villages, gaz.facilities)
    assert list(distances.columns) == ["village_id", *geo.DEFAULT_DISTANCE_KINDS]
    assert distances.drop(columns="village_id").notna().any().any()
    pd.testing.assert_frame_equal(d.distances, distances)
    profile = vm.village_profile(d.cpvi.villages, d.cpvi.meta, distances, d.triangulation)
    assert len(profile) == d.cpvi.villages["cpvi"].notna().sum() > 0
    pd.testing.assert_frame_equal(d.village_profiles, profile)
    # which facility is nearest: its gazetteer id and published name, at the same distance
    near = d.nearest_facilities
    assert list(near.columns) == ["village_id", "kind", "facility_id", "facility", "km"]
    first = near[near["kind"] == "secondary_school"].iloc[0]
    facility = gaz.facilities.set_index("facility_id").loc[int(first["facility_id"])]
    assert facility["level"] == "secondary" and facility["description"] == first["facility"]
    assert first["km"] == pytest.approx(distances.iloc[0]["secondary_school"])
    # the public files read are recorded by their sha256
    public = derive.record_of(fresh)["derivations"]["distances"]["public"]
    assert public == {
        "pmgsy-geosadak/data/MasterData.xls": derive.public_sha256(
            "pmgsy-geosadak/data/MasterData.xls"
        ),
        "pmgsy-geosadak/data/Facilities/Ladakh.zip": derive.public_sha256(
            "pmgsy-geosadak/data/Facilities/Ladakh.zip"
        ),
    }
    # read back from the store: the same tables
    again = derive.load(None, "village_profiles", folder=fresh)
    assert again.computed == []
    pd.testing.assert_frame_equal(_text_as_object(again.village_profiles), profile)
    pd.testing.assert_frame_equal(again.distances, distances)


def test_distances_are_derived_again_when_the_public_facilities_change(
    fresh, tmp_path, monkeypatch, public_data
):
    import zipfile

    monkeypatch.setenv("LEHER_PUBLIC_DATA", str(_public_copy(public_data, tmp_path)))
    p = load_processed(folder=fresh)
    derive.derive(processed=p, cpvi_n=N)
    assert derive.stale(fresh) == []
    # another processed input of other derivations: distances and profiles stay
    obs = pd.read_parquet(fresh / "observations.parquet")
    store.write_parquet(obs.iloc[:-5], fresh / "observations.parquet")
    assert "distances" not in derive.stale(fresh)
    assert "village_profiles" in derive.stale(fresh)  # the index it shows is derived again
    derive.derive(folder=fresh)
    # the state's facilities file changes (here: only its bytes)
    facilities = tmp_path / "public" / "pmgsy-geosadak" / "data" / "Facilities" / "Ladakh.zip"
    with zipfile.ZipFile(facilities, "a") as zf:
        zf.comment = b"republished"
    assert derive.stale(fresh) == ["distances", "village_profiles"]
    result = derive.derive(folder=fresh)
    # same facilities, same distances: the profiles need not be derived again
    assert result.computed == ["distances"] and "village_profiles" in result.fresh
    assert derive.stale(fresh) == []
    # without the public data the built-in geography is used; fetching it again is a change
    facilities.unlink()
    assert derive.stale(fresh, ["distances"]) == ["distances"]
    assert derive.derive(folder=fresh, names=["distances"]).computed == ["distances"]
    public = derive.record_of(fresh)["derivations"]["distances"]["public"]
    assert public["pmgsy-geosadak/data/Facilities/Ladakh.zip"] is None
    assert derive.stale(fresh, ["distances"]) == []


def test_village_profiles_follow_the_index_they_show(fresh):
    p = load_processed(folder=fresh)
    derive.derive(processed=p, cpvi_n=N)
    other = derive.load(p, "village_profiles", cpvi_seed=1)
    assert other.computed == ["cpvi", "village_profiles"]
    assert derive.stale(fresh, ["village_profiles"], cpvi_seed=1) == []


def test_the_plan_rows_are_stored_once_and_equal_a_direct_computation(fresh, monkeypatch):
    from leheranalysis import keyfindings as kf
    from leheranalysis import plan
    from leheranalysis.codebook import load_codebook

    p = load_processed(folder=fresh)
    stored = derive.load(p, "plan_rows", cpvi_n=N, cpvi_seed=0).tables["plan_rows"]
    # a codebook given: the rows computed from the evidence, as before they were stored
    direct, _ = plan.build_district_plan(data_dir=fresh, codebook=load_codebook(), cpvi_n=N)
    assert len(stored) > 0 and list(stored.columns) == list(plan.COLUMNS)
    pd.testing.assert_frame_equal(stored, direct)

    # the runner's plan (packaged codebook) reads the stored rows: no evidence is built
    def no_evidence(*args, **kwargs):
        raise AssertionError("the evidence was built again")

    monkeypatch.setattr(kf, "build_evidence", no_evidence)
    table, info = plan.build_district_plan(data_dir=fresh, cpvi_n=N, seed=0)
    pd.testing.assert_frame_equal(table, direct)
    assert info["district"] == "Leh" and len(info["findings"]) > 0


@pytest.fixture(scope="module")
def two_rounds(tmp_path_factory):
    """A SYNTHETIC district (built-in geography) with a baseline and a midline round."""
    from leheranalysis import gazetteer, ingest, synth
    from leheranalysis.synth import followup

    root = tmp_path_factory.mktemp("rounds")
    with sandbox(root):
        district = gazetteer.synthetic_district("Synthetic District")
        raw = root / "raw" / "baseline"
        dna, _ = synth.demo_data(district, raw, seed=3, villages=12)
        out = root / "processed" / "synthetic-district"
        ingest.ingest_district(district, [raw], out_dir=out, reference_date="2025-01-15")
        mid = root / "raw" / "midline"
        followup.write_followup(followup.generate_followup(dna, "midline", seed=1), mid, district)
        ingest.ingest_district(
            district,
            [mid],
            out_dir=out / "rounds" / "midline",
            round_name="midline",
            reference_date="2027-01-15",
        )
        yield out


def test_the_change_between_rounds_is_derived_in_the_follow_up_round(two_rounds, tmp_path):
    from leheranalysis import monitoring

    district = tmp_path / two_rounds.name
    shutil.copytree(two_rounds, district)
    midline = district / "rounds" / "midline"
    derive.refresh(district, **derive.DEFAULTS)  # as `leher run` before the reports
    stored = derive.load(None, "monitoring", folder=midline)
    assert stored.computed == [] and stored.fresh == ["monitoring"]
    assert (midline / "derived" / "monitoring_changes.parquet").is_file()
    # the baseline's own comparison is empty: nothing to compare with
    assert derive.load(None, "monitoring", folder=district).monitoring_changes.empty
    # the same tables as the monitoring report computed them
    cb = load_codebook()
    base_p = load_processed(folder=district)
    follow_p = load_processed(folder=district, round_name="midline")
    base = monitoring.RoundData.from_processed(base_p)
    follow = monitoring.RoundData.from_processed(follow_p)
    shares, _ = district_denominator_shares(base_p.district)
    pairs = monitoring.paired_values(base, follow, cb)
    kw = {"alpha": 0.05, "adjust": "bh", "shares": shares, "pairs": pairs}
    expected = {
        "monitoring_changes": monitoring.change_table(base, follow, cb, **kw),
        "monitoring_block_changes": monitoring.block_changes(base, follow, cb, **kw),
        "monitoring_triangulation": monitoring.triangulation_change(base, follow, cb),
        "monitoring_index": monitoring.index_across_rounds(base, follow, cb, n=200),
    }
    for name, table in expected.items():
        assert len(table) > 0, name
        pd.testing.assert_frame_equal(
            _text_as_object(stored[name]).reset_index(drop=True),
            _text_as_object(table).reset_index(drop=True),
            check_dtype=False,
        )
    # recorded with the baseline's fingerprint; nothing is stale, nothing derived again
    entry = derive.record_of(midline)["derivations"]["monitoring"]
    assert entry["rounds"] == {"baseline": derive.fingerprint(district, ())}
    assert derive.stale(midline, ["monitoring"]) == []
    assert derive.refresh(district, **derive.DEFAULTS) is None
    # other parameters: derived again, once
    again = derive.load(None, "monitoring", folder=midline, alpha=0.01)
    assert again.computed == ["monitoring"]
    assert derive.load(None, "monitoring", folder=midline, alpha=0.01).computed == []
    # the baseline changes: the round's comparison is stale, and derived again by refresh
    obs = pd.read_parquet(district / "observations.parquet")
    store.write_parquet(obs.iloc[:-5], district / "observations.parquet")
    assert derive.stale(midline, ["monitoring"]) == ["monitoring"]
    derive.refresh(district, **derive.DEFAULTS)
    assert derive.stale(midline, ["monitoring"], **{"alpha": 0.05}) == []


def test_tables_that_read_the_nfhs_fact_sheets_follow_them(
    fresh, tmp_path, monkeypatch, public_data
):
    from leheranalysis import nfhs

    public = _public_copy(public_data, tmp_path, real=(nfhs.DISTRICT_FILE,))
    monkeypatch.setenv("LEHER_PUBLIC_DATA", str(public))
    derive.derive(folder=fresh, cpvi_n=N)
    recorded = derive.record_of(fresh)["derivations"]["block_rates"]["public"]
    assert recorded[nfhs.DISTRICT_FILE] == derive.public_sha256(nfhs.DISTRICT_FILE)
    with open(public / nfhs.DISTRICT_FILE, "a", encoding="utf-8") as fh:
        fh.write("\n")  # republished: other bytes
    assert derive.stale(fresh) == ["block_rates", "key_findings", "plan_rows"]
