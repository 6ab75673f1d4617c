"""Reading a Backstage catalog as teams keep it: files, folders, Locations and API answers.

A path is a descriptor file (``catalog-info.yaml``, several entities separated by ``---``),
a folder (every ``.yaml``, ``.yml`` and ``.json`` file below it), or the catalog REST API's
JSON (``GET /api/catalog/entities`` answers a list, ``/entities/by-query`` an object with
``items``). A ``Location`` entity's targets are read too, relative to the file that names
them (glob patterns included), as Backstage's catalog reads them: a target that cannot be
read is a warning and the rest is ingested. Targets stay under the catalog's folder (the
folder given, or the given file's folder): an absolute path, a ``..`` that leads out, or a
link out is not followed. URL targets cannot be followed offline and are noted.

Every entity keeps the file and line it came from, and its full reference
``kind:namespace/name``, which is what every message names.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bookstore_resil.define.files import read_text
from bookstore_resil.define.nesting import deep_message, too_deep
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
        """The targets of the catalog API's computed ``relations`` of one type, whether
        they carry ``targetRef`` or only the older ``target`` object; one that carries
        neither is "", which the caller reports."""
        found = self.document.get("relations")
        return [
            _relation_target(r)
            for r in (found if isinstance(found, list) else [])
            if isinstance(r, dict) and r.get("type") == kind
        ]


def _relation_target(relation: dict[str, Any]) -> str:
    """``targetRef``, else the ``target`` object as a reference; "" when it has neither."""
    if relation.get("targetRef"):
        return str(relation["targetRef"])
    target = relation.get("target")
    if isinstance(target, dict) and target.get("kind") and target.get("name"):
        return f"{target['kind']}:{target.get('namespace') or 'default'}/{target['name']}"
    return ""


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
        self.roots: dict[str, Path] = {}  # each file read -> the catalog folder it is under

    def path(self, path: Path, root: Path, given: bool = False) -> None:
        """Read a file or a folder's catalog files; ``given`` on the command line (a file
        given there is read wherever its links lead; every other file stays under ``root``)."""
        if path.is_dir():
            for file in _catalog_files(path):
                self.file(file, root, scanning=True)
        else:
            self.file(path, root, scanning=False, confined=not given)

    def file(self, path: Path, root: Path, scanning: bool, confined: bool = True) -> None:
        if path.resolve() in self.seen_files:
            return
        self.seen_files.add(path.resolve())
        file = str(path)
        self.roots[file] = root
        try:
            for item, line in _items(path, root if confined else None):
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
        """Read a Location's targets: paths relative to its file, glob patterns included,
        under the catalog's folder. What cannot be followed or read is a note."""
        root = self.roots[entity.file]
        for field_name in ("target", "targets"):
            for index, target in enumerate(entity.texts(field_name)):
                where = f"spec.{field_name}" + (f"[{index}]" if field_name == "targets" else "")
                if entity.spec.get("type", "file") != "file" or "://" in target:
                    why: str | None = "not a file"
                    matches: list[Path] = []
                else:
                    why, matches = _spelled_out(Path(entity.file).parent, target, root)
                if why is None:
                    reader = _Reader()
                    reader.seen_files, reader.seen = self.seen_files, self.seen
                    for match in matches:
                        reader.path(match, root)
                    self.catalog.entities.extend(reader.catalog.entities)
                    self.catalog.notes.extend(reader.catalog.notes)
                    self.roots.update(reader.roots)
                    why = (
                        "; ".join(f"{p.file}:{p.line}: {p.message}" for p in reader.problems)
                        or None
                    )
                if why is not None:
                    self.catalog.notes.append(
                        f"{entity.file}:{entity.line}: {where}: {target} (from {entity.ref}): "
                        f"{why}, not read"
                    )


def _targets(base: Path, target: str, root: Path) -> tuple[str | None, list[Path]]:
    """The files a file Location's ``target`` names, or why it names none. Relative to
    ``base``; a glob pattern (``*``, ``?``, ``[...]``, ``**``; braces: :func:`_spelled_out`)
    is matched as Backstage's catalog does; nothing outside ``root`` (links resolved) is taken."""
    if Path(target).is_absolute():
        return "an absolute path", []
    pattern = Path(os.path.normpath(base / target))
    literal = Path(*[p for p in pattern.parts[: _first_glob(pattern.parts)]])
    inside = root.resolve()
    if not literal.resolve().is_relative_to(inside):
        return f"outside the catalog's folder {root}", []
    if _first_glob(pattern.parts) == len(pattern.parts):
        return (None, [pattern]) if pattern.exists() else ("no such file", [])
    rest = str(pattern.relative_to(literal))
    matches = [p for p in sorted(literal.glob(rest)) if p.resolve().is_relative_to(inside)]
    return (None, matches) if matches else ("no file matches", [])


def _spelled_out(base: Path, target: str, root: Path) -> tuple[str | None, list[Path]]:
    """:func:`_targets` of each ``{a,b}`` alternative of ``target`` (the glob Backstage
    uses reads braces), together; why none matched when none did."""
    found: list[Path] = []
    why = None
    for one in _braces(target):
        reason, matches = _targets(base, one, root)
        found += [match for match in matches if match not in found]
        why = why or reason
    return (None, found) if found else (why, [])


def _braces(pattern: str) -> list[str]:
    match = re.search(r"\{([^{}]*,[^{}]*)\}", pattern)
    if match is None:
        return [pattern]
    head, tail = pattern[: match.start()], pattern[match.end() :]
    return [one for part in match[1].split(",") for one in _braces(head + part + tail)]


def _first_glob(parts: tuple[str, ...]) -> int:
    return next((i for i, p in enumerate(parts) if any(c in p for c in "*?[")), len(parts))


def _catalog_files(folder: Path) -> list[Path]:
    """The catalog files below ``folder``, without following links to folders."""
    found = []
    for where, folders, files in os.walk(folder, followlinks=False):
        folders.sort()
        found += [Path(where, f) for f in files if Path(f).suffix in CATALOG_SUFFIXES]
    return sorted(found)


def _items(path: Path, root: Path | None) -> Iterator[tuple[Any, int]]:
    """Each entity-shaped item of a file (under ``root`` when given), with its line: every
    YAML document, every element of a JSON list, every element of an answer's ``items``."""
    text = read_text(path, root)
    deep = too_deep(text)
    if deep is not None:
        raise DefinitionError([Problem(str(path), deep, "(yaml)", deep_message())])
    loader = yaml.SafeLoader(text)
    try:
        while loader.check_node() and (node := loader.get_node()) is not None:
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
    for path in map(Path, paths):
        reader.path(path, path if path.is_dir() else path.parent, given=True)
    if reader.problems:
        raise DefinitionError(reader.problems)
    return reader.catalog
