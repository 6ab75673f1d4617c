"""``init DIR``: a team's own workbook folder, from what ships inside the package.

A plain ``pip install`` has no checkout to work in: the notebooks and example systems are
package data (:mod:`bookstore_resil.workbook`). ``init`` copies them where a team can edit
them::

    DIR/notebooks/   the workbook's notebooks, their data_dir pointed at ../system
    DIR/system/      the system folder: an example (bookstore, ...) or the blank skeleton
    DIR/reports/     where drill and the game-day notebook archive each exercise
    DIR/schemas/     the JSON Schemas the system's files name on their first line

The blank skeleton (``blank/`` beside this module) is a small system written with TODOs and
a commented ``target.yaml``: ``deps`` analyses it at once and lists what is missing,
``validate`` refuses it until every TODO is filled in.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from bookstore_resil import workbook
from bookstore_resil.errors import UsageError

BLANK = "blank"
SYSTEM_DIR, NOTEBOOKS_DIR, REPORTS_DIR, SCHEMAS_DIR = "system", "notebooks", "reports", "schemas"
# What never belongs in a copy: byte code, and a running example's state.
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".lab", "run")


@dataclass(frozen=True)
class Workbook:
    """The folders ``init`` made."""

    root: Path
    system: Path
    notebooks: Path
    reports: Path
    example: str


def examples() -> list[str]:
    """What ``--example`` accepts: every shipped system folder, and the blank skeleton."""
    shipped = sorted(p.name for p in workbook.examples_dir().iterdir() if _is_system(p))
    return [*shipped, BLANK]


def init_workbook(folder: str | Path, example: str = workbook.DEFAULT_EXAMPLE) -> Workbook:
    """Create ``folder`` with the notebooks, ``example``'s system and an empty reports
    folder; a UsageError when ``folder`` holds anything or ``example`` is unknown."""
    root = Path(folder)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise UsageError(f"{root} exists and is not empty; init makes a new folder")
    source = _blank() if example == BLANK else workbook.example(example)
    if not _is_system(source):
        raise UsageError(f"unknown example {example!r} (known: {', '.join(examples())})")
    made = Workbook(
        root, root / SYSTEM_DIR, root / NOTEBOOKS_DIR, root / REPORTS_DIR, example=example
    )
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, made.system, ignore=IGNORE)
    # Beside the system as beside the shipped examples: its files' $schema paths hold.
    shutil.copytree(workbook.examples_dir() / SCHEMAS_DIR, root / SCHEMAS_DIR)
    made.reports.mkdir()
    made.notebooks.mkdir()
    first = _first_scenario(made.system)
    for notebook in sorted(workbook.notebooks_dir().glob("*.ipynb")):
        text = notebook.read_text(encoding="utf-8")
        # A relative data_dir is tried from the notebook's folder, then its parent: "system"
        # finds DIR/system from DIR/notebooks. An empty one (the report's) stays empty.
        text = _set_parameter(text, "data_dir", SYSTEM_DIR, was='data/[^"\\\\]*')
        text = _set_parameter(text, "systems", SYSTEM_DIR, was="data")  # the board's
        if first is not None:
            text = _set_parameter(text, "scenario", first)
        (made.notebooks / notebook.name).write_text(text, encoding="utf-8")
    return made


def _blank() -> Path:
    return Path(__file__).parent / BLANK


def _is_system(folder: Path) -> bool:
    return (folder / "system.yaml").is_file()


def _first_scenario(system: Path) -> str | None:
    """The id of the first playbook (by file name): the game-day notebook's default."""
    for path in sorted((system / "playbooks").glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(document, dict) and isinstance(document.get("id"), str):
            return document["id"]
    return None


def _set_parameter(notebook_json: str, name: str, value: str, was: str = r"[^\"\\]*") -> str:
    """Give the string parameter ``name`` a new default in a notebook's JSON text, where its
    value matches the regular expression ``was``.

    Parameters are one ``name = "value"  # comment`` line each (notebooks.md); the text is
    edited in place so the notebook stays byte for byte as committed otherwise.
    """
    pattern = re.compile(rf'^(\s*"){re.escape(name)}( = )\\"{was}\\"', re.MULTILINE)
    return pattern.sub(lambda m: f'{m.group(1)}{name}{m.group(2)}\\"{value}\\"', notebook_json)
