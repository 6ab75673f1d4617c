"""The org chart as a picture: who reports to whom, and who is available at a moment.

Built on :class:`matplotlib.figure.Figure` (rendered with Agg, no pyplot), like ``charts``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bookstore_resil.analyse.people import is_available

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from bookstore_resil.define.model import System

AVAILABLE, UNAVAILABLE, UNKNOWN = "#a1d99b", "#e0e0e0", "#deebf7"


def org_positions(system: System) -> dict[str, tuple[float, int]]:
    """Each contact's (x, depth): leaves side by side, every manager centred over its reports.

    A contact whose manager is not a contact is a root; so is one inside a ``reports_to``
    cycle, so that nobody is left out.
    """
    names = [c.name for c in system.contacts]
    reports: dict[str, list[str]] = {name: [] for name in names}
    roots = []
    for contact in system.contacts:
        if contact.reports_to in reports:
            reports[contact.reports_to].append(contact.name)
        else:
            roots.append(contact.name)
    positions: dict[str, tuple[float, int]] = {}
    next_leaf = 0.0

    def place(name: str, depth: int) -> float:
        nonlocal next_leaf
        positions[name] = (0.0, depth)  # claimed before its reports: a cycle stops here
        children = [child for child in reports[name] if child not in positions]
        xs = [place(child, depth + 1) for child in children]
        if xs:
            x = (xs[0] + xs[-1]) / 2
        else:
            x, next_leaf = next_leaf, next_leaf + 1
        positions[name] = (x, depth)
        return x

    for name in roots + names:
        if name not in positions:
            place(name, 0)
    return positions


def org_chart(system: System, at: datetime | None = None) -> Figure:
    """The org chart, top down; with ``at``, each box is green when that person is available."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    positions = org_positions(system)
    width = max((x for x, _ in positions.values()), default=0) + 1
    depth = max((d for _, d in positions.values()), default=0) + 1
    figure = Figure(figsize=(max(4.0, 3.2 * width), 1.0 + 1.5 * depth))
    ax = figure.add_subplot()
    for contact in system.contacts:
        if contact.reports_to in positions:
            (x1, y1), (x2, y2) = positions[contact.reports_to], positions[contact.name]
            ax.plot([x1, x1, x2, x2], [-y1, -(y1 + y2) / 2, -(y1 + y2) / 2, -y2], color="#636363")
    for contact in system.contacts:
        x, y = positions[contact.name]
        colour = UNKNOWN if at is None else AVAILABLE if is_available(contact, at) else UNAVAILABLE
        ax.text(
            x,
            -y,
            f"{contact.name}\n{contact.position}\n{contact.availability}",
            ha="center",
            va="center",
            fontsize=9,
            bbox={"boxstyle": "round,pad=0.5", "facecolor": colour, "edgecolor": "#636363"},
        )
    ax.set_xlim(-0.7, width - 0.3)
    ax.set_ylim(-(depth - 1) - 0.6, 0.6)
    ax.axis("off")
    title = f"{system.system}: org chart"
    if at is not None:
        title += f" (available at {at.isoformat(timespec='minutes')})"
        ax.legend(
            handles=[
                Patch(facecolor=AVAILABLE, label="available"),
                Patch(facecolor=UNAVAILABLE, label="not available"),
            ],
            loc="lower right",
            fontsize=8,
        )
    ax.set_title(title)
    figure.tight_layout()
    return figure
