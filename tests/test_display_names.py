"""Village names reach readers in one consistent case, whatever case they were published in."""

from __future__ import annotations

import numpy as np
import pandas as pd

from leheranalysis import village_maps
from leheranalysis.present import monitoring as pm
from leheranalysis.present import planning as pp
from leheranalysis.present.kit import display_name

PUBLISHED = ["FATEHPUR", "singiyon", "azrakwe Simri", "Fatehpur"]
SHOWN = ["Fatehpur", "Singiyon", "Azrakwe Simri", "Fatehpur"]


def test_display_name_is_title_case_of_the_published_name():
    assert [display_name(n) for n in PUBLISHED] == SHOWN


def test_monitoring_tables_show_display_names():
    cov = {"not_revisited": [{"village_name": n, "block_name": "Bisfi"} for n in PUBLISHED]}
    assert pm.coverage_table(cov)["Village"].tolist() == SHOWN
    k = len(PUBLISHED)
    idx = pd.DataFrame(
        {
            "village_id": range(k), "village_name": PUBLISHED, "block_name": "Bisfi",
            "score_baseline": 50.0, "score_followup": 40.0, "score_change": -10.0,
            "rank_baseline": range(1, k + 1), "rank_followup": range(1, k + 1),
            "pooled_q05_baseline": 1, "pooled_q95_baseline": 3,
            "pooled_q05_followup": 1, "pooled_q95_followup": 3,
        }
    )  # fmt: skip
    assert pm.index_reader_table(idx, top=2)["Village"].tolist() == SHOWN


def test_priority_tables_show_display_names():
    k = len(PUBLISHED)
    villages = pd.DataFrame(
        {
            "village_name": PUBLISHED, "block_name": "Pandaul", "cpvi": 50.0,
            "rank": range(1, k + 1), "q05": 1, "q95": [1, 9, 9, 9],
            "priority": [True, False, False, False], "p1": 60.0,
        }
    )  # fmt: skip
    meta = pd.DataFrame({"level": [2], "code": ["p1"], "label": ["Services"], "weight": [1.0]})
    assert pp.priority_reasons(villages, meta)["Village"].tolist() == SHOWN[:1]
    text = pp.priority_rule_text(villages, 0.5)
    assert "(Singiyon: its interval" in text and "singiyon" not in text


def test_distance_table_shows_display_names():
    villages = pd.DataFrame(
        {"village_id": range(4), "village_name": PUBLISHED, "block_name": "Rajnagar"}
    )
    distances = pd.DataFrame({"village_id": range(4), "health_centre": np.arange(4.0)})
    shown = village_maps.distance_table(villages, distances)["Village"].tolist()
    assert sorted(shown) == sorted(SHOWN)
