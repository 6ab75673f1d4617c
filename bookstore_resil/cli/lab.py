"""``lab``: start, stop and inspect the local Bookstore (its lifecycle), and break or
repair it by hand through the same driver an exercise uses (:class:`LabTarget`)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from bookstore_resil.cli.common import add_json, positive_seconds, print_json, progress, require

if TYPE_CHECKING:
    from bookstore_resil.lab.target import LabTarget

# What the [lab] extra brings: the lab's processes, its probes and its repair need them all.
LAB_MODULES = ("django", "rest_framework", "gunicorn", "psycopg", "moto")


def cmd_lab(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from bookstore_resil.lab import lifecycle
    from bookstore_resil.lab.state import Lab
    from bookstore_resil.lab.target import LabTarget

    lab = Lab.at(args.state)
    if args.verb != "down":
        require(*LAB_MODULES)
    ok = True
    if args.verb in ("up", "status"):
        if args.verb == "up":
            status = lifecycle.up(
                lab, snapshot_interval_s=args.snapshot_interval, progress=progress(args)
            )
        else:
            # Exit 1 when anything is down (or there is no lab), so a script can wait on it.
            status = lifecycle.status(lab)
            ok = status.healthy
        report: object = asdict(status)
        text = lifecycle.describe(status)
    elif args.verb == "down":
        stopped = lifecycle.down(lab, purge=args.purge, progress=progress(args))
        report, text = {"state": str(lab.root), "stopped": stopped}, ""
    elif args.verb == "fault":
        target = _not_in_an_exercise(_known(LabTarget(lab.root), "fault", args.name), args)
        record = target.inject_fault(args.name)
        report, text = asdict(record), f"{record.ts} {record.name}: {record.detail}"
    else:
        target = _not_in_an_exercise(_known(LabTarget(lab.root), "action", args.name), args)
        result = target.run_action(args.name, dict(args.args), args.timeout)
        report, text, ok = asdict(result), result.output or result.error or "", result.ok
    if args.json:
        print_json(report)
    elif text:
        print(text)
    return 0 if ok else 1


def _known(target: LabTarget, what: str, name: str) -> LabTarget:
    """``target`` when it knows the fault or action ``name``; a UsageError (exit 2) if not."""
    from bookstore_resil.errors import UsageError

    known = target.faults() if what == "fault" else target.actions()
    if name not in known:
        raise UsageError(f"lab: unknown {what} {name!r} (known: {', '.join(known)})")
    return target


def _not_in_an_exercise(target: LabTarget, args: argparse.Namespace) -> LabTarget:
    """``target`` when no exercise holds it. While one does, a fault or an action by hand
    would spoil its measurement: refused (exit 2, naming the exercise) unless ``--during``
    names that exercise, whose event log (``--out``/ID) then records it as a deviation."""
    from bookstore_resil.archive import layout
    from bookstore_resil.archive.events import DEVIATION, EventLog
    from bookstore_resil.errors import TargetBusy, UsageError
    from bookstore_resil.exercise.lock import holder

    held = holder(target.lock_file()) if target.lab.exists() else None
    doing = f"lab {args.verb} {args.name}"
    if held is None:
        if args.during:
            raise UsageError(f"{doing} --during {args.during}: no exercise holds the lab now")
        return target
    exercise = str(held.get("exercise_id") or "unknown")
    if args.during != exercise:
        raise TargetBusy(
            exercise,
            f"holds the lab (pid {held.get('pid', '?')}, since {held.get('since', '?')}): "
            f"{doing} refused; add '--during {exercise}' to do it within the exercise, "
            "recorded as a deviation",
        )
    events = layout.events_path(layout.exercise_dir(args.out, exercise))
    if not events.is_file():
        raise UsageError(f"{doing}: no event log of exercise {exercise} at {events} (--out)")
    with EventLog(events) as log:
        words = " ".join([doing, *(f"{k}={v}" for k, v in getattr(args, "args", []))])
        log.append(DEVIATION, text=f"by hand, outside the playbook: {words}", step=None)
    return target


def _action_arg(text: str) -> tuple[str, object]:
    """``KEY=VALUE``; the value as JSON when it parses (``through_api=true``), else text."""
    key, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value


def _add_during(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--during",
        metavar="EXERCISE_ID",
        help="while that exercise holds the lab: do it anyway, recorded in its log as a deviation",
    )
    parser.add_argument(
        "--out", default="reports", metavar="DIR", help="that exercise's archive parent (reports)"
    )


def add_commands(commands: argparse._SubParsersAction) -> None:
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
    # --state after the verb too; SUPPRESS keeps a verb without it from erasing one before.
    state = argparse.ArgumentParser(add_help=False)
    state.add_argument("--state", metavar="DIR", default=argparse.SUPPRESS, help=state_help)
    verbs = lab.add_subparsers(dest="verb", metavar="VERB", required=True)
    up = verbs.add_parser("up", parents=[state], help="start the lab (idempotent)")
    up.add_argument(
        "--snapshot-interval",
        type=positive_seconds,
        metavar="SECONDS",
        help="database snapshots (30)",
    )
    add_json(up)
    down = verbs.add_parser("down", parents=[state], help="stop every process of the lab")
    down.add_argument("--purge", action="store_true", help="also delete the state folder")
    add_json(down)
    status = verbs.add_parser(
        "status", parents=[state], help="each component's health (exit 1 when not healthy)"
    )
    add_json(status)
    fault = verbs.add_parser("fault", parents=[state], help="inject a named fault")
    fault.add_argument("name", help="api-crash, db-lost, cdn-bucket-deleted, ...")
    _add_during(fault)
    add_json(fault)
    action = verbs.add_parser("action", parents=[state], help="run a named playbook action")
    action.add_argument("name", help="http_check, restart_app, update_dns, ...")
    action.add_argument("args", nargs="*", type=_action_arg, metavar="KEY=VALUE")
    action.add_argument("--timeout", type=positive_seconds, default=60.0, metavar="SECONDS")
    _add_during(action)
    add_json(action)
    lab.set_defaults(func=cmd_lab)
