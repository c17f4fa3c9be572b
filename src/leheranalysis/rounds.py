"""Assessment rounds of a district: where each round's processed data lives, which exist.

A district is assessed more than once: the baseline DNA, then follow-up rounds
(``midline``, ``endline``, ...) of the same villages. Each round is ingested on its own
and kept with its own ``manifest.json``:

- the baseline at ``data/processed/<slug>/`` (manifest ``"round": "baseline"``);
- a follow-up round at ``data/processed/<slug>/rounds/<round>/``.

Re-ingesting one round never touches another: a follow-up round is written inside
``rounds/``, and re-ingesting the baseline carries the existing ``rounds/`` folder over
unchanged. The paths themselves are kept by :mod:`leheranalysis.store`.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import pandas as pd

from leheranalysis import store
from leheranalysis.errors import ConfigError
from leheranalysis.store import BASELINE, ROUNDS_FOLDER, check_round

__all__ = [
    "BASELINE",
    "ROUNDS_FOLDER",
    "check_round",
    "check_date",
    "district_dir",
    "round_dir",
    "folder_of_round",
    "read_manifest",
    "list_rounds",
    "coverage",
    "coverage_summary",
    "baseline_folder_for",
    "annotate",
]


def check_date(text: str | None) -> str | None:
    """A reference date as ``YYYY-MM-DD`` (None stays None).

    Raises
    ------
    ConfigError
        When ``text`` is not a calendar date in that form.

    Examples
    --------
    >>> check_date("2027-03-31")
    '2027-03-31'
    """
    if text is None:
        return None
    try:
        return _dt.date.fromisoformat(str(text).strip()).isoformat()
    except ValueError:
        raise ConfigError(
            f"reference date {text!r} is not a date in the form YYYY-MM-DD (e.g. 2027-03-31)"
        ) from None


def district_dir(district: str, base: str | Path | None = None) -> Path:
    """The district's processed folder (the baseline's folder)."""
    return store.district_folder(district, base)


def round_dir(district: str, round_name: str = BASELINE, base: str | Path | None = None) -> Path:
    """The processed folder of one round of a district.

    Parameters
    ----------
    district : str
        District name (slugified).
    round_name : str
        ``baseline`` (the district's folder itself) or a follow-up round.
    base : path, optional
        Folder of district folders (default ``config.processed_dir()``).

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> round_dir("Madhubani", "midline", base="/p").as_posix()
    '/p/madhubani/rounds/midline'
    >>> round_dir("Madhubani", base="/p").as_posix()
    '/p/madhubani'
    """
    return store.round_folder(store.district_folder(district, base), round_name)


def folder_of_round(district_folder: str | Path, round_name: str) -> Path:
    """The folder of ``round_name`` given a district's processed folder."""
    return store.round_folder(district_folder, round_name)


def read_manifest(folder: str | Path) -> dict[str, Any] | None:
    """The ``manifest.json`` of a processed folder, None when absent or unreadable."""
    return store.read_manifest(folder, missing_ok=True)


def list_rounds(district_folder: str | Path) -> pd.DataFrame:
    """The rounds of a district that have processed data, in time order.

    Parameters
    ----------
    district_folder : path
        The district's processed folder (``data/processed/<slug>``).

    Returns
    -------
    pandas.DataFrame
        ``round``, ``reference_date`` (string or None), ``folder``, ``villages`` (count),
        ``synthetic``; the baseline first, then the follow-up rounds by reference date
        (rounds without a date last, by name).
    """
    folder = Path(district_folder)
    rows = []
    candidates = [(BASELINE, folder)]
    sub = folder / ROUNDS_FOLDER
    if sub.is_dir():
        candidates += [(p.name, p) for p in sorted(sub.iterdir()) if p.is_dir()]
    for name, path in candidates:
        manifest = read_manifest(path)
        if manifest is None or name.startswith("."):
            continue
        rows.append(
            {
                "round": name,
                "reference_date": manifest.get("reference_date"),
                "folder": path,
                "villages": int(manifest.get("counts", {}).get("villages", 0)),
                "synthetic": store.is_synthetic(manifest),
            }
        )
    df = pd.DataFrame(rows, columns=["round", "reference_date", "folder", "villages", "synthetic"])
    # a round without a date keeps None (pandas 3 would make it NaN in a string column)
    df["reference_date"] = pd.Series([r["reference_date"] for r in rows], dtype=object)
    if df.empty:
        return df
    order = df.assign(
        _first=df["round"] != BASELINE,
        _nodate=df["reference_date"].isna(),
        _date=df["reference_date"].fillna(""),
    ).sort_values(["_first", "_nodate", "_date", "round"], kind="stable")
    return order[df.columns].reset_index(drop=True)


def coverage(baseline_villages: pd.DataFrame, round_villages: pd.DataFrame) -> dict[str, Any]:
    """Which villages a round revisited, did not revisit, or added, by gazetteer id.

    Parameters
    ----------
    baseline_villages, round_villages : pandas.DataFrame
        ``village_id``, ``village_name``, ``block_name`` of each round.

    Returns
    -------
    dict
        ``revisited`` (count), ``not_revisited`` and ``added`` (lists of
        ``{"village_id", "village_name", "block_name"}``, sorted by id).

    Examples
    --------
    >>> b = pd.DataFrame({"village_id": [1, 2], "village_name": ["A", "B"], "block_name": "X"})
    >>> r = pd.DataFrame({"village_id": [2, 3], "village_name": ["B", "C"], "block_name": "X"})
    >>> c = coverage(b, r)
    >>> c["revisited"], [v["village_id"] for v in c["not_revisited"]], c["added"][0]["village_name"]
    (1, [1], 'C')
    """
    cols = ["village_id", "village_name", "block_name"]

    def rows(df: pd.DataFrame, ids: set[int]) -> list[dict[str, Any]]:
        sel = df[df["village_id"].astype(int).isin(ids)].sort_values("village_id")
        return [
            {
                "village_id": int(r.village_id),
                "village_name": str(r.village_name),
                "block_name": str(r.block_name),
            }
            for r in sel[cols].itertuples(index=False)
        ]

    base_ids = set(int(v) for v in baseline_villages["village_id"])
    new_ids = set(int(v) for v in round_villages["village_id"])
    return {
        "revisited": len(base_ids & new_ids),
        "not_revisited": rows(baseline_villages, base_ids - new_ids),
        "added": rows(round_villages, new_ids - base_ids),
    }


def coverage_summary(cov: dict[str, Any], round_name: str) -> str:
    """One line: ``"midline: 60 of 63 baseline villages revisited; not revisited: ..."``."""

    def names(items: list[dict[str, Any]]) -> str:
        shown = [f"{v['village_name']} ({v['village_id']})" for v in items[:10]]
        more = f" and {len(items) - 10} more" if len(items) > 10 else ""
        return ", ".join(shown) + more

    total = cov["revisited"] + len(cov["not_revisited"])
    text = f"{round_name}: {cov['revisited']} of {total} baseline villages revisited"
    if cov["not_revisited"]:
        text += f"; not revisited: {names(cov['not_revisited'])}"
    if cov["added"]:
        text += f"; added (not in the baseline): {names(cov['added'])}"
    return text


def baseline_folder_for(out_dir: str | Path, district: str) -> Path:
    """The baseline folder a follow-up round written to ``out_dir`` is compared with.

    ``out_dir/../..`` when ``out_dir`` sits in a ``rounds/`` folder (the standard layout),
    else the district's default processed folder.
    """
    out = Path(out_dir)
    if out.parent.name == ROUNDS_FOLDER:
        return out.parent.parent
    return district_dir(district)


def annotate(
    manifest: dict[str, Any],
    round_name: str = BASELINE,
    reference_date: str | None = None,
    villages: pd.DataFrame | None = None,
    baseline_dir: str | Path | None = None,
) -> dict[str, Any] | None:
    """Record the round in an ingestion manifest (in place); compare villages with the baseline.

    Adds ``round``, ``reference_date`` (``YYYY-MM-DD`` or None) and, for a follow-up
    round whose baseline has processed data, ``coverage`` (:func:`coverage`), right
    after ``district``.

    Parameters
    ----------
    manifest : dict
        The manifest of an ingestion result.
    round_name : str
    reference_date : str, optional
        ``YYYY-MM-DD``: when the round's evidence was collected.
    villages : pandas.DataFrame, optional
        The round's programme villages (``village_id``, ``village_name``, ``block_name``).
    baseline_dir : path, optional
        The baseline's processed folder (for ``coverage``).

    Returns
    -------
    dict or None
        The coverage, None for the baseline or when there is no baseline to compare with.
    """
    name = check_round(round_name)
    date = check_date(reference_date)
    cov = None
    if name != BASELINE and villages is not None and baseline_dir is not None:
        path = Path(baseline_dir) / "villages.parquet"
        if store.has_manifest(baseline_dir) and path.is_file():
            base = pd.read_parquet(path, columns=["village_id", "village_name", "block_name"])
            cov = coverage(base, pd.DataFrame(villages))
    items = list(manifest.items())
    manifest.clear()
    for key, value in items:
        if key in ("round", "reference_date", "coverage"):
            continue
        manifest[key] = value
        if key == "district":
            manifest["round"] = name
            manifest["reference_date"] = date
            if cov is not None:
                manifest["coverage"] = {"compared_with": BASELINE, **cov}
    return cov
