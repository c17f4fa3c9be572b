"""The report kit: formatting, small-cell suppression, styled tables, figures, provenance.

Every report's presenters (:mod:`leheranalysis.present.quality`,
:mod:`leheranalysis.present.baseline`) build on these helpers, which turn numbers into
reviewer-ready text (percentages, intervals, counts) and show figures with alternative
text. Nothing here reads or writes files.

Small cells
-----------
Counts of the codebook's *sensitive* indicators (sexual abuse, missing and trafficked
children, POCSO and trafficking cases, ...) between 1 and 4 are shown as ``"<5"``
(:func:`leheranalysis.privacy.suppress_small`); shares, rates and intervals that would
let a reader recover such a count are hidden with them.

Examples
--------
>>> fmt_pct(0.614)
'61 %'
>>> fmt_interval(0.49, 0.723)
'49-72 %'
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd

from leheranalysis.codebook import Codebook, load_codebook
from leheranalysis.processed import analysis_observations

__all__ = [
    "FigureSaver",
    "NoData",
    "is_empty",
    "or_no_data",
    "display_name",
    "KIND_LABELS",
    "SUPPRESSED",
    "SUPPRESSED_FILL",
    "fmt_pct",
    "fmt_share",
    "fmt_interval",
    "figure_bundle",
    "phone_png",
    "PHONE_WIDTH_IN",
    "show_figure",
    "group_short_label",
    "analysis_observations",
    "attach_block_names",
    "sensitive_codes",
    "styled",
    "synthetic_geography",
    "district_denominator_shares",
    "glossary_table",
]


#: what a suppressed small count shows
SUPPRESSED = "<5"
_THRESHOLD = 5
_DASH = "-"

#: reader-facing names of respondent-group kinds
KIND_LABELS: dict[str, str] = {
    "children": "Children's groups",
    "adults": "Adult groups",
    "duty_bearer": "Duty bearers",
    "community": "Children's or adult groups",
    "all": "All groups",
}


_DUTY_BEARERS = ("teacher", "aww", "asha")
_DUTY_LABELS = {"teacher": "Teacher", "aww": "Anganwadi worker", "asha": "ASHA"}


# ------------------------------------------------------------------------ formatting
def fmt_pct(x: Any, digits: int = 0, floor_ceiling: bool = False) -> str:
    """A fraction as a percentage (``0.614 -> '61 %'``); NaN gives ``'-'``.

    Parameters
    ----------
    x : float
        The fraction (0-1).
    digits : int
        Decimal places.
    floor_ceiling : bool
        Never show ``100 %`` unless ``x`` is exactly 1, nor ``0 %`` unless it is exactly
        0: a fraction just below 1 is rounded down (``99.9 %``), one just above 0 up
        (``0.1 %``). Use it for shares of counts ("2,950 of 2,961 agree").

    Examples
    --------
    >>> fmt_pct(0.6149, 1), fmt_pct(float("nan"))
    ('61.5 %', '-')
    >>> fmt_pct(2950 / 2961, 1), fmt_pct(2960 / 2961, 1, floor_ceiling=True)
    ('99.6 %', '99.9 %')
    >>> fmt_pct(1 / 5000, 1, floor_ceiling=True), fmt_pct(1.0, 1, floor_ceiling=True)
    ('0.1 %', '100.0 %')
    """
    if x is None or pd.isna(x):
        return _DASH
    value = 100 * float(x)
    text = f"{value:.{digits}f}"
    if floor_ceiling and 0 < value < 100:
        step = 10.0**-digits
        if float(text) >= 100:
            text = f"{100 - step:.{digits}f}"
        elif float(text) <= 0:
            text = f"{step:.{digits}f}"
    return f"{text} %"


def fmt_share(part: Any, whole: Any, digits: int = 1) -> str:
    """``part`` of ``whole`` as a percentage shown next to its counts.

    One decimal place by default; ``100 %`` only when all agree and ``0 %`` only when
    none do (:func:`fmt_pct` with ``floor_ceiling``); ``'-'`` when ``whole`` is 0.

    Examples
    --------
    >>> fmt_share(2950, 2961), fmt_share(2961, 2961), fmt_share(0, 7), fmt_share(0, 0)
    ('99.6 %', '100.0 %', '0.0 %', '-')
    >>> fmt_share(2960, 2961)
    '99.9 %'
    """
    if whole is None or pd.isna(whole) or float(whole) == 0 or part is None or pd.isna(part):
        return _DASH
    return fmt_pct(float(part) / float(whole), digits, floor_ceiling=True)


def fmt_interval(lo: Any, hi: Any, digits: int = 0, pct: bool = True) -> str:
    """An interval as text: ``'49-72 %'`` for fractions, ``'1.2-3.4'`` otherwise.

    Examples
    --------
    >>> fmt_interval(1.234, 3.456, digits=1, pct=False)
    '1.2-3.5'
    """
    if lo is None or hi is None or pd.isna(lo) or pd.isna(hi):
        return _DASH
    if pct:
        return f"{100 * float(lo):.{digits}f}-{100 * float(hi):.{digits}f} %"
    return f"{float(lo):,.{digits}f}-{float(hi):,.{digits}f}"


#: width (inches, tight bounding box) of a figure's phone version: shown 359 px wide on a
#: phone, its 9-11 pt text is 11-13 px high
PHONE_WIDTH_IN = 4.2
#: resolution of the phone version: about 1.7 image pixels per CSS pixel on a 359 px screen
PHONE_DPI = 144
#: media query of the phone version (the stylesheet's phone width; paper keeps the figure)
PHONE_MEDIA = "screen and (max-width: 40rem)"


def _png(fig, dpi: float) -> bytes:
    """The figure drawn at ``dpi`` (tight bounding box), as a palette PNG (:func:`_shown`)."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    # stored uncompressed: it is read back at once and encoded with a palette
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", pil_kwargs={"compress_level": 0})
    buf.seek(0)
    with Image.open(buf) as img:
        img.load()
        return _shown(img)


def _shown(img) -> bytes:
    """The PNG a report shows: with an adaptive palette, as the HTML export would make it
    (:func:`leheranalysis.reports.layout.palette_png`), so the export does not decode and
    encode it again and the executed notebook stays small; an image with transparency
    stays RGBA."""
    import io

    from leheranalysis.reports.layout import palette_png

    png = palette_png(img)
    if png is None:
        buf = io.BytesIO()
        img.save(buf, format="PNG", compress_level=6)
        png = buf.getvalue()
    return png


def _display_png(fig) -> bytes:
    """The figure as the notebook shows it (its dpi, tight bounding box).

    When :func:`leheranalysis.plotting.save_figure` has just written the unchanged figure
    (at the higher ``savefig.dpi``), that image is scaled down instead of drawing the
    figure again: the same picture, at the same size, in a fraction of the time.
    """
    import io

    from leheranalysis.plotting import saved_png

    saved = saved_png(fig)
    if saved is None or saved[1] < fig.dpi:
        return _png(fig, fig.dpi)
    from PIL import Image

    with Image.open(io.BytesIO(saved[0])) as img:
        ratio = fig.dpi / saved[1]
        size = (max(1, round(img.width * ratio)), max(1, round(img.height * ratio)))
        # area averaging: as sharp as a direct drawing, and with as few distinct colours,
        # so that the palette PNG stays about as small
        small = img.resize(size, Image.Resampling.BOX) if ratio != 1 else img.copy()
    return _shown(small)


@dataclass
class _PhoneTexts:
    """The texts of a figure that change while it is drawn for a phone, with what to
    give back: long texts that wrap, the watermark (its size), the SYNTHETIC label (its
    position) and the subtitles (their axes)."""

    wrap: list
    marks: list
    labels: list
    subtitles: list

    @classmethod
    def of(cls, fig) -> _PhoneTexts:
        from matplotlib.text import Annotation, Text

        return cls(
            wrap=[
                t
                for t in fig.findobj(Text)
                if len(t.get_text()) > 24 and not t.get_wrap() and t.get_rotation() == 0
            ],
            marks=[
                (t, t.get_fontsize()) for t in fig.findobj(Text) if t.get_gid() == "leher-watermark"
            ],
            labels=[
                (t, t.get_position()) for t in fig.texts if t.get_gid() == "leher-synthetic-label"
            ],
            subtitles=[
                (ax, a)
                for ax in fig.axes
                for a in ax.texts
                if isinstance(a, Annotation) and a.get_gid() == _SUBTITLE_GID
            ],
        )

    def restore(self, fig, size) -> None:
        """Give the figure back its size and its texts their wrapping, size and place."""
        fig.set_size_inches(*size)
        for t in self.wrap:
            t.set_wrap(False)
        for t, points in self.marks:
            t.set_fontsize(points)
        for ax, _ in self.subtitles:
            _set_title_pad(ax, _TITLE_PAD)
        for t, xy in self.labels:
            t.set_position(xy)


def _narrow(fig, size, drawn: float, width: float, texts: _PhoneTexts) -> None:
    """Narrow the figure (height kept) until its tight box is about ``width`` inches."""
    for t in texts.wrap:
        t.set_wrap(True)
    w = float(size[0])
    for _ in range(3):
        # text outside the axes keeps its size: take the excess off the figure
        w = max(w - (drawn - width), 0.45 * width)
        fig.set_size_inches(w, size[1])
        for t, points in texts.marks:
            t.set_fontsize(points * min(1.0, w / float(size[0])))
        fig.draw_without_rendering()
        drawn = fig.get_tightbbox(fig.canvas.get_renderer()).width
        if drawn <= width * 1.05 or w <= 0.45 * width:
            break


def _lift_titles(fig, texts: _PhoneTexts) -> None:
    """Titles above their wrapped subtitles; the SYNTHETIC label above the titles."""
    for ax, sub in texts.subtitles:
        # a subtitle wrapped onto more lines lifts the title above it
        high = sub.get_window_extent(fig.canvas.get_renderer()).height * 72 / fig.dpi
        _set_title_pad(ax, _SUBTITLE_OFFSET + high + 4)
    for t, (x, _) in texts.labels:
        # the "SYNTHETIC DATA" label goes above a title wrapped up to the top edge
        t.set_visible(False)
        top = fig.get_tightbbox(fig.canvas.get_renderer()).y1
        t.set_visible(True)
        t.set_position((x, max(1.0, top / fig.get_size_inches()[1])))


def phone_png(fig, width: float = PHONE_WIDTH_IN, dpi: float = PHONE_DPI) -> bytes | None:
    """The figure redrawn narrower for a phone; None when it is narrow already or has
    several panels.

    The figure is resized (its height kept, its text keeping its size in points) until
    its tight bounding box is about ``width`` inches wide, drawn at ``dpi``, then given
    back its size. Shown at a phone's width, its text is as large as on a desktop.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    width : float
        Target width in inches of the drawn figure (labels outside the axes included).
    dpi : float
        Resolution of the PNG.

    Returns
    -------
    bytes or None
        PNG data; None when the figure is already at most ``width`` inches wide.
    """
    size = fig.get_size_inches().copy()
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]
    if len(panels) != 1 or panels[0].get_aspect() != "auto":
        return None  # panels side by side and maps keep their layout (they pan on a phone)
    fig.draw_without_rendering()
    drawn = fig.get_tightbbox(fig.canvas.get_renderer()).width
    if drawn <= width * 1.05:
        return None
    # long titles, notes and labels wrap at the figure's edge instead of widening it; the
    # watermark across the figure shrinks with it
    texts = _PhoneTexts.of(fig)
    try:
        _narrow(fig, size, drawn, width, texts)
        if not _fits(panels[0], width):
            return None
        _lift_titles(fig, texts)
        return _png(fig, dpi)
    finally:
        texts.restore(fig, size)


def _fits(ax, width: float) -> bool:
    """Whether a narrowed panel still reads: its plot at least 40 % of ``width`` inches
    wide, its wrapped category labels clear of each other."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    if ax.get_window_extent(renderer).width / fig.dpi < 0.4 * width:
        return False
    for axis, side in ((ax.yaxis, 1), (ax.xaxis, 0)):
        boxes = sorted(
            (
                (b.y0, b.y1) if side else (b.x0, b.x1)
                for t in axis.get_ticklabels()
                if t.get_visible() and t.get_text()
                for b in [t.get_window_extent(renderer)]
            ),
        )
        if any(nxt[0] < prev[1] - 1 for prev, nxt in zip(boxes, boxes[1:], strict=False)):
            return False
    return True


def figure_bundle(fig, alt: str, phone: bool = True) -> tuple[dict[str, str], dict[str, Any]]:
    """The display data of a figure with alternative text: ``(data, metadata)``.

    ``data`` has ``text/html``, ``image/png`` (base64) and ``text/plain`` (the alt text);
    ``metadata`` carries ``alt`` for the PNG too. The HTML export prefers ``text/html``,
    so the report's image gets ``alt`` (the JupyterLab template ignores PNG metadata and
    would write "No description has been provided for this image"). The PNG is rendered
    as the inline backend does (the figure's dpi, tight bounding box).

    With ``phone`` (and a figure wider than :data:`PHONE_WIDTH_IN`), ``text/html`` is a
    ``<picture>`` whose ``<source>`` for phone screens (:data:`PHONE_MEDIA`) is the figure
    redrawn narrower (:func:`phone_png`: the same content, text as large as on a desktop);
    otherwise an ``<img>``. Paper and wider screens show the desktop PNG.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(1, 1))
    >>> data, meta = figure_bundle(fig, 'Share <5 "x"')
    >>> 'alt="Share &lt;5 &quot;x&quot;"' in data["text/html"], meta["image/png"]["alt"]
    (True, 'Share <5 "x"')
    >>> data["text/html"].startswith("<img ")
    True
    >>> fig.set_size_inches(9, 3)
    >>> figure_bundle(fig, "wide")[0]["text/html"].startswith("<picture><source media=")
    True
    >>> plt.close(fig)
    """
    import base64

    png = base64.b64encode(_display_png(fig)).decode("ascii")
    text = " ".join(str(alt).split())
    tag = f'<img src="data:image/png;base64,{png}" alt="{html.escape(text, quote=True)}" />'
    small = phone_png(fig) if phone else None
    if small is not None:
        src = base64.b64encode(small).decode("ascii")
        tag = (
            f'<picture><source media="{PHONE_MEDIA}" srcset="data:image/png;base64,{src}" />'
            f"{tag}</picture>"
        )
    return (
        {"text/html": tag, "image/png": png, "text/plain": text},
        {"image/png": {"alt": text}},
    )


def show_figure(fig, alt: str) -> None:
    """Show a figure in the notebook with alternative text, then close it.

    Use instead of ``plt.show()`` so the figure in the HTML report has a description
    (``alt``: what the figure shows, e.g. its caption) for screen readers.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    alt : str
        One or two plain sentences saying what the figure shows.
    """
    import matplotlib.pyplot as plt
    from IPython.display import display

    data, metadata = figure_bundle(fig, alt)
    display(data, raw=True, metadata=metadata)
    plt.close(fig)


def _fmt_number(x: Any, digits: int = 0) -> str:
    if isinstance(x, str):
        return x
    if x is None or pd.isna(x):
        return _DASH
    return f"{float(x):,.{digits}f}"


def _cb(codebook: Codebook | None) -> Codebook:
    return load_codebook() if codebook is None else codebook


def group_short_label(code: str, codebook: Codebook | None = None) -> str:
    """A short reader-facing label of a respondent group.

    Examples
    --------
    >>> group_short_label("cg_girls_10_14"), group_short_label("aww")
    ('Girls 10-14', 'Anganwadi worker')
    """
    if code in _DUTY_LABELS:
        return _DUTY_LABELS[code]
    cb = _cb(codebook)
    if code not in cb.groups.index:
        return str(code)
    label = str(cb.groups.at[code, "label"])
    _, sep, rest = label.partition(": ")
    label = rest if sep else label
    label = label.split(" (")[0]
    return label[:1].upper() + label[1:]


def _indicator_label(code: str, cb: Codebook) -> str:
    return str(cb.indicators.at[code, "label"]) if code in cb.indicators.index else str(code)


def sensitive_codes(codebook: Codebook | None = None) -> set[str]:
    """Codes of the codebook's sensitive indicators."""
    ind = _cb(codebook).indicators
    return set(ind.index[ind["sensitive"].astype(bool)])


def _file_name(path: Any) -> str:
    text = str(path or "")
    return PurePath(text.replace("\\", "/")).name if text else ""


def styled(df: pd.DataFrame, index: bool = True, caption: str | None = None):
    """A pandas Styler for reports: optional hidden index and caption, no numbers touched.

    Cells, index labels, column headers and the caption are HTML-escaped: they may carry
    text from an input (a written village name, a cleaning-log value).

    Parameters
    ----------
    df : pandas.DataFrame
        An already formatted table (text cells).
    index : bool
        Show the index (False for tables whose index is a plain row number).
    caption : str, optional

    Returns
    -------
    pandas.io.formats.style.Styler
        Or ``df`` itself when it is a :class:`NoData` sentence (a presenter had no data).
    """
    if isinstance(df, NoData):
        return df
    # every cell, index label and header may carry text from an input: escape them all
    # (the Styler escapes values and labels, not the index and column level names)
    df = df.rename_axis(
        index=[_escape_name(n) for n in df.index.names],
        columns=[_escape_name(n) for n in df.columns.names],
    )
    sty = df.style.format(escape="html").format_index(escape="html", axis=0)
    sty = sty.format_index(escape="html", axis=1)
    if not index:
        sty = sty.hide(axis="index")
    left = [("text-align", "left")]
    keep = [("white-space", "nowrap")]
    per_column = {
        c: [{"selector": "", "props": left}]
        if _is_text_column(df.iloc[:, i])
        else [{"selector": "td", "props": keep}]
        for i, c in enumerate(df.columns)
    }
    if per_column and df.columns.is_unique:
        sty = sty.set_table_styles(per_column, overwrite=False)
    heads = [{"selector": "th.row_heading, th.index_name", "props": left}]
    if index:
        inner = f"th.row_heading.level{df.index.nlevels - 1}"
        heads.append({"selector": inner, "props": [("min-width", "12rem")]})
    sty = sty.set_table_styles(heads, overwrite=False)
    sty = sty.set_table_attributes('class="dataframe leher-table"')
    if caption:
        sty = sty.set_caption(html.escape(caption))
    return sty


def _escape_name(name: Any) -> Any:
    return None if name is None else html.escape(str(name))


def _is_text_column(col: pd.Series) -> bool:
    """True when most cells are words rather than numbers, percentages or intervals."""
    if pd.api.types.is_numeric_dtype(col):
        return False
    vals = [str(v) for v in col.dropna() if str(v) not in ("", _DASH)]
    if not vals:
        return False
    numeric = sum(1 for v in vals if v[:1].isdigit() or v[:1] in "<-.")
    return numeric < len(vals) / 2


def _hide_with_totals(df: pd.DataFrame, hide: pd.Series, keys: list[str]) -> pd.Series:
    """Extend a block-row mask to the district row of the same ``keys``.

    A district total shown next to a hidden block count would give the count back by
    subtraction, so it is hidden too. Only a block row hidden in ``hide`` extends to its
    total: with no hidden block count, no total is hidden. The caller shows a total that
    is missing anyway as missing, not as suppressed.

    Examples
    --------
    >>> df = pd.DataFrame({"scope": ["block", "block", "district"], "indicator": "x"})
    >>> _hide_with_totals(df, pd.Series([True, False, False]), ["indicator"]).tolist()
    [True, False, True]
    >>> _hide_with_totals(df, pd.Series([False, False, False]), ["indicator"]).tolist()
    [False, False, False]
    """
    hide = hide.reindex(df.index).fillna(False).astype(bool)
    if not hide.any() or "scope" not in df:
        return hide
    hit = df.loc[hide & (df["scope"] == "block"), keys].drop_duplicates()
    if hit.empty:
        return hide
    flagged = df[keys].merge(hit.assign(_h=True), on=keys, how="left")["_h"].notna()
    return hide | ((df["scope"] == "district").to_numpy() & flagged.to_numpy(bool))


def attach_block_names(df: pd.DataFrame, blocks: pd.DataFrame) -> pd.DataFrame:
    """Add (or fill) ``block_name`` from the ``blocks`` table by ``block_id``.

    The ``rankings`` table has no block names; summaries read them from this column.

    Examples
    --------
    >>> r = pd.DataFrame({"block_id": [1, 2]})
    >>> attach_block_names(r, pd.DataFrame({"block_id": [1], "block_name": ["A"]}))["block_name"].tolist()
    ['A', '2']
    """
    out = df.copy()
    names = (
        dict(
            zip(
                pd.Series(blocks["block_id"]).astype("int64"),
                blocks["block_name"].astype(str),
                strict=True,
            )
        )
        if len(blocks)
        else {}
    )
    looked = out["block_id"].map(lambda b: names.get(int(b), str(b)) if pd.notna(b) else None)
    if "block_name" in out:
        out["block_name"] = out["block_name"].where(out["block_name"].notna(), looked)
    else:
        out["block_name"] = looked
    return out


def _suppressed_mask(df: pd.DataFrame, count_col: str, cb: Codebook) -> pd.Series:
    sens = df["indicator"].isin(sensitive_codes(cb))
    n = pd.to_numeric(df[count_col], errors="coerce")
    return sens & (n >= 1) & (n < _THRESHOLD)


def _suppressed_of(n: int) -> str:
    """``'<5 of N'`` for a suppressed count out of ``n``; ``'<5'`` alone when ``n < 5``.

    Examples
    --------
    >>> _suppressed_of(62), _suppressed_of(4)
    ('<5 of 62', '<5')
    """
    return f"{SUPPRESSED} of {n}" if n >= _THRESHOLD else SUPPRESSED


def _pair_hidden(d: pd.DataFrame, small: pd.Series) -> pd.Series:
    """Rows of the agreement classes that share a scope, indicator and duty bearer with a
    small class: the classes add up to the compared villages, so all of them are hidden."""
    small = small.reindex(d.index).fillna(False).astype(bool)
    keys = [k for k in ("scope", "block_id", "indicator", "duty_bearer") if k in d]
    if not small.any():
        return small
    k = d[keys].map(str).agg("|".join, axis=1)  # str() of each cell: NaN too (pandas 3)
    return k.isin(set(k[small]))


#: flat fill of a figure cell hidden to protect a small count
SUPPRESSED_FILL = "#B8B8B8"


_SUBTITLE_GID = "leher-subtitle"
_SUBTITLE_OFFSET = 7  # points between the axes and the subtitle
_TITLE_PAD = 22  # points between the axes and a title with a subtitle


def _set_title_pad(ax, pad: float) -> None:
    ax.set_title(ax.get_title(loc="left"), loc="left", fontweight="bold", fontsize=13, pad=pad)


def _title(ax, text: str, subtitle: str | None = None) -> None:
    """Bold left title with a lighter subtitle under it, spaced in points (any axes height)."""
    ax.set_title(
        text, loc="left", fontweight="bold", fontsize=13, pad=_TITLE_PAD if subtitle else 8
    )
    if subtitle:
        ax.annotate(subtitle, xy=(0, 1), xycoords="axes fraction", xytext=(0, _SUBTITLE_OFFSET),
                    textcoords="offset points", fontsize=9.5, color="#555555", va="bottom",
                    gid=_SUBTITLE_GID)  # fmt: skip


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [text]


# ------------------------------------------------------------------- provenance
def synthetic_geography(manifest: Mapping[str, Any], district: str) -> bool:
    """Whether a district's villages and blocks are the built-in invented geography.

    Read from the manifest by :func:`leheranalysis.store.synthetic_geography`. Reports
    credit PMGSY GeoSadak only when this is False.

    Examples
    --------
    >>> synthetic_geography({"parameters": {"synthetic_geography": True}}, "Madhubani")
    True
    """
    from leheranalysis.store import synthetic_geography as flag

    return flag(manifest, district)


# ------------------------------------------------------------- rates: denominators
def district_denominator_shares(district: str, root: Any = None) -> tuple[dict[str, float], str]:
    """Denominator shares of rates per 1,000 for a district, and a sentence saying which.

    Uses the district's NFHS-5 "Population below age 15 years (%)" when the fact sheets
    give it (:func:`leheranalysis.indicators.denominator_shares` with
    ``under15_share=value / 100``); otherwise India's Census 2011 age shares. The
    built-in synthetic districts ("Synthetic ...") are never looked up.

    Parameters
    ----------
    district : str
        District name (any spelling :func:`leheranalysis.nfhs.resolve_district` accepts).
    root : path-like, optional
        Public data folder (default :func:`leheranalysis.config.public_data_dir`).

    Returns
    -------
    shares : dict of str to float
        Share of the population per denominator code.
    note : str
        One sentence for captions and markdown.
    """
    from leheranalysis import nfhs
    from leheranalysis.errors import LeherError
    from leheranalysis.gazetteer import is_synthetic_name
    from leheranalysis.indicators import CENSUS2011_UNDER15_SHARE, denominator_shares

    national = denominator_shares()
    census = f"{100 * CENSUS2011_UNDER15_SHARE:.1f} % under 15"
    if is_synthetic_name(district):
        return national, (
            f"Age shares: India's Census 2011 age structure ({census}); the synthetic "
            "district has no NFHS-5 value."
        )
    try:
        value = nfhs.district_value(district, "under15", root=root)
    except (LeherError, OSError, ValueError, KeyError):
        value = float("nan")
    if not (isinstance(value, float) and np.isfinite(value) and 0 < value < 100):
        return national, (
            f"Age shares: India's Census 2011 age structure ({census}); no NFHS-5 share of "
            f"the population under 15 is available for {district}."
        )
    return denominator_shares(under15_share=value / 100.0), (
        f"Age shares: Census 2011 age pattern scaled to {district}'s NFHS-5 (2019-21) share "
        f"of the population under 15, {value:.1f} % (India in 2011: {census})."
    )


def display_name(name: Any) -> str:
    """A village name in one consistent case for readers (first letter of each word
    capital, the rest small), whatever case it was published or written in.

    Examples
    --------
    >>> display_name("azrakwe Simri"), display_name("FATEHPUR"), display_name("singiyon")
    ('Azrakwe Simri', 'Fatehpur', 'Singiyon')
    >>> display_name("Rampur-TOLA (east)")
    'Rampur-Tola (East)'
    """
    import re

    text = " ".join(str(name).split())
    return re.sub(r"[^\W\d_]+", lambda m: m.group(0)[:1].upper() + m.group(0)[1:].lower(), text)


# ------------------------------------------------------------------------- glossary
def glossary_table(codebook: Codebook | None = None) -> pd.DataFrame:
    """The glossary of abbreviations and method terms, alphabetical (every report's last
    section, under a ``## Glossary`` heading).

    Parameters
    ----------
    codebook : Codebook, optional

    Returns
    -------
    pandas.DataFrame
        ``Term``, ``Stands for``, ``Meaning``.
    """
    g = _cb(codebook).glossary
    g = g.sort_values("term", key=lambda s: s.str.lower(), kind="stable")
    return pd.DataFrame(
        {
            "Term": g["term"].to_numpy(),
            "Stands for": g["expansion"].to_numpy(),
            "Meaning": g["definition"].to_numpy(),
        }
    )


# -------------------------------------------------------------- no data, figures
class NoData(str):
    """What a presenter gives instead of a table or figure when the district's data has
    nothing for it: one sentence saying what is missing and where, shown in italics.

    :func:`styled` and :class:`FigureSaver` pass it on, so a notebook cell stays one call
    (``display(styled(headline_table(shares)))``) with or without data.

    Examples
    --------
    >>> note = NoData("No ranking-exercise data for this district: no group ranked issues.")
    >>> note._repr_markdown_()
    '*No ranking-exercise data for this district: no group ranked issues.*'
    >>> print(NoData("a <b> * c")._repr_markdown_())
    *a &lt;b&gt; \\* c*
    """

    def _repr_markdown_(self) -> str:
        return "*" + html.escape(str(self), quote=False).replace("*", "\\*") + "*"


def is_empty(data: Any) -> bool:
    """True for no data: None, a :class:`NoData` sentence, or an empty table.

    Examples
    --------
    >>> is_empty(None), is_empty(pd.DataFrame()), is_empty(pd.DataFrame({"a": [1]}))
    (True, True, False)
    """
    if data is None or isinstance(data, NoData):
        return True
    return bool(getattr(data, "empty", False))


def or_no_data(sentence: str) -> Callable[[Callable], Callable]:
    """Decorator of a presenter: given no data (:func:`is_empty` first argument) it returns
    ``NoData(sentence)`` instead of a table or a figure.

    Examples
    --------
    >>> @or_no_data("No village-tool data for this district.")
    ... def table(df):
    ...     return df.head(1)
    >>> table(pd.DataFrame())
    'No village-tool data for this district.'
    >>> type(table(None)).__name__
    'NoData'
    """

    def wrap(func: Callable) -> Callable:
        @functools.wraps(func)
        def presenter(data: Any, *args: Any, **kwargs: Any) -> Any:
            if is_empty(data):
                return NoData(sentence)
            return func(data, *args, **kwargs)

        return presenter

    return wrap


@dataclass
class FigureSaver:
    """Save a report's figures under ``figures/<district>/`` and show them (one per
    notebook, called like a function).

    Attributes
    ----------
    district : str
        The district (its slug names the folder).
    source : str, optional
        Default source credit drawn under every figure.
    synthetic : bool
        SYNTHETIC watermark and label.
    svg : bool
        Also write an SVG (maps).

    Examples
    --------
    >>> save = FigureSaver("Madhubani", source="District Need Assessment")
    >>> save(NoData("No ranking-exercise data for this district."), "02-x", "A caption")
    ... # doctest: +SKIP
    """

    district: str
    source: str | None = None
    synthetic: bool = False
    svg: bool = False

    def __call__(self, fig: Any, name: str, caption: str, source: str | None = None) -> None:
        """Save ``fig`` as ``<name>.png`` (and ``.svg``) with its caption, then show it with
        the caption as alternative text; a :class:`NoData` sentence is shown instead, and
        nothing for None.

        Nothing is returned: a figure as a cell's last value would be shown again.
        """
        from IPython.display import display

        if fig is None:  # nothing to show (the section said why already)
            return
        if isinstance(fig, NoData):
            display(fig)
            return
        from leheranalysis import plotting

        with plotting.shared_text_metrics():  # each text measured once, not per canvas
            plotting.save_figure(
                fig,
                self.district,
                name,
                caption=caption,
                source=self.source if source is None else source,
                svg=self.svg,
                synthetic=self.synthetic,
            )
            show_figure(fig, caption)
