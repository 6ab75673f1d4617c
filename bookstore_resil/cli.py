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


def _add_data(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        metavar="DIR",
        help=f"system definition folder (default: $BOOKSTORE_RESIL_DATA or {DEFAULT_DATA})",
    )


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
