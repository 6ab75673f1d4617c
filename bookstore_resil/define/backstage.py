"""A Backstage catalog (``catalog-info.yaml``) -> a system folder that ``validate`` reads.

Components and Resources become services, their ``spec.dependsOn`` (and the inverse
``spec.dependencyOf``) the ``depends_on`` edges, a System entity the system's name. What
Backstage does not know comes from ``bookstore-resil/*`` annotations (see
:data:`ANNOTATIONS`). Where they are missing the import writes defaults that ``validate``
flags on purpose, so nobody mistakes a guess for a decision:

- ``critical`` defaults to true, and a critical service without a playbook scenario is
  reported by ``validate``;
- ``rto`` and ``rpo`` default to ``TODO``, which ``validate`` reports as unreadable durations.

An edge is critical when its child is; a non-critical child's ``bookstore-resil/degraded``
annotation becomes the edge's documented degraded behaviour.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bookstore_resil.define.files import read_text
from bookstore_resil.define.loader import SYSTEM_FILE
from bookstore_resil.define.yamlpos import check_expansion
from bookstore_resil.errors import DefinitionError, Problem, UsageError

PREFIX = "bookstore-resil/"
SERVICE_KINDS = ("component", "resource")
TODO = "TODO"
ANNOTATIONS = (
    "entrypoint",
    "critical",
    "criticality-period",
    "rto",
    "rpo",
    "degraded",
    "manual-workaround",
    "platform",
    "identifier",
    "supports",
    "az",
    "vpc",
    "subnet",
    "endpoint",
)
FLAGS = ("critical", "entrypoint")
_REF = re.compile(r"^(?:(?P<kind>[^:/]+):)?(?:(?P<namespace>[^:/]+)/)?(?P<name>[^:/]+)$")


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
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.namespace, self.name)

    @property
    def service_id(self) -> str:
        return re.sub(r"[^a-z0-9-]", "-", self.name.lower())

    def annotation(self, name: str) -> str | None:
        return (self.document["metadata"].get("annotations") or {}).get(PREFIX + name)


def read_catalog(paths: Iterable[str | Path]) -> list[Entity]:
    """Every entity of the given multi-document YAML files; DefinitionError on bad ones."""
    entities, problems = [], []
    for path in paths:
        file = str(path)
        try:
            loader = yaml.SafeLoader(read_text(path))
            while loader.check_node():
                node = loader.get_node()
                line = node.start_mark.line + 1
                check_expansion(node)
                document = loader.construct_document(node)
                if document is None:
                    continue
                metadata = document.get("metadata") if isinstance(document, dict) else None
                if (
                    not isinstance(metadata, dict)
                    or not metadata.get("name")
                    or not document.get("kind")
                ):
                    problems.append(Problem(file, line, "(entity)", "needs kind and metadata.name"))
                    continue
                entities.append(
                    Entity(
                        kind=str(document["kind"]).lower(),
                        namespace=str(metadata.get("namespace") or "default").lower(),
                        name=str(metadata["name"]).lower(),
                        document=document,
                        file=file,
                        line=line,
                    )
                )
        except DefinitionError as refused:
            problems.extend(refused.problems)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            message = f"invalid YAML: {getattr(exc, 'problem', None) or exc}"
            problems.append(Problem(file, mark.line + 1 if mark else 1, "(yaml)", message))
    if problems:
        raise DefinitionError(problems)
    return entities


def _resolve(ref: str, default_kind: str, namespace: str) -> tuple[str, str, str] | None:
    match = _REF.match(ref.strip().lower())
    if not match:
        return None
    return (match["kind"] or default_kind, match["namespace"] or namespace, match["name"])


def catalog_to_system(entities: list[Entity]) -> dict[str, Any]:
    """The ``system.yaml`` document of the catalog's Components and Resources."""
    services = {e.key: e for e in entities if e.kind in SERVICE_KINDS}
    problems = _check(services)
    children = _children(services, problems)
    entrypoint = _entrypoint(services, children, problems)
    if problems:
        raise DefinitionError(problems)
    parents: dict[tuple[str, str, str], list[str]] = {key: [] for key in services}
    for parent, kids in children.items():
        for child in kids:
            parents[child].append(_title(services[parent]))
    system = next((e for e in entities if e.kind == "system"), None)
    return {
        "system": _title(system) if system else "Imported from Backstage",
        "description": (system.document["metadata"].get("description") if system else None) or "",
        "entrypoint": entrypoint,
        "services": [
            _service(entity, [services[c] for c in children[key]], parents[key])
            for key, entity in services.items()
        ],
    }


def _check(services: dict[tuple[str, str, str], Entity]) -> list[Problem]:
    """Service ids that collide, and ``bookstore-resil/`` annotations that cannot be read."""
    problems = []
    by_id: dict[str, Entity] = {}
    for entity in services.values():
        other = by_id.setdefault(entity.service_id, entity)
        if other is not entity:
            problems.append(
                Problem(
                    entity.file,
                    entity.line,
                    "metadata.name",
                    f"service id {entity.service_id!r} is also {other.kind}:{other.name}",
                )
            )
        for key, value in (entity.document["metadata"].get("annotations") or {}).items():
            if not key.startswith(PREFIX):
                continue
            name = key.removeprefix(PREFIX)
            if name not in ANNOTATIONS:
                message = f"unknown annotation (known: {', '.join(ANNOTATIONS)})"
            elif name in FLAGS and str(value).lower() not in ("true", "false"):
                message = f'expected "true" or "false", got {value!r}'
            else:
                continue
            problems.append(
                Problem(entity.file, entity.line, f"metadata.annotations.{key}", message)
            )
    return problems


def _children(
    services: dict[tuple[str, str, str], Entity], problems: list[Problem]
) -> dict[tuple[str, str, str], list[tuple[str, str, str]]]:
    """Each service's dependencies, from ``dependsOn`` and the inverse ``dependencyOf``."""
    children: dict[tuple[str, str, str], list[tuple[str, str, str]]] = {k: [] for k in services}
    for entity in services.values():
        spec = entity.document.get("spec") or {}
        for field, outgoing in (("dependsOn", True), ("dependencyOf", False)):
            for index, ref in enumerate(spec.get(field) or []):
                target = _resolve(str(ref), "component", entity.namespace)
                if target not in services:
                    problems.append(
                        Problem(
                            entity.file,
                            entity.line,
                            f"spec.{field}[{index}]",
                            f"{ref!r} is no Component or Resource in the given files",
                        )
                    )
                    continue
                parent, child = (entity.key, target) if outgoing else (target, entity.key)
                if child not in children[parent]:
                    children[parent].append(child)
    return children


def _title(entity: Entity) -> str:
    metadata = entity.document["metadata"]
    return str(metadata.get("title") or metadata["name"])


def _critical(entity: Entity) -> bool:
    return str(entity.annotation("critical") or "true").lower() == "true"


def _entrypoint(services: dict, children: dict, problems: list[Problem]) -> str:
    marked = [e for e in services.values() if str(e.annotation("entrypoint")).lower() == "true"]
    if not marked:
        depended = {child for kids in children.values() for child in kids}
        marked = [e for k, e in services.items() if e.kind == "component" and k not in depended]
    if len(marked) == 1:
        return marked[0].service_id
    first = next(iter(services.values()), None)
    problems.append(
        Problem(
            first.file if first else "(catalog)",
            first.line if first else 1,
            f"annotations.{PREFIX}entrypoint",
            f"cannot tell the entrypoint among {len(marked)} candidates: annotate exactly one "
            f'entity with {PREFIX}entrypoint: "true"',
        )
    )
    return ""


def _service(entity: Entity, children: list[Entity], supports: list[str]) -> dict[str, Any]:
    metadata, spec = entity.document["metadata"], entity.document.get("spec") or {}
    service: dict[str, Any] = {
        "id": entity.service_id,
        "name": _title(entity),
        "purpose": metadata.get("description") or "",
        "supports": entity.annotation("supports") or ", ".join(supports) or "N/A",
        "platform": entity.annotation("platform") or str(spec.get("type") or ""),
        "technologies": [str(tag) for tag in metadata.get("tags") or []],
        "identifier": entity.annotation("identifier") or metadata["name"],
    }
    for annotation in ("az", "vpc", "subnet", "endpoint"):
        if entity.annotation(annotation):
            service[annotation] = entity.annotation(annotation)
    service["critical"] = _critical(entity)
    service["criticality_period"] = entity.annotation("criticality-period") or "always"
    if entity.annotation("manual-workaround"):
        service["manual_workaround"] = entity.annotation("manual-workaround")
    service["rto"] = entity.annotation("rto") or TODO
    service["rpo"] = entity.annotation("rpo") or TODO
    if children:
        service["depends_on"] = [_edge(child) for child in children]
    return service


def _edge(child: Entity) -> str | dict[str, Any]:
    if _critical(child):
        return child.service_id
    edge: dict[str, Any] = {"service": child.service_id, "critical": False}
    if child.annotation("degraded"):
        edge["degraded"] = child.annotation("degraded")
    return edge


def import_backstage(paths: Iterable[str | Path], out: str | Path) -> Path:
    """Write ``out/system.yaml`` from the catalog files; never overwrites one."""
    paths = list(paths)
    document = catalog_to_system(read_catalog(paths))
    target = Path(out) / SYSTEM_FILE
    if target.exists():
        raise UsageError(f"{target} exists; import into an empty folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    header = (
        f"# Imported from {', '.join(str(p) for p in paths)} by bookstore-resil import-backstage.\n"
        f"# Replace every {TODO} and review each 'critical' before trusting the analysis.\n"
    )
    target.write_text(
        header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100),
        encoding="utf-8",
    )
    return target
