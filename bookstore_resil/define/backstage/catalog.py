"""Reading a Backstage catalog as teams keep it: files, folders, Locations and API answers.

A path is a descriptor file (``catalog-info.yaml``, several entities separated by ``---``),
a folder (every ``.yaml``, ``.yml`` and ``.json`` file below it), or the catalog REST API's
JSON (``GET /api/catalog/entities`` answers a list, ``/entities/by-query`` an object with
``items``). A ``Location`` entity's targets are read too, relative to the file that names
them (glob patterns included); URL targets cannot be followed offline and are noted.

Every entity keeps the file and line it came from, and its full reference
``kind:namespace/name``, which is what every message names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bookstore_resil.define.files import read_text
from bookstore_resil.define.yamlpos import check_expansion
from bookstore_resil.errors import DefinitionError, Problem

PREFIX = "bookstore-resil/"
CATALOG_SUFFIXES = (".yaml", ".yml", ".json")
_REF = re.compile(r"^(?:(?P<kind>[^:/]+):)?(?:(?P<namespace>[^:/]+)/)?(?P<name>[^:/]+)$")

Ref = tuple[str, str, str]  # kind, namespace, name; lower case, as Backstage compares them


def parse_ref(ref: object, default_kind: str, namespace: str) -> Ref | None:
    """``[kind:][namespace/]name`` -> (kind, namespace, name); None when it cannot be read."""
    match = _REF.match(str(ref).strip().lower())
    if not match:
        return None
    return (match["kind"] or default_kind, match["namespace"] or namespace, match["name"])


def show(ref: Ref) -> str:
    kind, namespace, name = ref
    return f"{kind}:{namespace}/{name}"


@dataclass(frozen=True)
class Entity:
    """One catalog entity, with where it was read."""

    kind: str
    namespace: str
    name: str
    document: dict[str, Any]
    file: str
    line: int

    @property
    def key(self) -> Ref:
        return (self.kind, self.namespace, self.name)

    @property
    def ref(self) -> str:
        return show(self.key)

    @property
    def metadata(self) -> dict[str, Any]:
        return self.document["metadata"]

    @property
    def spec(self) -> dict[str, Any]:
        spec = self.document.get("spec")
        return spec if isinstance(spec, dict) else {}

    @property
    def title(self) -> str:
        return str(self.metadata.get("title") or self.metadata["name"])

    def annotation(self, name: str) -> str | None:
        annotations = self.metadata.get("annotations")
        return (annotations if isinstance(annotations, dict) else {}).get(PREFIX + name)

    def texts(self, field: str) -> list[str]:
        """``spec.FIELD``, a list or a single value, as strings."""
        value = self.spec.get(field)
        return [
            str(v) for v in (value if isinstance(value, list) else [] if value is None else [value])
        ]

    def refs(self, field: str, default_kind: str) -> Iterator[tuple[int, str, Ref | None]]:
        """``spec.FIELD`` as (index, text, resolved ref) in this entity's namespace."""
        for index, text in enumerate(self.texts(field)):
            yield index, text, parse_ref(text, default_kind, self.namespace)

    def relations(self, kind: str) -> list[str]:
        """The targets of the catalog API's computed ``relations`` of one type."""
        found = self.document.get("relations")
        return [
            str(r["targetRef"])
            for r in (found if isinstance(found, list) else [])
            if isinstance(r, dict) and r.get("type") == kind and r.get("targetRef")
        ]


@dataclass
class Catalog:
    """The entities read, and what could not be followed (one note each, for stderr)."""

    entities: list[Entity] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def of_kind(self, *kinds: str) -> list[Entity]:
        return [e for e in self.entities if e.kind in kinds]


class _Reader:
    def __init__(self) -> None:
        self.catalog = Catalog()
        self.problems: list[Problem] = []
        self.seen_files: set[Path] = set()
        self.seen: dict[Ref, Entity] = {}

    def path(self, path: Path, scanning: bool = False) -> None:
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.suffix in CATALOG_SUFFIXES):
                if file.is_file():
                    self.file(file, scanning=True)
        else:
            self.file(path, scanning)

    def file(self, path: Path, scanning: bool) -> None:
        if path.resolve() in self.seen_files:
            return
        self.seen_files.add(path.resolve())
        file = str(path)
        try:
            for item, line in _items(path):
                self.entity(item, file, line, scanning)
        except DefinitionError as refused:
            self.problems.extend(refused.problems)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            message = f"invalid YAML: {getattr(exc, 'problem', None) or exc}"
            self.problems.append(Problem(file, mark.line + 1 if mark else 1, "(yaml)", message))

    def entity(self, item: Any, file: str, line: int, scanning: bool) -> None:
        is_dict = isinstance(item, dict)
        if scanning and not (is_dict and "apiVersion" in item and "kind" in item):
            self.catalog.notes.append(f"{file}:{line}: not a catalog entity (no apiVersion, kind)")
            return
        metadata = item.get("metadata") if is_dict else None
        if not isinstance(metadata, dict) or not metadata.get("name") or not item.get("kind"):
            self.problems.append(Problem(file, line, "(entity)", "needs kind and metadata.name"))
            return
        entity = Entity(
            kind=str(item["kind"]).lower(),
            namespace=str(metadata.get("namespace") or "default").lower(),
            name=str(metadata["name"]).lower(),
            document=item,
            file=file,
            line=line,
        )
        other = self.seen.setdefault(entity.key, entity)
        if other is not entity:
            self.problems.append(
                Problem(
                    file,
                    line,
                    "metadata.name",
                    f"{entity.ref} is also at {other.file}:{other.line}",
                )
            )
        elif entity.kind == "location":
            self.location(entity)
        else:
            self.catalog.entities.append(entity)

    def location(self, entity: Entity) -> None:
        """Read a Location's targets: paths relative to its file, glob patterns included."""
        base = Path(entity.file).parent
        for field_name in ("target", "targets"):
            for index, target in enumerate(entity.texts(field_name)):
                where = f"spec.{field_name}" + (f"[{index}]" if field_name == "targets" else "")
                if entity.spec.get("type", "file") != "file" or "://" in target:
                    self.catalog.notes.append(
                        f"{entity.file}:{entity.line}: {where}: {target}: not a file, not followed"
                    )
                    continue
                matches = (
                    sorted(base.glob(target))
                    if any(c in target for c in "*?[")
                    else [base / target]
                )
                if not any(p.exists() for p in matches):
                    message = f"{target} (from {entity.ref}): no such file"
                    self.problems.append(Problem(entity.file, entity.line, where, message))
                for match in matches:
                    self.path(match)


def _items(path: Path) -> Iterator[tuple[Any, int]]:
    """Each entity-shaped item of a file, with its line: every YAML document, every element
    of a JSON list, every element of an answer's ``items``."""
    loader = yaml.SafeLoader(read_text(path))
    try:
        while loader.check_node():
            node = loader.get_node()
            check_expansion(node)
            document = loader.construct_document(node)
            if document is None:
                continue
            children = node.value if isinstance(node, (yaml.SequenceNode, yaml.MappingNode)) else []
            if (
                isinstance(document, dict)
                and "kind" not in document
                and isinstance(document.get("items"), list)
            ):
                items_node = next(v for k, v in children if k.value == "items")
                yield from zip(document["items"], _lines(items_node), strict=True)
            elif isinstance(document, list):
                yield from zip(document, _lines(node), strict=True)
            else:
                yield document, node.start_mark.line + 1
    finally:
        loader.dispose()


def _lines(sequence: yaml.Node) -> list[int]:
    return [child.start_mark.line + 1 for child in sequence.value]


def read_catalog(paths: Iterable[str | Path]) -> Catalog:
    """Every entity of the given files and folders, Locations followed; DefinitionError with
    every problem (unreadable files, entities without kind or name, duplicates)."""
    reader = _Reader()
    for path in paths:
        reader.path(Path(path))
    if reader.problems:
        raise DefinitionError(reader.problems)
    return reader.catalog
