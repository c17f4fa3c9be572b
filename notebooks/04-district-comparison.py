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
# # District comparison: the DNA districts and NFHS-5
#
# This report sets the district's [District Need Assessment (DNA)](#Glossary) beside the other DNA
# districts, and all of them beside the official National Family Health Survey
# ([NFHS-5](#Glossary), 2019-21) for the district, its state and India, with the change since
# NFHS-4 (2015-16). The report's own district is highlighted in every figure.

# %% tags=["parameters"]
district: str = "Madhubani"  # the report's own district (highlighted), as in the gazetteer
data_dir: str = ""  # its processed folder; empty means data/processed/<district>
synthetic: bool = False  # set by the runner from manifest.json
districts: list = []  # districts compared; empty means every district with processed data
cpvi_config: str = ""  # path of an edited CPVI configuration (YAML), empty for the packaged one

# %%
import pandas as pd
from IPython.display import Markdown, display

from leheranalysis import comparison, cpvi, derive, plotting, reports
from leheranalysis import findings as f
from leheranalysis.present import comparison as pc

plotting.use_style()
pd.set_option("display.max_colwidth", 80)
folders = comparison.compared_districts(districts, district, data_dir)
names = list(folders)
data = comparison.load_districts_data(names, folders=folders)
dna_synthetic = synthetic or any(p.synthetic for p in data.processed.values())
reports.declare_synthetic(dna_synthetic)
reports.declare_source(
    "District Need Assessment (processed DNA data of the districts compared)",
    note="SYNTHETIC demonstration data" if dna_synthetic else None,
    synthetic=dna_synthetic,
)
reports.declare_source(
    "NFHS-5 (2019-21) district and state fact sheets, with NFHS-4 (2015-16) values",
    date="2021-12",
    url="https://github.com/jvargh7/nfhs5_factsheets",
    licence="official statistics (MoHFW/IIPS); parsed CSV under MIT licence",
)
DNA_SOURCE = "District Need Assessment" + (
    " (SYNTHETIC demonstration data)" if dna_synthetic else ""
)
NFHS_SOURCE = "NFHS-5 (2019-21) and NFHS-4 (2015-16) fact sheets, MoHFW/IIPS"
# saves each figure under figures/<district>/ and shows it, its caption as alt text
save = f.FigureSaver(district, source=DNA_SOURCE, synthetic=dna_synthetic)
save_nfhs = f.FigureSaver(district, source=NFHS_SOURCE)  # public statistics, not synthetic

# %% [markdown]
# ## Which districts have DNA data
#
# The side-by-side comparison uses each district's processed DNA data where it exists;
# the table says which districts have it and whether it is synthetic.

# %%
status = comparison.data_status(data, names).set_index("District")
with_data = list(data.processed)
display(
    Markdown(
        f"DNA data found for **{len(with_data)} of {len(names)}** districts"
        + (f": {', '.join(with_data)}." if with_data else ".")
        + (
            f" No processed data for {', '.join(data.missing)} (run `leher ingest` for them)."
            if data.missing
            else ""
        )
    )
)
display(status)

# %% [markdown]
# ## Share of villages reporting key issues, by respondent group
#
# For each district, the share of its programme villages in which children's groups,
# adult groups or duty bearers (teacher, Anganwadi worker, [ASHA](#Glossary)) reported the issue,
# with 95 % confidence intervals. Cells read "share (villages reporting / villages
# asked)".

# %%
shares = comparison.headline_shares({d: p.observations for d, p in data.processed.items()})
display(pc.headline_section(shares))

# %%
caption = (
    "Share of programme villages where each kind of respondent group reported the "
    "issue, by district; bars are 95 % Wilson intervals."
)
save(pc.plot_headline(shares, district), "04-headline-shares", caption)

# %% [markdown]
# ## Vulnerability index of the programme villages
#
# The Child Protection Vulnerability Index (0-100, higher = more vulnerable) of every
# programme village, as a box plot (median and quartiles) with one dot per village.
# "Each district's own index" is normalised within the district, so it shows how
# unequal its villages are, not how vulnerable the district is; "All districts on one
# scale" computes the index once over the villages of all districts, so levels can be
# compared.

# %%
cpvi_cfg = cpvi.load_cpvi_config(cpvi_config or None)
if cpvi_config:
    display(Markdown(f"Index configuration: {cpvi_config} (edited, not the packaged default)."))
# each district's own index as derived once for it; the common scale is computed here
own = {}
for name_, p_ in data.processed.items():
    derived_ = derive.load(p_, "cpvi", cpvi_config=cpvi_config)
    own[name_] = derived_.cpvi or derived_.errors.get("cpvi")
scores = comparison.index_scores(data.processed, config_=cpvi_cfg, derived=own)
display(*pc.index_parts(scores))

# %%
caption = (
    "Vulnerability index of the programme villages: within each district (right) "
    f"and on a common scale over all districts (left); {district} in reddish purple."
)
save(pc.plot_index(scores, district), "04-index-distributions", caption)

# %% [markdown]
# ## Follow-up rounds: the latest round of each district against its baseline
#
# Districts assessed again (midline, endline): the latest round, the villages assessed in
# both rounds, and the issues that changed beyond noise since the baseline (paired test
# of each village against itself, adjusted for the number of indicators compared with
# [Benjamini-Hochberg](#Glossary), 5 %). The district's own monitoring report gives the detail.

# %%
display(pc.latest_rounds_section(data.processed))

# %% [markdown]
# ## NFHS-5: the districts, their states and India
#
# Official NFHS-5 (2019-21) values exactly as published in the fact sheets, for each
# district followed by its state, and for India. "NA": not available; values in
# parentheses rest on 25-49 unweighted cases.

# %%
cmp, not_in_nfhs = comparison.nfhs_comparison(names)
display(*pc.nfhs_parts(cmp, not_in_nfhs, comparison.caveat_block(names)))

# %% [markdown]
# The same NFHS-5 values as a figure: districts as grey dots (the report's district in
# reddish purple), states as open diamonds, India as the dashed line; for the sex ratio at
# birth the dotted green line is the natural ratio of about 952 girls per 1,000 boys.

# %%
caption = (
    "NFHS-5 (2019-21) values of the DNA districts (dots) and their states "
    "(diamonds); dashed line: India."
)
save_nfhs(pc.plot_nfhs_levels(cmp, district), "04-nfhs-levels", caption)

# %% [markdown]
# ## The district against its state and India
#
# The report's own district: NFHS-5 and NFHS-4 values, the change in points (per cent
# indicators) or females per 1,000 males (sex ratio), and the state and all-India
# NFHS-5 values.

# %%
display(pc.nfhs_district_section(cmp, district))
if district in set(cmp.get("district", ())):
    reports.declare_key_numbers(comparison.nfhs_key_numbers(cmp, district))

# %% [markdown]
# ## Change from NFHS-4 (2015-16) to NFHS-5 (2019-21)
#
# For every district, its state and India: the light grey dot is NFHS-4, the other dot
# NFHS-5 - blue when the change is for the better, vermillion when for the worse, dark
# grey when it lies within sampling noise. The fact sheets publish no standard errors,
# so a change is called better or worse only when it exceeds the 95 % noise band of two
# independent surveys of the area's approximate size (a district survey counts about 150
# women aged 20-24 or 450 births, so a district's change of a few points is not
# evidence). For the sex ratio at birth "better" means
# closer to the natural ratio of about 952 girls per 1,000 boys (dotted green line), in
# every table and figure.

# %%
caption = (
    "Change from NFHS-4 (2015-16, light grey) to NFHS-5 (2019-21; blue better, "
    "vermillion worse, dark grey within sampling noise) for the DNA districts, their "
    "states and India."
)
save_nfhs(pc.plot_nfhs_change(cmp, district), "04-nfhs-change", caption)

# %% [markdown]
# The change as a table: NFHS-4 value, arrow, NFHS-5 value, and whether it is for the
# better or the worse, or within sampling noise.

# %%
display(*pc.nfhs_change_section(cmp))

# %% [markdown]
# ## Notes
#
# - **Share of villages reporting**: a group reports an issue when it counts at least
#   one case, answers "yes", or scores a service 2 or lower on the 1-5 scale; the share
#   is over the villages where a group of that kind answered. Sensitive issues (sexual
#   abuse, missing and trafficked children) are not compared here.
# - **Vulnerability index**: the index of the baseline-findings report (indicators
#   grouped into four domains (the index's pillars), min-max normalised, weighted and
#   averaged); see that report for its [rank intervals](#Glossary) and [priority villages](#Glossary).
# - **NFHS-5**: indicator names are the fact sheets' names with footnote digits and
#   garbled characters repaired; district names are harmonised with the gazetteer
#   (NFHS "Badgam" is Budgam, "Leh (Ladakh)" is Leh, "Nagaon" is [PMGSY](#Glossary)'s Nowgaon; the
#   block "About the NFHS-5 district figures" says where the areas differ). District
#   estimates rest on a few hundred households each; small differences, and the sex
#   ratio at birth in particular, carry wide sampling error.

# %% [markdown]
# ## Glossary
#
# Abbreviations and method terms used in the reports, linked from their first use.

# %%
display(f.styled(f.glossary_table(), index=False))
