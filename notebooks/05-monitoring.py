# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Monitoring: what changed since the baseline
#
# A later round of the District Need Assessment (midline, endline) in the same villages,
# measured against the baseline and against the targets of the District Child Protection
# Plan: what changed, where, whether the change is more than noise, and the progress
# towards each target. Villages are compared with themselves: only villages assessed in
# both rounds enter the comparison.
#
# Counts of sensitive issues (sexual abuse, missing and trafficked children) between 1
# and 4 are shown as "<5", and nothing derived from them is shown, to protect the
# children concerned; a district figure that would give such a block count back by
# subtraction is "not shown" either.

# %% tags=["parameters"]
district: str = "Madhubani"  # district name as in the gazetteer
data_dir: str = ""  # processed folder of the baseline; empty means data/processed/<district>
synthetic: bool = False  # set by the runner from manifest.json
baseline_round: str = "baseline"  # the round compared against
followup_round: str = ""  # the later round; empty means the latest round after the baseline
plan_file: str = ""  # filled DCPP workbook (sheet Plan) with targets; empty: the district's plan beside the reports
alpha: float = 0.05  # error rate of the calls of change, after adjustment
adjust: str = "bh"  # adjustment for many indicators, bh (Benjamini-Hochberg) or holm
cpvi_n: int = 200  # Monte Carlo replications of the index's rank intervals (0 for none)

# %%
import html
from pathlib import Path

from IPython.display import Markdown, display

from leheranalysis import config, monitoring, plotting, rounds
from leheranalysis import findings as f
from leheranalysis.codebook import load_codebook
from leheranalysis.present import monitoring as pm
from leheranalysis.processed import load_processed
from leheranalysis.reports import declare_source, declare_synthetic

plotting.use_style()
cb = load_codebook()
folder = Path(data_dir) if data_dir else config.processed_dir(district)
available = rounds.list_rounds(folder)
later = [r for r in available["round"] if r != baseline_round]
follow_name = followup_round or (later[-1] if later else "")
base_p = load_processed(district, folder=folder, round_name=baseline_round)
follow_p = load_processed(district, folder=folder, round_name=follow_name) if follow_name else None
synthetic = bool(synthetic or base_p.synthetic or (follow_p is not None and follow_p.synthetic))
declare_synthetic(synthetic)
for proc in (base_p, follow_p):
    if proc is not None:
        declare_source(
            f"District Need Assessment, {pm.round_label(proc.round)}"
            + (" (SYNTHETIC demonstration data)" if synthetic else ""),
            date=proc.reference_date or str(proc.manifest.get("created", ""))[:10] or None,
            note="village tool and duty-bearer interviews",
            synthetic=synthetic,
        )
SOURCE = "District Need Assessment" + (" (SYNTHETIC)" if synthetic else "")
base = monitoring.RoundData.from_processed(base_p)
follow = monitoring.RoundData.from_processed(follow_p) if follow_p is not None else None
shares_den, shares_note = f.district_denominator_shares(base_p.district or district)
# saves each figure under figures/<district>/ and shows it, its caption as alt text
save = f.FigureSaver(district, source=SOURCE, synthetic=synthetic)


# %% [markdown]
# ## The rounds
#
# Each round of the assessment, the date its evidence was collected and the villages it
# covered; below, the baseline villages the follow-up did not revisit and the villages
# it added (they are left out of the comparison).

# %%
display(f.styled(pm.rounds_table(available), index=False))
if follow is None:
    display(Markdown("*No follow-up round has been ingested for this district: no data.*"))
else:
    cov = follow_p.manifest.get("coverage")
    cov_table = pm.coverage_table(cov)
    if cov is None:
        display(Markdown("*The follow-up round records no comparison with the baseline.*"))
    elif cov_table.empty:
        display(Markdown(f"*All {cov['revisited']} baseline villages were revisited.*"))
    else:
        display(f.styled(cov_table, index=False))

# %% [markdown]
# ## What changed, and is it more than noise?
#
# For each issue, its value in the villages assessed in both rounds: [rates per 1,000](#Glossary) of
# the group at risk (with the [rate ratio](#Glossary), follow-up over baseline, and its 95 % interval),
# the share of villages answering yes, or mean scores. A change is called "more than
# noise" when a paired test of the villages' own values (each village against itself)
# is significant after adjusting for the number of indicators compared
# ([Benjamini-Hochberg](#Glossary) or [Holm](#Glossary), named under the table). The interval of
# a rate ratio assumes the cases vary as chance alone would make them vary; villages
# differ more than that, so the call rests on the paired test.

# %%
changes = None
if follow is None:
    display(Markdown("*No data.*"))
else:
    pairs = monitoring.paired_values(base, follow, cb)
    changes = monitoring.change_table(base, follow, cb, alpha=alpha, adjust=adjust,
                                      shares=shares_den, pairs=pairs)  # fmt: skip
    by_block = monitoring.block_changes(base, follow, cb, alpha=alpha, adjust=adjust,
                                        shares=shares_den, pairs=pairs)  # fmt: skip
    display(Markdown("\n".join(f"- {s}" for s in pm.change_summary(changes))))
    display(Markdown(f"*{pm.adjustment_text(adjust, alpha)}; rates per 1,000 use "
                     f"{shares_note.rstrip('.')}.*"))  # fmt: skip
    display(f.styled(pm.change_reader_table(changes, cb, blocks=by_block)))

# %% [markdown]
# ### Change of each rate (figure)

# %%
if changes is None or not (changes["measure"] == "rate per 1,000").any():
    display(Markdown("*No data.*"))
else:
    save(
        pm.plot_rate_ratios(changes, cb, blocks=by_block),
        "05-rate-ratios",
        "Rate at follow-up divided by the rate at baseline for each issue counted per 1,000, "
        "with 95 % intervals, in the villages assessed in both rounds.",
    )

# %% [markdown]
# ### Yes/no answers (figure)

# %%
if changes is None or not (changes["measure"] == "share of villages").any():
    display(Markdown("*No data.*"))
else:
    save(
        pm.plot_share_changes(changes),
        "05-yes-no-changes",
        "Share of villages answering yes at baseline and at follow-up, villages assessed in "
        "both rounds.",
    )

# %% [markdown]
# ## Where: change by block
#
# The same comparison block by block (fewer villages, so only large changes show as more
# than noise; the adjustment covers every block and indicator).

# %%
if follow is None:
    display(Markdown("*No data.*"))
else:
    for name, g in by_block.groupby("block_name", sort=True):
        display(Markdown(f"### {html.escape(str(name))}"))
        display(f.styled(pm.change_reader_table(g.drop(columns=["block_id", "block_name"]), cb)))

# %% [markdown]
# ## Do the duty bearers' registers now agree more often with the community?
#
# For each issue and duty bearer, the villages where the register's figure agrees with
# the children's and adults' evidence (within the [tolerance](#Glossary) of the codebook), in each
# round, and the villages that came to agree or stopped agreeing (exact [McNemar](#Glossary) test,
# adjusted as above).

# %%
if follow is None:
    display(Markdown("*No data.*"))
else:
    tri = monitoring.triangulation_change(base, follow, cb, alpha=alpha, adjust=adjust)
    if tri.empty:
        display(Markdown("*No data.*"))
    else:
        display(f.styled(pm.triangulation_reader_table(tri, cb), index=False))

# %% [markdown]
# ## The vulnerability index across rounds
#
# The Child Protection Vulnerability Index of both rounds on one scale: it is computed
# once over the villages of both rounds, so that a village's baseline and follow-up
# scores can be subtracted (the normalisation is pooled across rounds; the baseline
# scores therefore differ a little from those of the baseline report, which normalised
# over the baseline alone). The villages whose score changed most, both ways.

# %%
if follow is None:
    display(Markdown("*No data.*"))
else:
    try:
        idx = monitoring.index_across_rounds(base, follow, cb, n=cpvi_n)
    except Exception as exc:  # an index needs enough villages and indicators
        display(Markdown(f"*The index could not be computed: {exc}*"))
    else:
        display(f.styled(pm.index_reader_table(idx), index=False))

# %% [markdown]
# ## Progress against the plan
#
# Each row of the District Child Protection Plan with a target: its baseline, the value
# at follow-up, the target and the status - met, on track (at least as far along the way
# to the target as the time elapsed towards the target date), or not met.

# %%
# without a plan_file, the district's plan workbook written beside the reports
plan_path = (
    Path(plan_file) if plan_file else monitoring.district_plan_file(base_p.district or district)
)
plan = monitoring.read_plan(plan_path) if plan_path is not None else None
if follow is None:
    display(Markdown("*No follow-up round: no progress to track.*"))
else:
    note = pm.plan_note(plan, plan_path.name if plan_path else None, found=not plan_file)
    display(Markdown(f"*{html.escape(note)}*"))
if follow is not None and plan is not None:
    track = monitoring.plan_tracking(
        plan,
        changes,
        by_block,
        baseline_date=base.reference_date,
        followup_date=follow.reference_date,
        codebook=cb,
    )
    if len(track):
        display(f.styled(pm.plan_reader_table(track), index=False))

# %% [markdown]
# ## Glossary
#
# Abbreviations and method terms used in the reports, linked from their first use.

# %%
display(f.styled(f.glossary_table(), index=False))
