"""``validate``: a whole system folder, with the companion files the tool reads.

Besides the definition itself (:func:`~.loader.load_system`), a folder may hold
``signoffs.yaml`` (written by ``signoff``), ``aws.yaml`` (read by the aws target) and
``target.yaml`` (read by the system target). Each is checked when present, and every
problem of every file is reported at once.
"""

from __future__ import annotations

from pathlib import Path

from bookstore_resil.define.aws_config import AWS_FILE, load_aws_config
from bookstore_resil.define.loader import Collector, load_collecting
from bookstore_resil.define.model import System
from bookstore_resil.define.signoffs import load_signoffs
from bookstore_resil.define.target_file import TARGET_FILE, load_target_file
from bookstore_resil.errors import DefinitionError, Problem


def validate_folder(folder: str | Path) -> System:
    """The loaded system; raise DefinitionError with the problems of every file, all found
    in one run: the companion files are checked against the system as far as it could be
    read (a bad duration does not hide a target.yaml that names an unknown service)."""
    folder = Path(folder)
    problems: list[Problem] = []
    found = Collector(folder)
    try:
        load_collecting(found)
    except DefinitionError as error:
        problems += error.problems
    system = found.system
    try:
        load_signoffs(folder)
    except DefinitionError as error:
        problems += error.problems
    if system is not None and (folder / AWS_FILE).exists():
        try:
            load_aws_config(folder, system)
        except DefinitionError as error:
            problems += error.problems
    if (folder / TARGET_FILE).exists():
        try:
            load_target_file(folder, system)
        except DefinitionError as error:
            problems += error.problems
    if problems or system is None:
        raise DefinitionError(problems)
    return system
