"""What every command module of the CLI shares: where the system definition is, the
``--data`` and ``--json`` options, and how a JSON document is printed."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

DEFAULT_DATA = Path("data/bookstore")


def data_dir(args: argparse.Namespace) -> Path:
    """``--data``, else ``$BOOKSTORE_RESIL_DATA``, else the default folder as located."""
    given = args.data or os.environ.get("BOOKSTORE_RESIL_DATA")
    if given:
        return Path(given)
    from bookstore_resil.define.loader import locate_system_folder

    return locate_system_folder(DEFAULT_DATA)


def print_json(document: object) -> None:
    """One JSON document on stdout, and nothing else there (CONTRACT §2)."""
    json.dump(document, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def add_data(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        metavar="DIR",
        help=f"system definition folder (default: $BOOKSTORE_RESIL_DATA or {DEFAULT_DATA})",
    )


def positive_seconds(text: str) -> float:
    """An option's number of seconds: finite and above zero, refused by the parser (exit 2)
    before the command touches anything."""
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not (math.isfinite(seconds) and seconds > 0):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return seconds


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
