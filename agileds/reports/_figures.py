"""The house style of every PNG agileds writes: one figure size and resolution, atomic saves.

Matplotlib's object-oriented API only (no ``pyplot``, so no global state and no GUI backend).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from agileds.reports._render import write_atomic

if TYPE_CHECKING:
    from pathlib import Path

    from matplotlib.figure import Figure

__all__ = ["DPI", "WIDTH", "new_figure", "save_png"]

DPI = 100
WIDTH = 7.0


def new_figure(height: float, width: float = WIDTH) -> Figure:
    """An empty figure ``width`` x ``height`` inches with constrained layout."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def save_png(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as a PNG without a timestamp (same figure, same bytes), atomically."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return write_atomic(path, buffer.getvalue())
