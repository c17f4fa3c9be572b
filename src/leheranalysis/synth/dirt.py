"""Typical human errors added to synthetic sheets ("dirt"), with a log of every change.

At rate ``r`` every eligible cell is corrupted independently with probability ``r``:

- place names (``village``, ``block``): re-cased (35 %), extra spaces (35 %), or a mild
  misspelling (30 %, villages only; see :func:`misspell`: a romanisation variant the
  gazetteer normalises, or a one-letter typo it matches by fuzzy matching - both
  appear in the match report as ``normalised`` or ``fuzzy``);
- numbers: typed as text (50 %, sometimes with spaces), replaced by a missing-value token
  ``NA`` or ``-`` (35 %), or out of the valid range (15 %: a negative count, a score
  above 5, a share above 100) - the last is an error ingestion must reject with its
  location;
- one duplicated row per group sheet (when ``r > 0``): ingestion must reject it.

With ``errors=False`` only the changes that ingestion cleans or matches are made (no
out-of-range values, no duplicated rows): dirty data that still ingests, as the demo
uses to show the cleaning log and the match report at work.

Each change is one row of the dirt log: ``workbook``, ``sheet``, ``position`` (0-based
data row; the Excel row is filled in when the workbook is written), ``column``, ``kind``,
``old_value``, ``new_value``, ``expected`` (``clean``: cleaned and logged, ``match``:
matched by name, ``error``: a located validation error).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

import numpy as np
import pandas as pd

from leheranalysis.codebook import Codebook

__all__ = ["DIRT_LOG_COLUMNS", "add_dirt", "misspell"]

DIRT_LOG_COLUMNS = (
    "workbook",
    "sheet",
    "position",
    "column",
    "kind",
    "old_value",
    "new_value",
    "expected",
)

# spelling variants that the gazetteer's normalisation folds (matched as "normalised")
_VARIANTS = (("i", "ee"), ("u", "oo"), ("v", "w"), ("s", "sh"), ("f", "ph"), ("j", "z"))
# real typos (matched as "fuzzy" when the name is long enough)
_TYPOS = (("a", "e"), ("e", "i"), ("o", "u"), ("i", "e"), ("n", "m"), ("r", "d"))

# sheets whose rows are one group's answers: a duplicated row is a duplicate key
_GROUP_SHEETS = ("Children's groups", "Adult groups")


def _key(text: str) -> str:
    """The gazetteer's matching key (normalised name without spaces)."""
    from leheranalysis.gazetteer import normalise_name

    return normalise_name(text).replace(" ", "")


def _substitute(name: str, pairs, rng: np.random.Generator) -> str | None:
    low = name.casefold()
    options = [(a, b) for a, b in pairs if a in low]
    if not options:
        return None
    a, b = options[int(rng.integers(len(options)))]
    starts = [i for i in range(1, len(low)) if low.startswith(a, i)] or [low.index(a)]
    i = starts[int(rng.integers(len(starts)))]
    rep = b.upper() if name[i : i + len(a)].isupper() else b
    return name[:i] + rep + name[i + len(a) :]


def misspell(
    name: str, block_keys: list[str], rng: np.random.Generator, tries: int = 6
) -> tuple[str, str] | None:
    """A mild misspelling of ``name`` that the gazetteer's matcher still resolves to it.

    Half of the time a romanisation variant that :func:`leheranalysis.gazetteer.normalise_name`
    folds (``i``/``ee``, ``u``/``oo``, ``v``/``w``, ``s``/``sh``: expected status
    ``normalised``); otherwise, for names of at least 8 letters, a one-letter typo whose
    similarity to the true name is at least 0.88 and beats every other habitation of the
    block by 0.05 (expected status ``fuzzy``).

    Parameters
    ----------
    name : str
        The village name as written.
    block_keys : list of str
        Matching keys of every habitation of the block.
    rng : numpy.random.Generator
    tries : int
        Attempts before giving up.

    Returns
    -------
    tuple of (str, str) or None
        The misspelt name and the expected match status, or None.
    """
    own = _key(name)
    others = [b for b in block_keys if b != own]
    for _ in range(tries):
        if rng.random() < 0.5 or len(own) < 8:
            new = _substitute(name, _VARIANTS, rng)
            if new is not None and new != name and _key(new) == own:
                return new, "normalised"
            continue
        new = _substitute(name, _TYPOS, rng)
        if new is None:
            continue
        cand = _key(new)
        if cand == own:
            continue
        score = difflib.SequenceMatcher(None, cand, own, autojunk=False).ratio()
        best_other = max(
            (difflib.SequenceMatcher(None, cand, o, autojunk=False).ratio() for o in others),
            default=0.0,
        )
        if score >= 0.88 and score > best_other + 0.05:
            return new, "fuzzy"
    return None


def _recase(text: str, rng: np.random.Generator) -> str:
    options = [
        text.upper(),
        text.lower(),
        text.title() if text.title() != text else text.swapcase(),
    ]
    out = options[int(rng.integers(len(options)))]
    return out if out != text else text.swapcase()


def _spaces(text: str, rng: np.random.Generator) -> str:
    r = rng.random()
    if r < 0.4:
        return f"{text} "
    if r < 0.7:
        return f"  {text}"
    parts = text.split(" ")
    return "  ".join(parts) if len(parts) > 1 else f" {text}  "


def _out_of_range(code: str, unit: str, max_value: float | None, value: object) -> object:
    if unit == "count":
        return -abs(int(value)) - 1
    if unit == "score":
        return 7
    if unit == "share":
        return 140
    if unit == "rank":
        return 9
    return None


def add_dirt(
    sheets: Mapping[tuple[str, str], pd.DataFrame],
    rate: float,
    codebook: Codebook,
    block_names: Mapping[str, list[str]],
    rng: np.random.Generator,
    errors: bool = True,
) -> tuple[dict[tuple[str, str], pd.DataFrame], pd.DataFrame]:
    """Corrupt sheets at ``rate`` and log every change.

    Parameters
    ----------
    sheets : mapping of (workbook key, sheet title) to DataFrame
        Sheet rows as built by :mod:`leheranalysis.synth.model` (codes as columns).
    rate : float
        Probability that an eligible cell is corrupted (0 gives the sheets unchanged).
    codebook : Codebook
    block_names : mapping of str to list of str
        Written block name -> matching keys of all the block's habitations.
    rng : numpy.random.Generator
    errors : bool
        Also make the errors ingestion must reject (out-of-range values, a duplicated
        row per group sheet). False: only cleanable or matchable changes.

    Returns
    -------
    sheets : dict
        New frames (the inputs are not modified).
    log : pandas.DataFrame
        One row per change, columns :data:`DIRT_LOG_COLUMNS`.
    """
    if not 0 <= rate <= 1:
        raise ValueError(f"dirt rate must be in [0, 1], got {rate!r}")
    out = {k: v.copy() for k, v in sheets.items()}
    log: list[dict[str, object]] = []
    if rate == 0:
        return out, pd.DataFrame(columns=list(DIRT_LOG_COLUMNS))
    units = codebook.indicators["unit"]

    # duplicated rows first, so that positions below refer to the final frames; the
    # original and its copy get no other dirt (so the copy is an exact duplicate)
    protected: dict[tuple[str, str], set[int]] = {}
    for (wb, title), df in list(out.items()):
        if errors and title in _GROUP_SHEETS and len(df):
            i = int(rng.integers(len(df)))
            protected[(wb, title)] = {i, i + 1}
            out[(wb, title)] = pd.concat([df.iloc[: i + 1], df.iloc[i : i + 1], df.iloc[i + 1 :]])
            out[(wb, title)] = out[(wb, title)].reset_index(drop=True)
            log.append(
                {
                    "workbook": wb,
                    "sheet": title,
                    "position": i + 1,
                    "column": "",
                    "kind": "duplicate_row",
                    "old_value": None,
                    "new_value": None,
                    "expected": "error",
                }
            )

    for (wb, title), df in out.items():
        long_unit = None
        if "indicator" in df.columns:
            long_unit = df["indicator"].map(units)
        # ingestion skips a row without any answer of its own (the community's value is
        # only shown for comparison), so such a row's community value is left clean
        answered = np.ones(len(df), dtype=bool)
        if "community_value" in df.columns:
            own = [c for c in ("value", "response") if c in df.columns]
            answered = df[own].notna().any(axis=1).to_numpy() if own else answered
        for col in df.columns:
            if col in ("village", "block"):
                kind = "name"
            elif (
                col in units.index
                or col.startswith("rank_")
                or col
                in (
                    "participants",
                    "value",
                    "community_value",
                    "cg",
                    "ag",
                    "teacher",
                    "aww",
                    "asha",
                    "timeline_months",
                )
            ):
                kind = "number"
            else:
                continue
            values = df[col].to_numpy(dtype=object).copy()
            hit = np.flatnonzero(rng.random(len(values)) < rate)
            skip = protected.get((wb, title), set())
            for i in hit:
                if i in skip or (col == "community_value" and not answered[i]):
                    continue
                old = values[i]
                if old is None or (isinstance(old, float) and np.isnan(old)):
                    continue
                if kind == "name":
                    new, k, exp = _dirty_name(str(old), col, df, i, block_names, rng)
                else:
                    if isinstance(old, str):
                        continue  # yes/no answers stay as they are
                    if col in units.index:
                        unit = units[col]
                    elif col.startswith("rank_"):
                        unit = "rank"
                    elif long_unit is not None and col in (
                        "value",
                        "community_value",
                        "cg",
                        "ag",
                        "teacher",
                        "aww",
                        "asha",
                    ):
                        unit = long_unit.iat[i]
                    else:
                        unit = "count"
                    new, k, exp = _dirty_number(old, col, unit, rng)
                if new is None or (exp == "error" and not errors):
                    continue
                values[i] = new
                log.append(
                    {
                        "workbook": wb,
                        "sheet": title,
                        "position": int(i),
                        "column": col,
                        "kind": k,
                        "old_value": str(old),
                        "new_value": str(new),
                        "expected": exp,
                    }
                )
            df[col] = values
    frame = pd.DataFrame(log, columns=list(DIRT_LOG_COLUMNS))
    return out, frame


def _dirty_name(
    old: str,
    col: str,
    df: pd.DataFrame,
    i: int,
    block_names: Mapping[str, list[str]],
    rng: np.random.Generator,
) -> tuple[str | None, str, str]:
    r = rng.random()
    if r < 0.3 and col == "village":
        block = str(df["block"].iat[i]).strip()
        found = misspell(old, list(block_names.get(block, [])), rng)
        if found is not None:
            new, status = found
            return new, f"misspelt_name_{status}", "match"
        r = 0.0
    if r < 0.65:
        return _recase(old, rng), "recased_name", "clean"
    return _spaces(old, rng), "extra_spaces", "clean"


def _dirty_number(
    old: object, col: str, unit: str, rng: np.random.Generator
) -> tuple[object, str, str]:
    r = rng.random()
    if r < 0.5:
        text = str(old)
        if rng.random() < 0.3:
            text = f" {text} "
        return text, "number_as_text", "clean"
    if r < 0.85:
        return ("NA" if rng.random() < 0.5 else "-"), "missing_token", "clean"
    new = _out_of_range(col, unit, None, old)
    if new is None:
        return None, "", ""
    return new, "out_of_range", "error"
