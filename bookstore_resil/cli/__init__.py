"""``bookstore-resil``: one thin function per command (docs/contract.md §2).

Every command loads what it needs, calls the package, and prints. Errors the package
raises on purpose (:class:`~bookstore_resil.errors.ResilError`) become one line on
stderr and the error's exit code; ``--json`` output goes to stdout alone. Anything else
(a bug of ours) is one line too, naming the exception, and ``-v`` shows its traceback.
``-v`` and ``-q`` are accepted before or after any command name (:mod:`.common`).

The commands live in one module per pipeline stage, in the order a team meets them:
:mod:`.define` (init, validate, import-backstage, import-chaostoolkit), :mod:`.analyse`
(deps, blast-radius, notify, signoff), :mod:`.lab`, :mod:`.exercise` (drill), :mod:`.watch`
(the observers' view),
:mod:`.archive` (report, history, stage). Each adds its sub-parsers and holds its
``cmd_*`` functions; they import the heavy libraries inside those functions, so starting
the CLI stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from bookstore_resil import workbook
from bookstore_resil.cli import analyse, archive, board, define, exercise, lab, watch
from bookstore_resil.cli.common import CommandParser, add_loudness, install_hint, logging_to_stderr
from bookstore_resil.errors import DefinitionError, ResilError

COMMAND_MODULES = (define, analyse, lab, exercise, watch, archive, board)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bookstore-resil",
        description=(
            "A game-day workbook for resilience engineering: map a system's dependencies, "
            "run measured failover exercises against a real target, and archive the results."
        ),
        epilog=(
            "Run 'bookstore-resil COMMAND --help' for a command's options. The docs/ pages "
            f"the help names ship with the package, in {workbook.docs_dir()}; the contract "
            "(commands, files, archives, exit codes) is contract.md there."
        ),
    )
    parser.add_argument("--version", action=_Version, help="print the version and exit")
    add_loudness(parser)
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=CommandParser
    )
    for module in COMMAND_MODULES:
        module.add_commands(commands)
    return parser


class _Version(argparse.Action):
    """``--version``: looked up only when asked, so starting the CLI stays fast."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):  # noqa: ANN001
        from bookstore_resil import __version__

        print(f"{parser.prog} {__version__}")
        parser.exit()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    with logging_to_stderr(args.verbose):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        return args.func(args)
    except DefinitionError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return error.exit_code
    except ResilError as error:
        # An optional package found missing deep inside (a target's driver): the one line
        # and exit code of a missing extra, wherever it bites.
        cause = error.__cause__
        hint = install_hint(cause.name or "") if isinstance(cause, ImportError) else None
        print(f"bookstore-resil: error: {hint or error}", file=sys.stderr)
        return 2 if hint else error.exit_code
    except KeyboardInterrupt:
        print("bookstore-resil: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`bookstore-resil deps --json | head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:
        # The machine said no (a full disk, a read-only folder, a file where a folder
        # should be): what and where, on one line.
        print(f"bookstore-resil: error: {describe_os_error(error)}", file=sys.stderr)
        return 1

    except Exception as error:  # noqa: BLE001 -- the last resort: one line, never a traceback
        hint = install_hint(error.name or "") if isinstance(error, ImportError) else None
        if hint:
            print(f"bookstore-resil: error: {hint}", file=sys.stderr)
            return 2
        if args.verbose:
            raise
        what = " ".join(str(error).split()) or "(no message)"
        print(
            f"bookstore-resil: error: unexpected {type(error).__name__}: {what} "
            "(rerun with -v for the traceback)",
            file=sys.stderr,
        )
        return 1


def describe_os_error(error: OSError) -> str:
    """``PATH: reason`` on one line, however the error was raised."""
    reason = " ".join((error.strerror or str(error) or type(error).__name__).split())
    where = " -> ".join(str(name) for name in (error.filename, error.filename2) if name)
    where = " ".join(where.splitlines())
    return f"{where}: {reason}" if where else reason
