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
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import DefinitionError, ResilError

DEFAULT_DATA = Path("data/bookstore")

Command = Callable[[argparse.Namespace], int]


def _data_dir(args: argparse.Namespace) -> Path:
    return Path(args.data or os.environ.get("BOOKSTORE_RESIL_DATA") or DEFAULT_DATA)


def _print_json(document: object) -> None:
    json.dump(document, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def cmd_validate(args: argparse.Namespace) -> int:
    from .loader import load_system

    system = load_system(_data_dir(args))
    steps = sum(len(s.steps) for s in system.scenarios)
    print(
        f"{system.path}: valid: {system.system}, {len(system.services)} services, "
        f"{len(system.contacts)} contacts, {len(system.scenarios)} scenarios, {steps} steps"
    )
    return 0


def cmd_drill(args: argparse.Namespace) -> int:
    from .drill import drill, one_screen

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


def _add_data(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        metavar="DIR",
        help=f"system definition folder (default: $BOOKSTORE_RESIL_DATA or {DEFAULT_DATA})",
    )


def cmd_lab(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from . import lab

    if args.verb == "up":
        print(lab.describe(lab.up(args.state, snapshot_interval_s=args.snapshot_interval)))
    elif args.verb == "down":
        lab.down(args.state, purge=args.purge)
    elif args.verb == "status":
        status = lab.status(args.state)
        if args.json:
            _print_json(asdict(status))
        else:
            print(lab.describe(status))
    elif args.verb == "fault":
        record = lab.inject_fault(args.name, args.state)
        print(f"{record.ts} {record.name}: {record.detail}")
    else:
        result = lab.run_action(args.name, dict(args.args), args.timeout, args.state)
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
    drill.add_argument("--no-report", action="store_true", help="skip building the report")
    drill.set_defaults(func=cmd_drill)

    _add_lab(commands)

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


if __name__ == "__main__":
    sys.exit(main())
