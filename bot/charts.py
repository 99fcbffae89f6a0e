"""Charts as PNG images (matplotlib), each on an opaque card so it reads the same on dark and light themes.

matplotlib is imported on the first render, never at import time: it reads its font cache from disk.
Rendering is CPU work, so callers run it in a thread (``asyncio.to_thread``), off the event loop.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

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
    axes.grid(axis="x", color=GRID, linewidth=0.6)
    return _finish(figure, axes, title)


FINE = "#5865f2"
FLAGGED = "#ed4245"


def insights_png(points: Sequence[tuple[str, float, float, bool]], title: str) -> bytes:
    """Facility (x) against discrimination (y), one point per question; flagged ones red and labelled.

    ``points`` are (question id, facility 0..1, discrimination -1..1, flagged). The dashed line is
    Moodle's "needs checking" bound (0.30); below zero strong members do worse than weak ones.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 4.2), dpi=100, facecolor=BACKGROUND)
    axes = figure.add_axes((0.1, 0.12, 0.86, 0.76), facecolor=BACKGROUND)
    fine = [p for p in points if not p[3]]
    flagged = [p for p in points if p[3]]
    axes.scatter([100 * p[1] for p in fine], [p[2] for p in fine], s=18, color=FINE, alpha=0.8, linewidths=0)
    axes.scatter([100 * p[1] for p in flagged], [p[2] for p in flagged], s=26, color=FLAGGED, linewidths=0)
    for question_id, facility, discrimination, _ in flagged[:25]:  # more labels than that only overlap
        axes.annotate(
            question_id,
            (100 * facility, discrimination),
            xytext=(4, 3),
            textcoords="offset points",
            color=TEXT,
            fontsize=7,
        )
    axes.axhline(0.30, color=BAR, linewidth=0.8, linestyle="--")
    axes.axhline(0.0, color=GRID, linewidth=0.8)
    axes.set_xlim(-2, 102)
    axes.set_ylim(-1.02, 1.02)
    axes.set_xlabel("facility: % right on first answers", color=TEXT, fontsize=8)
    axes.set_ylabel("discrimination", color=TEXT, fontsize=8)
    axes.grid(color=GRID, linewidth=0.4)
    return _finish(figure, axes, title)


def _finish(figure: Any, axes: Any, title: str) -> bytes:
    """The look both charts share (light text, no frame, the title top left), encoded as PNG."""
    axes.tick_params(colors=TEXT, labelsize=8)
    axes.set_axisbelow(True)
    for side in axes.spines.values():
        side.set_visible(False)
    figure.suptitle(title, color=TEXT, fontsize=11, x=0.02, ha="left")
    out = io.BytesIO()
    # Light compression: the member or moderator waits for it, and the file stays far under Discord's limits.
    figure.savefig(out, format="png", facecolor=BACKGROUND, pil_kwargs={"compress_level": 1})
    return out.getvalue()
