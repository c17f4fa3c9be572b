"""Personal data: detection and removal at ingestion, pseudonyms, small-cell suppression.

The DNA collects evidence about children, some of it sensitive (sexual abuse, trafficking).
Three safeguards live here:

1. **Removal at ingestion.** Free-text fields (:data:`FREE_TEXT_FIELDS`: ``comment``,
   ``action``, ``source``, ``evidence``), columns whose header looks like personal data
   (a person's name, respondent, father's name, phone, Aadhaar, e-mail, address) and any
   cell value that looks like a phone number, a 12-digit identity number or an e-mail
   address are dropped before anything is written. :mod:`leheranalysis.ingest` records
   each removal in the cleaning log with the rule (``free_text_removed`` or
   ``pii_removed``) and the old value ``"[removed]"`` - the content is never copied.
   Messages that echo a cell (validation errors, the cleaning log) pass it through
   :func:`find_personal_data`, and text found where a number belongs through
   :func:`text_in_number_column`: words that could be a person's name typed in the wrong
   column ("Sunita Devi" in ``[participants]``) are shown as ``[text removed: 2 words]``.
2. **Pseudonyms** (:func:`pseudonymise`): a keyed hash, stable for one salt, so that a
   value can be linked across tables without being readable.
3. **Small-cell suppression** (:func:`suppress_small`) for counts shown in reports.

File, sheet and folder names are personal data too (a file named after a respondent):
ingestion stores and shows them only as neutral labels (``Part I workbook #3f9a1c``, see
``leheranalysis.ingest._names``); text typed in an identifier or answer cell is echoed in
messages only when it reads like a code or is close to an allowed value.

Examples
--------
>>> find_personal_data("call 98765 43210 after 5")
'phone'
>>> find_personal_data("Rampur Tola")
>>> column_kind("Father's name")
'personal'
>>> column_kind("Village name")
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Collection, Iterable
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "FREE_TEXT_FIELDS",
    "REMOVED",
    "column_kind",
    "find_personal_data",
    "text_in_number_column",
    "looks_personal",
    "pseudonymise",
    "suppress_small",
    "scrub_frame",
]

#: free-text fields of the DNA instruments; they never reach processed tables
FREE_TEXT_FIELDS: frozenset[str] = frozenset({"comment", "action", "source", "evidence"})

#: what the cleaning log shows instead of a removed value
REMOVED = "[removed]"

# Headers of free-text columns that field teams add by hand (dropped like FREE_TEXT_FIELDS).
_FREE_TEXT_HEADERS = re.compile(
    r"^(comments?|remarks?|notes?|observations?|details?|description|other|others|"
    r"evidence|action( taken| committed)?|source|sources)$"
)

# Words that make a column header personal data. "name" alone counts, but not the name of a
# place or a group (village name, block name, ...).
_PERSONAL_WORDS = re.compile(
    r"\b(name|names|respondent|respondents|interviewee|informant|participant name|"
    r"father|mother|husband|wife|guardian|parent|spouse|"
    r"phone|mobile|cell|contact|tel|telephone|whatsapp|phonenumber|"
    r"aadhaar|aadhar|adhaar|uid|uidai|voter|epic|ration card|pan|"
    r"email|e mail|mail|address|house no|house number|dob|date of birth|"
    r"submittername|submitter name|submitted by|username|enumerator|interviewer|surveyor)\b"
)
_PLACE_NAMES = re.compile(
    r"\b(village|block|district|state|panchayat|tola|hamlet|habitation|school|centre|center|"
    r"group|indicator|issue|department|form|sheet|file)\b"
)

# Indian mobile numbers: optional +91 / 91 / 0 prefix, ten digits starting 6-9, with
# optional spaces or hyphens between digit groups.
_PHONE = re.compile(r"(?<![\d])(?:(?:\+|00)?91[\s-]?|0)?[6-9](?:[\s-]?\d){9}(?![\d])")
# Aadhaar-like identity numbers: 12 digits (first 2-9), often grouped 4-4-4.
_AADHAAR = re.compile(r"(?<![\d])[2-9]\d{3}[\s-]?\d{4}[\s-]?\d{4}(?![\d])")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def _norm_header(name: Any) -> str:
    text = str(name).strip().casefold()
    text = text.replace("'s", "").replace("’s", "")
    text = re.sub(r"\[[^\]]*\]\s*$", "", text)  # a trailing [code]
    text = re.sub(r"[^\w]+", " ", text).replace("_", " ")
    return re.sub(r"\s+", " ", text).strip()


def column_kind(header: Any) -> str | None:
    """Classify a column header as free text, personal data, or neither.

    Parameters
    ----------
    header : str
        A column header or code (``"comment"``, ``"Remarks"``, ``"Respondent name"``,
        ``"Phone [phone]"``).

    Returns
    -------
    str or None
        ``"free_text"``, ``"personal"`` or None (an ordinary column).

    Examples
    --------
    >>> column_kind("comment"), column_kind("Remarks"), column_kind("Mobile no.")
    ('free_text', 'free_text', 'personal')
    >>> column_kind("Block name") is None
    True
    """
    text = _norm_header(header)
    code = re.search(r"\[([^\]]+)\]\s*$", str(header))
    if code and code.group(1).strip().casefold() in FREE_TEXT_FIELDS:
        return "free_text"
    if text in FREE_TEXT_FIELDS or _FREE_TEXT_HEADERS.match(text):
        return "free_text"
    if _PERSONAL_WORDS.search(text) and not _PLACE_NAMES.search(text):
        return "personal"
    return None


def find_personal_data(value: Any) -> str | None:
    """Return the kind of personal data a value looks like, if any.

    Parameters
    ----------
    value : object
        A cell value (text or number).

    Returns
    -------
    str or None
        ``"phone"`` (Indian mobile number, with or without +91), ``"aadhaar"`` (12-digit
        identity number), ``"email"``, or None.

    Examples
    --------
    >>> find_personal_data("+91 9876543210"), find_personal_data(987654321012)
    ('phone', 'aadhaar')
    >>> find_personal_data("asha.devi@example.org"), find_personal_data(1200)
    ('email', None)
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not np.isfinite(value) or value != int(value):
            return None
        value = int(value)
    text = str(value)
    if len(text) < 6:
        return None
    if _EMAIL.search(text):
        return "email"
    if _PHONE.search(text):
        return "phone"
    if _AADHAAR.search(text):
        return "aadhaar"
    return None


#: words that may be shown when typed where a number belongs (compared case-insensitively)
SAFE_WORDS: frozenset[str] = frozenset(
    {
        "about",
        "above",
        "all",
        "and",
        "approx",
        "around",
        "below",
        "dont",
        "don't",
        "few",
        "haan",
        "know",
        "less",
        "many",
        "more",
        "nahi",
        "nahin",
        "none",
        "not",
        "only",
        "over",
        "some",
        "than",
        "under",
        "unknown",
        "yes",
    }
)


def text_in_number_column(value: Any) -> str:
    """How a text typed where a number belongs may be shown in messages and logs.

    Text in a number column is shown as it is only if it cannot be a person's name:
    personal data (:func:`find_personal_data`) gives ``[removed]``; words with letters
    other than common answer words (:data:`SAFE_WORDS`: ``many``, ``unknown``,
    ``approx``, ...) may be a name, so text is shown only if it has none of them or a
    single short one (up to 3 letters: ``abc``, ``NA``, ``x2``); otherwise it is shown as
    ``[text removed: N word(s)]`` (``N`` counts its words). Digits and punctuation alone
    are always shown. Letters of any script count (Devanagari vowel signs included).

    Parameters
    ----------
    value : object
        The cell value (non-text values are returned as ``str(value)``).

    Returns
    -------
    str
        The value to show.

    Examples
    --------
    >>> text_in_number_column("Sunita Devi")
    '[text removed: 2 words]'
    >>> text_in_number_column("abc"), text_in_number_column("12 approx")
    ('abc', '12 approx')
    >>> text_in_number_column("Sunita"), text_in_number_column("Ram Das")
    ('[text removed: 1 word]', '[text removed: 2 words]')
    """
    if find_personal_data(value):
        return REMOVED
    text = str(value)
    tokens = text.split()
    unsafe = []
    for tok in tokens:
        letters = sum(1 for ch in tok if ch.isalpha() or unicodedata.category(ch)[0] == "M")
        if letters and tok.strip(".,;:!?()[]'\"").casefold() not in SAFE_WORDS:
            unsafe.append(letters)
    if not unsafe or (len(unsafe) == 1 and unsafe[0] <= 3):
        return text
    n = len(tokens)
    return f"[text removed: {n} word{'s' * (n != 1)}]"


def looks_personal(value: Any) -> bool:
    """True if :func:`find_personal_data` finds personal data in ``value``."""
    return find_personal_data(value) is not None


def scrub_frame(df: pd.DataFrame, keep: Collection[str] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop free-text and personal-data columns and blank out personal-data values.

    Parameters
    ----------
    df : pandas.DataFrame
        Any table (columns are headers or codes).
    keep : collection of str
        Columns known to be safe by their meaning (e.g. ``village``); their values are
        still scanned for personal data.

    Returns
    -------
    clean : pandas.DataFrame
        A copy without the dropped columns and with personal-data values set to NA.
    removed : pandas.DataFrame
        One row per removed non-empty cell: ``index`` (row label of ``df``), ``column``,
        ``rule`` (``free_text_removed`` or ``pii_removed``), ``kind`` (``free_text``,
        ``personal``, ``phone``, ``aadhaar``, ``email``). No content is copied.

    Examples
    --------
    >>> df = pd.DataFrame({"village": ["Rampur", "call 9876543210"], "comment": ["ok", None]})
    >>> clean, removed = scrub_frame(df, keep=["village"])
    >>> list(clean.columns), clean["village"].isna().tolist()
    (['village'], [False, True])
    >>> removed[["column", "rule"]].values.tolist()
    [['village', 'pii_removed'], ['comment', 'free_text_removed']]
    """
    keep = set(keep)
    out = df.copy()
    rows: list[dict[str, Any]] = []
    drop = []
    for col in df.columns:
        kind = None if col in keep else column_kind(col)
        if kind is not None:
            drop.append(col)
            rule = "free_text_removed" if kind == "free_text" else "pii_removed"
            for idx, val in df[col].items():
                if not _blank(val):
                    rows.append({"index": idx, "column": col, "rule": rule, "kind": kind})
            continue
        for idx, val in df[col].items():
            found = None if _blank(val) else find_personal_data(val)
            if found:
                out.at[idx, col] = None
                rows.append({"index": idx, "column": col, "rule": "pii_removed", "kind": found})
    out = out.drop(columns=drop)
    removed = pd.DataFrame(rows, columns=["index", "column", "rule", "kind"])
    return out, removed


def _blank(val: Any) -> bool:
    if val is None:
        return True
    if isinstance(val, float) and np.isnan(val):
        return True
    return isinstance(val, str) and not val.strip()


def pseudonymise(value: Any, salt: str | bytes, length: int = 12) -> str | None:
    """Replace a value by a stable keyed pseudonym (HMAC-SHA256).

    The same value and salt always give the same pseudonym, so records can be linked;
    without the salt the value cannot be recovered or confirmed by guessing. Keep the salt
    secret and out of the repository. Text is compared after trimming and case-folding.

    Parameters
    ----------
    value : object
        Value to hide; None or NaN give None.
    salt : str or bytes
        Secret key, at least 8 characters.
    length : int
        Number of hex characters kept (4..64).

    Returns
    -------
    str or None
        ``"p_"`` followed by ``length`` hex characters.

    Raises
    ------
    ValueError
        If the salt is shorter than 8 characters or ``length`` is out of range.

    Examples
    --------
    >>> a = pseudonymise("Sita Devi", "a-long-secret")
    >>> a == pseudonymise(" sita devi ", "a-long-secret"), a.startswith("p_"), len(a)
    (True, True, 14)
    >>> a == pseudonymise("Sita Devi", "another-secret")
    False
    """
    key = salt.encode("utf-8") if isinstance(salt, str) else bytes(salt)
    if len(key) < 8:
        raise ValueError("pseudonymise: the salt must have at least 8 characters")
    if not 4 <= length <= 64:
        raise ValueError(f"pseudonymise: length must be within 4..64, got {length}")
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip().casefold()
    digest = hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()
    return "p_" + digest[:length]


def suppress_small(
    df: pd.DataFrame,
    cols: str | Iterable[str],
    threshold: int = 5,
    sensitive: Collection[str] | pd.Series | None = None,
) -> pd.DataFrame:
    """Hide small counts (1 .. threshold-1) as the string ``"<threshold"``.

    Zero is kept as 0: a zero identifies no child, and hiding it would make "no case
    known" indistinguishable from "a few cases" - which is what reviewers most need to
    tell apart. Values at or above the threshold, missing values and negative numbers are
    kept unchanged. Suppression alone does not stop recovery by subtraction from a shown
    total; suppress the totals too, or show only aggregates of at least ``threshold``.

    Parameters
    ----------
    df : pandas.DataFrame
        Table with count columns.
    cols : str or iterable of str
        Columns to suppress.
    threshold : int
        Smallest count shown (default 5: 1-4 become ``"<5"``).
    sensitive : collection of str, boolean Series, or None
        Which rows to suppress: None for all rows; a boolean Series aligned on ``df``; or a
        collection of indicator codes, matched against ``df["indicator"]`` (for example
        the codebook's sensitive indicators).

    Returns
    -------
    pandas.DataFrame
        A copy; suppressed columns become object dtype holding numbers and ``"<5"``.

    Raises
    ------
    KeyError
        If a column (or ``indicator`` when codes are given) is missing.
    ValueError
        If ``threshold`` is below 1.

    Examples
    --------
    >>> df = pd.DataFrame({"indicator": ["a", "a", "b", "b"], "value": [0, 3, 3, 7]})
    >>> suppress_small(df, "value")["value"].tolist()
    [0, '<5', '<5', 7]
    >>> suppress_small(df, "value", sensitive={"b"})["value"].tolist()
    [0, 3, '<5', 7]
    """
    if threshold < 1:
        raise ValueError(f"suppress_small: threshold must be at least 1, got {threshold}")
    cols = [cols] if isinstance(cols, str) else list(cols)
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise KeyError(f"suppress_small: column(s) not in the table: {', '.join(missing)}")
    if sensitive is None:
        rows = pd.Series(True, index=df.index)
    elif isinstance(sensitive, pd.Series):
        rows = sensitive.reindex(df.index).fillna(False).astype(bool)
    else:
        if "indicator" not in df.columns:
            raise KeyError("suppress_small: 'sensitive' codes need an 'indicator' column")
        rows = df["indicator"].isin(set(sensitive))
    out = df.copy()
    label = f"<{threshold}"
    for col in cols:
        num = pd.to_numeric(df[col], errors="coerce")
        hide = rows & (num >= 1) & (num < threshold)
        if hide.any():
            values = out[col].astype(object)
            values[hide] = label
            out[col] = values
    return out
