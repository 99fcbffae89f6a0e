"""Charts as PNG images (matplotlib), each on an opaque card so it reads the same on dark and light themes.

matplotlib is imported on the first render, never at import time: it reads its font cache from disk.
Rendering is CPU work, so callers run it in a thread (``asyncio.to_thread``), off the event loop.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from bot.core.practice import TopicMastery

# An opaque card of its own, so the picture reads the same on Discord's dark and light themes.
BACKGROUND = "#2b2d31"
TEXT = "#f2f3f5"
GRID = "#4e5058"
BAR = "#ffb300"
UNSEEN = "#80848e"


def mastery_png(topics: Sequence[TopicMastery], title: str) -> bytes:
    """A horizontal bar per topic: mean predicted recall now (0-100 %), with how many were seen."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    rows = list(reversed(topics))  # matplotlib draws bottom-up; keep the list's order top-down
    height = 1.2 + 0.32 * max(1, len(rows))
    figure = Figure(figsize=(7.0, height), dpi=96, facecolor=BACKGROUND)
    axes = figure.add_axes((0.27, 0.9 / height, 0.66, 1 - 1.35 / height), facecolor=BACKGROUND)
    values = [100 * t.mastery for t in rows]
    colours = [BAR if t.seen else UNSEEN for t in rows]
    axes.barh([t.topic for t in rows], values, color=colours, height=0.62)
    for y, t in enumerate(rows):
        axes.text(
            min(values[y], 100) + 1.5,
            y,
            f"{values[y]:.0f}%  ({t.seen}/{t.questions} seen)",
            va="center",
            color=TEXT,
            fontsize=8,
        )
    axes.set_xlim(0, 130)
    axes.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    axes.tick_params(colors=TEXT, labelsize=8)
    axes.grid(axis="x", color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    for side in axes.spines.values():
        side.set_visible(False)
    figure.suptitle(title, color=TEXT, fontsize=11, x=0.02, ha="left")
    out = io.BytesIO()
    # Fast zlib: a chart is sent once, so encoding time matters more than a few kilobytes.
    figure.savefig(out, format="png", facecolor=BACKGROUND, pil_kwargs={"compress_level": 1})
    return out.getvalue()
