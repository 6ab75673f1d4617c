"""Commands over the exercise archives: ``report`` rebuilds one, ``history`` lists them
all, ``stage`` draws the staged-resiliency checklist from them and the system folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bookstore_resil.cli.common import (
    add_data,
    add_json,
    data_dir,
    print_json,
    progress,
    reports_dir,
)


def cmd_report(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from bookstore_resil.report.build import build_report

    paths = build_report(args.archive, progress=progress(args), data_dir=args.data)
    if args.json:
        print_json(asdict(paths))
        return 0
    for path in paths.files():
        print(path)
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from bookstore_resil.analyse.tables import to_text
    from bookstore_resil.define.units import parse_duration
    from bookstore_resil.errors import UsageError
    from bookstore_resil.history.history import (
        DEFAULT_CADENCE,
        ages,
        draw_trend,
        load_history,
        readable,
        scenario_ids,
    )

    cadence = args.cadence or DEFAULT_CADENCE
    try:
        cadence_s = parse_duration(cadence)
    except ValueError as error:
        raise UsageError(f"--cadence: {error}") from None
    history = load_history(reports_dir(args.out))
    for skipped in history.skipped:
        print(f"bookstore-resil: skipped {skipped}", file=sys.stderr)
    if args.json:
        print_json(history.as_json())
        return 0
    system = data_dir(args)  # said on stderr when found by itself
    if args.chart:
        draw_trend(history, Path(args.chart))
    if not history.exercises:
        print(f"No exercise archived in {history.folder}.")
        return 0
    print(f"{len(history.exercises)} exercises in {history.folder}, oldest first:\n")
    print(to_text(readable(history.table())))
    print(f"\nLast exercise per scenario (cadence: every {cadence}):")
    for age in ages(history, cadence_s, scenarios=scenario_ids(system)):
        print(f"  {age}")
    if args.chart:
        print(f"\n{args.chart}: trend chart written")
    return 0


def cmd_stage(args: argparse.Namespace) -> int:
    from bookstore_resil.analyse.graph import parse_moment
    from bookstore_resil.history.stages import stage_checklist

    checklist = stage_checklist(data_dir(args), reports_dir(args.reports), parse_moment(args.at))
    for skipped in checklist.skipped:
        print(f"bookstore-resil: skipped {skipped}", file=sys.stderr)
    if args.json:
        print_json(checklist.as_json())
        return 0
    for stage in checklist.stages:
        print(f"Stage {stage.stage}: {'met' if stage.met else 'not met'}: {stage.title}")
        for check in stage.checks:
            print(f"  [{'x' if check.met else ' '}] {check.check}: {check.evidence}")
    print(f"\nReached stage {checklist.reached} of {len(checklist.stages)}.")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser(
        "report",
        help="(re)build the report of one exercise",
        description=(
            "Recompute summary.json from ARCHIVE/events.jsonl, execute the report notebook "
            "(notebooks/03_report.ipynb) with papermill into ARCHIVE/report.ipynb, drawing the "
            "charts as PNG files, and export ARCHIVE/report.html (self-contained, offline). "
            "ARCHIVE may be s3://BUCKET/PREFIX/EXERCISE_ID. Prints the paths written. "
            "See docs/reports.md."
        ),
    )
    report.add_argument("archive", metavar="ARCHIVE_DIR", help="an exercise archive folder")
    report.add_argument(
        "--data",
        metavar="DIR",
        help="system definition for the dependency analysis (default: the one recorded)",
    )
    add_json(report)
    report.set_defaults(func=cmd_report)

    history = commands.add_parser(
        "history",
        help="every archived exercise, one row each",
        description=(
            "Read OUT/*/summary.json (or compute it from events.jsonl for a crashed exercise) "
            "and list every exercise oldest first, with the age of each scenario's last "
            "exercise (and of the --data system's scenarios never exercised) against "
            "--cadence. A broken archive is one line on stderr and skipped. "
            '--json prints {"exercises": [summary.json, ...]}. See docs/reports.md.'
        ),
    )
    history.add_argument(
        "--out",
        default="reports",
        metavar="DIR",
        help="the archives' parent (default: reports, here or one folder up)",
    )
    history.add_argument(
        "--cadence",
        metavar="DURATION",
        help="how often each scenario should be exercised (default: 5W, five weeks)",
    )
    history.add_argument("--chart", metavar="PNG", help="also draw the downtime trend chart here")
    add_data(history)
    add_json(history)
    history.set_defaults(func=cmd_history)

    stage = commands.add_parser(
        "stage",
        help="the staged-resiliency checklist, with evidence",
        description=(
            "Each line of stages 1-5, met or not, and the evidence: the system definition "
            "and its dependency analysis, signoffs.yaml, and the archived exercises "
            "(REPORTS/*/summary.json; a broken archive is one line on stderr and skipped). "
            "See docs/readiness.md."
        ),
    )
    add_data(stage)
    stage.add_argument(
        "--reports",
        "--out",
        default="reports",
        metavar="DIR",
        help="the archives' parent folder (default: reports, here or one folder up)",
    )
    stage.add_argument(
        "--at", metavar="ISO-TIME", help="draw the checklist up as of this moment (default: now)"
    )
    add_json(stage)
    stage.set_defaults(func=cmd_stage)
