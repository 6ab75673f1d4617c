"""A Backstage catalog -> a system folder that ``deps`` analyses and ``validate`` reviews.

``import-backstage`` reads the catalog as teams keep it (:mod:`.catalog`: files, folders,
Locations, the catalog API's JSON), turns its Components and Resources and their relations
into ``system.yaml`` (:mod:`.system`), and its Groups and Users into ``contacts.yaml``
(:mod:`.people`). Kinds it has no use for are listed, not dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bookstore_resil.define.backstage.catalog import Catalog, Entity, read_catalog
from bookstore_resil.define.backstage.people import contacts_document
from bookstore_resil.define.backstage.system import (
    CRITICAL_UNKNOWN,
    SERVICE_KINDS,
    TODO,
    Conversion,
    convert,
)
from bookstore_resil.define.loader import CONTACTS_FILE, SYSTEM_FILE
from bookstore_resil.define.schema import schema_line
from bookstore_resil.errors import UsageError

__all__ = ["Catalog", "Entity", "Imported", "convert", "import_backstage", "read_catalog"]
USED_KINDS = (*SERVICE_KINDS, "system", "api", "group", "user")


@dataclass(frozen=True)
class Imported:
    """What an import wrote, and what it could not use or could not tell (for stderr)."""

    files: list[Path]
    conversion: Conversion
    contacts: int
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        document = self.conversion.system
        return {
            "written": [str(f) for f in self.files],
            "system": document["system"],
            "entrypoint": document["entrypoint"],
            "services": [s["id"] for s in document["services"]],
            "contacts": self.contacts,
            "notes": self.notes,
        }


def skipped_kinds(catalog: Catalog) -> list[str]:
    """One note per kind the import has no use for, naming its entities."""
    by_kind: dict[str, list[Entity]] = {}
    for entity in catalog.entities:
        if entity.kind not in USED_KINDS:
            by_kind.setdefault(entity.kind, []).append(entity)
    return [
        f"skipped {len(found)} {found[0].document['kind']} "
        f"(not imported): {', '.join(e.ref for e in found)}"
        for found in by_kind.values()
    ]


def _dump(header: str, document: dict[str, Any]) -> str:
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    return header + text.replace(
        f"critical: {CRITICAL_UNKNOWN}", "critical: true  # TODO: not in the catalog; review"
    )


def import_backstage(
    paths: Iterable[str | Path],
    out: str | Path,
    system: str | None = None,
    entrypoint: str | None = None,
) -> Imported:
    """Write ``out/system.yaml`` (and ``out/contacts.yaml`` when the catalog has Groups or
    Users) from the catalog at ``paths``; never overwrites either."""
    paths = list(paths)
    catalog = read_catalog(paths)
    conversion = convert(catalog, system, entrypoint)
    contacts = contacts_document(catalog, list(conversion.services.values()))
    out = Path(out)
    targets = [(out / SYSTEM_FILE, conversion.system)]
    if contacts is not None:
        targets.append((out / CONTACTS_FILE, contacts))
    for target, _ in targets:
        if target.exists():
            raise UsageError(f"{target} exists; import into an empty folder")
    out.mkdir(parents=True, exist_ok=True)
    source = (
        f"# Imported from {', '.join(str(p) for p in paths)} by bookstore-resil import-backstage.\n"
    )
    headers = {
        SYSTEM_FILE: f"# Replace every {TODO}, review each 'critical', then trust the analysis.\n",
        CONTACTS_FILE: "# Add phone, availability and timezone; review who reports to whom.\n",
    }
    kinds = {SYSTEM_FILE: "system", CONTACTS_FILE: "contacts"}
    for target, document in targets:
        first = schema_line(kinds[target.name], target, out)
        target.write_text(_dump(first + source + headers[target.name], document), encoding="utf-8")
    notes = [*catalog.notes, *skipped_kinds(catalog), *conversion.notes]
    count = len(contacts["contacts"]) if contacts else 0
    return Imported([t for t, _ in targets], conversion, count, notes)
