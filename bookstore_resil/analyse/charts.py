"""Pictures for the notebooks and reports, drawn with matplotlib.

Figures are built with :class:`matplotlib.figure.Figure`, never pyplot: they render with
Agg whether or not a display exists, and nothing piles up in pyplot's figure registry.
Notebooks show them with :func:`png_image`.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import TYPE_CHECKING

from bookstore_resil.analyse.graph import DEGRADED, DOWN, FAILED, UNAFFECTED
from bookstore_resil.display import show_in

if TYPE_CHECKING:
    from IPython.display import Image
    from ipywidgets import VBox
    from matplotlib.artist import Artist
    from matplotlib.figure import Figure

    from bookstore_resil.analyse.graph import BlastRadius, DependencyGraph

STATE_COLOURS = {
    FAILED: "#d62728",
    DOWN: "#ff7f0e",
    DEGRADED: "#ffd92f",
    UNAFFECTED: "#a1d99b",
}
CRITICAL_COLOUR, NON_CRITICAL_COLOUR = "#9ecae1", "#e0e0e0"


def layout(graph: DependencyGraph) -> dict[str, tuple[float, float]]:
    """Top-down layers (longest path from the entrypoint); within a layer, each service
    sits near the mean position of its parents so that edges cross less."""
    depth_of = graph.layers()
    layers: dict[int, list[str]] = {}
    for sid, depth in depth_of.items():
        layers.setdefault(depth, []).append(sid)
    x: dict[str, float] = {}
    for depth in sorted(layers):
        row = layers[depth]
        row.sort(
            key=lambda s: (
                sum(x[p] for p in graph.graph.pred[s]) / max(len(graph.graph.pred[s]), 1),
                s != graph.entrypoint,
                s,
            )
        )
        for index, sid in enumerate(row):
            x[sid] = index - (len(row) - 1) / 2
    return {sid: (x[sid], -depth_of[sid]) for sid in x}


def draw_dependency_graph(
    graph: DependencyGraph, blast: BlastRadius | None = None, title: str | None = None
) -> Figure:
    """The dependency graph, top-down from the entrypoint.

    Critical edges are solid, non-critical ones dashed (as of ``blast.at`` when given).
    Without ``blast`` services are coloured critical / non-critical; with it, failed /
    down / degraded / unaffected.
    """
    import networkx as nx
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    at = blast.at if blast else None
    pos = layout(graph)
    critical_edges = graph.critical_graph(at)
    solid = [e for e in graph.graph.edges if critical_edges.has_edge(*e)]
    dashed = [e for e in graph.graph.edges if not critical_edges.has_edge(*e)]
    if blast is None:
        critical = graph.critical_at(at)
        colours = {
            s: CRITICAL_COLOUR if s in critical else NON_CRITICAL_COLOUR for s in graph.services
        }
        legend = {"critical": CRITICAL_COLOUR, "non-critical": NON_CRITICAL_COLOUR}
    else:
        colours = {s: STATE_COLOURS[blast.state(s)] for s in graph.services}
        legend = STATE_COLOURS

    xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
    width, depth = max(xs) - min(xs), -min(ys)
    figure = Figure(figsize=(max(7.0, 2.2 * (width + 1)), max(4.0, 1.5 * (depth + 1) + 1.5)))
    ax = figure.subplots()
    for edges, style in ((solid, "solid"), (dashed, "dashed")):
        nx.draw_networkx_edges(
            graph.graph,
            pos,
            edgelist=edges,
            style=style,
            arrowstyle="-|>",
            arrowsize=16,
            node_size=0,
            min_source_margin=14,
            min_target_margin=16,
            edge_color="#555555",
            ax=ax,
        )
    for sid, (x, y) in pos.items():
        ax.text(
            x,
            y,
            graph.services[sid].name,
            ha="center",
            va="center",
            fontsize=9,
            bbox={"boxstyle": "round,pad=0.6", "facecolor": colours[sid], "edgecolor": "#333333"},
        )
    handles: list[Artist] = [
        Patch(facecolor=c, edgecolor="#333333", label=label) for label, c in legend.items()
    ]
    handles += [
        Line2D([], [], color="#555555", linestyle="solid", label="critical dependency"),
        Line2D([], [], color="#555555", linestyle="dashed", label="non-critical dependency"),
    ]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=3,
        fontsize=8,
        frameon=False,
    )
    ax.set_xlim(min(xs) - 0.7, max(xs) + 0.7)
    ax.set_ylim(-depth - 0.4, 0.4)
    ax.set_title(title or _title(graph, blast))
    ax.set_axis_off()
    figure.tight_layout()
    return figure


def _title(graph: DependencyGraph, blast: BlastRadius | None) -> str:
    if blast is None:
        return f"{graph.system.system}: dependencies from {graph.entrypoint}"
    when = f" at {blast.at.isoformat()}" if blast.at else ""
    return (
        f"{graph.system.system}: {', '.join(blast.failed)} failing{when}: "
        f"{len(blast.down)} down, {len(blast.degraded)} degraded"
    )


def png_bytes(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def png_image(figure: Figure) -> Image:
    """A figure as an IPython PNG image: shows in a notebook and stays in its saved output."""
    from IPython.display import Image

    return Image(data=png_bytes(figure), format="png")


def blast_radius_explorer(
    graph: DependencyGraph, failed_service: str, at: datetime | None = None
) -> VBox:
    """A Dropdown of services; picking one redraws its blast radius and lists who is hit."""
    import ipywidgets as widgets

    from bookstore_resil.analyse.tables import blast_radius_table

    picker = widgets.Dropdown(
        options=[(f"{s.name} ({sid})", sid) for sid, s in graph.services.items()],
        value=failed_service,
        description="Failing:",
    )
    output = widgets.Output()

    def redraw(change: dict | None = None) -> None:
        blast = graph.blast_radius([picker.value], at)
        show_in(
            output, png_image(draw_dependency_graph(graph, blast)), blast_radius_table(graph, blast)
        )

    picker.observe(redraw, names="value")
    redraw()
    return widgets.VBox([picker, output])
