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
# # Village maps: the programme villages on real geography
#
# This report puts the district's [District Need Assessment (DNA)](#Glossary) villages on the map:
# the programme blocks, the area each village serves, the vulnerability index and key
# findings village by village, and how far each village is from the nearest secondary
# school, health centre and panchayat office.

# %% tags=["parameters"]
district: str = "Madhubani"  # district name as in the gazetteer
data_dir: str = ""  # processed folder; empty means data/processed/<district>
synthetic: bool = False  # set by the runner from manifest.json
cpvi_config: str = ""  # path of an edited CPVI configuration (YAML), empty for the packaged one

# %%
import pandas as pd
from IPython.display import Markdown, display

from leheranalysis import derive, geo, plotting, reports
from leheranalysis import findings as f
from leheranalysis import village_maps as vm
from leheranalysis.present import maps as pm
from leheranalysis.processed import load_processed

plotting.use_style()
pd.set_option("display.max_rows", 200)
p = load_processed(district, folder=data_dir or None)
gaz, notice = vm.load_geography(district)
shares_den, shares_note = f.district_denominator_shares(p.district or district)
reports.declare_synthetic(p.synthetic or gaz.synthetic)
reports.declare_source(
    "District Need Assessment (processed DNA data)",
    note="SYNTHETIC demonstration data" if p.synthetic else None,
    synthetic=p.synthetic,
)
if gaz.synthetic:
    reports.declare_source("Built-in SYNTHETIC geography (invented blocks and villages)",
                           synthetic=True)  # fmt: skip
else:
    reports.declare_source(
        "PMGSY GeoSadak rural connectivity data: block boundaries, habitations, facilities",
        date="2022",
        url="https://geosadak-pmgsy.nic.in/opendata/",
        licence="Government Open Data License - India",
    )
reports.declare_source(
    "Census of India 2011 age structure (denominators of rates per 1,000)",
    date="2011",
    url="https://censusindia.gov.in/",
)
if "NFHS-5" in shares_note:
    reports.declare_source(
        "NFHS-5 (2019-21) district fact sheet: population below age 15 (scales the age shares)",
        date="2021-12",
        url="https://github.com/jvargh7/nfhs5_factsheets",
        licence="official statistics (MoHFW/IIPS); parsed CSV under MIT licence",
    )
GEO_SOURCE = (
    "built-in SYNTHETIC geography (invented blocks and villages)"
    if gaz.synthetic
    else "PMGSY GeoSadak (Government Open Data License - India)"
)
CREDIT = f"Source: {GEO_SOURCE}"
MAP_SOURCE = f"{GEO_SOURCE}; District Need Assessment" + (
    " (SYNTHETIC demonstration data)" if p.synthetic else ""
)
# saves each map under figures/<district>/ (PNG and SVG) and shows it, its caption as alt text
save = f.FigureSaver(district, source=MAP_SOURCE, synthetic=p.synthetic or gaz.synthetic, svg=True)
if notice:
    display(Markdown(f"**{notice}**"))

# %% [markdown]
# ## The programme villages and their catchments
#
# Each habitation of the programme blocks is given the area closer to it than to any
# other habitation of its block (its [catchment](#Glossary)); the programme villages are coloured,
# every other habitation is light grey.

# %%
geog = vm.programme_geography(gaz, p.blocks, p.villages)
cells = geo.catchments(geog.habitations, geog.blocks)
display(Markdown(pm.programme_sentence(geog)))

# %% [markdown]
# ## Map: the vulnerability index of each programme village
#
# Programme villages coloured by the Child Protection Vulnerability Index (0-100): the
# darker the village, the more vulnerable; light yellow is the least vulnerable. The
# [priority villages](#Glossary) (those whose whole [rank interval](#Glossary) lies in the most vulnerable fifth,
# as in the baseline findings) are outlined in black and labelled with their rank and
# name. Block boundaries and headquarters (black stars), secondary schools, health
# centres ([PHC](#Glossary)/[CHC](#Glossary)) and panchayat offices inside the blocks help to find one's way; the
# small map on the left shows where the programme blocks lie in the district.

# %%
# the index, distances and village profiles as derived once for the district (any number
# of recomputations: the scores do not depend on it)
derived = derive.load(p, "cpvi", "village_profiles", cpvi_config=cpvi_config)
index = derived.cpvi
display(*pm.index_parts(index, derived.errors.get("cpvi")))
title = f"{district}: vulnerability of the programme villages"
fig = pm.index_map(gaz, geog, cells, index, title, credit=CREDIT)
caption = (
    "Catchments of the habitations of the programme blocks; programme villages "
    "coloured by the vulnerability index (darker = more vulnerable), others grey; "
    "priority villages outlined and labelled with rank and name; block headquarters "
    "(stars) and facilities inside the blocks; small map: the programme blocks (dark) "
    "in the district."
)
save(fig, "03-map-index", caption)

# %% [markdown]
# ## Maps of key findings, village by village
#
# The same villages coloured by what the children's and adult groups reported: counts
# as rates per 1,000 children of the age band concerned, and whether violence against
# children at home was reported. Sensitive issues (sexual abuse, missing and trafficked
# children) are never mapped village by village. The sentence below says which age
# shares turn village populations into numbers of children.

# %%
display(Markdown(shares_note))
values = vm.village_indicator_values(
    p.observations, p.villages, vm.MAP_INDICATORS, shares=shares_den
)
caption = (
    "Programme villages coloured by the community's evidence (darker = more): the "
    "largest count any children's or adult group gave, per 1,000 children of the age "
    "band (village population x age share); violence at home: dark = reported by "
    f"any group, light = not reported. {shares_note}"
)
save(pm.indicator_maps(geog, cells, values, credit=CREDIT), "03-map-indicators", caption)

# %% [markdown]
# ## Distance to the nearest secondary school, health centre and panchayat office
#
# Straight-line distance in km from each programme village to the nearest facility of
# each kind anywhere in the district, measured in a metric map projection ([UTM](#Glossary)). The
# summary gives the median and the longest distance and how many villages are farther
# than 5 km.

# %%
distances = derived["distances"]  # km to the nearest facility of each kind, per village
display(pm.distance_summary_table(distances))
reports.declare_key_numbers(pm.distance_key_numbers(distances))

# %% [markdown]
# The distances as maps: each panel shows one kind of facility and colours the
# programme villages by their distance to the nearest one (same colour scale in the
# three panels).

# %%
caption = (
    "Straight-line distance (km, UTM) from each programme village to the nearest "
    "secondary school, health centre (PHC/CHC) and panchayat office of the district."
)
fig = pm.distance_maps(geog, cells, distances, gaz.facilities, credit=CREDIT)
save(fig, "03-map-distances", caption)

# %% [markdown]
# ### Distances of every programme village
#
# One row per programme village, by block: distance in km to the nearest facility of
# each kind ("-": no such facility in the district).

# %%
display(pm.distance_table(p.villages, distances))

# %% [markdown]
# ## Village profiles
#
# Every programme village on one line, most vulnerable first: its vulnerability index
# with rank and rank interval, the two domains that make up most of its index, in how
# many of the compared indicators the community's evidence and a duty bearer's record
# disagree (sensitive issues left out), and its distances to the nearest facilities.
# The table can be downloaded (CSV) to plan visits.

# %%
profiles = derived["village_profiles"]  # one row per village, most vulnerable first
display(pm.village_profiles_table(profiles, derived.errors.get("village_profiles")))

# %% [markdown]
# ## Notes
#
# - **Catchments** are [Voronoi](#Glossary) cells of all [PMGSY](#Glossary) habitations of the programme blocks,
#   cut to the block boundaries: an approximation of the land each habitation serves,
#   not an official village boundary.
# - **Facilities** are PMGSY facility points classified by their description:
#   secondary schools (secondary and higher secondary), health centres (primary and
#   community health centres, hospitals) and panchayat offices. The maps show those
#   inside the programme blocks; distances use every facility of the district.
# - **Distances** are straight lines, shorter than the way by road or footpath.
# - **Vulnerability index**: see the baseline-findings report for its construction,
#   rank intervals and priority villages.

# %% [markdown]
# ## Glossary
#
# Abbreviations and method terms used in the reports, linked from their first use.

# %%
display(f.styled(f.glossary_table(), index=False))
