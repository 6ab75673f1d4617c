"""A catalog -> the ``system.yaml`` document: which services, their edges, the entrypoint.

Components and Resources are the services. Their edges, parent to child:

- ``spec.dependsOn`` (and the inverse ``spec.dependencyOf``), any kind and namespace;
- ``spec.consumesApis`` -> every Component whose ``spec.providesApis`` names that API (a
  consumed ref that names a Component or Resource itself is an edge to it);
- ``spec.subcomponentOf``: the parent needs its subcomponents;
- the catalog API's computed ``relations`` of the same types, for its JSON answers.

A dependency on an entity not in the files read becomes a service to fill in (with a
note), so the edge is not lost; one whose name another kind holds (``component:x`` beside
``resource:x``) is a problem naming both. ``dependsOn`` and ``dependencyOf`` need a kind, as
in Backstage. A dependency cycle is a problem naming its entities: ``deps`` needs none.

What is imported: with ``--entrypoint`` and no ``--system``, the entrypoint and everything it
reaches; else ``spec.system`` chooses: ``--system``, else the only system the services name.
Its services, and everything they depend on whatever its system, are imported; the rest is
left out with a note.

What the catalog cannot say is written so nobody mistakes a guess for a decision: ``rto``
and ``rpo`` are ``TODO`` (``deps`` analyses them as unknown, ``validate`` refuses them),
``critical`` is true with a ``# TODO`` comment, and an entrypoint that cannot be told is
``TODO`` with the candidates in a note. ``bookstore-resil/*`` annotations say each of them
where a team has decided (:data:`ANNOTATIONS`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bookstore_resil.define.backstage.catalog import PREFIX, Catalog, Entity, Ref, parse_ref, show
from bookstore_resil.errors import DefinitionError, Problem, UsageError

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
# Stands for a criticality the catalog does not give; written as `true  # TODO: ...`.
CRITICAL_UNKNOWN = "__critical_unknown__"
# spec field, the relation the catalog API computes from it, the default kind, direction.
_LINKS = (
    ("dependsOn", "dependsOn", "component", True),
    ("dependencyOf", "dependencyOf", "component", False),
)


def service_id(entity: Entity) -> str:
    return re.sub(r"[^a-z0-9-]", "-", entity.name.lower()).strip("-") or "service"


@dataclass
class Conversion:
    """The ``system.yaml`` document, the services it holds, and notes for stderr."""

    system: dict[str, Any]
    services: dict[Ref, Entity]
    notes: list[str] = field(default_factory=list)


def _linked(entity: Entity, spec_field: str, relation: str, kind: str) -> Iterator[tuple]:
    """(field, text, ref) for each ref of ``spec.FIELD`` and each computed relation."""
    for index, text, ref in entity.refs(spec_field, kind):
        yield f"spec.{spec_field}[{index}]", text, ref
    for text in entity.relations(relation):
        yield f"relations.{relation}", text, parse_ref(text, kind, entity.namespace)


def _placeholder(ref: Ref, by: Entity) -> Entity:
    kind, namespace, name = ref
    metadata = {"name": name, "namespace": namespace, "description": "not in the imported catalog"}
    return Entity(kind, namespace, name, {"metadata": metadata, "spec": {}}, by.file, by.line)


class _Graph:
    """Every service of the catalog and its children, with problems and notes."""

    def __init__(self, catalog: Catalog):
        self.services = {e.key: e for e in catalog.of_kind(*SERVICE_KINDS)}
        self.children: dict[Ref, list[Ref]] = {key: [] for key in self.services}
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        providers: dict[Ref, list[Ref]] = {}
        for entity in list(self.services.values()):
            for _, _, api in _linked(entity, "providesApis", "providesApi", "api"):
                providers.setdefault(api, []).append(entity.key)
        for entity in list(self.services.values()):
            for spec_field, relation, kind, outgoing in _LINKS:
                for where, text, target in _linked(entity, spec_field, relation, kind):
                    target = self._target(entity, where, text, target)
                    if target is not None:
                        self._add(*((entity.key, target) if outgoing else (target, entity.key)))
            for where, text, api in _linked(entity, "consumesApis", "consumesApi", "api"):
                if api is not None and api[0] in SERVICE_KINDS:
                    target = self._target(entity, where, text, api)
                    if target is not None:
                        self._add(entity.key, target)
                elif api is not None and providers.get(api):
                    for provider in providers[api]:
                        self._add(entity.key, provider)
                else:
                    self.notes.append(
                        f"{entity.file}:{entity.line}: {where}: {entity.ref} consumes "
                        f"{show(api) if api else repr(text)}, which no Component in the catalog "
                        "provides: no edge"
                    )
            for _, _, parent in _linked(entity, "subcomponentOf", "partOf", "component"):
                if parent in self.services and parent[0] in SERVICE_KINDS:
                    self._add(parent, entity.key)

    def _target(self, entity: Entity, where: str, text: str, ref: Ref | None) -> Ref | None:
        if ref is None:
            message = f"cannot read {text!r}" if text else "neither targetRef nor target"
            self.problems.append(Problem(entity.file, entity.line, where, message))
            return None
        if where.startswith(("spec.dependsOn", "spec.dependencyOf")) and ":" not in text:
            kinds = [show(k) for k in self.services if k[1:] == ref[1:]]
            hint = f" ({' or '.join(kinds)} is in the catalog)" if kinds else ""
            message = f"{text!r} has no kind: write component:{text} or resource:{text}{hint}"
            self.problems.append(Problem(entity.file, entity.line, where, message))
            return None
        if ref[0] not in SERVICE_KINDS:
            self.notes.append(
                f"{entity.file}:{entity.line}: {where}: {show(ref)} is no Component or "
                "Resource: no edge"
            )
            return None
        if ref not in self.services:
            namesakes = [show(k) for k in self.services if k[1:] == ref[1:]]
            if namesakes:
                message = f"{show(ref)} is not in the catalog read; {namesakes[0]} is: write that"
                self.problems.append(Problem(entity.file, entity.line, where, message))
                return None
            self.services[ref] = _placeholder(ref, entity)
            self.children[ref] = []
            self.notes.append(
                f"{entity.file}:{entity.line}: {where}: {show(ref)} is not in the catalog read: "
                "written as a service to fill in"
            )
        return ref

    def _add(self, parent: Ref, child: Ref) -> None:
        if parent != child and child not in self.children[parent]:
            self.children[parent].append(child)

    def cycles(self, selected: dict[Ref, Entity]) -> list[Problem]:
        """One problem per dependency cycle among ``selected``, naming its entities."""
        import networkx as nx

        graph = nx.DiGraph([(p, c) for p in selected for c in self.children[p]])
        problems = []
        for group in nx.strongly_connected_components(graph):
            if len(group) < 2:
                continue
            loop = [edge[0] for edge in nx.find_cycle(graph.subgraph(group))]
            first = selected[min(loop, key=list(selected).index)]
            start = loop.index(first.key)
            named = " -> ".join(show(k) for k in [*loop[start:], *loop[:start], first.key])
            message = f"dependency cycle: {named} (a service cannot depend on itself)"
            problems.append(Problem(first.file, first.line, "spec.dependsOn", message))
        return problems

    def closure(self, roots: list[Ref]) -> list[Ref]:
        """``roots`` and everything they depend on, in catalog order."""
        found, todo = set(roots), list(roots)
        while todo:
            for child in self.children[todo.pop()]:
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return [key for key in self.services if key in found]


def _system_of(entity: Entity) -> Ref | None:
    for _, _, ref in _linked(entity, "system", "partOf", "system"):
        if ref is not None and ref[0] == "system":
            return ref
    return None


def _select(graph: _Graph, wanted: str | None) -> Ref | None:
    """The system to import: ``wanted``, else the only one the services name (or None)."""
    named: dict[Ref, int] = {}
    for entity in graph.services.values():
        if (system := _system_of(entity)) is not None:
            named[system] = named.get(system, 0) + 1
    if wanted is not None:
        chosen = parse_ref(wanted, "system", "default")
        if chosen not in named:
            known = ", ".join(show(s) for s in named) or "none"
            raise UsageError(
                f"--system {wanted}: no Component or Resource is part of it (known: {known})"
            )
        return chosen
    if len(named) > 1:
        counts = ", ".join(f"{show(s)} ({n} services)" for s, n in named.items())
        raise UsageError(f"the catalog holds several systems: {counts}; choose one with --system")
    return next(iter(named), None)


def _check_annotations(entities: list[Entity]) -> list[Problem]:
    problems = []
    for entity in entities:
        annotations = entity.metadata.get("annotations")
        for key, value in (annotations if isinstance(annotations, dict) else {}).items():
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


def _check_ids(services: list[Entity]) -> list[Problem]:
    problems: list[Problem] = []
    by_id: dict[str, Entity] = {}
    for entity in services:
        other = by_id.setdefault(service_id(entity), entity)
        if other is not entity:
            problems.append(
                Problem(
                    entity.file,
                    entity.line,
                    "metadata.name",
                    f"{entity.ref} and {other.ref} would both be service {service_id(entity)!r}",
                )
            )
    return problems


def _find(services: dict[Ref, Entity], wanted: str) -> Entity:
    """The service ``--entrypoint`` names: its id, name or reference."""
    ref = parse_ref(wanted, "component", "default")
    found = [e for e in services.values() if wanted in (service_id(e), e.name) or e.key == ref]
    if not found:
        known = ", ".join(service_id(e) for e in services.values())
        raise UsageError(f"--entrypoint {wanted}: none of the imported services ({known})")
    return found[0]


def _entrypoint(
    services: dict[Ref, Entity], children: dict[Ref, list[Ref]], wanted: str | None
) -> tuple[str, str | None, list[Problem]]:
    """The entrypoint's id, a note when it could not be told, and problems."""
    if wanted is not None:
        return service_id(_find(services, wanted)), None, []
    marked = [e for e in services.values() if str(e.annotation("entrypoint")).lower() == "true"]
    if len(marked) == 1:
        return service_id(marked[0]), None, []
    if marked:
        message = f"{len(marked)} entities say they are the entrypoint: " + ", ".join(
            e.ref for e in marked
        )
        problem = Problem(
            marked[1].file, marked[1].line, f"annotations.{PREFIX}entrypoint", message
        )
        return "", None, [problem]
    depended = {child for key, kids in children.items() if key in services for child in kids}
    roots = [e for k, e in services.items() if e.kind == "component" and k not in depended]
    if len(roots) == 1:
        return service_id(roots[0]), None, []
    candidates = ", ".join(service_id(e) for e in roots) or "none"
    note = (
        f"entrypoint: TODO: cannot tell it among the components nothing depends on "
        f"({candidates}); choose one with --entrypoint"
    )
    return TODO, note, []


def convert(
    catalog: Catalog, system: str | None = None, entrypoint: str | None = None
) -> Conversion:
    """The ``system.yaml`` document of the catalog's services (see the module's docstring)."""
    graph = _Graph(catalog)
    if not graph.services:
        kinds = sorted({e.document["kind"] for e in catalog.entities}) or ["no entity"]
        raise UsageError(
            f"no Component or Resource in the catalog read (found: {', '.join(kinds)})"
        )
    start = _find(graph.services, entrypoint) if entrypoint is not None and system is None else None
    reached = start is not None
    if start is not None:
        chosen, members = _system_of(start), [start.key]
    else:
        chosen = _select(graph, system)
        members = [k for k, e in graph.services.items() if chosen in (None, _system_of(e))]
    selected = {key: graph.services[key] for key in graph.closure(members)}
    problems = graph.problems + _check_annotations(list(selected.values()))
    problems += _check_ids(list(selected.values())) + graph.cycles(selected)
    entry, entry_note, entry_problems = _entrypoint(selected, graph.children, entrypoint)
    problems += entry_problems
    if problems:
        raise DefinitionError(problems)
    notes = list(graph.notes)
    left_out = [e.ref for k, e in graph.services.items() if k not in selected]
    if left_out:
        scope = (
            f"not part of {show(chosen)}"
            if chosen is not None and not reached
            else f"not reached from {show(members[0])}"
        )
        notes.append(f"left out, as {scope}: {', '.join(left_out)}")
    if entry_note:
        notes.append(entry_note)
    system_entity = next((e for e in catalog.of_kind("system") if e.key == chosen), None)
    parents: dict[Ref, list[str]] = {key: [] for key in selected}
    for parent, kids in graph.children.items():
        for child in kids:
            if parent in selected:
                parents[child].append(selected[parent].title)
    document = {
        "system": system_entity.title
        if system_entity
        else chosen[2]
        if chosen
        else "Imported from Backstage",
        "description": _text(system_entity.metadata.get("description") if system_entity else None),
        "entrypoint": entry,
        "services": [
            _service(entity, [selected[c] for c in graph.children[key]], parents[key])
            for key, entity in selected.items()
        ],
    }
    return Conversion(document, selected, notes)


def _text(description: object) -> str:
    """A catalog description as one field: a block scalar's (``description: |``) line end
    dropped, so the imported file holds a plain line, not a quoted multi-line string."""
    return str(description or "").strip()


def _critical(entity: Entity) -> bool:
    return str(entity.annotation("critical") or "true").lower() == "true"


def _service(entity: Entity, children: list[Entity], supports: list[str]) -> dict[str, Any]:
    metadata, spec = entity.metadata, entity.spec
    service: dict[str, Any] = {
        "id": service_id(entity),
        "name": entity.title,
        "purpose": _text(metadata.get("description")),
        "supports": entity.annotation("supports") or ", ".join(supports) or "N/A",
        "platform": entity.annotation("platform") or str(spec.get("type") or ""),
        "technologies": [str(tag) for tag in metadata.get("tags") or []],
        "identifier": entity.annotation("identifier") or str(metadata["name"]),
    }
    for annotation in ("az", "vpc", "subnet", "endpoint"):
        if entity.annotation(annotation):
            service[annotation] = entity.annotation(annotation)
    service["critical"] = _critical(entity) if entity.annotation("critical") else CRITICAL_UNKNOWN
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
        return service_id(child)
    edge: dict[str, Any] = {"service": service_id(child), "critical": False}
    if child.annotation("degraded"):
        edge["degraded"] = child.annotation("degraded")
    return edge
