"""Personal-data detection and removal, pseudonyms, small-cell suppression."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leheranalysis.privacy import (
    REMOVED,
    column_kind,
    find_personal_data,
    pseudonymise,
    scrub_frame,
    suppress_small,
    text_in_number_column,
)


@pytest.mark.parametrize(
    "value, kind",
    [
        ("9876543210", "phone"),
        ("+91 98765 43210", "phone"),
        ("+91-9876543210", "phone"),
        ("09876543210", "phone"),
        ("call 7012345678 after 5", "phone"),
        (9876543210, "phone"),
        (9876543210.0, "phone"),
        ("2345 6789 0123", "aadhaar"),
        ("234567890123", "aadhaar"),
        (234567890123, "aadhaar"),
        ("asha.devi@example.org", "email"),
        ("Write to ANM_Rampur@gov.in today", "email"),
        # not personal data
        ("5876543210", None),  # Indian mobiles start with 6-9
        ("98765432", None),  # too short
        ("1234 5678 9012", None),  # Aadhaar numbers never start with 0 or 1
        ("98765432101", None),  # 11 digits
        (2000, None),
        (45.5, None),
        ("Rampur Tola", None),
        ("2021-22", None),
        (None, None),
        (True, None),
        (float("nan"), None),
    ],
)
def test_find_personal_data(value, kind):
    assert find_personal_data(value) == kind


@pytest.mark.parametrize(
    "header, kind",
    [
        ("comment", "free_text"),
        ("Comment [comment]", "free_text"),
        ("Evidence presented [evidence]", "free_text"),
        ("Action committed [action]", "free_text"),
        ("Source (document, office) [source]", "free_text"),
        ("Remarks", "free_text"),
        ("Notes", "free_text"),
        ("Name", "personal"),
        ("Respondent name", "personal"),
        ("Father's name", "personal"),
        ("Husband name", "personal"),
        ("Mobile no.", "personal"),
        ("Phone", "personal"),
        ("Aadhaar number", "personal"),
        ("E-mail", "personal"),
        ("Enumerator", "personal"),
        ("SubmitterName", "personal"),
        # ordinary columns, including names of places
        ("Village name", None),
        ("Block name", None),
        ("Village [village]", None),
        ("Out-of-school children aged 6-14 [oosc_6_14]", None),
        ("Participants", None),
        ("Respondent group [group]", None),
    ],
)
def test_column_kind(header, kind):
    assert column_kind(header) == kind


def test_scrub_frame_drops_columns_and_values_without_copying_them():
    df = pd.DataFrame(
        {
            "village": ["Rampur", "Sita Nagar 9876543210", None],
            "oosc_6_14": [3, 4, 5],
            "Respondent name": ["Sunita Kumari", None, "  "],
            "comment": ["she said ...", "ok", None],
        },
        index=[10, 11, 12],
    )
    clean, removed = scrub_frame(df, keep=["village", "oosc_6_14"])
    assert list(clean.columns) == ["village", "oosc_6_14"]
    assert clean["village"].tolist()[:1] == ["Rampur"] and clean["village"].isna().tolist() == [
        False,
        True,
        True,
    ]
    assert clean["oosc_6_14"].tolist() == [3, 4, 5]
    assert removed[["index", "column", "rule", "kind"]].values.tolist() == [
        [11, "village", "pii_removed", "phone"],
        [10, "Respondent name", "pii_removed", "personal"],
        [10, "comment", "free_text_removed", "free_text"],
        [11, "comment", "free_text_removed", "free_text"],
    ]
    text = removed.to_csv()
    assert "Sunita" not in text and "9876543210" not in text and "she said" not in text
    assert REMOVED == "[removed]"


def test_pseudonymise_is_stable_keyed_and_opaque():
    a = pseudonymise("Sita Devi", "salt-one-1234")
    assert a == pseudonymise("  SITA DEVI ", "salt-one-1234")
    assert a != pseudonymise("Sita Devi", "salt-two-1234")
    assert a != pseudonymise("Gita Devi", "salt-one-1234")
    assert a.startswith("p_") and len(a) == 14 and "sita" not in a
    assert len(pseudonymise(9876543210, "salt-one-1234", length=20)) == 22
    assert pseudonymise(None, "salt-one-1234") is None
    assert pseudonymise(np.nan, "salt-one-1234") is None
    with pytest.raises(ValueError, match="at least 8"):
        pseudonymise("x", "short")
    with pytest.raises(ValueError, match="length"):
        pseudonymise("x", "long-enough", length=2)


def test_suppress_small_hides_1_to_4_keeps_zero():
    df = pd.DataFrame(
        {
            "indicator": ["sexual_abuse_known"] * 4 + ["oosc_6_14"] * 3,
            "value": [0.0, 1.0, 4.0, 5.0, 2.0, np.nan, 12.0],
            "other": [1, 2, 3, 4, 5, 6, 7],
        }
    )
    out = suppress_small(df, "value")
    assert out["value"].tolist()[:5] == [0.0, "<5", "<5", 5.0, "<5"]
    assert np.isnan(out["value"].iloc[5]) and out["value"].iloc[6] == 12.0
    assert out["other"].tolist() == df["other"].tolist()  # other columns untouched
    assert df["value"].tolist()[1] == 1.0  # input not modified
    only = suppress_small(df, ["value"], sensitive={"sexual_abuse_known"})
    assert only["value"].tolist()[:5] == [0.0, "<5", "<5", 5.0, 2.0]
    mask = pd.Series([False] * 6 + [True])
    assert suppress_small(df, "other", threshold=10, sensitive=mask)["other"].tolist() == [
        1,
        2,
        3,
        4,
        5,
        6,
        "<10",
    ]
    with pytest.raises(KeyError, match="nope"):
        suppress_small(df, "nope")
    with pytest.raises(ValueError):
        suppress_small(df, "value", threshold=0)
    with pytest.raises(KeyError, match="indicator"):
        suppress_small(df.drop(columns="indicator"), "value", sensitive={"x"})


@pytest.mark.parametrize(
    "value, shown",
    [
        ("Sunita Devi", "[text removed: 2 words]"),
        ("Sunita", "[text removed: 1 word]"),
        ("Ram Das", "[text removed: 2 words]"),  # two short words may be a name
        ("सुनीता देवी", "[text removed: 2 words]"),  # vowel signs count as letters
        ("call 98765 43210", REMOVED),
        # cannot be a person's name: shown
        ("abc", "abc"),
        ("NA", "NA"),
        ("x2", "x2"),
        ("राम", "राम"),
        ("12 approx", "12 approx"),
        ("many", "many"),
        ("5-6", "5-6"),
        ("12,5", "12,5"),
    ],
)
def test_text_in_number_column(value, shown):
    assert text_in_number_column(value) == shown
