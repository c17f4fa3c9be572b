"""Kobo/ODK exports of the XLSForms of :mod:`leheranalysis.instruments`.

A submission of the XLSForms is one wide row: top-level ``block``, ``village``, ``group``,
``participants``, ``year`` and fields inside groups - ``cg/<code>``, ``ag/<code>``,
``db/<code>`` (+ ``_community``, ``_response``, ``_comment``), ``rank/rank_<issue>``,
``sec/<code>``, ``p2/<code>_response`` (+ ``_evidence``, ``_action``, ``_timeline_months``)
and, in the collation form, ``<source>/<code>`` for source ``cg``, ``ag``, ``teacher``,
``aww``, ``asha``, ``block_response``. Kobo separates group paths with ``/``, ODK Central
with ``-``. Export metadata (``_uuid``, ``_submission_time``, ``start``, ``meta/instanceID``,
...) is ignored (one cleaning-log row per column).

Pure: slices the wide rows into the long tables of the workbook layout, keeping each
cell's row and column for messages.
"""

from __future__ import annotations

import re
from typing import Any

from leheranalysis.ingest import _layout as L
from leheranalysis.ingest._clean import category_key
from leheranalysis.ingest._model import Table
from leheranalysis.privacy import column_kind

PREFIXES = frozenset(
    {"cg", "ag", "db", "rank", "sec", "p2", "teacher", "aww", "asha", "block_response"}
)
TOP = ("block", "village", "group", "participants", "year")
DB_SUFFIXES = ("_community", "_response", "_reason", "_comment")
P2_SUFFIXES = ("_evidence", "_response", "_action_code", "_action", "_timeline_months")


def split_header(name: str) -> tuple[str | None, str]:
    """``cg/child_labour_5_17`` -> (``cg``, ``child_labour_5_17``); no group -> (None, name)."""
    name = name.strip()
    for sep in ("/", "-"):
        if sep in name:
            head, last = name.rsplit(sep, 1)
            prefix = re.split(r"[/-]", head)[-1].strip().casefold()
            if prefix in PREFIXES or sep == "/":
                return prefix, last.strip()
    return None, name


def is_kobo_form(headers: list[Any]) -> bool:
    """True when headers carry the XLSForm group prefixes (a wide Kobo/ODK export)."""
    for h in headers:
        if h is None or L.header_code(h) or L.is_kobo_meta(str(h)):
            continue
        if split_header(str(h))[0] in PREFIXES:
            return True
    return False


def _field_role(kind: str, prefix: str, name: str, ctx) -> tuple[str, str] | None:
    """(indicator or issue code, role) of a prefixed field, or None when unknown."""
    cb = ctx.cb
    if kind == "secondary":
        return (
            (name, "value") if prefix == "sec" and name in cb.indicators_for("secondary") else None
        )
    if kind == "part1":
        if prefix in ("cg", "ag"):
            return (name, prefix) if name in cb.indicators_for("village", prefix) else None
        if prefix == "rank":
            return (name, "rank") if name in ctx.specs["ranking"].columns else None
        if prefix == "db":
            for suf in DB_SUFFIXES:
                if name.endswith(suf) and name[: -len(suf)] in ctx.db_codes:
                    return name[: -len(suf)], suf[1:]
            return (name, "value") if name in ctx.db_codes else None
        return None
    if kind == "part2":
        if prefix == "p2":
            for suf in P2_SUFFIXES:
                if name.endswith(suf) and name[: -len(suf)] in ctx.part2_codes:
                    return name[: -len(suf)], suf[1:]
        return None
    if kind == "collation":
        if prefix == "block_response":
            return (name, prefix) if name in ctx.part2_codes else None
        if prefix in ("cg", "ag", *L.DUTY_BEARERS):
            return (name, prefix) if name in cb.indicators_for("village", prefix) else None
    return None


def kobo_tables(file: str, sheet, hr: int, headers: list[Any], merged, ctx) -> list[Table] | None:
    """Slice a wide Kobo/ODK export into long tables; errors go to ``ctx.log``."""
    from leheranalysis.ingest._parse import _column_has_data, _data_rows

    log = ctx.log
    top: dict[str, int] = {}
    fields: dict[tuple[str, str], int] = {}
    names: dict[int, str] = {}
    drop: dict[int, str] = {}
    for idx, text in enumerate(headers):
        h = "" if text is None else str(text).strip()
        if not h:
            if _column_has_data(sheet, hr, idx):
                log.error(
                    "unknown_column",
                    "the column has values but no header",
                    file,
                    sheet.name,
                    hr,
                    L.column_letter(idx + 1),
                )
            continue
        names[idx] = h
        if L.is_kobo_meta(h):
            log.change(
                file,
                sheet.name,
                hr,
                f"{L.column_letter(idx + 1)} [{h}]",
                "[column]",
                "",
                "metadata_column_ignored",
            )
            drop[idx] = ""
            continue
        prefix, name = split_header(h)
        low = name.casefold()
        if prefix in PREFIXES:
            if low.endswith(("_comment", "_evidence", "_action")):
                drop[idx] = "free_text_removed"
            else:
                fields[(prefix, low)] = idx
            continue
        if prefix is None and low in TOP:
            top[low] = idx
        elif column_kind(h) is not None or low in ("source", "comment", "today"):
            drop[idx] = (
                ""
                if low == "today"
                else ("free_text_removed" if column_kind(h) != "personal" else "pii_removed")
            )
        else:
            log.error(
                "unknown_column",
                f"unknown field '{h}': not a field of the DNA XLSForms nor export metadata",
                file,
                sheet.name,
                hr,
                f"{L.column_letter(idx + 1)} [{h}]",
                h,
            )
    prefixes = {p for p, _ in fields}
    if "sec" in prefixes or "year" in top:
        kind = "secondary"
    elif "p2" in prefixes:
        kind = "part2"
    elif "group" in top:
        kind = "part1"
    elif "village" in top:
        kind = "collation"
    else:
        log.error(
            "missing_column",
            "a Kobo/ODK export of the DNA forms needs the fields block and village or group",
            file,
            sheet.name,
            hr,
        )
        return None
    need = {
        "secondary": ("block", "year"),
        "part1": ("block", "village", "group"),
        "part2": ("block", "group"),
        "collation": ("block", "village"),
    }[kind]
    for code in need:
        if code not in top:
            log.error(
                "missing_column",
                f"required field '{code}' is missing",
                file,
                sheet.name,
                hr,
                f"[{code}]",
            )
    roles: dict[str, dict[str, int]] = {}  # code -> role -> column index
    for (prefix, name), idx in fields.items():
        found = _field_role(kind, prefix, name, ctx)
        if found is None:
            hint = L.suggest(name, sorted(ctx.all_codes | set(ctx.cb.indicators.index)))
            did = f"; did you mean {prefix}/{hint[0]}?" if hint else ""
            log.error(
                "unknown_column",
                f"unknown field '{names[idx]}' for the {kind} form{did}",
                file,
                sheet.name,
                hr,
                f"{L.column_letter(idx + 1)} [{names[idx]}]",
                names[idx],
            )
            continue
        code, role = found
        roles.setdefault(code, {})[role] = idx
    if any(code not in top for code in need):
        return None
    base = Table(
        file,
        sheet.name,
        ctx.specs["village_groups"],
        "kobo",
        hr,
        {},
        [],
        drop_cols=drop,
        drop_names={idx: names[idx] for idx in drop},
    )
    rows = _data_rows(base, sheet, merged, ctx)
    return _slices(kind, file, sheet.name, hr, top, roles, names, rows, ctx)


def _slices(kind, file, sheet, hr, top, roles, names, rows, ctx) -> list[Table]:
    specs = ctx.specs
    ids = {k: v for k, v in top.items() if k != "participants"}

    def table(spec_kind, columns, rows_, constants=None, presence=None) -> Table:
        return Table(
            file,
            sheet,
            specs[spec_kind],
            "kobo",
            hr,
            columns,
            rows_,
            constants=constants or {},
            names={c: names[i] for c, i in columns.items()},
            presence=presence,
        )

    out: list[Table] = []
    if kind == "secondary":
        for code, r in roles.items():
            out.append(table("secondary", {**ids, "value": r["value"]}, rows, {"indicator": code}))
        return out
    if kind == "part2":
        for code, r in roles.items():
            cols = {**ids}
            if "response" in r:
                cols["response"] = r["response"]
            if "timeline_months" in r:
                cols["timeline_months"] = r["timeline_months"]
            if "action_code" in r:
                cols["action_code"] = r["action_code"]
            pres = tuple(c for c in ("response", "timeline_months") if c in cols)
            out.append(table("block_duty_bearers", cols, rows, {"indicator": code}, pres))
        return out
    if kind == "collation":
        for code, r in roles.items():
            cols = {**ids, **{role: idx for role, idx in r.items()}}
            pres = tuple(c for c in cols if c not in ids)
            out.append(table("collation", cols, rows, {"indicator": code}, pres))
        return out
    # part1: route each submission by the family of its respondent group
    by_family: dict[str, list] = {}
    gi = top["group"]
    for r, vals in rows:
        raw = vals[gi] if gi < len(vals) else None
        fam = None
        if raw is not None and str(raw).strip():
            g = ctx.all_groups.get(category_key(str(raw)))
            fam = None if g is None else ctx.cb.groups.at[g, "family"]
        by_family.setdefault(fam or "?", []).append((r, vals))
    part = {"participants": top["participants"]} if "participants" in top else {}
    for fam, spec_kind in (("cg", "children"), ("ag", "adults")):
        inds = {code: r[fam] for code, r in roles.items() if fam in r}
        fam_rows = by_family.get(fam, [])
        out.append(
            table(spec_kind, {**ids, **part, **inds}, fam_rows, presence=tuple(inds) or ("_",))
        )
    ranks = {code: r["rank"] for code, r in roles.items() if "rank" in r}
    rank_rows = [row for f in ctx.cb.ranking_groups for row in by_family.get(f, [])]
    if ranks:
        out.append(table("ranking", {**ids, **ranks}, rank_rows))
    db_rows = [row for f in L.DUTY_BEARERS for row in by_family.get(f, [])]
    for code, r in roles.items():
        cols = {k: r[k] for k in ("value", "response", "reason") if k in r}
        if "community" in r:
            cols["community_value"] = r["community"]
        if not cols:
            continue
        pres = tuple(c for c in ("value", "response") if c in cols)
        out.append(table("duty_bearers", {**ids, **cols}, db_rows, {"indicator": code}, pres))
    # submissions whose group is missing or unknown: report once, through the children's
    # table (its group rule names the problem)
    unknown = by_family.get("?", [])
    if unknown:
        allowed = {k: v for f in ("cg", "ag", *L.DUTY_BEARERS) for k, v in ctx.groups[f].items()}
        for r, vals in unknown:
            raw = vals[gi] if gi < len(vals) else None
            col = f"{L.column_letter(gi + 1)} [{names[gi]}]"
            if raw is None or not str(raw).strip():
                ctx.log.error("missing_value", "group is empty", file, sheet, r, col)
            else:
                ctx.log.error(
                    "unknown_group",
                    f"unknown group code (allowed: {', '.join(dict.fromkeys(allowed.values()))})",
                    file,
                    sheet,
                    r,
                    col,
                    raw,
                )
    return out
