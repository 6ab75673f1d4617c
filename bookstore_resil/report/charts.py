"""The report's charts, drawn with matplotlib from the summary and the event log.

* ``timeline.png``: one bar per step on the exercise's clock, coloured by outcome, under
  the availability of every probed endpoint; the fault, the measured outage and the RTO
  deadline are drawn (a deadline far past the exercise becomes an arrow at the edge).
* ``objectives.png``: each objective beside what was measured, per scenario, on a log
  scale (seconds against hours), with the seed's arithmetic for this outage written out.
* ``canary.png`` (exercises with canary writes): every write by time and sequence number:
  acknowledged and survived, acknowledged and lost, not acknowledged.
* the history's trend chart: measured downtime per scenario over time against its RTO.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import matplotlib.dates as mdates
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from bookstore_resil import clock
from bookstore_resil.archive import events as ev
from bookstore_resil.archive.impact import rto_downtime
from bookstore_resil.archive.layout import write_atomically
from bookstore_resil.archive.measure import Summary, transitions
from bookstore_resil.define.units import format_duration
from bookstore_resil.display import OPEN_AT_HALT, STATUS_COLOURS, colour_of, step_status
from bookstore_resil.report.findings import seed_arithmetic
from bookstore_resil.report.verdicts import percent, status

if TYPE_CHECKING:
    import pandas as pd

DPI = 100
UP, DOWN, OUTAGE = "#a5d6a7", "#ef9a9a", "#ffcdd2"
# Beyond this many times the exercise's length, the RTO deadline is an arrow, not a line.
DEADLINE_STRETCH = 1.5
FLOOR_S = 0.1  # log axes cannot show 0: a measured 0 s is drawn here and labelled "0"
TICKS_S = (0.1, 1, 10, 60, 600, 3600, 12 * 3600, 7 * 86400, 30 * 86400)


def _save(fig: Figure, target: Path | BinaryIO) -> None:
    """Draw into ``target``; a file of the archive is written whole or not at all."""
    if not isinstance(target, (str, Path)):
        fig.savefig(target, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
        return
    drawn = io.BytesIO()
    _save(fig, drawn)
    write_atomically(Path(target), drawn.getvalue())


def _seconds_since(origin: datetime, text: str) -> float:
    return (clock.parse_ts(text) - origin).total_seconds()


def _duration_axis(axis: Any) -> None:
    axis.set_major_locator(FixedLocator(TICKS_S))
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(FuncFormatter(lambda v, _: format_duration(v).replace(".0s", "s")))


def timeline_chart(summary: Summary, events: list[dict[str, Any]], path: Path) -> Path:
    origin = clock.parse_ts(summary.started_at)
    end = _seconds_since(origin, summary.ended_at or events[-1]["ts"])
    series = transitions(events)
    steps = summary.steps
    fig = Figure(figsize=(11, 1.6 + 0.45 * (len(series) + len(steps))))
    avail, bars = fig.subplots(
        2,
        1,
        sharex=True,
        gridspec_kw={"height_ratios": [max(len(series), 1), max(len(steps), 1)]},
    )
    for row, (_, samples) in enumerate(sorted(series.items())):
        for index, (at, up) in enumerate(samples):
            start = (at - origin).total_seconds()
            stop = (
                (samples[index + 1][0] - origin).total_seconds()
                if index + 1 < len(samples)
                else end
            )
            avail.broken_barh([(start, stop - start)], (row - 0.35, 0.7), color=UP if up else DOWN)
    avail.set_yticks(range(len(series)), sorted(series))
    avail.set_ylim(max(len(series), 1) - 0.5, -0.5)
    avail.set_title(f"{summary.title}: {summary.exercise_id} ({summary.outcome})", loc="left")

    for row, step in enumerate(steps):
        start = _seconds_since(origin, step.started_at)
        length = step.duration_s if step.duration_s is not None else end - start
        shown = step_status(step.status, step.handled, summary.halted is not None)
        colour = colour_of(shown)
        bars.broken_barh(
            [(start, max(length, end * 0.002))],
            (row - 0.35, 0.7),
            color=colour,
            hatch="//" if step.status == "running" else None,
        )
        bars.text(start + length, row, f" {format_duration(length)}", va="center", fontsize=8)
    bars.set_yticks(range(len(steps)), [s.id for s in steps])
    bars.set_ylim(max(len(steps), 1) - 0.5, -0.5)
    bars.set_xlabel(f"seconds since the exercise started ({origin:%Y-%m-%d %H:%M:%S} UTC)")

    open_step = OPEN_AT_HALT if summary.halted is not None else "running"
    legend = [
        Patch(color=STATUS_COLOURS[s], label=s)
        for s in ("ok", "branched", "failed", "skipped", open_step)
    ]
    legend += [Patch(color=UP, label="endpoint up"), Patch(color=DOWN, label="endpoint down")]
    for outage in summary.outages:
        if outage.endpoint == summary.measured_endpoint:
            left = _seconds_since(origin, outage.down_at)
            right = _seconds_since(origin, outage.up_at) if outage.up_at else end
            for ax in (avail, bars):
                ax.axvspan(left, right, color=OUTAGE, alpha=0.5, zorder=0)
            lasted = format_duration(outage.duration_s)
            still = "" if outage.recovered else ", not recovered"
            legend.append(
                Patch(color=OUTAGE, label=f"outage of {outage.endpoint}: {lasted}{still}")
            )
    right_edge = end * 1.04 + 1
    if summary.fault_at:
        fault = _seconds_since(origin, summary.fault_at)
        for ax in (avail, bars):
            ax.axvline(fault, color="black", linestyle="--", linewidth=1)
        bars.text(
            fault,
            len(steps) - 0.5,
            f" fault {clock.parse_ts(summary.fault_at):%H:%M:%S}",
            va="bottom",
            fontsize=8,
        )
        deadline = fault + summary.rto_s
        if deadline <= end * DEADLINE_STRETCH:
            right_edge = max(right_edge, deadline * 1.04)
            for ax in (avail, bars):
                ax.axvline(deadline, color=STATUS_COLOURS["failed"], linewidth=1.5)
            bars.text(
                deadline,
                len(steps) - 0.5,
                " RTO deadline",
                color=STATUS_COLOURS["failed"],
                va="bottom",
                fontsize=8,
            )
        elif summary.rto_deadline is not None:
            bars.annotate(
                f"RTO deadline {clock.parse_ts(summary.rto_deadline):%Y-%m-%d %H:%M} UTC\n"
                f"(+{format_duration(summary.rto_s)} after the fault, off the chart)",
                xy=(right_edge, -0.4),
                xytext=(right_edge * 0.72, -0.4),
                ha="right",
                va="center",
                fontsize=8,
                color=STATUS_COLOURS["failed"],
                arrowprops={"arrowstyle": "->", "color": STATUS_COLOURS["failed"]},
            )
    bars.set_xlim(0, right_edge)
    fig.legend(
        handles=legend,
        loc="lower center",
        ncol=len(legend),
        bbox_to_anchor=(0.5, -0.02),
        frameon=False,
    )
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    _save(fig, path)
    return path


@dataclass(frozen=True)
class ObjectiveRow:
    """One exercise's objectives and measurements, read from its ``summary.json``."""

    label: str
    rto_s: float
    downtime_s: float | None
    rto_met: bool | None
    rpo_s: float
    data_loss_s: float | None
    rpo_met: bool | None

    @classmethod
    def from_summary(cls, doc: dict[str, Any]) -> ObjectiveRow:
        return cls(
            doc["scenario"],
            float(doc["rto_s"]),
            rto_downtime(doc.get("measured_downtime_s"), doc.get("measured_user_downtime_s")),
            doc.get("rto_met"),
            float(doc["rpo_s"]),
            doc.get("measured_data_loss_s"),
            doc.get("rpo_met"),
        )


def objectives_chart(
    rows: Sequence[ObjectiveRow], path: Path | BinaryIO, notes: Sequence[str] = ()
) -> Path | BinaryIO:
    fig = Figure(figsize=(11, 1.8 + 0.7 * len(rows) + 0.25 * len(notes)))
    axes = fig.subplots(1, 2, sharey=True)
    top = max(max(r.rto_s, r.rpo_s) for r in rows) * 3
    for ax, label, pick in (
        (axes[0], "RTO: downtime", lambda r: (r.rto_s, r.downtime_s, r.rto_met)),
        (axes[1], "RPO: data loss", lambda r: (r.rpo_s, r.data_loss_s, r.rpo_met)),
    ):
        for y, row in enumerate(rows):
            objective, measured, met = pick(row)
            verdict = status(measured, met)
            ax.barh(y + 0.18, objective, height=0.32, color="#cfd8dc", edgecolor="#607d8b")
            ax.text(
                objective,
                y + 0.18,
                f" objective {format_duration(objective)}",
                va="center",
                fontsize=8,
            )
            shown = max(measured or 0.0, FLOOR_S)
            if measured is not None:
                ax.barh(y - 0.18, shown, height=0.32, color=STATUS_COLOURS[verdict])
            text = (
                f" {verdict}"
                if measured is None
                else f" {format_duration(measured)}: {verdict} ({percent(measured / objective)})"
            )
            ax.text(shown, y - 0.18, text, va="center", fontsize=8, color=STATUS_COLOURS[verdict])
        ax.set_xscale("log")
        ax.set_xlim(FLOOR_S / 2, top)
        _duration_axis(ax.xaxis)
        ax.set_title(label, loc="left")
        ax.grid(axis="x", color="#eeeeee")
        ax.set_axisbelow(True)
    axes[0].set_yticks(range(len(rows)), [r.label for r in rows])
    axes[0].set_ylim(len(rows) - 0.5, -0.5)
    axes[1].tick_params(left=False)
    if notes:
        fig.text(0.01, 0.01, "\n".join(notes), fontsize=9, va="bottom", ha="left")
    fig.tight_layout(rect=(0, 0.03 + 0.045 * len(notes), 1, 1))
    _save(fig, path)
    return path


CANARY_KINDS = {
    "acknowledged, survived": STATUS_COLOURS["ok"],
    "acknowledged, lost": STATUS_COLOURS["failed"],
    "acknowledged, not read back": STATUS_COLOURS["undecided"],
    "not acknowledged": "#9e9e9e",
}


def canary_kind(write: dict[str, Any], surviving: set[int] | None) -> str:
    if not write.get("ack"):
        return "not acknowledged"
    if surviving is None:
        return "acknowledged, not read back"
    return "acknowledged, survived" if write["seq"] in surviving else "acknowledged, lost"


def canary_chart(summary: Summary, events: list[dict[str, Any]], path: Path) -> Path | None:
    writes = [e for e in events if e["type"] == ev.CANARY]
    if not writes:
        return None
    check = next((e for e in reversed(events) if e["type"] == ev.CANARY_CHECK), None)
    surviving = set(check["surviving"]) if check and check.get("surviving") is not None else None
    origin = clock.parse_ts(summary.started_at)
    fig = Figure(figsize=(11, 3.6))
    ax = fig.subplots()
    for kind, colour in CANARY_KINDS.items():
        chosen = [w for w in writes if canary_kind(w, surviving) == kind]
        if chosen:
            ax.scatter(
                [_seconds_since(origin, w.get("at", w["ts"])) for w in chosen],
                [w["seq"] for w in chosen],
                s=14,
                color=colour,
                marker="x" if kind == "not acknowledged" else "o",
                label=f"{kind} ({len(chosen)})",
            )
    if summary.fault_at:
        ax.axvline(
            _seconds_since(origin, summary.fault_at),
            color="black",
            linestyle="--",
            linewidth=1,
            label=f"fault {clock.parse_ts(summary.fault_at):%H:%M:%S}",
        )
    canary = summary.canary
    if canary is not None and canary.lost_window:
        left, right = (_seconds_since(origin, t) for t in canary.lost_window)
        ax.axvspan(
            left,
            right,
            color=OUTAGE,
            zorder=0,
            label=f"data loss window: {format_duration(summary.measured_data_loss_s)}",
        )
    read_back = (
        "not read back: data loss not measured"
        if surviving is None or canary is None
        else f"{len(canary.lost)} of {canary.acknowledged} acknowledged writes lost"
    )
    ax.set_title(f"Canary writes: {len(writes)} written, {read_back}", loc="left")
    ax.set_xlabel(f"seconds since the exercise started ({origin:%Y-%m-%d %H:%M:%S} UTC)")
    ax.set_ylabel("canary sequence number")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    fig.tight_layout()
    _save(fig, path)
    return path


def draw_chart(
    name: str, summary: Summary, events: list[dict[str, Any]], out_dir: Path
) -> Path | None:
    """Draw one of the report's ``CHARTS`` as ``out_dir/NAME.png``; None when it does not apply."""
    path = Path(out_dir) / f"{name}.png"
    if name == "timeline":
        return timeline_chart(summary, events, path)
    if name == "objectives":
        row = ObjectiveRow.from_summary(summary.to_dict())
        notes = seed_arithmetic(summary.fault_at, summary.rto_s, summary.rpo_s, summary.timezone)
        objectives_chart([row], path, notes)
        return path
    return canary_chart(summary, events, path)


def trend_chart(
    table: pd.DataFrame, path: Path | BinaryIO, left_out: Mapping[str, int] | None = None
) -> Path | BinaryIO:
    """:func:`trend_figure` saved into ``path``."""
    _save(trend_figure(table, left_out), path)
    return path


def trend_figure(table: pd.DataFrame, left_out: Mapping[str, int] | None = None) -> Figure:
    """Measured downtime of each scenario's exercises over time, against the scenario's RTO.

    ``table`` is :meth:`bookstore_resil.history.history.History.table` of the exercises to
    plot; ``left_out`` counts, by scenario, the halted, crashed and dry runs kept off it.
    """
    left_out = left_out or {}
    scenarios = sorted(table["scenario"].unique()) if len(table) else []
    fig = Figure(figsize=(11, 0.6 + 2.2 * max(len(scenarios), 1)))
    axes = fig.subplots(max(len(scenarios), 1), 1, squeeze=False, sharex=True)
    if not scenarios:
        axes[0][0].text(0.5, 0.5, "no exercises archived yet", ha="center", va="center")
        axes[0][0].set_axis_off()
    for ax, scenario in zip(axes[: len(scenarios), 0], scenarios, strict=True):
        rows = table[table["scenario"] == scenario]
        measured = rows[rows["downtime_s"].notna()]
        ax.plot(
            measured["date"], measured["downtime_s"].clip(lower=FLOOR_S), color="#90a4ae", zorder=1
        )
        for outcome, group in measured.groupby("outcome"):
            ax.scatter(
                group["date"],
                group["downtime_s"].clip(lower=FLOOR_S),
                color=STATUS_COLOURS.get(outcome, "#455a64"),
                label=outcome,
                zorder=2,
            )
        for rto in sorted(rows["rto_s"].unique()):
            ax.axhline(rto, color=STATUS_COLOURS["failed"], linestyle="--", linewidth=1)
            ax.text(rows["date"].min(), rto, f"RTO {format_duration(rto)}", va="bottom", fontsize=8)
        ax.set_yscale("log")
        ax.set_ylim(FLOOR_S / 2, rows["rto_s"].max() * 3)
        _duration_axis(ax.yaxis)
        unmeasured = len(rows) - len(measured)
        more = f" ({unmeasured} without a downtime measurement)" if unmeasured else ""
        if left_out.get(scenario):
            more += f" ({left_out[scenario]} halted, crashed or dry runs left out)"
        ax.set_title(f"{scenario}: measured downtime{more}", loc="left", fontsize=10)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
        ax.grid(axis="y", color="#eeeeee")
    if scenarios:  # the axis spans the exercises (one alone: a day around it), not years
        first, last = table["date"].min(), table["date"].max()
        pad = max((last - first) * 0.05, timedelta(hours=12))
        axes[0][0].set_xlim(first - pad, last + pad)
        locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
        axes[-1][0].xaxis.set_major_locator(locator)
        axes[-1][0].xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    fig.tight_layout()
    return fig
