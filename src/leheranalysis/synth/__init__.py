"""Synthetic DNA data: filled workbooks calibrated to NFHS-5 and real village populations.

:func:`generate` builds a synthetic District Need Assessment for a district as plain
DataFrames (:class:`SyntheticDNA`); :func:`write` fills the four blank workbooks of
:mod:`leheranalysis.instruments` with them - exactly the template layout that field teams
fill - and marks every file SYNTHETIC, so the demonstration travels the same ingestion
path as real data. The same seed gives byte-identical workbooks.

The generative model
--------------------
1. **Programme.** Blocks and village numbers from ``data/programmes.yaml`` (or the
   command line); villages drawn per block with ``default_rng([seed, block_id])`` among
   habitations with known population >= ``min_population`` whose matching key is unique
   in the block (:mod:`leheranalysis.synth.programme`). Villages are written by their
   published name, stripped of surrounding spaces.
2. **Population bands.** Each village's children 0-17, 6-14, 5-17, 0-6, girls 10-14 and
   15-19, births in 12 months and one cohort of girls turning 18 are its PMGSY population
   times the shares of :func:`leheranalysis.indicators.denominator_shares` (Census 2011
   age structure scaled by the district's NFHS-5 share under 15), rounded by systematic
   random rounding (below); the
   girls' bands vary by a village factor ``exp(N(0, 0.08))``. The sex of births is
   binomial with the district's sex ratio at birth.
3. **Village rates.** A latent vulnerability ``z_v = N(0, 1) + u_block``
   (``u ~ N(0, 0.35)``). Seven rates - child marriage (women 20-24 married before 18),
   birth registration, teen pregnancy, out-of-school 6-14, girls' dropout, child labour,
   child migration - are logit-normal: ``logit p_vk = logit P_k + c_k +
   s_k sd_k (0.6 z_v + 0.8 e_vk)`` with ``s_k = +1`` when higher is worse, ``sd_k``
   0.55-0.8 (:data:`~leheranalysis.synth.model.MODEL`). ``P_k`` is the district's NFHS-5
   value. Migration and child marriage have a hurdle: the issue occurs in a village
   with probability ``expit(logit(pi_k) + b_k z_v)`` (``pi`` 0.6 and 0.85, ``b`` 1.2
   and 0.8) and is genuinely absent (rate 0) elsewhere, so migration is concentrated in
   the more vulnerable villages. The offset ``c_k`` is solved on the drawn villages so
   that the denominator-weighted mean of ``p_vk`` (zero where absent) equals ``P_k``
   exactly. Rates NFHS-5 does not
   publish are derived from female school attendance ``fs``: out-of-school 6-14
   ``0.2 (1 - fs)``, girls' dropout ``0.25 (1 - fs)``, child labour
   ``0.6 x out-of-school + 1 %``, migration ``0.3 x child labour``.
4. **True counts.** Band x rate, rounded by systematic random rounding (each village's
   count is the floor or the ceiling of its expectation, up with probability equal to
   the fraction, and the district total is its expectation rounded - so the calibration
   holds to one case, however small the villages): child marriages in 12 months = girls
   turning 18 x p (so the implied share of women 20-24 married before 18 is
   ``sum(count) / sum(cohort)`` of these TRUE counts, see
   :func:`implied_child_marriage_share`); adolescent pregnancies = girls 15-19 x teen
   pregnancy; births not registered = births - registered. Sensitive counts are Poisson:
   sexual abuse 1.2 and missing/trafficked 0.8 known cases per 1,000 children, times
   ``exp(0.5 z - 0.125)`` - most villages have 0-4. Yes/no, 1-5 scores and helpline
   awareness follow ``z`` and a service-quality factor.
5. **Respondent groups** report the cases they know of, not the true count. For each
   case count (:data:`~leheranalysis.synth.model.CASE_COUNTS`: out-of-school, child
   labour, migration, girls' dropout, child marriage, adolescent pregnancy, births not
   registered, sexual abuse, missing children) the village's *reach* - the cases living
   in the hamlets the participants come from, shared by all its groups - is
   ``Binomial(true, r)`` with ``r ~ Beta(m kappa, (1 - m) kappa)``,
   ``m = clip(sqrt(600 / population), 0.2, 0.8)`` (larger villages, smaller share within
   reach) and a small ``kappa`` for issues concentrated in a few hamlets (child labour
   0.4, migration and dropout 0.6, out-of-school 0.7, marriage 1.5, others 2): such
   cases are mostly within reach or almost all outside it. Each of the four children's
   groups (girls/boys 10-14, 15-17) and two adult groups then reports
   ``Binomial(reach, p_know) + Binomial(true - reach, f p_know)`` with ``p_know`` by
   group and issue (:data:`~leheranalysis.synth.model.KNOWLEDGE`: children know
   out-of-school and working children of their age well (0.35-0.6) and few births not
   registered (0.03-0.1); girls know marriages (0.35, 0.6 at 15-17) and dropouts
   (0.5-0.6) better than boys (0.1-0.25); adults know marriages (0.6-0.7) and
   migration (0.55-0.6)) and ``f`` 0.02 for children, 0.1 for adults (cases in other
   hamlets). For the counts groups estimate (out-of-school, working, migrating and
   dropped-out children) a group reporting some cases adds ``Poisson(1.5)`` with
   probability 0.25. So villages with few cases, or with the cases outside the groups'
   reach, report 0. Unsafe places (not cases) are the true count times U(0.8, 1.1).
   Duty bearers' registers (:data:`~leheranalysis.synth.model.REGISTERS`) record none
   of an issue with a probability (teacher: out-of-school 0.35, child labour 0.55;
   AWW child labour 0.6; marriages 0.2) and otherwise ``Binomial(true, U(lo, hi))``
   (teacher: out-of-school 0.15-0.5, child labour 0.1-0.5; AWW and ASHA 0.4-0.9 for
   marriages). Duty bearers rate their own service higher (+0.8). The duty bearer's
   response follows the design's agreement rule
   (agree 90 % when within tolerance; otherwise dispute 55 %, partly agree 35 %).
   3 % of answers are left blank. Groups rank the issues by the village's standardised
   true levels plus noise, girls' groups tilting to marriage and abuse, boys' to labour.
6. **Block level.** Secondary data scale the programme villages' rates to the whole
   block population (all habitations, missing populations imputed by the block median);
   departments record fewer cases (out-of-school identified 30-60 %); health and
   registration shares around the district's NFHS-5 values, improving each year.
   Part II responses are likelier to acknowledge an issue the more villages reported it.
7. **Dirt** (optional, :mod:`leheranalysis.synth.dirt`): at a given rate, re-cased,
   spaced and misspelt names, numbers as text, ``NA``/``-`` tokens, out-of-range values
   and a duplicated row, each logged with the outcome ingestion should reach (the
   community value of a duty-bearer row without an answer of its own is left clean:
   ingestion skips such rows).

Districts without NFHS-5 values (the offline :func:`leheranalysis.gazetteer.synthetic_district`,
districts outside NFHS-5 phase 1, missing cells) use the all-India NFHS-5 totals in
:data:`~leheranalysis.synth.calibration.NATIONAL_DEFAULTS`; :attr:`SyntheticDNA.defaulted`
lists them and the key file records it.
"""

from __future__ import annotations

from leheranalysis.synth.calibration import (
    NATIONAL_DEFAULTS,
    AgeStructure,
    age_structure,
    complete_rates,
    district_rates,
    implied_child_marriage_share,
    implied_rates,
)
from leheranalysis.synth.core import SyntheticDNA, demo_data, generate, write
from leheranalysis.synth.model import MODEL

__all__ = [
    "MODEL",
    "NATIONAL_DEFAULTS",
    "AgeStructure",
    "SyntheticDNA",
    "age_structure",
    "complete_rates",
    "demo_data",
    "district_rates",
    "generate",
    "implied_child_marriage_share",
    "implied_rates",
    "write",
]
