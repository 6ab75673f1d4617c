"""``board``: the organisation's staged-resiliency board over many systems and one
``--out`` of archives (a folder or ``s3://``), for a person or a scheduled job."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bookstore_resil.cli.common import add_json, print_json, progress


def default_cache() -> Path:
    """Where the S3 summaries are cached: ``$XDG_CACHE_HOME/bookstore-resil``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "bookstore-resil"


def cmd_board(args: argparse.Namespace) -> int:
    from bookstore_resil.analyse.graph import parse_moment
    from bookstore_resil.history.board import load_board
    from bookstore_resil.history.board_html import board_text, write_board_html

    cache = None if args.no_cache else Path(args.cache) if args.cache else default_cache()
    board = load_board(args.systems, args.out, parse_moment(args.at), cache)
    for skipped in board.skipped:
        print(f"bookstore-resil: skipped {skipped}", file=sys.stderr)
    if board.fetched or board.cached:
        progress(args)(f"{board.fetched} summaries fetched, {board.cached} from the cache")
    if args.html:
        write_board_html(board, Path(args.html))
    if args.json:
        print_json(board.as_json())
    else:
        print(board_text(board))
        if args.html:
            print(f"\n{args.html}: board written")
    return board.exit_code


def add_commands(commands: argparse._SubParsersAction) -> None:
    board = commands.add_parser(
        "board",
        help="the organisation's staged-resiliency board over many systems",
        description=(
            "Every system under --systems (folders holding system.yaml at any depth, init "
            "workbooks, or Backstage catalogs with many Systems) with its owner, stage 1-5 "
            "(the rules of 'stage'), Stage 1 gaps, each scenario's last exercise against its "
            "RTO and RPO, what is overdue and stale, from the archives under --out (any "
            "depth; s3://BUCKET/PREFIX lists the prefix once and fetches only summary.json, "
            "cached by ETag). Ordered by risk. Exit 1 when a critical scenario's last "
            "exercise missed its objective, for a scheduled job. See docs/scheduling.md."
        ),
    )
    board.add_argument(
        "--systems",
        nargs="+",
        required=True,
        metavar="PATH",
        help="folders of system folders, init workbooks or Backstage catalogs",
    )
    board.add_argument(
        "--out",
        default="reports",
        metavar="DIR",
        help="the archives' parent, a folder or s3://BUCKET/PREFIX (default: reports)",
    )
    board.add_argument("--html", metavar="FILE", help="also write the board as one HTML file")
    board.add_argument(
        "--at", metavar="ISO-TIME", help="draw the board up as of this moment (default: now)"
    )
    board.add_argument(
        "--cache",
        metavar="DIR",
        help="where S3 summaries are cached by ETag (default: $XDG_CACHE_HOME/bookstore-resil)",
    )
    board.add_argument(
        "--no-cache", action="store_true", help="fetch every S3 summary; keep no cache"
    )
    add_json(board)
    board.set_defaults(func=cmd_board)
