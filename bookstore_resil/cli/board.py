"""``board``: the organisation's staged-resiliency board over many systems and one
``--out`` of archives (a folder or ``s3://``), for a person or a scheduled job."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bookstore_resil.cli.common import add_json, print_json, progress

if TYPE_CHECKING:
    from bookstore_resil.history.board import Board


def default_cache() -> Path:
    """Where the S3 summaries are cached: ``$XDG_CACHE_HOME/bookstore-resil``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "bookstore-resil"


def read_line(board: Board) -> str:
    """How an S3 parent was read, in a line: ``1 summary fetched, 19999 from the cache
    (change journal since 2026-12-07T06:00Z; last complete listing 2026-12-07T05:40Z)``."""
    fetched = f"{board.fetched} {'summary' if board.fetched == 1 else 'summaries'} fetched"
    how = "complete listing"
    if board.journal_since and board.listed_at:
        how = (
            f"change journal since {board.journal_since:%Y-%m-%dT%H:%MZ}; "
            f"last complete listing {board.listed_at:%Y-%m-%dT%H:%MZ}"
        )
    return f"{fetched}, {board.cached} from the cache ({how})"


def cmd_board(args: argparse.Namespace) -> int:
    from bookstore_resil.analyse.graph import parse_moment
    from bookstore_resil.history.board import load_board
    from bookstore_resil.history.board_html import board_text, write_board_html

    cache = None if args.no_cache else Path(args.cache) if args.cache else default_cache()
    board = load_board(args.systems, args.out, parse_moment(args.at), cache, args.relist)
    for skipped in board.skipped:
        print(f"bookstore-resil: skipped {skipped}", file=sys.stderr)
    if board.listed_at:
        progress(args)(read_line(board))
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
            "depth; s3://BUCKET/PREFIX fetches only summary.json, cached by ETag, listing the "
            "prefix once a day or with --relist and reading the writers' change journal "
            "between). Ordered by risk. Exit 1 when a critical scenario's last "
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
    board.add_argument(
        "--relist",
        action="store_true",
        help="list every key under the S3 prefix now, not only the change journal (done "
        "by itself once a day): sees archives deleted and those no journal entry names",
    )
    add_json(board)
    board.set_defaults(func=cmd_board)
