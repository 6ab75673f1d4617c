"""``watch``: the observers' read-only view of an exercise, served on localhost."""

from __future__ import annotations

import argparse


def cmd_watch(args: argparse.Namespace) -> int:
    from bookstore_resil.exercise.observe import server, url_of

    served = server(args.archive, args.port)
    print(f"observer view of {args.archive}: {url_of(served)} (Ctrl-C stops it)", flush=True)
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
            "end. It refreshes itself every 2 seconds and has no controls."
        ),
    )
    watch.add_argument("archive", metavar="ARCHIVE_DIR", help="the exercise's folder")
    watch.add_argument("--port", type=int, default=0, help="port (default: any free one)")
    watch.set_defaults(func=cmd_watch)
