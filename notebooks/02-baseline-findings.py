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
# # Baseline findings
#
# The [District Need Assessment (DNA)](#Glossary) baseline of child protection in the programme
# villages: which issues children, adults and duty bearers report, how the community
# ranks them, where the community's evidence and the duty bearers' registers disagree,
# how blocks compare, what the departments' own figures say, and which villages are the
# most vulnerable. The village is the unit: "in 61 % of villages" means in 61 of every
# 100 programme villages at least one group said so.
#
# Counts of sensitive issues (sexual abuse, missing and trafficked children, police
# cases) between 1 and 4 are shown as "<5" to protect the children concerned.

# %% tags=["parameters"]
district: str = "Madhubani"  # district name as in the gazetteer
data_dir: str = ""  # processed folder; empty means data/processed/<district>
synthetic: bool = False  # set by the runner from manifest.json
headline_top: int = 3  # headline sentences per kind of respondent group
top_discrepancies: int = 10  # rows of the largest-discrepancies table
cpvi_n: int = 1000  # Monte Carlo replications of the index's uncertainty analysis (0: none)
cpvi_seed: int = 0  # random seed of the uncertainty analysis
cpvi_config: str = ""  # path of an edited CPVI configuration (YAML), empty for the packaged one
key_findings_n: int = 6  # number of key findings at the top of the report (5-8)

# %%
from IPython.display import Markdown, display

from leheranalysis import derive, plan, plotting
from leheranalysis import findings as f
from leheranalysis.codebook import load_codebook
from leheranalysis.comparison import caveat_block
from leheranalysis.present import baseline as pb
from leheranalysis.present import planning as pp
from leheranalysis.processed import load_processed
from leheranalysis.reports import declare_key_numbers, declare_source, declare_synthetic

plotting.use_style()
cb = load_codebook()
p = load_processed(district, folder=data_dir or None)
synthetic = bool(synthetic or p.synthetic)
declare_synthetic(synthetic)
declare_source(
    "District Need Assessment workbooks" + (" (SYNTHETIC demonstration data)" if synthetic else ""),
    date=str(p.manifest.get("created", ""))[:10] or None,
    note="village tool, pairwise ranking, duty-bearer interviews, secondary block data",
    synthetic=synthetic,
)
# the derived tables (computed once after ingestion, or now when stale)
d = derive.load(
    p, cpvi_n=cpvi_n, cpvi_seed=cpvi_seed, cpvi_config=cpvi_config, key_findings_n=key_findings_n
)
shares_den, shares_note = f.district_denominator_shares(p.district or district)
nfhs_age = "NFHS-5" in shares_note
declare_source(
    "Census of India 2011 age structure (denominators of rates per 1,000)",
    date="2011",
    url="https://censusindia.gov.in/",
)
if nfhs_age:
    declare_source(
        "NFHS-5 (2019-21) district fact sheet: population below age 15 (scales the age shares)",
        date="2021-12",
        url="https://github.com/jvargh7/nfhs5_factsheets",
        licence="official statistics (MoHFW/IIPS); parsed CSV under MIT licence",
    )
geo_synthetic = f.synthetic_geography(p.manifest, p.district or district)
if geo_synthetic:
    declare_source(
        "Built-in SYNTHETIC geography (invented villages and populations)", synthetic=True
    )
else:
    declare_source(
        "PMGSY GeoSadak habitations (village populations)",
        date="2022",
        url="https://geosadak-pmgsy.nic.in/opendata/",
        licence="Government Open Data License - India",
    )
POP_SOURCE = (
    "invented SYNTHETIC village populations" if geo_synthetic else "PMGSY GeoSadak populations"
)
AGE_SOURCE = (
    "Census of India 2011 age shares scaled to NFHS-5 under-15 share"
    if nfhs_age
    else "Census of India 2011 age shares"
)
SOURCE = "District Need Assessment" + (" (SYNTHETIC)" if synthetic else "")
# saves each figure under figures/<district>/ and shows it, its caption as alt text
save = f.FigureSaver(district, source=SOURCE, synthetic=synthetic)


# %% [markdown]
# ## Key findings
#
# The issues to act on first, chosen by rules, not by hand: every village issue is scored
# on its size (severity), the share of villages where it was reported (spread), how often
# the community counted more than the duty bearers' registers (register gap) and how high
# children and adults ranked it; the best are listed, at most two per domain and one
# about services. Each gives its size with a [95 % confidence interval](#Glossary), the block where it
# is worst, what the duty bearers' records say, and [NFHS-5](#Glossary) and departmental figures where
# they speak to it, and ends with the proposed action and who is responsible. The draft
# District Child Protection Plan workbook beside this report (linked below the list) turns
# them into one row per key finding and block. Abbreviations and methods are explained in
# the [glossary](#Glossary).

# %%
key = d["key_findings"]
glossary_seen: set[str] = set()
plan_file = plan.plan_filename(p.district or district)
display(Markdown(pp.key_findings_section(key, synthetic, cb, glossary_seen, plan_file)))
if not geo_synthetic:
    caveats = caveat_block([p.district or district])
    if caveats:
        display(Markdown(caveats))

# %% [markdown]
# ## Headline: share of villages reporting each issue
#
# ### In a few sentences
#
# For each kind of respondent group, the issues reported in the most villages.

# %%
shares = d.shares
display(pb.headline_list(shares, cb, top=headline_top))

# %% [markdown]
# ### Headline table
#
# Share of programme villages where at least one group of each kind reported the issue,
# with its 95 % confidence interval ([Wilson](#Glossary)) and the number of villages. For services
# (scores, shares, yes/no where "yes" is good) "reported" means a problem was reported:
# a score of 2 or less, under half aware, "no". "-": the group is not asked.

# %%
display(f.styled(f.headline_table(shares, cb)))

# %% [markdown]
# ## Issue ranking from the pairwise exercise
#
# Each children's and adult group ranked the child-protection issues against each other.
# The [Borda score](#Glossary) sums the places each issue earned (1 = every group ranked it first);
# the mean rank is over the groups that ranked it; "top 3" is the share of groups that
# put it among their three most serious issues.
#
# ### District ranking (figure)

# %%
ranking = d.ranking
save(
    f.plot_ranking(ranking),
    "02-issue-ranking",
    "Normalised Borda score of each issue from the pairwise ranking by children's and "
    "adult groups, all programme villages.",
)

# %% [markdown]
# ### District ranking (table)
#
# Position, Borda score, mean rank and the share of groups ranking the issue in their
# top 3 (95 % interval), for children's groups, adult groups and all groups.

# %%
display(f.styled(f.ranking_table(ranking)))

# %% [markdown]
# ### Ranking by block
#
# The position of each issue (1 = most serious) among all groups of each block.

# %%
display(f.styled(f.ranking_by_block(ranking)))

# %% [markdown]
# ### Ranking by respondent group
#
# The position of each issue (1 = most serious) for each children's and adult group
# across all villages: girls and boys, younger and older, women and men may see
# different dangers.

# %%
display(f.styled(f.ranking_by_group(p.rankings, cb)))

# %% [markdown]
# ## Triangulation: community against duty bearers
#
# The evidence of the children's and adult groups was presented to the village teacher,
# Anganwadi worker ([AWW](#Glossary)) and [ASHA](#Glossary), who gave their own figures. The two agree when they
# differ by no more than the codebook's [tolerance](#Glossary); otherwise one side reported more.
#
# ### Where they disagree (figure)

# %%
tri = d.triangulation
save(
    f.plot_triangulation_matrix(tri, cb),
    "02-triangulation",
    "Share of compared villages where the community reported more (left) or the duty "
    "bearer reported more (right), by indicator and duty bearer; light grey: not "
    "compared; mid grey: hidden because fewer than 5 villages (sensitive issue).",
)

# %% [markdown]
# ### Agreement by indicator and duty bearer (table)
#
# Share of compared villages in each class, with 95 % intervals; "No data" counts the
# villages where one of the two values is missing. For a sensitive issue with fewer than
# 5 villages in a class, that class shows "<5" and the other two "suppressed" (the three
# add up to the villages compared, so showing them would reveal the small number).

# %%
display(f.styled(f.triangulation_table(d.discrepancy_rates, cb), index=False))

# %% [markdown]
# ### The largest discrepancies, in both directions
#
# The village and duty-bearer pairs that disagree most (relative difference), first where
# the community reported more than the duty bearer's records (cases the registers may
# miss), then where the duty bearer reported more (cases the community did not name),
# with the duty bearer's response and the reason they gave. Sensitive issues (sexual
# abuse, missing and trafficked children) are left out of these village-by-village lists.

# %%
display(*pb.discrepancy_parts(tri, p.observations, cb, n=top_discrepancies))

# %% [markdown]
# ### Why the figures differ
#
# For each issue, how many compared village records disagreed in each direction, and the
# reasons the duty bearers chose from the list (register not updated, family migrated,
# case not reported to them, definition or period differs, disagree with the count).
# Their free-text comments are not kept (they may name people).

# %%
display(f.styled(pp.reasons_by_issue(tri, p.observations, cb), index=False))

# %% [markdown]
# ## Block comparisons
#
# Counts reported by the community (children's and adult groups combined: the largest
# count) per 1,000 children of the relevant age, pooled over each block's villages and
# weighted by their population, with exact 95 % [Poisson intervals](#Glossary). The number of
# children of each age is the village population times the share of that age group;
# the sentence below says which age shares were used.
#
# ### Rates per 1,000 by block (figure)

# %%
pop_note = (
    "Village populations are invented with the synthetic geography."
    if geo_synthetic
    else "Village populations come from PMGSY GeoSadak."
)
display(Markdown(f"{pop_note} {shares_note}"))
block_rates = d.block_rates
save(
    f.plot_block_rates(block_rates, cb),
    "02-block-rates",
    "Population-weighted rates per 1,000 by block with 95 % Poisson intervals; dashed "
    f"line: all programme villages. {shares_note}",
    source=f"{SOURCE}; {POP_SOURCE}; {AGE_SOURCE}",
)

# %% [markdown]
# ### Rates per 1,000 by block (table)
#
# [Rate per 1,000](#Glossary) (95 % interval) for each block and all programme villages.

# %%
display(f.styled(f.block_rates_table(block_rates, cb)))

# %% [markdown]
# ## Departmental data by block and year
#
# Figures collated from the block offices ([ICDS](#Glossary), education, health, registration,
# labour, police, child protection), as reported, per block and year; "All blocks" sums
# counts where every block reported. The two percentages of Anganwadi centres functional
# and of girls among enrolled children are computed from the counts.

# %%
display(f.styled(f.secondary_table(d.secondary, cb)))

# %% [markdown]
# ## One issue, several sources
#
# Where more than one source speaks to an issue - the children's and adult groups, the
# duty bearers' own records, NFHS-5 and the departments' figures - they are put side by
# side, in the groups' unit (per 1,000 children of the age concerned) where a conversion
# exists. A figure "differs" when it is more than 25 % above or below the groups' figure
# and the 95 % intervals do not overlap; the last column says what may explain it
# (reference period, population, registers, sampling).

# %%
display(f.styled(pp.reconciliation_table(d["reconciliation"]), index=False))

# %% [markdown]
# ## Block officials' response (Part II)
#
# The evidence of each block's villages was presented to the block officials (Block
# Development Officer, Child Development Project Officer, Block Education Officer, Medical
# Officer in charge, police, Labour Enforcement Officer, Block Level Child Protection
# Committee). For each issue: the block's community figure, who answered, whether they
# acknowledged it, partly or not, within how many months they committed to act, and the
# activity they committed to, chosen from the codebook's library of standard activities.
# Their written actions are not kept (free text may name people).

# %%
display(*pb.part2_parts(d["part2_commitments"], cb))

# %% [markdown]
# ## Child Protection Vulnerability Index
#
# The index combines 19 village indicators in four domains (the index's pillars):
# education and labour, marriage and gender, violence and safety, services and systems,
# following the [OECD/JRC Handbook](#Glossary) on Constructing Composite Indicators: rates per 1,000
# where a population base exists, outlier treatment, min-max scaling to 0-100, equal
# weights, arithmetic means.
# Higher means more vulnerable; rank 1 is the most vulnerable village. To show how much a
# rank depends on these choices, the index is recomputed many times with other weights,
# scalings, means and outlier limits; the 5-95 % range of a village's ranks is its [rank
# interval](#Glossary). **[Priority villages](#Glossary)** have their whole interval within the most vulnerable
# fifth of villages.

# %%
result = d.cpvi  # None when the data does not allow the index
display(*pb.index_summary(result, d.errors.get("cpvi"), cpvi_config))

# %% [markdown]
# ### Village ranks with their intervals
#
# Each line is a village, most vulnerable at the top: the dot is its rank under the
# standard choices, the line the 5-95 % range of its ranks under the alternatives.
# Priority villages are highlighted; the shaded band is the most vulnerable fifth.

# %%
save(
    pb.plot_rank_intervals(result),
    "02-cpvi-rank-intervals",
    "Rank of each programme village on the Child Protection Vulnerability Index (dot) and "
    "its 5-95 % interval over alternative index choices (line); priority villages "
    "highlighted.",
)

# %% [markdown]
# ### Priority villages
#
# The villages whose whole [rank interval](#Glossary) lies within the most vulnerable fifth: index
# score (0-100), rank and rank interval.

# %%
display(*pb.priority_parts(result))

# %% [markdown]
# ### Why these villages
#
# For each priority village, its rank interval and the two domains that make up most of
# its index score (a domain's weight times the village's score in it).

# %%
display(pb.why_priority(result))

# %%
declare_key_numbers(f.baseline_key_numbers(shares, cb, getattr(result, "villages", None)))

# %% [markdown]
# ### Blocks
#
# The population-weighted mean index and domain (pillar) scores of each block's villages, and the
# number of priority villages in the block.

# %%
display(*pb.index_block_parts(result, block_rates))

# %% [markdown]
# ### Which choices move the ranks (sensitivity)
#
# The share of the variation in village ranks due to each uncertain choice alone (first
# order, S1) and including its interactions with the others (total, ST). Small negative
# estimates are Monte Carlo noise and are shown as 0; a first-order value above its
# total (also noise) is shown equal to the total.

# %%
save(
    pb.plot_index_sensitivity(result),
    "02-cpvi-sensitivity",
    "First-order (S1) and total (ST) variance-based sensitivity indices of the mean "
    "absolute shift of village ranks.",
)
display(*pb.sensitivity_parts(result))

# %% [markdown]
# ## Glossary
#
# Abbreviations and method terms used in this report.

# %%
display(f.styled(pp.glossary_table(cb), index=False))
