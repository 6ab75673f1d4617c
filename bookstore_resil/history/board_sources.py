"""The board's systems: every folder holding a ``system.yaml`` under the paths given (any
depth, so an ``init`` workbook's ``system/`` is found too), and every System of a Backstage
catalog, each imported in memory as ``import-backstage --system`` would.

A system still being written loads as ``deps`` loads it (:func:`load_incomplete`: TODO
objectives are unknown, not refused); one that cannot be read at all is kept on the board
with its first problem, ``FILE:LINE: field: message``: a broken team folder is a finding, not
a reason to stop the organisation's board.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bookstore_resil.define.backstage import import_backstage, read_catalog
from bookstore_resil.define.backstage.catalog import CATALOG_SUFFIXES
from bookstore_resil.define.incomplete import load_incomplete
from bookstore_resil.define.loader import SYSTEM_FILE
from bookstore_resil.define.model import System
from bookstore_resil.define.signoffs import SignOff, load_signoffs
from bookstore_resil.errors import DefinitionError, ResilError, UsageError

# Folders no team keeps a system in: walking them would only cost time.
PASSED_OVER = frozenset({"node_modules", "__pycache__", "site-packages", "reports"})


@dataclass(frozen=True)
class Source:
    """One system of the board as read: its definition, or why it could not be read."""

    name: str
    where: str  # the folder, or ``CATALOG (system:default/NAME)``
    owner: str | None
    system: System | None = None
    signoffs: tuple[SignOff, ...] = ()
    problem: str | None = None  # the first problem, FILE:LINE: field: message
    warnings: tuple[str, ...] = field(default=(), compare=False)


def owner_of(system: System) -> str | None:
    """Who owns a system, from its contacts: the head of the org chart (nobody to report
    to) who covers every service or the entrypoint, else the first such head."""
    heads = [c for c in system.contacts if not c.reports_to]
    covering = [c for c in heads if {"ALL", system.entrypoint} & set(c.services)]
    chosen = next(iter(covering or heads or system.contacts), None)
    if chosen is None:
        return None
    return f"{chosen.name} ({chosen.team})" if chosen.team else chosen.name


def load_folder(folder: Path, where: str | None = None, owner: str | None = None) -> Source:
    """One system folder as a :class:`Source`; never raises for a broken definition."""
    where = where or str(folder)
    try:
        loaded = load_incomplete(folder)
        signoffs = tuple(load_signoffs(folder))
    except DefinitionError as error:
        return Source(folder.name, where, owner, problem=str(error.first))
    except (ResilError, OSError) as error:
        return Source(folder.name, where, owner, problem=f"{folder}: {error}")
    system = loaded.system
    return Source(
        system.system,
        where,
        owner or owner_of(system),
        system,
        signoffs,
        warnings=tuple(str(w) for w in loaded.warnings),
    )


def system_folders(root: Path) -> Iterator[Path]:
    """Every folder under ``root`` (itself included) holding ``system.yaml``, sorted; a
    system folder's own sub-folders (its playbooks) are not searched."""
    for folder, names, files in os.walk(root):
        names[:] = sorted(n for n in names if not n.startswith(".") and n not in PASSED_OVER)
        if SYSTEM_FILE in files:
            names.clear()
            yield Path(folder)


def catalog_systems(path: Path) -> list[Source]:
    """Every System of the Backstage catalog at ``path``, imported in memory."""
    catalog = read_catalog([path])
    systems = catalog.of_kind("system")
    if not systems:
        raise UsageError(f"--systems {path}: no system.yaml below it and no Backstage System")
    sources = []
    with tempfile.TemporaryDirectory(prefix="bookstore-board-") as tmp:
        for index, entity in enumerate(systems):
            where = f"{path} ({entity.ref})"
            owner = str(entity.spec.get("owner") or "") or None
            try:
                import_backstage([path], Path(tmp) / str(index), system=entity.ref)
            except DefinitionError as error:
                sources.append(Source(entity.title, where, owner, problem=str(error.first)))
                continue
            except UsageError as error:
                sources.append(Source(entity.title, where, owner, problem=str(error)))
                continue
            sources.append(load_folder(Path(tmp) / str(index), where, owner))
    return sources


def find_systems(paths: Iterable[str | Path]) -> list[Source]:
    """The systems under ``paths`` (folders or Backstage catalogs), in the order found; a
    UsageError for a path that holds none."""
    sources: list[Source] = []
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise UsageError(f"--systems {path}: no such file or folder")
        folders = list(system_folders(path)) if path.is_dir() else []
        if folders:
            sources += [load_folder(folder) for folder in folders]
        elif path.is_dir() or path.suffix in CATALOG_SUFFIXES:
            sources += catalog_systems(path)
        else:
            raise UsageError(f"--systems {path}: not a folder or a Backstage catalog file")
    return sources
