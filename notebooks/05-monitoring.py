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
monitoring_cpvi_n: int = 200  # Monte Carlo replications of the index's rank intervals (0: none)

# %%
from pathlib import Path

from IPython.display import Markdown, display

from leheranalysis import config, derive, monitoring, plotting, rounds
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
shares_den, shares_note = f.district_denominator_shares(base_p.district or district)
# the comparison as derived once for the follow-up round (None without one)
compared = None
if follow_p is not None:
    compared = derive.load(
        follow_p,
        "monitoring",
        baseline_round=baseline_round,
        alpha=alpha,
        adjust=adjust,
        monitoring_cpvi_n=monitoring_cpvi_n,
    )
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
display(*pm.coverage_parts(follow_p))

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
display(*pm.change_parts(compared, cb, adjust, alpha, shares_note))

# %% [markdown]
# ### Change of each rate (figure)

# %%
save(
    pm.plot_rate_changes(compared, cb),
    "05-rate-ratios",
    "Rate at follow-up divided by the rate at baseline for each issue counted per 1,000, "
    "with 95 % intervals, in the villages assessed in both rounds.",
)

# %% [markdown]
# ### Yes/no answers (figure)

# %%
save(
    pm.plot_yes_no_changes(compared),
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
display(*pm.block_parts(compared, cb))

# %% [markdown]
# ## Do the duty bearers' registers now agree more often with the community?
#
# For each issue and duty bearer, the villages where the register's figure agrees with
# the children's and adults' evidence (within the [tolerance](#Glossary) of the codebook), in each
# round, and the villages that came to agree or stopped agreeing (exact [McNemar](#Glossary) test,
# adjusted as above).

# %%
display(pm.triangulation_table(compared, cb))

# %% [markdown]
# ## The vulnerability index across rounds
#
# The Child Protection Vulnerability Index of both rounds on one scale: it is computed
# once over the villages of both rounds, so that a village's baseline and follow-up
# scores can be subtracted (the normalisation is pooled across rounds; the baseline
# scores therefore differ a little from those of the baseline report, which normalised
# over the baseline alone). The villages whose score changed most, both ways.

# %%
display(pm.index_table(compared))

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
dates = (base_p.reference_date, follow_p.reference_date if follow_p is not None else None)
plan_name = plan_path.name if plan_path is not None else None
display(*pm.plan_parts(compared, plan, plan_name, not plan_file, dates, cb))

# %% [markdown]
# ## Glossary
#
# Abbreviations and method terms used in the reports, linked from their first use.

# %%
display(f.styled(f.glossary_table(), index=False))
