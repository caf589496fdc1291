"""Images of the analyses (matplotlib, Agg backend; PNG and SVG).

Files are reproducible: the SVG hash salt is fixed and no creation date is written,
so the same data give byte-identical files.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from saylau.analysis.projection import Projection

_BINS = 100


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "saylau"
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path, formats: Sequence[str]) -> list[str]:
    written = []
    for fmt in formats:
        target = path.with_suffix("." + fmt)
        meta: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": None}
        if fmt == "pdf":
            meta = {"CreationDate": None}
        fig.savefig(target, format=fmt, dpi=110, metadata=meta)
        written.append(str(target))
    return written


def _hist(
    ax: Any, turnout: npt.NDArray[np.float64], share: npt.NDArray[np.float64], title: str
) -> Any:
    h, _, _ = np.histogram2d(share, turnout, bins=_BINS, range=[[0, 1], [0, 1]])
    # Log colour scale, as in Klimek et al. (2012): the clusters span orders of magnitude.
    img = ax.imshow(
        np.log10(h + 1),
        origin="lower",
        extent=(0, 100, 0, 100),
        aspect="equal",
        cmap="viridis",
        interpolation="nearest",
    )
    ax.set_title(title, fontsize=9)
    return img


def klimek(
    turnout: npt.NDArray[np.float64],
    share: npt.NDArray[np.float64],
    region: npt.NDArray[np.str_],
    out_dir: Path,
    *,
    leader: str,
    formats: Sequence[str] = ("png",),
) -> list[str]:
    """The turnout × leader's-share 2D histogram: the country, then every region (grid)."""
    plt = _plt()
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    fig, ax = plt.subplots(figsize=(6, 5.2))
    img = _hist(
        ax, turnout, share, f"Stations by turnout and {leader[:50]} share (n = {turnout.size:,})"
    )
    ax.set_xlabel("turnout, %")
    ax.set_ylabel("leader's share, %")
    fig.colorbar(img, ax=ax, label="log10(stations + 1)")
    fig.tight_layout()
    written += _save(fig, out_dir / "klimek", formats)
    plt.close(fig)
    names = sorted({str(r) for r in region if str(r)})
    if len(names) > 1:
        cols = min(8, math.ceil(math.sqrt(len(names))))
        rows = math.ceil(len(names) / cols)
        fig, axes = plt.subplots(rows, cols, figsize=(2.1 * cols, 2.2 * rows), squeeze=False)
        for ax, name in zip(axes.flat, names, strict=False):
            mask = region == name
            _hist(ax, turnout[mask], share[mask], f"{name[:28]} ({int(mask.sum())})")
            ax.set_xticks([0, 50, 100])
            ax.set_yticks([0, 50, 100])
            ax.tick_params(labelsize=6)
        for ax in list(axes.flat)[len(names) :]:
            ax.axis("off")
        fig.tight_layout()
        written += _save(fig, out_dir / "klimek-regions", formats)
        plt.close(fig)
    return written


def integer_histogram(
    turnout: npt.NDArray[np.float64],
    share: npt.NDArray[np.float64],
    out_dir: Path,
    *,
    formats: Sequence[str] = ("png",),
) -> list[str]:
    """Histograms of turnout and leader's share in 0.1-point bins (integer peaks show)."""
    plt = _plt()
    out_dir.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(8, 3.2))
    bins = np.linspace(0, 100, 1001)
    ax.hist(100 * turnout, bins=bins, histtype="step", label="turnout", color="#1f77b4")
    ax.hist(100 * share, bins=bins, histtype="step", label="leader's share", color="#d62728")
    ax.set_xlabel("%, 0.1-point bins")
    ax.set_ylabel("stations")
    ax.legend(fontsize=8)
    fig.tight_layout()
    written = _save(fig, out_dir / "integer-peaks", formats)
    plt.close(fig)
    return written


def projection_charts(
    result: Projection, out_dir: Path, *, formats: Sequence[str] = ("svg", "png")
) -> list[str]:
    """Seat distribution per party and the probabilities chart."""
    plt = _plt()
    out_dir.mkdir(parents=True, exist_ok=True)
    parties = result.parties
    written: list[str] = []
    n = len(parties)
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.4 * rows), squeeze=False)
    for ax, p in zip(axes.flat, parties, strict=False):
        xs = list(p.distribution)
        ax.bar(xs, [100 * p.distribution[x] for x in xs], width=0.9, color="#4c72b0")
        ax.axvline(p.seats_median, color="black", lw=1)
        ax.set_title(f"{p.party[:30]}: {p.seats_median} ({p.seats_lo}–{p.seats_hi})", fontsize=9)
        ax.set_xlabel("seats", fontsize=8)
        ax.set_ylabel("% of simulations", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.suptitle(
        f"{result.law}: {result.list_seats} list seats, {result.sims:,} simulations", fontsize=10
    )
    fig.tight_layout()
    written += _save(fig, out_dir / "seats", formats)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(7, 0.5 * n + 1.2))
    y = np.arange(n)
    ax.barh(
        y - 0.2, [100 * p.p_threshold for p in parties], height=0.4, label="passes the threshold"
    )
    ax.barh(
        y + 0.2,
        [100 * p.p_majority_list for p in parties],
        height=0.4,
        label="majority of list seats",
    )
    ax.set_yticks(y, [p.party[:30] for p in parties], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("probability, %")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    written += _save(fig, out_dir / "probabilities", formats)
    plt.close(fig)
    return written
