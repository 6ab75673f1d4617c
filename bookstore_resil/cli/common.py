"""What every command module of the CLI shares: where the system definition is, the
``--data`` and ``--json`` options, ``-v``/``-q`` after any command name, progress lines,
and how a JSON document is printed."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from bookstore_resil.display import Progress, to_stderr

DEFAULT_DATA = Path("data/bookstore")
WORKBOOK_SYSTEM = Path("system")  # what `init` makes beside notebooks/ and reports/


def data_dir(args: argparse.Namespace) -> Path:
    """``--data``, else ``$BOOKSTORE_RESIL_DATA``, else the default folder as located (and
    said on stderr: which system the command reads is not obvious)."""
    given = args.data or os.environ.get("BOOKSTORE_RESIL_DATA")
    if given:
        return Path(given)
    folder = default_data_dir()
    progress(args)(f"system folder: {folder.absolute()}")
    return folder


def default_data_dir() -> Path:
    """The system folder of the workbook a command runs in, found as its notebooks find
    theirs (the current folder, then its parent): an ``init`` workbook's ``system/``, else
    ``data/bookstore`` (a checkout's, else the one in the package)."""
    from bookstore_resil.define.loader import SYSTEM_FILE, locate_system_folder

    workbook = locate_system_folder(WORKBOOK_SYSTEM)
    if (workbook / SYSTEM_FILE).is_file():
        return workbook
    return locate_system_folder(DEFAULT_DATA)


def reports_dir(given: str) -> str:
    """An archives' parent as given (``reports`` by default), a relative one found like the
    system folder; an ``s3://`` one as it is (a lookalike such as ``S3://`` is refused)."""
    from bookstore_resil.archive.storage import is_s3
    from bookstore_resil.define.loader import locate_system_folder

    if is_s3(given):
        return given

    return str(locate_system_folder(given).absolute())


def print_json(document: object) -> None:
    """One JSON document on stdout, and nothing else there (docs/contract.md §2), in one write.

    orjson encodes it: ``json.dump`` with an indent runs its pure-Python encoder and writes
    a few bytes at a time, which on a large system costs more than the analysis. The values
    come out as ``json.dump(..., default=str)`` gives them (times and objects as ``str``);
    what orjson refuses (an integer beyond 64 bits) is encoded by ``json``.
    """
    import orjson

    try:
        options = (
            orjson.OPT_INDENT_2
            | orjson.OPT_APPEND_NEWLINE
            | orjson.OPT_NON_STR_KEYS
            | orjson.OPT_PASSTHROUGH_DATETIME
            | orjson.OPT_PASSTHROUGH_DATACLASS
        )
        data = orjson.dumps(document, default=_as_json, option=options)
    except orjson.JSONEncodeError:
        data = (json.dumps(document, indent=2, default=str) + "\n").encode()
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stream standing in for stdout
        sys.stdout.write(data.decode())
    else:
        buffer.write(data)
        buffer.flush()


def _as_json(value: object) -> object:
    # As json.dump(default=str): a float subclass (numpy's) is a number, the rest its str.
    return float(value) if isinstance(value, float) else str(value)


def add_data(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        metavar="DIR",
        help=(
            "system definition folder (default: $BOOKSTORE_RESIL_DATA, else the workbook's "
            f"{WORKBOOK_SYSTEM}/ here or one folder up, else {DEFAULT_DATA})"
        ),
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


VERBOSE_HELP = "log progress to stderr; an unexpected error shows its traceback"
QUIET_HELP = "no progress lines on stderr (errors and warnings still)"


def add_loudness(parser: argparse.ArgumentParser, default: Any = False) -> None:
    """``-v`` and ``-q``. Sub-commands get them with ``default=SUPPRESS``, so one given
    before the command name is not reset by the sub-command's parser."""
    parser.add_argument("-v", "--verbose", action="store_true", default=default, help=VERBOSE_HELP)
    parser.add_argument("-q", "--quiet", action="store_true", default=default, help=QUIET_HELP)


_LOUDNESS = argparse.ArgumentParser(add_help=False)
add_loudness(_LOUDNESS, default=argparse.SUPPRESS)


class CommandParser(argparse.ArgumentParser):
    """The parser of every sub-command (and theirs, as argparse passes the class down):
    ``-v``/``-q`` are accepted after the command name as well as before it."""

    def __init__(self, parents: Sequence[argparse.ArgumentParser] = (), **kwargs: Any):
        super().__init__(parents=[*parents, _LOUDNESS], **kwargs)


@contextlib.contextmanager
def logging_to_stderr(verbose: bool) -> Iterator[None]:
    """With ``-v``, the package's log records on stderr while the command runs; the handler
    is removed after, so a caller running several commands (tests, a notebook) keeps its
    own logging as it was."""
    if not verbose:
        yield
        return
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s"))
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def progress(args: argparse.Namespace) -> Progress:
    """Where a command's progress lines go: stderr, or nowhere with ``-q``."""
    return (lambda line: None) if getattr(args, "quiet", False) else to_stderr


def install_hint(module: str) -> str | None:
    """What to install for a missing optional ``module``; None for any other module."""
    from bookstore_resil.errors import EXTRAS, MissingExtra

    return str(MissingExtra(module)) if module.partition(".")[0] in EXTRAS else None


def require(*modules: str) -> None:
    """A MissingExtra naming the extra to install when one of ``modules`` is missing, before
    anything starts (the base install has no lab and no cloud)."""
    from importlib.util import find_spec

    from bookstore_resil.errors import MissingExtra

    for module in modules:
        if find_spec(module) is None:
            raise MissingExtra(module)
