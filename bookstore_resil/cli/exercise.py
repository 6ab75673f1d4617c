"""``drill``: a whole game day, headless, archived (the exercise stage end to end)."""

from __future__ import annotations

import argparse
import sys

from bookstore_resil.cli.common import (
    add_data,
    add_json,
    data_dir,
    positive_seconds,
    print_json,
    progress,
    require,
)
from bookstore_resil.cli.lab import LAB_MODULES

# The target's waits: target.yaml's baseline, sustain and recovery_wait, else these defaults.
WAITS = (
    ("--baseline", "baseline_s", "every probe up this long before the fault (default: 2)"),
    ("--sustain", "sustain_s", "recovery counts once up this long in a row (default: 1)"),
    ("--recovery-wait", "recovery_wait_s", "at the end, wait at most this long (default: 30)"),
)


def cmd_drill(args: argparse.Namespace) -> int:
    from bookstore_resil.exercise.drill import drill, one_screen
    from bookstore_resil.exercise.gameday import default_target

    folder = data_dir(args)
    if (args.target or default_target(folder)) == "lab":
        require(*LAB_MODULES)  # named before "no lab: run lab up", which would need it too
    options: dict[str, object] = {}
    if args.state:
        options["state_dir"] = args.state
    if args.allow_destructive:
        options["allow_destructive"] = True
    for _flag, name, _help in WAITS:
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    responses = dict(item.split("=", 1) for item in args.response)
    result = drill(
        args.scenario,
        target=args.target,
        data_dir=folder,
        out_dir=args.out,
        exercise_id=args.exercise_id,
        responses=responses,
        target_options=options,
        probe_interval=args.probe_interval,
        fail_on_breach=args.fail_on_breach,
        fault=args.fault,
        report=not args.no_report,
        execute=args.execute,
        progress=progress(args),
    )
    if args.json:
        print_json(result.as_json())
    else:
        print(one_screen(result))
    if result.interrupted:
        return 128 + result.interrupted  # as the shell reports a command the signal stopped
    if result.summary.outcome == "error":
        return 1
    if args.fail_on_breach and result.summary.breached:
        print("bookstore-resil: RTO or RPO missed (--fail-on-breach)", file=sys.stderr)
        return 1
    return 0


def _response(text: str) -> str:
    step, _, status = text.partition("=")
    if not step or status not in ("ok", "done", "failed", "skipped"):
        raise argparse.ArgumentTypeError(f"expected STEP=ok|failed|skipped, got {text!r}")
    return text


def add_commands(commands: argparse._SubParsersAction) -> None:
    drill = commands.add_parser(
        "drill",
        help="run a whole game day headless and archive it",
        description=(
            "Check the target is healthy, open an exercise, inject the scenario's fault, run "
            "the game-day notebook headless with papermill (automated steps run, manual ones "
            "take --response or are marked done), and archive events.jsonl, exercise.ipynb, "
            "summary.json and the report under OUT/<exercise-id>/. Without --execute it is a "
            "dry run: the probes watch, but no fault and no action runs and nothing is "
            "measured. Exit 1 with "
            "--fail-on-breach when the measured downtime or data loss missed the RTO or RPO; "
            "exit 2, before anything is broken, on bad input, an exercise id that is not a "
            "plain name, or a target already in an exercise (one at a time per target)."
        ),
    )
    drill.add_argument("scenario", help="scenario id, e.g. api-failure")
    drill.add_argument(
        "--target",
        default="",
        help="target driver: lab, aws or system (default: system when the folder holds "
        "target.yaml, else lab)",
    )
    drill.add_argument(
        "--execute",
        action="store_true",
        help="really inject the fault and run the actions (default: a dry run)",
    )
    add_data(drill)
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
        "--probe-interval",
        type=float,
        default=None,
        help=(
            "seconds between probe samples, from 0.001 to under a day (default: "
            "target.yaml's interval, else 0.1)"
        ),
    )
    for flag, name, help in WAITS:
        drill.add_argument(flag, dest=name, type=positive_seconds, metavar="SECONDS", help=help)
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
    add_json(drill)
    drill.set_defaults(func=cmd_drill)
