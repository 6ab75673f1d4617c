"""``bookstore-resil``: one thin function per command (CONTRACT §2).

Every command loads what it needs, calls the package, and prints. Errors the package
raises on purpose (:class:`~bookstore_resil.errors.ResilError`) become one line on
stderr and the error's exit code; ``--json`` output goes to stdout alone.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bookstore_resil.errors import DefinitionError, ResilError

DEFAULT_DATA = Path("data/bookstore")


def _data_dir(args: argparse.Namespace) -> Path:
    given = args.data or os.environ.get("BOOKSTORE_RESIL_DATA")
    if given:
        return Path(given)
    from bookstore_resil.define.loader import locate_system_folder

    return locate_system_folder(DEFAULT_DATA)


def _print_json(document: object) -> None:
    json.dump(document, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def cmd_validate(args: argparse.Namespace) -> int:
    from bookstore_resil.define.validate import validate_folder

    system = validate_folder(_data_dir(args))
    steps = sum(len(s.steps) for s in system.scenarios)
    print(
        f"{system.path}: valid: {system.system}, {len(system.services)} services, "
        f"{len(system.contacts)} contacts, {len(system.scenarios)} scenarios, {steps} steps"
    )
    return 0


def cmd_drill(args: argparse.Namespace) -> int:
    from bookstore_resil.exercise.drill import drill, one_screen

    options: dict[str, object] = {}
    if args.state:
        options["state_dir"] = args.state
    if args.allow_destructive:
        options["allow_destructive"] = True
    responses = dict(item.split("=", 1) for item in args.response)
    result = drill(
        args.scenario,
        target=args.target,
        data_dir=_data_dir(args),
        out_dir=args.out,
        exercise_id=args.exercise_id,
        responses=responses,
        target_options=options,
        probe_interval=args.probe_interval,
        fail_on_breach=args.fail_on_breach,
        fault=args.fault,
        report=not args.no_report,
    )
    print(one_screen(result))
    if args.fail_on_breach and result.summary.breached:
        print("bookstore-resil: RTO or RPO missed (--fail-on-breach)", file=sys.stderr)
        return 1
    return 0


def _response(text: str) -> str:
    step, _, status = text.partition("=")
    if not step or status not in ("ok", "done", "failed", "skipped"):
        raise argparse.ArgumentTypeError(f"expected STEP=ok|failed|skipped, got {text!r}")
    return text


# -- dependency analysis: deps, blast-radius, import-backstage


def cmd_deps(args: argparse.Namespace) -> int:
    from bookstore_resil.analyse.graph import DependencyGraph
    from bookstore_resil.analyse.tables import analysis_table, findings_table, to_text
    from bookstore_resil.define.loader import load_system

    analysis = DependencyGraph(load_system(_data_dir(args))).analyse()
    if args.json:
        _print_json(analysis.as_json())
        return 0
    critical = sum(s.critical for s in analysis.services)
    print(
        f"{analysis.system}: entrypoint {analysis.entrypoint}, "
        f"{len(analysis.services)} services, {critical} critical\n"
    )
    print(to_text(analysis_table(analysis)) + "\n")
    print(to_text(findings_table(analysis)) if analysis.findings else "No findings.")
    return 0


def cmd_blast_radius(args: argparse.Namespace) -> int:
    from bookstore_resil.analyse.graph import DependencyGraph, parse_moment
    from bookstore_resil.analyse.tables import blast_radius_table, to_text
    from bookstore_resil.define.loader import load_system
    from bookstore_resil.errors import UsageError

    if (args.service is None) == (args.az is None):
        raise UsageError("blast-radius needs a SERVICE or --az ZONE (one of them)")
    at = parse_moment(args.at)
    graph = DependencyGraph(load_system(_data_dir(args)))
    failed = [args.service] if args.service else graph.zone_services(args.az)
    blast = graph.blast_radius(failed, at)
    if args.json:
        if args.service:
            head: dict[str, object] = {"service": args.service}
        else:
            head = {"az": args.az, "failed": list(blast.failed)}
        _print_json({**head, "down": list(blast.down), "degraded": list(blast.degraded)})
        return 0
    what = args.service or f"availability zone {args.az}"
    when = f" at {at.isoformat()}" if at else ""
    print(f"When {what} fails{when}: {len(blast.down)} down, {len(blast.degraded)} degraded\n")
    print(to_text(blast_radius_table(graph, blast)))
    return 0


def cmd_import_backstage(args: argparse.Namespace) -> int:
    from bookstore_resil.define.backstage import import_backstage

    path = import_backstage(args.files, args.out)
    print(f"{path}: written; 'bookstore-resil validate --data {args.out}' lists what to fill in")
    return 0


def _add_dependency_commands(commands: argparse._SubParsersAction) -> None:
    deps = commands.add_parser(
        "deps",
        help="dependency analysis: criticality, effective RTO/RPO, findings",
        description=(
            "Which services the entrypoint cannot work without (critical), each service's "
            "effective RTO/RPO (the longest along its critical dependencies, itself included), "
            "and findings: unmet RTO/RPO, single points of failure, orphans, critical services "
            "without a scenario, undocumented degradation. See docs/dependency-analysis.md."
        ),
    )
    _add_data(deps)
    deps.add_argument("--json", action="store_true", help="one JSON document on stdout")
    deps.set_defaults(func=cmd_deps)

    blast = commands.add_parser(
        "blast-radius",
        help="what stops and what degrades when SERVICE fails",
        description=(
            "Services that reach SERVICE through critical edges only go down; those that reach "
            "it through some non-critical edge degrade. --az fails every service that runs "
            "only in that availability zone. Exit 2 on an unknown service or zone."
        ),
    )
    blast.add_argument("service", nargs="?", metavar="SERVICE", help="the failing service id")
    blast.add_argument("--az", metavar="ZONE", help="fail a whole availability zone instead")
    blast.add_argument(
        "--at",
        metavar="ISO-TIME",
        help="judge criticality windows at this moment (naive = UTC; default: every window open)",
    )
    _add_data(blast)
    blast.add_argument("--json", action="store_true", help="one JSON document on stdout")
    blast.set_defaults(func=cmd_blast_radius)

    backstage = commands.add_parser(
        "import-backstage",
        help="write a system folder from Backstage catalog-info.yaml files",
        description=(
            "Components and Resources become services, spec.dependsOn the dependencies; "
            "criticality and RTO/RPO come from bookstore-resil/* annotations, else defaults "
            "that 'validate' flags (critical: true, rto/rpo: TODO)."
        ),
    )
    backstage.add_argument("files", nargs="+", metavar="FILE", help="catalog-info.yaml files")
    backstage.add_argument("--out", required=True, metavar="DIR", help="the folder to write")
    backstage.set_defaults(func=cmd_import_backstage)


# -- team readiness: notify, signoff, stage


def cmd_notify(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from bookstore_resil.analyse.graph import parse_moment
    from bookstore_resil.analyse.people import notify_table, who_to_notify
    from bookstore_resil.analyse.tables import to_text
    from bookstore_resil.define.loader import load_system

    at = parse_moment(args.at) or datetime.now(timezone.utc)
    escalations = who_to_notify(load_system(_data_dir(args)), args.service, at)
    if args.json:
        contacts = [e.as_json() for e in escalations]
        _print_json({"service": args.service, "at": at.isoformat(), "contacts": contacts})
        return 0
    print(f"When {args.service} fails at {at.isoformat()}, call in this order:\n")
    print(to_text(notify_table(escalations).reset_index()))
    return 0


def cmd_signoff(args: argparse.Namespace) -> int:
    from bookstore_resil.analyse.signoff import record_signoff
    from bookstore_resil.define.loader import load_system
    from bookstore_resil.define.signoffs import SIGNOFFS_FILE

    system = load_system(_data_dir(args))
    records = record_signoff(
        system, args.name, args.scenario, agree=not args.disagree, comment=args.comment
    )
    for record in records:
        print(
            f"{record.name} {record.decision} on {record.scenario} "
            f"(playbook sha256 {record.sha256[:12]}) at {record.at.isoformat()}"
        )
    print(f"{Path(system.path) / SIGNOFFS_FILE}: written")
    return 0


def cmd_stage(args: argparse.Namespace) -> int:
    from bookstore_resil.analyse.graph import parse_moment
    from bookstore_resil.history.stages import stage_checklist

    checklist = stage_checklist(_data_dir(args), args.reports, parse_moment(args.at))
    for skipped in checklist.skipped:
        print(f"bookstore-resil: skipped {skipped}", file=sys.stderr)
    if args.json:
        _print_json(checklist.as_json())
        return 0
    for stage in checklist.stages:
        print(f"Stage {stage.stage}: {'met' if stage.met else 'not met'}: {stage.title}")
        for check in stage.checks:
            print(f"  [{'x' if check.met else ' '}] {check.check}: {check.evidence}")
    print(f"\nReached stage {checklist.reached} of {len(checklist.stages)}.")
    return 0


def _add_readiness_commands(commands: argparse._SubParsersAction) -> None:
    notify = commands.add_parser(
        "notify",
        help="who to contact when SERVICE fails, in order, and who is available then",
        description=(
            "The primary and secondary leads of SERVICE's scenarios, then everyone whose "
            "services cover it, then up the org chart; each with why, and whether they are "
            "available at --at in their own time zone. Exit 2 on an unknown service. "
            "See docs/readiness.md."
        ),
    )
    notify.add_argument("service", metavar="SERVICE", help="the failing service id")
    notify.add_argument(
        "--at", metavar="ISO-TIME", help="the moment to check availability (naive = UTC; now)"
    )
    _add_data(notify)
    notify.add_argument("--json", action="store_true", help="one JSON document on stdout")
    notify.set_defaults(func=cmd_notify)

    signoff = commands.add_parser(
        "signoff",
        help="record that a contact agrees (or disagrees) to a playbook",
        description=(
            "Record NAME's decision, with the sha256 of the playbook's content and the time, "
            "in signoffs.yaml of the system folder; without --scenario, on every scenario "
            "that concerns NAME (they lead it or cover its service). A later edit of the "
            "playbook makes the sign-off stale. Exit 2 on an unknown name or scenario."
        ),
    )
    signoff.add_argument("name", metavar="NAME", help="a contact's name, e.g. Alice")
    signoff.add_argument("--scenario", metavar="ID", help="one scenario (default: every one)")
    signoff.add_argument(
        "--disagree", action="store_true", help="record a disagreement (needs --comment)"
    )
    signoff.add_argument("--comment", metavar="TEXT", help="why; required with --disagree")
    _add_data(signoff)
    signoff.set_defaults(func=cmd_signoff)

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
    _add_data(stage)
    stage.add_argument(
        "--reports",
        "--out",
        default="reports",
        metavar="DIR",
        help="the archives' parent folder (default: reports)",
    )
    stage.add_argument(
        "--at", metavar="ISO-TIME", help="draw the checklist up as of this moment (default: now)"
    )
    stage.add_argument("--json", action="store_true", help="one JSON document on stdout")
    stage.set_defaults(func=cmd_stage)


# -- reports and history


def cmd_report(args: argparse.Namespace) -> int:
    from bookstore_resil.archive.notebooks import build_report

    paths = build_report(args.archive, data_dir=args.data)
    for path in paths.files():
        print(path)
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from bookstore_resil.analyse.tables import to_text
    from bookstore_resil.define.model import parse_duration
    from bookstore_resil.errors import UsageError
    from bookstore_resil.history.history import (
        DEFAULT_CADENCE,
        ages,
        load_history,
        readable,
        scenario_ids,
    )

    cadence = args.cadence or DEFAULT_CADENCE
    try:
        cadence_s = parse_duration(cadence)
    except ValueError as error:
        raise UsageError(f"--cadence: {error}") from None
    history = load_history(args.out)
    for skipped in history.skipped:
        print(f"bookstore-resil: skipped {skipped}", file=sys.stderr)
    if args.json:
        _print_json(history.as_json())
        return 0
    if args.chart:
        from bookstore_resil.report.charts import trend_chart

        trend_chart(history.table(), Path(args.chart))
    if not history.exercises:
        print(f"No exercise archived in {args.out}.")
        return 0
    print(f"{len(history.exercises)} exercises in {args.out}, oldest first:\n")
    print(to_text(readable(history.table())))
    print(f"\nLast exercise per scenario (cadence: every {cadence}):")
    for age in ages(history, cadence_s, scenarios=scenario_ids(_data_dir(args))):
        print(f"  {age}")
    if args.chart:
        print(f"\n{args.chart}: trend chart written")
    return 0


def _add_report_commands(commands: argparse._SubParsersAction) -> None:
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
        "--out", default="reports", metavar="DIR", help="the archives' parent (default: reports)"
    )
    history.add_argument(
        "--cadence",
        metavar="DURATION",
        help="how often each scenario should be exercised (default: 5W, five weeks)",
    )
    history.add_argument("--chart", metavar="PNG", help="also draw the downtime trend chart here")
    _add_data(history)
    history.add_argument("--json", action="store_true", help="one JSON document on stdout")
    history.set_defaults(func=cmd_history)


def _add_data(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        metavar="DIR",
        help=f"system definition folder (default: $BOOKSTORE_RESIL_DATA or {DEFAULT_DATA})",
    )


def cmd_lab(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from bookstore_resil.lab import lifecycle
    from bookstore_resil.lab.state import Lab
    from bookstore_resil.lab.target import LabTarget

    lab = Lab.at(args.state)
    if args.verb == "up":
        status = lifecycle.up(lab, snapshot_interval_s=args.snapshot_interval)
        print(lifecycle.describe(status))
    elif args.verb == "down":
        lifecycle.down(lab, purge=args.purge)
    elif args.verb == "status":
        status = lifecycle.status(lab)
        if args.json:
            _print_json(asdict(status))
        else:
            print(lifecycle.describe(status))
    elif args.verb == "fault":
        record = LabTarget(lab.root).inject_fault(args.name)
        print(f"{record.ts} {record.name}: {record.detail}")
    else:
        result = LabTarget(lab.root).run_action(args.name, dict(args.args), args.timeout)
        print(result.output or result.error)
        return 0 if result.ok else 1
    return 0


def _action_arg(text: str) -> tuple[str, object]:
    key, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value


def _add_lab(commands: argparse._SubParsersAction) -> None:
    state_help = "the lab's state folder (default: $BOOKSTORE_RESIL_LAB_DIR or .lab)"
    lab = commands.add_parser(
        "lab",
        help="the local, real Bookstore stack to practise on",
        description=(
            "A real Bookstore on this machine: the Django API (gunicorn) behind a router, "
            "PostgreSQL with scheduled snapshots, and an S3 CDN (moto). 'up' starts what is "
            "down and replaces what is lost; 'down' stops every process it started."
        ),
    )
    lab.add_argument("--state", metavar="DIR", help=state_help)
    state = argparse.ArgumentParser(add_help=False)
    state.add_argument("--state", metavar="DIR", default=argparse.SUPPRESS, help=state_help)
    verbs = lab.add_subparsers(dest="verb", metavar="VERB", required=True)
    up = verbs.add_parser("up", parents=[state], help="start the lab (idempotent)")
    up.add_argument(
        "--snapshot-interval", type=float, metavar="SECONDS", help="database snapshots (30)"
    )
    down = verbs.add_parser("down", parents=[state], help="stop every process of the lab")
    down.add_argument("--purge", action="store_true", help="also delete the state folder")
    status = verbs.add_parser("status", parents=[state], help="each component's health")
    status.add_argument("--json", action="store_true", help="one JSON document on stdout")
    fault = verbs.add_parser("fault", parents=[state], help="inject a named fault")
    fault.add_argument("name", help="api-crash, db-lost, cdn-bucket-deleted, ...")
    action = verbs.add_parser("action", parents=[state], help="run a named playbook action")
    action.add_argument("name", help="http_check, restart_app, update_dns, ...")
    action.add_argument("args", nargs="*", type=_action_arg, metavar="KEY=VALUE")
    action.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS")
    lab.set_defaults(func=cmd_lab)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bookstore-resil",
        description=(
            "A game-day workbook for resilience engineering: map a system's dependencies, "
            "run measured failover exercises against a real target, and archive the results."
        ),
        epilog="Run 'bookstore-resil COMMAND --help' for a command's options.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    validate = commands.add_parser(
        "validate",
        help="load and cross-check a system definition",
        description=(
            "Load a system definition folder (system.yaml, contacts.yaml, playbooks/*.yaml) "
            "and report every problem at once, one line each as FILE:LINE: field: message. "
            "Exit 0 when valid, 2 when not."
        ),
    )
    _add_data(validate)
    validate.set_defaults(func=cmd_validate)
    _add_dependency_commands(commands)

    drill = commands.add_parser(
        "drill",
        help="run a whole game day headless and archive it",
        description=(
            "Check the target is healthy, open an exercise, inject the scenario's fault, run "
            "the game-day notebook headless with papermill (automated steps run, manual ones "
            "take --response or are marked done), and archive events.jsonl, exercise.ipynb, "
            "summary.json and the report under OUT/<exercise-id>/. Exit 1 with "
            "--fail-on-breach when the measured downtime or data loss missed the RTO or RPO."
        ),
    )
    drill.add_argument("scenario", help="scenario id, e.g. api-failure")
    drill.add_argument("--target", default="lab", help="target driver: lab (default) or aws")
    _add_data(drill)
    drill.add_argument(
        "--out", default="reports", metavar="DIR", help="archive parent (default: reports)"
    )
    drill.add_argument("--exercise-id", help="archive folder name (default: time-scenario-random)")
    drill.add_argument(
        "--response",
        action="append",
        default=[],
        type=_response,
        metavar="STEP=STATUS",
        help="outcome of a manual step (ok, failed, skipped); repeatable",
    )
    drill.add_argument(
        "--probe-interval", type=float, default=0.1, help="seconds between probe samples"
    )
    drill.add_argument("--state", metavar="DIR", help="lab state folder (lab target)")
    drill.add_argument(
        "--allow-destructive", action="store_true", help="aws target: really change things"
    )
    drill.add_argument(
        "--fail-on-breach", action="store_true", help="exit 1 when RTO or RPO was missed"
    )
    drill.add_argument(
        "--fault", help="inject this fault instead of the scenario's own (e.g. api-crash)"
    )
    drill.add_argument("--no-report", action="store_true", help="skip building the report")
    drill.set_defaults(func=cmd_drill)

    _add_lab(commands)
    _add_readiness_commands(commands)
    _add_report_commands(commands)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verbose:
        import logging

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except DefinitionError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return error.exit_code
    except ResilError as error:
        print(f"bookstore-resil: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("bookstore-resil: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`bookstore-resil deps --json | head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
