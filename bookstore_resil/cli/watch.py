"""``watch``: the observers' read-only view of an exercise, served on localhost."""

from __future__ import annotations

import argparse
import sys

from bookstore_resil.cli.common import add_json, print_json


def cmd_watch(args: argparse.Namespace) -> int:
    from bookstore_resil.exercise.observe import server, url_of

    served = server(args.archive, args.port)
    if args.json:  # where it listens, for a script that opens it
        print_json({"archive": args.archive, "url": url_of(served)})
    else:
        print(f"observer view of {args.archive}: {url_of(served)} (Ctrl-C stops it)")
    sys.stdout.flush()  # the address is out before the server blocks
    try:
        served.serve_forever()
    finally:
        served.server_close()
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    watch = commands.add_parser(
        "watch",
        help="serve a read-only, self-refreshing view of an exercise for observers",
        description=(
            "Serve a page on 127.0.0.1 showing an exercise as it happens, built from its "
            "events.jsonl alone: the clock against the RTO, the endpoints, the steps with "
            "their notes, observations, notifications, and the verdict and report at the "
            "end. It refreshes itself every 2 seconds and has no controls. Runs until "
            "interrupted."
        ),
    )
    watch.add_argument("archive", metavar="ARCHIVE_DIR", help="the exercise's folder")
    watch.add_argument("--port", type=int, default=0, help="port (default: any free one)")
    add_json(watch)
    watch.set_defaults(func=cmd_watch)
