"""One figure style for every notebook and report.

- :func:`use_style` sets matplotlib defaults: readable sizes, light grid, no top/right
  spines, the Okabe-Ito colour cycle, ``viridis`` as the default colour map, SVG text
  kept as text.
- Palettes are colour-blind safe: :data:`OKABE_ITO` (categorical, Okabe & Ito 2008),
  :data:`SEQUENTIAL` (``viridis``), :data:`SEQUENTIAL_ALT` (``cividis``) and
  :data:`DIVERGING` (``PuOr``); :data:`PROBLEM` (reversed ``viridis``) is the one
  palette of maps and heatmaps: darker means more of a problem; :data:`BETTER` and
  :data:`WORSE` (blue, vermillion) are kept for changes, :data:`HIGHLIGHT` (reddish
  purple) for the district in focus, against :data:`OTHER` (grey) districts.
- :func:`save_figure` writes ``figures/<slug>/<name>.png`` (and ``.svg``) with the
  caption and source drawn under the plot and, for synthetic data, a "SYNTHETIC DATA"
  watermark and label.

Titles are plain language: say what the reader sees ("Children in 6 of 10 villages
reported child labour"), not the variable name.
"""

from __future__ import annotations

import contextlib
import textwrap
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leheranalysis import config
from leheranalysis.errors import ConfigError

#: Okabe-Ito colours, ordered for categorical use (black last: it is kept for text).
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#000000",  # black
)
OKABE_ITO_NAMES: dict[str, str] = dict(
    zip(
        (
            "blue",
            "orange",
            "bluish green",
            "vermillion",
            "sky blue",
            "reddish purple",
            "yellow",
            "black",
        ),
        OKABE_ITO,
        strict=True,
    )
)
SEQUENTIAL = "viridis"
#: the one sequential palette for "how much of a problem" on maps and heatmaps alike:
#: reversed viridis, so darker always means more of a problem (more vulnerable, farther,
#: more missing); colour-blind safe and readable in grey print
PROBLEM = "viridis_r"
SEQUENTIAL_ALT = "cividis"
DIVERGING = "PuOr"
NEUTRAL = "#BBBBBB"  # context features (e.g. non-programme villages on maps)
#: the categorical pair for a change: blue for the better, vermillion for the worse
BETTER = OKABE_ITO[0]
WORSE = OKABE_ITO[3]
#: the district in focus (reddish purple: neither better nor worse); other districts grey
HIGHLIGHT = OKABE_ITO[5]
OTHER = "#777777"
SYNTHETIC_LABEL = "SYNTHETIC DATA"
_CAPTION_WIDTH = 110  # characters per caption line at the default width

STYLE: dict[str, Any] = {
    "figure.figsize": (8.0, 5.0),
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "savefig.facecolor": "white",
    "font.size": 11,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.8,
    "legend.frameon": False,
    "image.cmap": SEQUENTIAL,
    "svg.fonttype": "none",
}


def use_style() -> None:
    """Apply the package's figure style to matplotlib (call once per notebook)."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(STYLE)
    mpl.rcParams["axes.prop_cycle"] = cycler(color=list(OKABE_ITO))


@contextlib.contextmanager
def style() -> Iterator[None]:
    """Context manager applying the style only inside the ``with`` block."""
    import matplotlib as mpl

    with mpl.rc_context():
        use_style()
        yield


def palette(n: int) -> list[str]:
    """``n`` categorical colours from Okabe-Ito.

    Raises
    ------
    ConfigError
        When more than 8 categories are asked for (group them, or use a sequential map).

    Examples
    --------
    >>> palette(2)
    ['#0072B2', '#E69F00']
    """
    if not 0 <= n <= len(OKABE_ITO):
        raise ConfigError(
            f"palette({n}): at most {len(OKABE_ITO)} colour-blind-safe categories; "
            "merge categories or use a sequential colour map"
        )
    return list(OKABE_ITO[:n])


def category_colors(categories: Iterable[Any]) -> dict[Any, str]:
    """A stable ``{category: colour}`` mapping (same order -> same colour in every figure).

    Examples
    --------
    >>> category_colors(["Bisfi", "Pandaul"])
    {'Bisfi': '#0072B2', 'Pandaul': '#E69F00'}
    """
    cats = list(dict.fromkeys(categories))
    return dict(zip(cats, palette(len(cats)), strict=True))


def sequential_cmap(name: str = SEQUENTIAL, n: int | None = None):
    """A colour-blind-safe sequential colour map (``viridis`` or ``cividis``)."""
    import matplotlib as mpl

    if name not in (SEQUENTIAL, SEQUENTIAL_ALT, DIVERGING, PROBLEM):
        raise ConfigError(
            f"colour map {name!r} is not one of the safe maps "
            f"{SEQUENTIAL}, {SEQUENTIAL_ALT}, {DIVERGING}"
        )
    cmap = mpl.colormaps[name]
    return cmap.resampled(n) if n else cmap


def title(ax, text: str, subtitle: str | None = None) -> None:
    """Plain-language title (bold, left) with an optional lighter subtitle under it."""
    if subtitle:
        ax.set_title(f"{text}\n", loc="left")
        ax.text(
            0,
            1.02,
            subtitle,
            transform=ax.transAxes,
            fontsize="medium",
            color="#555555",
            va="bottom",
        )
    else:
        ax.set_title(text, loc="left")


@dataclass(frozen=True)
class SavedFigure:
    """Files written by :func:`save_figure`."""

    png: Path
    svg: Path | None
    caption: str


def _manifest_synthetic(district: str) -> bool:
    from leheranalysis import store

    return store.is_synthetic(store.read_manifest(store.district_folder(district), missing_ok=True))


def caption_text(caption: str | None, source: str | None, synthetic: bool) -> str:
    """The text drawn under a figure: caption, ``Source: ...``, synthetic notice.

    Examples
    --------
    >>> caption_text("Share of villages.", "DNA 2024", False)
    'Share of villages.\\nSource: DNA 2024'
    """
    parts = []
    if caption:
        parts.append(caption.strip())
    if source:
        parts.append(f"Source: {source.strip()}")
    if synthetic:
        parts.append(f"{SYNTHETIC_LABEL}: generated for demonstration, not real observations.")
    lines = []
    for part in parts:
        lines.extend(textwrap.wrap(part, _CAPTION_WIDTH) or [""])
    return "\n".join(lines)


def _annotate(fig, text: str, synthetic: bool) -> None:
    """Draw (or replace) the caption and watermark artists of ``fig``."""
    for artist in getattr(fig, "_leher_artists", []):
        artist.remove()
    artists = []
    if text:
        artists.append(
            fig.text(
                0.01,
                -0.01,
                text,
                ha="left",
                va="top",
                fontsize=9,
                color="#333333",
                gid="leher-caption",
            )
        )
    if synthetic:
        artists.append(
            fig.text(
                0.5,
                0.5,
                SYNTHETIC_LABEL,
                ha="center",
                va="center",
                rotation=30,
                fontsize=40,
                color="#B00020",
                alpha=0.18,
                fontweight="bold",
                gid="leher-watermark",
                zorder=1000,
            )
        )
        artists.append(
            fig.text(
                0.99,
                1.0,
                SYNTHETIC_LABEL,
                ha="right",
                va="bottom",
                fontsize=9,
                color="white",
                fontweight="bold",
                gid="leher-synthetic-label",
                bbox={"facecolor": "#B00020", "edgecolor": "none", "pad": 2},
            )
        )
    fig._leher_artists = artists


#: the PNG that :func:`save_figure` just wrote, by figure: (bytes, dpi, figure state)
_SAVED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def figure_state(fig) -> int | None:
    """A cheap fingerprint of what a figure draws: its size, resolution and every artist
    (kind, visibility, text, position of texts), without drawing it; None when it
    cannot be taken."""
    from matplotlib.text import Text

    parts: list[Any] = [tuple(fig.get_size_inches()), fig.dpi]
    try:
        for artist in fig.findobj():
            text = (
                (artist.get_text(), tuple(artist.get_position()))
                if isinstance(artist, Text)
                else None
            )
            parts.append((type(artist).__name__, artist.get_visible(), text))
        return hash(tuple(parts))
    except TypeError:  # an artist whose state does not hash
        return None


_metrics: dict | None = None  # the text metrics of the figure being saved and shown


@contextlib.contextmanager
def shared_text_metrics() -> Iterator[None]:
    """Measure each text once while a figure is saved and shown, at whatever canvas size.

    matplotlib keeps the measured size of every text for one renderer, and makes a new
    renderer whenever the canvas changes size: the tight-box pass before a save, the
    save itself, each step of narrowing a figure for a phone. Every text, and every line
    tried while wrapping one, was measured again each time. A text's size depends on its
    string, font, kind (maths or not) and the dots per inch, not on the canvas, so for
    Agg renderers the measurements are shared within this block; the images are byte for
    byte the same. Other renderers (SVG) keep matplotlib's own cache. Where matplotlib
    has no such hook, nothing changes.
    """
    global _metrics
    import matplotlib.text as mtext

    original = getattr(mtext, "_get_text_metrics_function", None)
    if _metrics is not None or original is None:  # nested, or no hook in this matplotlib
        yield
        return
    from matplotlib.backends.backend_agg import RendererAgg

    cache: dict = {}

    def metrics_for(renderer):
        if type(renderer) is not RendererAgg:
            return original(renderer)

        def metrics(text, fontprop, ismath, dpi):
            key = (renderer.dpi, text, fontprop, ismath)
            found = cache.get(key)
            if found is None:
                found = cache[key] = renderer.get_text_width_height_descent(text, fontprop, ismath)
            return found

        return metrics

    _metrics = cache
    mtext._get_text_metrics_function = metrics_for
    try:
        yield
    finally:
        mtext._get_text_metrics_function = original
        _metrics = None


def saved_png(fig) -> tuple[bytes, float] | None:
    """The PNG (bytes, dpi) that :func:`save_figure` wrote for ``fig``, once, when the
    figure has not changed since (:func:`figure_state`); else None."""
    entry = _SAVED.pop(fig, None)
    if entry is None or entry[2] is None or entry[2] != figure_state(fig):
        return None
    return entry[0], entry[1]


def _atomic_savefig(fig, path: Path, fmt: str, metadata: dict[str, str]) -> None:
    from leheranalysis import store

    store.atomic_write(path, lambda fh: fig.savefig(fh, format=fmt, metadata=metadata))


def save_figure(
    fig,
    district: str,
    name: str,
    caption: str | None = None,
    source: str | None = None,
    svg: bool = False,
    **kwargs: Any,
) -> SavedFigure:
    """Save a figure as ``figures/<slug>/<name>.png`` (and ``.svg``), captioned.

    The caption and ``Source: ...`` are drawn under the plot (they stay on ``fig``,
    so the notebook shows them too) and stored in the PNG/SVG metadata.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    district : str
        District (its slug names the folder).
    name : str
        File name without extension: letters, digits, ``-`` and ``_``.
    caption : str, optional
        One or two plain-language sentences saying what the figure shows.
    source : str, optional
        Data source credit, e.g. ``"PMGSY GeoSadak (GODL-India)"``.
    svg : bool
        Also write an SVG (use for maps).
    **kwargs
        ``synthetic`` (bool; default: the ``synthetic`` flag of the district's
        ``manifest.json``) adds the watermark and label; ``figures_dir`` overrides
        ``config.figures_dir(district)``.

    Returns
    -------
    SavedFigure
        Paths written and the caption text drawn.
    """
    if not name or any(not (c.isalnum() or c in "-_") for c in name):
        raise ConfigError(f"figure name {name!r}: use letters, digits, '-' and '_' only")
    synthetic = kwargs.get("synthetic")
    if synthetic is None:
        synthetic = _manifest_synthetic(district)
    folder = Path(kwargs.get("figures_dir") or config.figures_dir(district))
    folder.mkdir(parents=True, exist_ok=True)
    text = caption_text(caption, source, bool(synthetic))
    _annotate(fig, text, bool(synthetic))
    title_text = next((ax.get_title(loc="left") or ax.get_title() for ax in fig.axes), "")
    meta = {"Title": title_text.strip() or name, "Description": text}
    png = folder / f"{name}.png"
    _atomic_savefig(fig, png, "png", meta)
    svg_path = None
    if svg:
        svg_path = folder / f"{name}.svg"
        _atomic_savefig(fig, svg_path, "svg", {"Title": meta["Title"], "Description": text})
    import matplotlib

    dpi = matplotlib.rcParams["savefig.dpi"]
    _SAVED[fig] = (png.read_bytes(), fig.dpi if dpi == "figure" else float(dpi), figure_state(fig))
    return SavedFigure(png=png, svg=svg_path, caption=text)


def figure_grid(n: int, ncols: int = 3, panel: Sequence[float] = (3.2, 2.8), **kwargs: Any):
    """Small multiples: a figure with ``n`` axes on a grid (extra axes hidden)."""
    import matplotlib.pyplot as plt

    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(panel[0] * ncols, panel[1] * nrows), squeeze=False, **kwargs
    )
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]
