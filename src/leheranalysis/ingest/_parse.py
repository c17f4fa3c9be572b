"""From raw cell grids to validated row records: sheets, header rows, columns, cells.

Pure: no file access. Every problem is logged with its location; parsing goes on so that
one run reports every error of every file.
"""

from __future__ import annotations

from typing import Any

from leheranalysis.codebook import Codebook
from leheranalysis.ingest import _layout as L
from leheranalysis.ingest._clean import BAD, Cell, Cleaner, category_key
from leheranalysis.ingest._log import Log, Shown, id_text
from leheranalysis.ingest._model import Record, Table
from leheranalysis.ingest._names import file_label
from leheranalysis.ingest._read import RawFile, RawSheet
from leheranalysis.privacy import column_kind

HEADER_SEARCH_ROWS = 10


class Context:
    """What parsing needs: codebook, sheet specs, lookup tables, log."""

    def __init__(self, cb: Codebook, log: Log):
        self.cb = cb
        self.log = log
        self.specs = L.build_specs(cb)
        self.labels = L.label_index(self.specs)
        self.all_codes = {c for s in self.specs.values() for c in s.columns}
        self.known_codes = self.all_codes | set(cb.indicators.index) | set(cb.groups.index)
        self.groups = {
            fam: {category_key(g): g for g in codes} for fam, codes in cb.group_families().items()
        }
        for g, lab in cb.groups["label"].items():
            self.groups[cb.groups.at[g, "family"]][category_key(lab)] = g
        self.all_groups: dict[str, str] = {}
        for m in self.groups.values():
            self.all_groups.update(m)
        self.responses = {
            name: {category_key(v): v for v in vals} for name, vals in cb.responses.items()
        }
        self.reasons = {category_key(c): c for c in cb.reason_codes["code"]}
        for c, lab in zip(cb.reason_codes["code"], cb.reason_codes["label"], strict=True):
            self.reasons[category_key(lab)] = c
        self.activities = {category_key(c): c for c in cb.activities["code"]}
        inds = cb.indicators
        self.indicators = {category_key(c): c for c in inds.index}
        self.issues = list(cb.ranking_issues["code"])
        self.db_codes = {
            c
            for c in cb.indicators_for("village")
            if set(cb.indicator(c)["groups"]) & set(L.DUTY_BEARERS)
        }
        self.part2_codes = set(cb.indicators_for("part2"))
        #: indicator fields as plain dicts (fast per-cell access)
        self.ind = {code: row.to_dict() for code, row in cb.indicators.iterrows()}
        self.family = dict(cb.groups["family"])


# ===================================================================== files
def parse_file(raw: RawFile, ctx: Context) -> list[Record]:
    """All records of one file; errors go to ``ctx.log``."""
    if raw.format == "csv":
        tables = _flat_table(raw.name, raw.sheets[0], "csv", ctx) or []
    else:
        tables = _workbook_tables(raw, ctx)
    if tables is None:
        return []
    workbooks = {t.spec.workbook for t in tables}
    kobo = any(t.source == "kobo" for t in tables)
    ctx.log.names.files[raw.name] = file_label(
        raw.sha256, "kobo" if kobo else raw.format, workbooks.pop() if len(workbooks) == 1 else None
    )
    records: list[Record] = []
    for t in tables:
        records.extend(_records(t, ctx))
    if tables and not records and not _has_errors_for(ctx.log, raw.name):
        ctx.log.error(
            "empty_workbook",
            "no data rows found: every data sheet is empty (a blank template?)",
            file=raw.name,
        )
    return records


def _has_errors_for(log: Log, name: str) -> bool:
    return any(e["file"] == name for e in log.errors)


def _workbook_tables(raw: RawFile, ctx: Context) -> list[Table] | None:
    log = ctx.log
    data_sheets = [s for s in raw.sheets if L.norm_text(s.name) not in L.NON_DATA_SHEETS]
    found: dict[str, RawSheet] = {}
    other: list[RawSheet] = []
    for s in data_sheets:
        kind = L.SHEET_KEYS.get(L.sheet_key(s.name))
        if kind and kind not in found:
            found[kind] = s
            canonical = L.SHEETS[kind][0]
            position = log.names.sheet(raw.name, s.name)
            log.names.sheets[(raw.name, s.name)] = canonical
            if s.name != canonical:  # the typed name is not kept: it may name a person
                log.change(raw.name, s.name, None, "", Shown(position), canonical, "sheet_name")
        else:
            other.append(s)
    tables: list[Table] = []
    flat_names: list[str] = []
    for s in other:
        t = _flat_table(raw.name, s, "kobo", ctx, quiet=True) if s.rows else None
        if t is not None:
            tables.extend(t)
            flat_names.append(s.name)
        elif s.rows:
            log.change(raw.name, s.name, None, "", "[sheet not read]", "", "sheet_ignored")
    if not found and not tables:
        if not any(s.rows for s in data_sheets):
            log.error(
                "empty_workbook", "the workbook is empty: no sheet holds any data", file=raw.name
            )
        else:
            expected = ", ".join(f"'{n}'" for n, _ in L.SHEETS.values())
            present = ", ".join(f"'{s.name}'" for s in raw.sheets)
            log.error(
                "missing_sheet",
                f"no DNA data sheet found; expected one of {expected}; the workbook has {present}",
                file=raw.name,
            )
        return None
    workbooks = {L.SHEETS[k][1] for k in found}
    for wbk in sorted(workbooks):
        for kind in L.WORKBOOKS[wbk]:
            if kind not in found:
                present = ", ".join(f"'{s.name}'" for s in raw.sheets)
                log.error(
                    "missing_sheet",
                    f"required sheet '{L.SHEETS[kind][0]}' is missing (sheets in the file: "
                    f"{present})",
                    file=raw.name,
                    sheet=L.SHEETS[kind][0],
                )
    for kind, s in found.items():
        t = _template_table(raw.name, s, ctx.specs[kind], ctx)
        if t is not None:
            tables.append(t)
    return tables


# ===================================================================== headers
def _fill_merged(sheet: RawSheet) -> dict[tuple[int, int], tuple[int, int]]:
    """Cells covered by a merged range (not its anchor) -> the anchor (row, col), 1-based."""
    out: dict[tuple[int, int], tuple[int, int]] = {}
    for r1, c1, r2, c2 in sheet.merged:
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    out[(r, c)] = (r1, c1)
    return out


def _cell(rows: dict[int, list[Any]], r: int, c: int) -> Any:
    vals = rows.get(r)
    return vals[c - 1] if vals is not None and c - 1 < len(vals) else None


def _header_values(sheet: RawSheet, r: int, merged) -> list[Any]:
    """Header texts of row ``r``; a header merged down from a row above counts as in ``r``."""
    rows = dict(sheet.rows)
    width = max((len(v) for _, v in sheet.rows), default=0)
    out = []
    for c in range(1, width + 1):
        v = _cell(rows, r, c)
        if v is None and (r, c) in merged:
            ar, ac = merged[(r, c)]
            if ac == c:  # merged vertically only: a band row above spans the header
                v = _cell(rows, ar, ac)
        out.append(v)
    return out


def _find_header(sheet: RawSheet, merged) -> int | None:
    for r, _ in sheet.rows:
        if r > HEADER_SEARCH_ROWS:
            break
        vals = _header_values(sheet, r, merged)
        if sum(1 for v in vals if L.header_code(v)) >= 2:
            return r
    return None


def _column_has_data(sheet: RawSheet, header_row: int, idx: int) -> bool:
    return any(r > header_row and idx < len(v) and v[idx] is not None for r, v in sheet.rows)


def _template_table(file: str, sheet: RawSheet, spec: L.SheetSpec, ctx: Context) -> Table | None:
    log = ctx.log
    merged = _fill_merged(sheet)
    if not sheet.rows:
        return Table(file, sheet.name, spec, "template", 0, {}, [])
    hr = _find_header(sheet, merged)
    if hr is None:
        log.error(
            "missing_column",
            f"no header row found in the first {HEADER_SEARCH_ROWS} rows: expected column "
            "headers ending in their [code], e.g. 'Block [block]'",
            file=file,
            sheet=sheet.name,
        )
        return None
    headers = _header_values(sheet, hr, merged)
    table = Table(file, sheet.name, spec, "template", hr, {}, [])
    for idx, text in enumerate(headers):
        code = L.header_code(text)
        if code is None and text is not None and str(text).strip():
            code = ctx.labels.get(L.norm_text(text))
        _map_column(table, idx, text, code, ctx, sheet)
    _check_required(table, ctx, required_only=False)
    table.rows = _data_rows(table, sheet, merged, ctx)
    return table


def _flat_table(
    file: str, sheet: RawSheet, source: str, ctx: Context, quiet: bool = False
) -> list[Table] | None:
    """A CSV file or a Kobo/ODK export sheet: codes (maybe group-prefixed) as headers."""
    log = ctx.log
    if not sheet.rows:
        if not quiet:
            log.error("empty_workbook", "the file has no rows", file=file, sheet=sheet.name)
        return None
    merged = _fill_merged(sheet)
    hr = _find_header(sheet, merged) or sheet.rows[0][0]
    headers = _header_values(sheet, hr, merged)
    from leheranalysis.ingest import _kobo

    if _kobo.is_kobo_form(headers):
        return _kobo.kobo_tables(file, sheet, hr, headers, merged, ctx)
    mapped: list[tuple[int, Any, str | None]] = []
    for idx, text in enumerate(headers):
        if text is None or not str(text).strip():
            mapped.append((idx, text, None))
            continue
        code = L.header_code(text)
        if code is None:
            name = str(text).strip()
            if L.is_kobo_meta(name):
                mapped.append((idx, text, "__meta__"))
                continue
            cand = L.strip_prefix(name).casefold()
            code = cand if cand in ctx.known_codes else ctx.labels.get(L.norm_text(name))
        mapped.append((idx, text, code))
    codes = {c for _, _, c in mapped if c and c != "__meta__"}
    kind = L.classify_flat(codes)
    if kind is None:
        if quiet and len(codes) < 2:
            return None  # not a data table: the caller ignores the sheet
        log.error(
            "missing_column",
            "cannot tell which DNA table this is: a group-discussion table needs columns "
            "block, village and group; duty bearers also indicator; secondary data block, "
            "indicator, year and value; Part II block, indicator and group; collation "
            "block, village and indicator",
            file=file,
            sheet=sheet.name,
        )
        return None
    table = Table(file, sheet.name, ctx.specs[kind], source, hr, {}, [])
    for idx, text, code in mapped:
        if code == "__meta__":
            log.change(
                file,
                sheet.name,
                hr,
                f"{L.column_letter(idx + 1)} [{text}]",
                "[column]",
                "",
                "metadata_column_ignored",
            )
            table.drop_cols[idx] = ""
            continue
        _map_column(table, idx, text, code, ctx, sheet, flat=True)
    _check_required(table, ctx, required_only=True)
    table.rows = _data_rows(table, sheet, merged, ctx)
    return [table]


def _map_column(
    table: Table,
    idx: int,
    text: Any,
    code: str | None,
    ctx: Context,
    sheet: RawSheet,
    flat: bool = False,
) -> None:
    log = ctx.log
    spec = table.spec
    letter = L.column_letter(idx + 1)
    shown = "" if text is None else str(text).strip()
    at = dict(file=table.file, sheet=table.sheet, row=table.header_row)
    if not shown:
        if _column_has_data(sheet, table.header_row, idx):
            log.error(
                "unknown_column",
                "the column has values but no header; give it its header with [code] or delete it",
                column=letter,
                **at,
            )
        return
    if code in spec.columns and spec.columns[code].type == L.FREE_TEXT:
        table.drop_cols[idx] = "free_text_removed"
        table.drop_names[idx] = code
        return
    if code in spec.columns:
        if code in table.columns:
            first = L.column_letter(table.columns[code] + 1)
            log.error(
                "duplicate_column",
                f"column [{code}] appears twice (also in column {first})",
                column=f"{letter} [{code}]",
                value=shown,
                **at,
            )
            return
        table.columns[code] = idx
        return
    privacy = column_kind(shown) if code is None or code not in ctx.known_codes else None
    if privacy is not None:
        table.drop_cols[idx] = "free_text_removed" if privacy == "free_text" else "pii_removed"
        table.drop_names[idx] = code or shown
        return
    col = f"{letter} [{code}]" if code else letter
    if code is not None and code in ctx.known_codes:
        where_ = _where_code_belongs(code, ctx)
        log.error(
            "unknown_column",
            f"column [{code}] does not belong in this {'table' if flat else 'sheet'}{where_}",
            column=col,
            value=shown,
            **at,
        )
        return
    hint = L.suggest(code or shown, sorted(ctx.all_codes | set(ctx.cb.indicators.index)))
    did = f"; did you mean {', '.join(hint)}?" if hint else ""
    if code is not None and not flat:
        log.error(
            "unknown_indicator",
            f"unknown code [{code}] in the column header (not in the codebook){did}",
            column=col,
            value=shown,
            **at,
        )
    elif flat:
        log.error(
            "unknown_column",
            f"unknown field '{L.strip_prefix(shown)}': not a code of the codebook nor an "
            f"export metadata column{did}",
            column=col,
            value=shown,
            **at,
        )
    else:
        log.error(
            "unknown_column",
            f"the header has no [code] and is not a known column label{did}",
            column=col,
            value=shown,
            **at,
        )


def _where_code_belongs(code: str, ctx: Context) -> str:
    sheets = [
        s.sheet or "a group-discussion table" for s in ctx.specs.values() if code in s.columns
    ]
    if code in ctx.cb.indicators.index:
        fams = ", ".join(ctx.cb.indicator(code)["groups"])
        return f" (indicator asked of: {fams})"
    if sheets:
        return f" (it belongs in sheet {', '.join(repr(s) for s in dict.fromkeys(sheets))})"
    return ""


def _check_required(table: Table, ctx: Context, required_only: bool) -> None:
    spec = table.spec
    for code, col in spec.columns.items():
        if code in table.columns or not col.required:
            continue
        if col.type in (L.FREE_TEXT, L.IGNORED, L.IGNORED_TEXT):
            continue
        ctx.log.error(
            "missing_column",
            f"required column '{col.label} [{code}]' is missing",
            file=table.file,
            sheet=table.sheet,
            row=table.header_row or None,
            column=f"[{code}]",
        )


def _data_rows(table: Table, sheet: RawSheet, merged, ctx: Context) -> list[tuple[int, list[Any]]]:
    """Rows after the header, merged cells filled (logged), privacy columns removed (logged)."""
    rows = dict(sheet.rows)
    by_row: dict[int, list[tuple[int, tuple[int, int]]]] = {}
    for (mr, mc), anchor in merged.items():
        if anchor[0] > table.header_row:  # merges in the data area only
            by_row.setdefault(mr, []).append((mc, anchor))
    out = []
    for r, vals in sheet.rows:
        if r <= table.header_row:
            continue
        vals = list(vals)
        for mc, (ar, ac) in by_row.get(r, ()):
            anchor = _cell(rows, ar, ac)
            while len(vals) < mc:
                vals.append(None)
            if vals[mc - 1] is None and anchor is not None:
                vals[mc - 1] = anchor
                code = next((k for k, i in table.columns.items() if i == mc - 1), None)
                col = table.letter(code) if code else L.column_letter(mc)
                ctx.log.change(table.file, table.sheet, r, col, "", anchor, "merged_cell_filled")
        for idx, rule in table.drop_cols.items():
            if idx < len(vals):
                if rule and vals[idx] is not None and str(vals[idx]).strip():
                    name = table.drop_names.get(idx)
                    letter = L.column_letter(idx + 1)
                    ctx.log.change(
                        table.file,
                        table.sheet,
                        r,
                        f"{letter} [{name}]" if name else letter,
                        "[removed]",
                        "",
                        rule,
                    )
                vals[idx] = None
        out.append((r, vals))
    return out


# ===================================================================== rows
def _records(table: Table, ctx: Context) -> list[Record]:
    spec = table.spec
    cleaner = Cleaner(ctx.log, csv_source=table.source == "csv")
    out = []
    for r, vals in table.rows:
        cells = {
            code: (vals[idx] if idx < len(vals) else None) for code, idx in table.columns.items()
        }
        cells.update(table.constants)
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells.values()):
            continue
        rec = _record(table, r, cells, spec, cleaner, ctx)
        if rec is not None:
            out.append(rec)
    return out


def _record(
    table: Table, r: int, cells: dict[str, Any], spec: L.SheetSpec, cl: Cleaner, ctx: Context
) -> Record | None:
    log = ctx.log
    rec = Record(table=table, row=r)

    def at(code: str) -> Cell:
        return Cell(table.file, table.sheet, r, table.letter(code))

    def bad(v: Any) -> bool:
        if v is BAD:
            rec.ok = False
            return True
        return False

    # a row whose values are all empty carries nothing (ids alone, e.g. a prefilled template)
    value_codes = table.presence or [
        c
        for c, s in spec.columns.items()
        if s.type not in (*L.ID_TYPES, L.IGNORED, L.IGNORED_TEXT, L.FREE_TEXT)
    ]
    if not any(_present(cells.get(c)) for c in value_codes):
        return None
    # ---- identifiers
    for code, col in spec.columns.items():
        if col.type not in L.ID_TYPES or code not in cells:
            continue
        raw = cells[code]
        if col.type in (L.BLOCK, L.VILLAGE):
            v = cl.text(raw, at(code))
        elif col.type == L.GROUP:
            v = _group(raw, at(code), spec, cl, ctx)
        elif col.type == L.INDICATOR:
            v = _indicator(raw, at(code), spec, cl, ctx)
        else:
            v = cl.year(raw, at(code))
        if bad(v):
            continue
        if v is None:
            log.error(
                "missing_value",
                f"{col.label.lower()} is empty",
                table.file,
                table.sheet,
                r,
                table.letter(code),
            )
            rec.ok = False
            continue
        setattr(rec, col.type, v)
    # ---- group x indicator applicability (Duty bearers, Block duty bearers)
    if rec.indicator and rec.group and spec.kind in ("duty_bearers", "block_duty_bearers"):
        fam = ctx.family[rec.group]
        fams = ctx.ind[rec.indicator]["groups"]
        if spec.kind == "duty_bearers" and fam not in fams:
            log.error(
                "not_for_group",
                f"indicator {rec.indicator} is not asked of {rec.group} (asked of: "
                f"{', '.join(fams)})",
                table.file,
                table.sheet,
                r,
                table.letter("group"),
                rec.group,
            )
            rec.ok = False
    # ---- values
    for code, col in spec.columns.items():
        if code not in cells or col.type in (*L.ID_TYPES, L.FREE_TEXT, L.IGNORED_TEXT):
            continue
        v = _value(code, col, cells[code], at(code), rec, spec, cl, ctx)
        if bad(v) or v is None:
            continue
        if col.type == L.RANK:
            rec.ranks[code[len("rank_") :]] = int(v)
        elif col.type == L.RESPONSE:
            rec.response = v
        elif col.type == L.REASON:
            rec.reason = v
        elif col.type == L.ACTION:
            rec.action_code = v
        elif col.type != L.IGNORED:
            rec.values[code] = float(v)
    return rec


def _present(v: Any) -> bool:
    return v is not None and not (isinstance(v, str) and not v.strip())


def _group(raw, at: Cell, spec: L.SheetSpec, cl: Cleaner, ctx: Context) -> Any:
    allowed: dict[str, str] = {}
    for fam in spec.families:
        allowed.update(ctx.groups.get(fam, {}))
    codes = list(dict.fromkeys(allowed.values()))
    v = cl.base(raw, at)
    if v is None or v is BAD:
        return v
    key = category_key(str(v))
    if key not in allowed and key in ctx.all_groups:
        other = ctx.all_groups[key]
        return cl._error(
            at,
            "wrong_group",
            f"group {other} does not belong in this {'sheet' if spec.sheet else 'table'} "
            f"(allowed: {', '.join(codes)})",
            v,
        )
    return cl.category(
        v, at, allowed, "unknown_group", f"unknown group code (allowed: {', '.join(codes)})"
    )


def _indicator(raw, at: Cell, spec: L.SheetSpec, cl: Cleaner, ctx: Context) -> Any:
    v = cl.base(raw, at)
    if v is None or v is BAD:
        return v
    code = ctx.indicators.get(category_key(str(v)))
    if code is None:
        hint = L.suggest(str(v).strip().casefold(), ctx.cb.indicators.index)
        did = f"; did you mean {', '.join(hint)}?" if hint else ""
        shown = id_text(v, ctx.cb.indicators.index)
        return cl._error(at, "unknown_indicator", f"unknown indicator code{did}", shown)
    ind = ctx.ind[code]
    if spec.indicator_instrument and ind["instrument"] != spec.indicator_instrument:
        return cl._error(
            at,
            "unknown_indicator",
            f"indicator {code} is a {ind['instrument']} indicator, not allowed in this "
            f"{'sheet' if spec.sheet else 'table'}",
            v,
        )
    if spec.part2_only and not ind["part2"]:
        return cl._error(
            at, "unknown_indicator", f"indicator {code} is not presented to block officials", v
        )
    if spec.kind == "duty_bearers" and not set(ind["groups"]) & set(L.DUTY_BEARERS):
        return cl._error(
            at, "unknown_indicator", f"indicator {code} is not asked of duty bearers", v
        )
    if code != str(v):
        cl._change(at, v, code, "category_normalised")
    return code


def _value(
    code: str,
    col: L.ColumnSpec,
    raw: Any,
    at: Cell,
    rec: Record,
    spec: L.SheetSpec,
    cl: Cleaner,
    ctx: Context,
) -> Any:
    cb = ctx.cb
    if col.type == L.ACTION:
        return cl.category(
            raw,
            at,
            ctx.activities,
            "category",
            "committed activity must be a code of the activity library (Instructions sheet)",
        )
    if col.type == L.REASON:
        codes = ", ".join(cb.reason_codes["code"])
        return cl.category(raw, at, ctx.reasons, "category", f"reason must be one of: {codes}")
    if col.type == L.RESPONSE:
        scale = ctx.responses[col.scale]
        choices = ", ".join(cb.responses[col.scale])
        return cl.category(raw, at, scale, "category", f"response must be one of: {choices}")
    if col.type == L.RANK:
        n = len(ctx.issues)
        return cl.number(raw, at, unit="rank", lo=1, hi=n, what=f" (ranks run 1-{n})")
    if col.type == L.COUNT:
        return cl.number(raw, at, unit="count", lo=0, hi=col.max)
    if col.type == L.IND:
        ind_code = code
    else:  # VALUE / IGNORED: the row's indicator decides the unit
        if rec.indicator is None:
            return None  # the row's indicator is missing or wrong: already reported
        ind_code = rec.indicator
    ind = ctx.ind[ind_code]
    v = cl.number(raw, at, unit=ind["unit"], lo=ind["min"], hi=ind["max"], what=f" for {ind_code}")
    if v is None or v is BAD:
        return v
    # is the indicator asked of this group?
    fam = None
    if col.type == L.IND and rec.group:
        fam = ctx.family[rec.group]
    elif col.families:
        fam = col.families[0]
    if fam is not None and fam not in ind["groups"]:
        return cl._error(
            at,
            "not_for_group",
            f"indicator {ind_code} is not asked of {rec.group or fam} (asked of: "
            f"{', '.join(ind['groups'])})",
            raw,
        )
    return v
