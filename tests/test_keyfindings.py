"""Key findings: chosen by rules, worst blocks true to the data, small counts kept hidden."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from leheranalysis import config
from leheranalysis import indicators as ind
from leheranalysis import keyfindings as kf
from leheranalysis.codebook import load_codebook, parse_codebook
from leheranalysis.errors import CodebookError
from leheranalysis.present.kit import display_name
from leheranalysis.processed import analysis_observations, load_processed
from tests._suite import answer_key_top_issues, sandbox

CB = load_codebook()


@pytest.fixture(scope="module")
def demo(public_data, tmp_path_factory):
    """Madhubani demo data as `leher demo` builds it, and its evidence tables."""
    from leheranalysis import findings, gazetteer, ingest, pipeline, synth

    root = tmp_path_factory.mktemp("kf")
    with sandbox(root):
        district = gazetteer.load_district("Madhubani")
        raw = root / "data" / "raw" / "demo" / "madhubani"
        synth.demo_data(
            district, raw, seed=pipeline.DEMO_SEED, dirt=pipeline.DEMO_DIRT, dirt_errors=False
        )
        out = root / "data" / "processed" / "madhubani"
        ingest.ingest_district(district, [raw], out_dir=out)
        p = load_processed(folder=out)
        shares, _ = findings.district_denominator_shares("Madhubani")
        ev = kf.build_evidence(
            p.observations,
            p.villages,
            p.rankings,
            p.blocks,
            CB,
            shares,
            "Madhubani",
            kf.nfhs_reference("Madhubani"),
            synthetic=True,
        )
        yield {"p": p, "ev": ev, "shares": shares, "key": raw / "synthetic_key"}


def test_five_to_eight_findings_with_magnitude_interval_and_block(demo):
    found = kf.key_findings(demo["ev"], CB)
    assert 5 <= len(found) <= 8
    assert list(found["order"]) == list(range(1, len(found) + 1))
    assert found["score"].is_monotonic_decreasing
    for r in found.itertuples():
        assert r.worst_block or r.worst.startswith(("similar in all blocks", "highest in ")), (
            r.indicator
        )
        assert re.search(r"95 % CI \d", r.magnitude), r.magnitude
        assert np.isfinite(r.value) and r.lo <= r.value <= r.hi
    # at most two per domain, one service
    assert found["domain"].value_counts().max() <= 2
    assert (found["domain"] == "Services and systems").sum() <= 1
    md = kf.key_findings_markdown(found, synthetic=True)
    assert md.startswith("**SYNTHETIC")
    assert md.count("\n") >= len(found)


def _block_rate_argmax(p, code: str, shares) -> str:
    """Worst block recomputed from the processed tables without the keyfindings code."""
    obs = analysis_observations(p.observations, CB)
    comm = obs[(obs["instrument"] == "village") & obs["group"].str.match(r"^(cg|ag)_")]
    comm = comm[comm["indicator"] == code].dropna(subset=["value"])
    per_village = comm.groupby(["block_name", "village_id"])["value"].max().reset_index()
    den = ind.village_denominators(p.villages, shares)
    base = den.set_index("village_id")[CB.indicator(code)["denominator"]]
    per_village["base"] = per_village["village_id"].map(base)
    per_village = per_village.dropna(subset=["base"])
    g = per_village.groupby("block_name")[["value", "base"]].sum()
    return str((g["value"] / g["base"]).idxmax())


def _block_share_argmax(p, code: str) -> str:
    obs = analysis_observations(p.observations, CB)
    v = ind.village_group_indicators(obs, p.villages, CB)
    v = v[(v["indicator"] == code) & v["family"].isin(["cg", "ag"]) & v["value"].notna()]
    rep = v.groupby(["block_name", "village_id"])["reported"].any().groupby("block_name").mean()
    return str(rep.idxmax())


def test_every_block_named_is_the_worst_in_the_processed_data(demo):
    found = kf.key_findings(demo["ev"], CB, n=8)
    assert len(found) >= 5
    for r in found.itertuples():
        row = CB.indicator(r.indicator)
        if row["unit"] == "count" and row["denominator"]:
            expected = _block_rate_argmax(demo["p"], r.indicator, demo["shares"])
        else:
            expected = _block_share_argmax(demo["p"], r.indicator)
        if r.worst_block is None:  # no block clearly ahead: none named worst
            assert r.worst.startswith(("similar in all blocks", "highest in ")), r.worst
            assert f"in {expected}" in r.worst or r.worst.startswith("similar"), r.worst
            continue
        assert r.worst_block == expected, r.indicator
        assert f"in {expected}" in r.worst


def test_a_block_is_named_worst_only_when_it_is_ahead_beyond_the_intervals(demo):
    ev = demo["ev"]
    w = kf.worst_blocks(ev, CB).set_index("indicator")
    d = kf.describe(ev, list(w.index), CB).set_index("indicator")
    shares = ev.shares[(ev.shares["scope"] == "block") & (ev.shares["kind"] == "community")]
    rates = ev.rates[ev.rates["scope"] == "block"]
    named = similar = 0
    for code, r in d.iterrows():
        if w.at[code, "hidden"]:
            continue
        if w.at[code, "measure"] == "rate":
            b = rates[rates["indicator"] == code].set_index("block_name")
            lo, hi, value = b["rate_lo"], b["rate_hi"], b["rate_per_1000"]
        else:
            b = shares[shares["indicator"] == code].set_index("block_name")
            lo, hi, value = b["share_lo"], b["share_hi"], b["share"]
        top = value.idxmax()
        ahead = bool((lo[top] > hi.drop(top)).all())
        if r["worst_block"] is not None:
            named += 1
            assert ahead and r["worst_block"] == top, (code, r["worst"])
        else:
            assert not ahead, (code, r["worst"])
            if (hi >= lo.max()).all():  # every interval reaches the highest lower bound
                similar += 1
                assert r["worst"].startswith("similar in all blocks ("), r["worst"]
                assert not re.search(r"\b(\d+)-\1 ", r["worst"]), r["worst"]  # no '100-100 %'
            assert "most often in" not in r["worst"], r["worst"]
    assert named and similar, (named, similar)


def test_findings_include_what_the_answer_key_makes_most_prevalent(demo):
    """The two ranking issues with the highest true rate per 1,000 come among the findings."""
    top2 = answer_key_top_issues(demo["key"])
    found = kf.key_findings(demo["ev"], CB)
    assert set(top2) <= set(found["issue"].dropna()), (top2, list(found["issue"]))


def test_sensitive_counts_under_five_never_shown(demo):
    ev = demo["ev"]
    d = kf.describe(ev, ["sexual_abuse_known", "missing_trafficked"], CB)
    rates = ev.rates
    for r in d.itertuples():
        blocks = rates[(rates["indicator"] == r.indicator) & (rates["scope"] == "block")]
        small = ((blocks["count"] >= 1) & (blocks["count"] < 5)).any()
        if small:
            # no block named, no rate a reader could multiply back into a count
            assert r.worst_block is None
            assert "per 1,000" not in r.magnitude + r.worst
            assert np.isnan(r.value)
        text = " ".join([r.magnitude, r.worst, r.duty_bearers])
        for n in re.findall(r"\b(\d+) of \d+ villages", text):
            assert not 1 <= int(n) <= 4, text
    assert (d["worst_block"].isna()).any(), "the demo has a block with 1-4 cases"


def test_markdown_escapes_values():
    found = pd.DataFrame(
        [
            {
                "order": 1,
                "title": "x<script>",
                "magnitude": "a*b_c",
                "worst": "in <b>&",
                "duty_bearers": "",
                "nfhs": "",
                "department": "",
            }
        ]
    )
    md = kf.key_findings_markdown(found)
    assert "<script>" not in md and "<b>" not in md
    assert "&lt;script&gt;" in md and r"A\*b\_c" in md


def test_n_outside_five_to_eight_is_refused(demo):
    with pytest.raises(ValueError, match="between 5 and 8, got 9"):
        kf.key_findings(demo["ev"], CB, n=9)


def test_codebook_rules_and_plan_sections_are_validated():
    text = config.package_data("codebook.yaml").read_text(encoding="utf-8")
    cb = parse_codebook(text)
    assert cb.key_findings["n"] == 6
    assert set(cb.ranking_issues["code"]) < set(cb.plan_issues)
    assert cb.plan_issues["vlcpc"]["label"] == "Village Level Child Protection Committees"
    bad = text.replace('    label: "Village Level Child Protection Committees"\n', "", 1)
    with pytest.raises(CodebookError, match="'vlcpc': not a ranking issue.*needs a 'label'"):
        parse_codebook(bad)
    bad = text.replace("  midday_meal: os_smc_monitoring\n", "  midday_meal: os_nothing\n", 1)
    with pytest.raises(CodebookError, match="finding_activities 'midday_meal': unknown activity"):
        parse_codebook(bad)
    assert "register_not_updated" in set(cb.reason_codes["code"])
    bad = text.replace("  n: 6\n", "  n: 12\n", 1)
    with pytest.raises(CodebookError, match="key_findings: 'n' must be a whole number from 5 to 8"):
        parse_codebook(bad)
    bad = text.replace("activities: [cl_identification_rescue,", "activities: [cl_nothing,", 1)
    with pytest.raises(CodebookError, match="child_labour.*unknown activity 'cl_nothing'"):
        parse_codebook(bad)


def test_part2_commitments_per_block_with_community_evidence(demo):
    from leheranalysis.present import planning as pp

    ev = demo["ev"]
    c = pp.part2_commitments(ev, CB)
    p2 = demo["p"].observations
    p2 = p2[p2["instrument"] == "part2"]
    assert len(c) == len(p2)
    assert set(c["block"]) == {"Bisfi", "Pandaul", "Rajnagar"}
    assert set(c["response"]) <= set(CB.responses["block_official"])
    sens = c[c["indicator"].isin(["sexual_abuse_known", "missing_trafficked"])]
    for text in sens["evidence"]:
        assert "per 1,000" not in text or "not shown" in text
        first = text.split(": ")[1].split()[0]
        assert first == "<5" or not 1 <= int(first) <= 4, text
    lines = pp.part2_summary(c)
    assert len(lines) == 3 and lines[0].startswith("Bisfi: of 17 issues presented")
    t = pp.part2_block_table(c, "Pandaul")
    assert list(t.columns) == [
        "Issue",
        "Community evidence (block)",
        "Block official",
        "Response",
        "Committed timeline",
        "Committed activity",
    ]
    assert len(t) == (c["block"] == "Pandaul").sum()


def test_commitments_say_what_their_count_counts_as_the_headline_table_does(demo):
    from leheranalysis.present import baseline as pb
    from leheranalysis.present import planning as pp

    ev = demo["ev"]
    c = pp.part2_commitments(ev, CB)
    blocks = ev.shares[ev.shares["scope"] == "block"][["block_id", "block_name"]]
    ids = dict(zip(blocks["block_name"], blocks["block_id"], strict=False))
    checked = 0
    for r in c.itertuples(index=False):
        head = pb.headline_table(ev.shares, CB, kinds=("community",), block_id=ids[r.block])
        row = head.xs(CB.reader_label(r.indicator), level="Issue")
        villages = row.iloc[0][(pb.KIND_LABELS["community"], "Villages")]
        assert r.evidence.startswith(f"{CB.reader_label(r.indicator)}: {villages} villages"), (
            r.block,
            r.evidence,
        )
        checked += 1
    assert checked == len(c) > 0
    t = pp.part2_block_table(c, "Bisfi").set_index("Issue")["Community evidence (block)"]
    assert t["Village Level Child Protection Committee exists"].startswith(
        "No Village Level Child Protection Committee (VLCPC): "
    )
    assert t["VLCPC met in the last quarter"].startswith("VLCPC did not meet in the last quarter: ")
    assert t["Anganwadi centre functioning"].startswith("Anganwadi centre rated poor (1-2 of 5): ")
    assert "mean score " in t["Anganwadi centre functioning"]
    assert not any("reported in" in x for x in c["evidence"])


def test_glossary_has_the_reports_abbreviations_and_methods():
    from leheranalysis.present import planning as pp

    terms = set(pp.glossary_table(CB)["Term"])
    for t in (
        "ICDS",
        "POCSO",
        "ICPS",
        "Mission Vatsalya",
        "CWC",
        "JJB",
        "ASHA",
        "AWW",
        "VLCPC",
        "PHC",
        "CHC",
        "Wilson interval",
        "Borda score",
        "rank interval",
        "DCPP",
        "NFHS-5",
        "95 % CI",
        "rate per 1,000",
    ):
        assert t in terms, t
    # every entry whole: a term is never cut at a comma
    g = pp.glossary_table(CB)
    assert "rate per 1" not in terms
    assert g["Stands for"].map(bool).all() and g["Meaning"].map(bool).all()
    vlcpc = CB.glossary.set_index("term").at["VLCPC", "definition"]
    assert "Mission Vatsalya" in vlcpc
    md = pp.link_glossary("An AWW, then the AWW and NFHS-5.", CB)
    assert md == "An [AWW](#Glossary), then the AWW and [NFHS-5](#Glossary)."


def test_why_a_village_is_a_priority_and_why_a_rank_is_missing(demo):
    from leheranalysis import cpvi
    from leheranalysis.present import planning as pp

    p = demo["p"]
    res = cpvi.compute_cpvi(
        analysis_observations(p.observations, CB), p.villages, n=300, seed=0, codebook=CB
    )
    why = pp.priority_reasons(res.villages, res.meta)
    prio = res.villages[res.villages["priority"].astype(bool)]
    assert len(why) == len(prio) > 0
    domains = {str(x).lower() for x in res.meta.loc[res.meta["level"] == 2, "label"]}
    for r, (_, v) in zip(why.itertuples(), prio.sort_values("rank").iterrows(), strict=True):
        assert r.Village == display_name(v["village_name"])
        assert r._4 == f"{v['q05']:.0f}-{v['q95']:.0f}"
        named = [d for d in domains if d in r._5]
        assert len(named) == 2, r._5
        # the two named domains are the two largest weighted domain scores
        w = res.meta[res.meta["level"] == 2].set_index("code")
        contrib = {str(w.at[c, "label"]).lower(): w.at[c, "weight"] * v[c] for c in w.index}
        assert set(named) == set(sorted(contrib, key=contrib.get)[-2:])
    text = pp.priority_rule_text(res.villages, 0.2)
    limit = int(0.2 * res.villages["cpvi"].notna().sum())
    skipped = res.villages[(res.villages["rank"] <= limit) & ~res.villages["priority"]]
    for rank in skipped["rank"]:
        assert f"rank {int(rank)} (" in text
    assert f"ranks 1-{limit} of" in text
    den = demo["ev"].rates
    order = pp.block_order_text(res.blocks, res.meta, den)
    first = res.blocks.sort_values("rank").iloc[0]["block_name"]
    assert first in order
    assert pp.sensitivity_sentence(res.sensitivity, res.villages).startswith(
        "Of the choices behind the index"
    )


def test_reconciliation_puts_sources_side_by_side_with_a_reason(demo):
    from leheranalysis.present import planning as pp

    rec = kf.reconcile(demo["ev"], CB)
    assert (rec.groupby("indicator").size() >= 2).all()
    births = rec[rec["indicator"] == "births_not_registered"].set_index("source")
    dna = births.loc["DNA: children's and adult groups"]
    nfhs = births.loc["NFHS-5 (2019-21), district"]
    # 81.1 % registered in NFHS-5 is about 189 unregistered per 1,000, in the DNA's unit
    assert nfhs["same_unit"] and nfhs["value"] == pytest.approx(1000 - 10 * 81.1, abs=0.5)
    assert dna["value"] < 60 and nfhs["differs"]
    assert "children under 5" in nfhs["why"] and "12 months" in nfhs["why"]
    marriage = rec[
        (rec["indicator"] == "child_marriage_12m") & rec["source"].str.startswith("NFHS")
    ]
    assert not marriage["same_unit"].iloc[0]
    for _, r in rec[rec["indicator"].isin(["sexual_abuse_known", "missing_trafficked"])].iterrows():
        if r["source"].startswith("DNA"):
            assert np.isnan(r["value"]) and r["figure"].startswith("not shown")
    table = pp.reconciliation_table(rec)
    assert set(table["Compared with the groups"]) <= {
        "reference",
        "differs",
        "about the same",
        "other unit",
        "-",
    }


def test_key_findings_fit_two_printed_pages(demo):
    """Eight findings stay under 900 words: two A4 pages at about 500 words a page."""
    found = kf.key_findings(demo["ev"], CB, n=8)
    words = len(kf.key_findings_markdown(found, synthetic=True).split())
    assert 150 < words < 900, words


def test_each_finding_ends_with_its_proposed_action_and_the_plan_is_linked(demo):
    from leheranalysis import plan
    from leheranalysis.present import planning as pp
    from leheranalysis.reports.batch import plan_path

    found = kf.key_findings(demo["ev"], CB, n=8)
    name = plan.plan_filename("Madhubani")
    assert name == plan_path("reports", "Madhubani").name
    md = pp.key_findings_section(found, True, CB, set(), name)
    actions = plan.finding_actions(found, CB).set_index("indicator")
    items = [line for line in md.splitlines() if re.match(r"\d+\. ", line)]
    assert len(items) == len(found) == len(actions)
    for line, code in zip(items, found["indicator"], strict=True):
        tail = re.sub(r"\[([^\]]+)\]\(#Glossary\)", r"\1", line.split("*Proposed action:*")[1])
        label = actions.at[code, "activity_label"]
        assert tail.strip().startswith(label.replace("_", r"\_")[:40]), (code, tail)
        assert "responsible:" in tail and tail.endswith(".")
    assert md.startswith("**SYNTHETIC")
    assert f"]({name})" in md and "one row per block" in md
    assert len(md.split()) < 900, "the findings with their actions fit two printed pages"
    # the plan gives each finding the same activity where no Part II commitment differs
    assert "helpline_1098_aware" not in actions.index or (
        actions.at["helpline_1098_aware", "activity"] == "sy_helpline_awareness"
    )
