"""The board for people: one static HTML file (no script, no network: it opens from a mail
attachment or a bucket), the terminal text, and the notebook's chart and grid.

The page reads top down: the organisation's totals, how many systems stand at each stage,
then one row per system in risk order, each scenario a chip coloured by its last outcome
(the colours of :mod:`bookstore_resil.display`).
"""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import TYPE_CHECKING

from bookstore_resil.define.units import format_duration
from bookstore_resil.display import NEUTRAL, Html, Png, colour_of
from bookstore_resil.history.board import NEVER, Board, ScenarioRow, SystemRow
from bookstore_resil.history.checks import CADENCE
from bookstore_resil.history.history import age_words

if TYPE_CHECKING:
    import pandas as pd

# A scenario's state -> the status whose colour it takes.
STATE_STATUS = {NEVER: "not tested", "inconclusive": "undecided"}
OVERDUE = "aborted"  # orange, as a halted game day: attention, not yet a failure
STAGE = "current"
ALARM = "missed"
GOOD = "passed"
STYLE = """
.board{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#212121}
.board h1{font-size:22px;margin:0 0 4px} .board .sub{color:#616161;margin:0 0 18px;font-size:13px}
.board .tiles{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:14px}
.board .tile{border:1px solid #e0e0e0;border-radius:6px;padding:10px 14px;min-width:130px}
.board .tile b{display:block;font-size:26px} .board .tile span{font-size:12px;color:#616161}
.board .stages{display:flex;height:26px;border-radius:4px;overflow:hidden;margin:0 0 20px;
max-width:900px;font-size:12px;color:#fff;font-weight:600}
.board .stages div{display:flex;align-items:center;justify-content:center;min-width:44px}
.board table{border-collapse:collapse;width:100%;font-size:13px}
.board th{text-align:left;border-bottom:2px solid #bdbdbd;padding:6px;font-size:12px;
color:#616161}
.board td{border-bottom:1px solid #eeeeee;padding:6px;vertical-align:top;text-align:left}
.board .stage{font-size:20px;font-weight:700;text-align:center}
.board .chip{display:inline-block;color:#fff;border-radius:3px;padding:1px 6px;
margin:1px 3px 1px 0;font-size:12px;white-space:nowrap}
.board .chip.overdue{box-shadow:inset 0 -3px 0 OVERDUE}
.board .owner{color:#616161;font-size:12px} .board .why{font-weight:600}
.board .small{font-size:12px;color:#424242}
.board details summary{cursor:pointer;color:#616161;font-size:12px}
""".replace("OVERDUE", colour_of(OVERDUE))


def _e(text: object) -> str:
    return html.escape(str(text))


def _status(scenario: ScenarioRow) -> str:
    return STATE_STATUS.get(scenario.state, scenario.state)


def _objective(measured: float | None, objective: float, met: bool | None, bound: str = "") -> str:
    if measured is None:
        return f"not measured (objective {format_duration(objective)})"
    word = "met" if met else "missed" if met is False else "not judged"
    more = " or more" if bound == "at_least" else ""
    return f"{format_duration(measured)}{more} of {format_duration(objective)}: {word}"


def scenario_words(scenario: ScenarioRow) -> str:
    """A scenario's last exercise in one line."""
    last = scenario.last
    if last is None:
        return f"{scenario.id}: {NEVER}"
    age = "" if scenario.age_s is None else f", {age_words(scenario.age_s)} ago"
    return (
        f"{scenario.id}: {scenario.state} on {last.started_at[:10]}{age}; downtime "
        f"{_objective(last.downtime_s, last.rto_s, last.rto_met)}; data loss "
        f"{_objective(last.data_loss_s, last.rpo_s, last.rpo_met, last.data_loss_bound)}"
        + ("; overdue" if scenario.overdue else "")
    )


def _chip(scenario: ScenarioRow) -> str:
    overdue = " overdue" if scenario.overdue and scenario.last is not None else ""
    mark = " !" if scenario.alarming else ""
    label = f"{scenario.id} · {scenario.state}{mark}" + (" · overdue" if overdue else "")
    return (
        f'<span class="chip{overdue}" style="background:{colour_of(_status(scenario))}" '
        f'title="{_e(scenario_words(scenario))}">{_e(label)}</span>'
    )


def _tile(value: object, label: str, status: str | None = None) -> str:
    colour = f' style="color:{colour_of(status)}"' if status else ""
    return f'<div class="tile"><b{colour}>{_e(value)}</b><span>{_e(label)}</span></div>'


def _stages_bar(board: Board) -> str:
    counts = board.totals["systems_per_stage"]
    total = sum(counts.values()) or 1
    shades = ["#9e9e9e", *[colour_of(STAGE)] * 5]
    parts = [
        f'<div style="flex:{n / total:.4f};background:{shades[int(stage)]};'
        f'opacity:{0.55 + 0.09 * int(stage):.2f}" title="stage {stage}: {n} systems">'
        f"{'stage ' + stage + ': ' + str(n) if n else ''}</div>"
        for stage, n in counts.items()
        if n
    ]
    return f'<div class="stages">{"".join(parts)}</div>'


def _row(row: SystemRow) -> str:
    stage = "?" if row.stage is None else str(row.stage)
    status = ALARM if row.alarms or row.problem else GOOD if row.well else OVERDUE
    gaps = "".join(f"<li>{_e(g['check'])}: {_e(g['evidence'])}</li>" for g in row.stage1_gaps)
    details = [scenario_words(s) for s in row.scenarios]
    details += [f"stale sign-off: {s}" for s in row.stale_signoffs]
    detail = "".join(f"<li>{_e(line)}</li>" for line in details)
    return (
        "<tr>"
        f'<td><b>{_e(row.name)}</b><div class="owner">owner: {_e(row.owner or "none named")}'
        f'</div><div class="owner">{_e(row.where)}</div></td>'
        f'<td class="stage" style="color:{colour_of(STAGE) if row.stage else NEUTRAL}">'
        f"{stage}</td>"
        f'<td><div class="why" style="color:{colour_of(status)}">{_e(row.headline)}</div>'
        f"{''.join(_chip(s) for s in row.scenarios)}"
        f"<details><summary>last exercises</summary><ul>{detail}</ul></details></td>"
        f'<td class="small">{len(row.stage1_gaps)} open'
        + (f"<details><summary>which</summary><ul>{gaps}</ul></details>" if gaps else "")
        + "</td>"
        f'<td class="small">{_e(", ".join(row.stale_signoffs) or "none")}</td>'
        f'<td class="small">{_e(row.top_finding or "none")}</td>'
        "</tr>"
    )


def board_html(board: Board) -> str:
    """The whole page, one self-contained document."""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>Resilience board</title></head>"
        f'<body style="margin:24px">{board_fragment(board)}</body></html>\n'
    )


def board_fragment(board: Board) -> str:
    """The board as a fragment with its own style, for the page and for the notebook."""
    totals = board.totals
    tiles = [
        _tile(totals["systems"], "systems"),
        _tile(totals["exercises_this_quarter"], "exercises this quarter"),
        _tile(
            totals["missed_objectives"],
            "missed objectives",
            ALARM if totals["missed_objectives"] else GOOD,
        ),
        _tile(
            totals["critical_never_exercised"],
            "critical scenarios never exercised",
            ALARM if totals["critical_never_exercised"] else GOOD,
        ),
        _tile(
            totals["overdue_scenarios"],
            "scenarios overdue",
            OVERDUE if totals["overdue_scenarios"] else GOOD,
        ),
    ]
    if totals["unreadable_systems"]:
        tiles.append(_tile(totals["unreadable_systems"], "systems unreadable", ALARM))
    legend = "".join(
        f'<span class="chip" style="background:{colour_of(status)}">{_e(word)}</span>'
        for word, status in (
            ("passed", "passed"),
            ("missed objective", "missed"),
            ("failed / error", "failed"),
            ("aborted", "aborted"),
            ("inconclusive", "undecided"),
            (NEVER, "not tested"),
        )
    )
    rows = "".join(_row(row) for row in board.systems)
    return (
        f'<style>{STYLE}</style><div class="board"><h1>Resilience board</h1>'
        f'<p class="sub">{totals["systems"]} systems, as of {board.at:%Y-%m-%d %H:%M} UTC; '
        f"archives in {_e(board.out)}; a scenario is overdue after "
        f"{_e(format_duration(CADENCE.total_seconds()))} without an exercise</p>"
        f'<div class="tiles">{"".join(tiles)}</div>'
        f"{_stages_bar(board)}"
        f'<p class="small">{legend} · ! a critical scenario never exercised or whose last '
        "exercise missed its objective; underlined: overdue</p>"
        "<table><thead><tr><th>system</th><th>stage</th><th>scenarios, riskiest first</th>"
        "<th>Stage 1 gaps</th><th>stale sign-offs</th><th>top finding</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div>"
    )


def write_board_html(board: Board, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(board_html(board), encoding="utf-8")
    return path


def board_text(board: Board) -> str:
    """The board on a terminal: the totals, then a line per system in risk order."""
    totals = board.totals
    stages = ", ".join(f"stage {s}: {n}" for s, n in totals["systems_per_stage"].items() if n)
    lines = [
        f"{totals['systems']} systems ({stages}); {totals['exercises_this_quarter']} exercises "
        f"this quarter; {totals['missed_objectives']} missed objectives; "
        f"{totals['critical_never_exercised']} critical scenarios never exercised; "
        f"{totals['overdue_scenarios']} scenarios overdue",
        "",
    ]
    for row in board.systems:
        stage = "?" if row.stage is None else row.stage
        lines.append(
            f"stage {stage}  {row.name} (owner: {row.owner or 'none named'}): {row.headline}"
        )
    if board.unmatched:
        lines.append(f"\n{len(board.unmatched)} archives belong to no system on the board")
    return "\n".join(lines)


def stage_chart(board: Board) -> Png:
    """How many systems stand at each stage, as a bar chart (notebook 05)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    counts = board.totals["systems_per_stage"]
    figure, axes = plt.subplots(figsize=(6, 2.6))
    axes.bar(list(counts), list(counts.values()), color=colour_of(STAGE))
    axes.set_xlabel("stage reached")
    axes.set_ylabel("systems")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return Png(buffer.getvalue(), "Systems per stage reached")


def grid(board: Board) -> pd.DataFrame:
    """Systems x scenarios, each cell the last outcome (the notebook colours it)."""
    import pandas as pd

    cells = {
        row.name: {s.id: s.state + (" (overdue)" if s.overdue else "") for s in row.scenarios}
        for row in board.systems
    }
    return pd.DataFrame.from_dict(cells, orient="index").fillna("")


def styled_grid(board: Board) -> Html:
    """:func:`grid`, each cell coloured by its state."""

    def colour(value: str) -> str:
        state = value.removesuffix(" (overdue)")
        if not state:
            return ""
        return f"background:{colour_of(STATE_STATUS.get(state, state))};color:#fff"

    table = grid(board)
    return Html(table.style.map(colour).to_html())


def open_board(systems: str | list[str], out_dir: str) -> Board:
    """Notebook 05's board: ``systems`` one path or a list, each relative one (and
    ``out_dir``) looked up from the current directory, then its parent."""
    from bookstore_resil.archive.storage import is_s3
    from bookstore_resil.define.loader import locate_system_folder
    from bookstore_resil.history.board import load_board

    paths = [systems] if isinstance(systems, str) else systems
    out = out_dir if is_s3(out_dir) else locate_system_folder(out_dir)
    return load_board([locate_system_folder(path) for path in paths], out)


def show(board: Board) -> Html:
    """The board in the notebook, as the HTML page shows it."""
    return Html(board_fragment(board))
