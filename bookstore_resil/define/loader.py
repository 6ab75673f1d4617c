"""A system folder -> :class:`~bookstore_resil.define.model.System`, every problem collected.

The folder holds ``system.yaml``, ``contacts.yaml`` and ``playbooks/*.yaml`` (docs/contract.md §1).
Each file is parsed with line marks, validated against the typed model, then the whole is
cross-checked. Every problem found anywhere is reported at once as a
:class:`~bookstore_resil.errors.Problem` (``FILE:LINE: field: message``) inside one
:class:`~bookstore_resil.errors.DefinitionError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from bookstore_resil import workbook
from bookstore_resil.define.files import read_text
from bookstore_resil.define.heap import collector_paused
from bookstore_resil.define.model import (
    JUMPS,
    PROCEDURES,
    ROLLBACK,
    Contact,
    Notification,
    Scenario,
    Service,
    System,
    TimeZone,
)
from bookstore_resil.define.nesting import deep_problem
from bookstore_resil.define.units import TODO
from bookstore_resil.define.yamlpos import LineDict, field_name, line_of, parse_with_lines, path_to
from bookstore_resil.errors import DefinitionError, Problem

SYSTEM_FILE = "system.yaml"
CONTACTS_FILE = "contacts.yaml"
PLAYBOOKS_DIR = "playbooks"


class _SystemFile(BaseModel):
    """system.yaml: the system, the service users reach first, and the architecture table."""

    model_config = ConfigDict(extra="forbid")
    system: str
    description: str = ""
    entrypoint: str
    timezone: TimeZone = "UTC"
    services: list[Service]


class _ContactsFile(BaseModel):
    """contacts.yaml: the people to call, and the notification procedures."""

    model_config = ConfigDict(extra="forbid")
    contacts: list[Contact] = []
    notification: list[Notification] = []


# The model each file a team writes is validated with, by kind: its JSON Schema's source.
FILE_MODELS: dict[str, type[BaseModel]] = {
    "system": _SystemFile,
    "contacts": _ContactsFile,
    "playbook": Scenario,
}


class Collector:
    """Gathers problems for one folder; each file's document is kept for line look-ups.

    ``incomplete``: what a system still being written lacks (a TODO objective or lead, a
    critical service without a playbook, an unknown entrypoint) is a warning, not a problem
    (:mod:`~bookstore_resil.define.incomplete`).
    """

    def __init__(self, folder: Path, incomplete: bool = False):
        self.folder = folder
        self.incomplete = incomplete
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.documents: dict[str, Any] = {}
        self.system: System | None = None  # as far as it could be read, problems or not

    def add(self, file: str, path: tuple[Any, ...], message: str, missing: bool = False) -> None:
        """Record a problem; ``missing``: one an incomplete load keeps as a warning."""
        line = line_of(self.documents.get(file), path)
        found = self.warnings if missing and self.incomplete else self.problems
        found.append(Problem(file, line, field_name(path), message))

    def read(self, path: Path) -> Any:
        """Parse one YAML file of the folder; None (with a problem recorded) when it cannot
        be read (see :mod:`~bookstore_resil.define.files`) or parsed."""
        file = str(path)
        try:
            text = read_text(path, self.folder)
        except DefinitionError as refused:
            self.problems.extend(refused.problems)
            return None
        try:
            document, duplicates = parse_with_lines(text)
        except yaml.reader.ReaderError as exc:
            line = text.count("\n", 0, exc.position) + 1
            message = f"invalid YAML: unacceptable character #x{exc.character:04x}: {exc.reason}"
            self.problems.append(Problem(file, line, "(yaml)", message))
            return None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            # Found at the very end (an unclosed quote or bracket): the line is where it opened.
            if exc.context_mark and mark is not None and mark.index >= len(text):
                mark = exc.context_mark
            line = mark.line + 1 if mark else 1
            self.problems.append(Problem(file, line, "(yaml)", f"invalid YAML: {exc.problem}"))
            return None
        except RecursionError:
            self.problems.append(deep_problem(file, text, "(yaml)"))
            return None
        except yaml.YAMLError as exc:
            self.problems.append(Problem(file, 1, "(yaml)", f"invalid YAML: {exc}"))
            return None
        for mapping, key, line in duplicates:
            field = field_name((*path_to(document, mapping), key))
            self.problems.append(Problem(file, line, field, "duplicate key"))
        if not isinstance(document, LineDict):
            if document is None:
                kind = "empty"
            else:
                kind = "a list" if isinstance(document, list) else "a scalar"
            self.problems.append(Problem(file, 1, "(document)", f"expected a mapping, got {kind}"))
            return None
        self.documents[file] = document
        return document

    def validate(self, file: str, model: type[BaseModel], document: Any) -> Any:
        """Validate ``document`` against ``model``; None (problems recorded) when invalid."""
        try:
            context = {"from_file": True, "incomplete": self.incomplete}
            return model.model_validate(document, context=context)
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                path = tuple(p for p in error["loc"] if isinstance(p, int) or _is_key(p))
                message = error["msg"].removeprefix("Value error, ")
                if error["type"] == "missing":
                    message = "missing"
                elif error["type"] == "extra_forbidden":
                    message = "unknown key"
                self.add(file, path, message)
        except RecursionError:
            self.add(file, (), "structure nests too deeply (recursive anchors?)")
            return None
        try:  # read on, what was unreadable unknown: the checks across files still run
            return model.model_validate(document, context={**context, "unreadable": True})
        except (ValidationError, RecursionError):
            return None


def _is_key(part: Any) -> bool:
    # pydantic puts validator names such as "function-before[...]" in a loc; YAML keys have none.
    return isinstance(part, str) and "[" not in part


def locate_system_folder(folder: str | Path) -> Path:
    """A relative folder looked up from the current directory, then from its parent, then
    (for ``data/NAME``) among the examples shipped in the package.

    Notebooks run with the repo root or ``notebooks/`` as their directory; both find
    ``data/bookstore`` (and ``reports``) this way, and a plain ``pip install`` finds the
    Bookstore in the package.
    """
    folder = Path(folder)
    if folder.is_absolute() or folder.exists():
        return folder
    above = Path.cwd().parent / folder
    if above.exists():
        return above
    if len(folder.parts) == 2 and folder.parts[0] == "data":
        shipped = workbook.example(folder.parts[1])
        if shipped.is_dir():
            return shipped
    return folder


def load_system(folder: str | Path) -> System:
    """Load and cross-check the system folder; raise DefinitionError with every problem."""
    return load_collecting(Collector(Path(folder)))


@collector_paused()  # a large definition: see bookstore_resil.define.heap
def load_collecting(found: Collector) -> System:
    """Load ``found.folder``, its problems and warnings collected in ``found``."""
    folder = found.folder
    if not folder.is_dir():
        raise DefinitionError([Problem(str(folder), 0, "(folder)", "not a folder")])
    system_path = folder / SYSTEM_FILE
    if not system_path.exists():
        what = "folder is empty" if not any(folder.iterdir()) else f"no {SYSTEM_FILE}"
        raise DefinitionError([Problem(str(system_path), 0, "(file)", what)])

    system_file = str(system_path)
    system_doc = found.read(system_path)
    parsed_system = (
        None if system_doc is None else found.validate(system_file, _SystemFile, system_doc)
    )

    contacts_path = folder / CONTACTS_FILE
    contacts_file = str(contacts_path)
    parsed_contacts: _ContactsFile | None = _ContactsFile()
    if contacts_path.exists() or contacts_path.is_symlink():  # a broken link is reported
        contacts_doc = found.read(contacts_path)
        parsed_contacts = (
            None
            if contacts_doc is None
            else found.validate(contacts_file, _ContactsFile, contacts_doc)
        )

    scenarios: list[Scenario] = []
    # The services the playbooks are about, valid or not, so that a broken playbook is not
    # reported again as a critical service without one; None when a playbook is unreadable.
    covered: set[str] | None = set()
    playbooks = sorted((folder / PLAYBOOKS_DIR).glob("*.yaml")) + sorted(
        (folder / PLAYBOOKS_DIR).glob("*.yml")
    )
    for path in playbooks:
        document = found.read(path)
        if document is None:
            covered = None
            continue
        if covered is not None and isinstance(document.get("service"), str):
            covered.add(document["service"])
        if "source" in document:
            found.add(str(path), ("source",), "unknown key")
            continue
        scenario = found.validate(str(path), Scenario, document)
        if scenario is not None:
            scenarios.append(scenario.model_copy(update={"source": str(path)}))

    if parsed_system is None or parsed_contacts is None:
        raise DefinitionError(found.problems)

    _check_system(found, system_file, parsed_system)
    _check_contacts(found, contacts_file, parsed_contacts, parsed_system)
    _check_scenarios(found, scenarios, covered, parsed_system, parsed_contacts)
    found.system = System(
        system=parsed_system.system,
        description=parsed_system.description,
        entrypoint=parsed_system.entrypoint,
        timezone=parsed_system.timezone,
        services=parsed_system.services,
        contacts=parsed_contacts.contacts,
        notification=parsed_contacts.notification,
        scenarios=scenarios,
        path=str(folder),
    )
    if found.problems:
        raise DefinitionError(found.problems)
    return found.system


def _duplicates(ids: list[str]) -> list[int]:
    """Indexes of the ids that repeat an earlier one."""
    seen: set[str] = set()
    repeats = []
    for index, item in enumerate(ids):
        if item in seen:
            repeats.append(index)
        seen.add(item)
    return repeats


def _check_system(found: Collector, file: str, parsed: _SystemFile) -> None:
    ids = [s.id for s in parsed.services]
    for index in _duplicates(ids):
        found.add(file, ("services", index, "id"), f"duplicate service id {ids[index]!r}")
    known = set(ids)
    if parsed.entrypoint not in known:
        found.add(file, ("entrypoint",), f"unknown service {parsed.entrypoint!r}", missing=True)
    for index, service in enumerate(parsed.services):
        for edge_index, edge in enumerate(service.depends_on):
            path = ("services", index, "depends_on", edge_index)
            if edge.service not in known:
                found.add(file, path, f"unknown service {edge.service!r}")
            elif edge.service == service.id:
                found.add(file, path, f"{service.id!r} depends on itself")
    # The last service of a repeated id, as in _cycles' edges.
    last_index = {service_id: index for index, service_id in enumerate(ids)}
    for cycle in _cycles(parsed.services):
        index = last_index[cycle[0]]
        edge_index = next(
            i for i, e in enumerate(parsed.services[index].depends_on) if e.service == cycle[1]
        )
        found.add(
            file,
            ("services", index, "depends_on", edge_index),
            "dependency cycle: " + " -> ".join([*cycle, cycle[0]]),
        )


def _cycles(services: list[Service]) -> list[list[str]]:
    """One dependency cycle per knot of services that reach each other (networkx's strongly
    connected components), as its service ids from the knot's first service in file order.
    Self-loops are left out: they are reported on their own."""
    import networkx as nx

    last = {service.id: service for service in services}  # a repeated id: its last entry
    order = {service_id: index for index, service_id in enumerate(last)}
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(last)
    for service in last.values():
        graph.add_edges_from((service.id, e.service) for e in service.depends_on)
    graph.remove_edges_from(list(nx.selfloop_edges(graph)))
    cycles = []
    for knot in nx.strongly_connected_components(graph):
        if len(knot) > 1:
            first = min(knot, key=lambda node: order.get(node, len(order)))
            cycles.append([u for u, _ in nx.find_cycle(graph.subgraph(knot), source=first)])
    return sorted(cycles, key=lambda cycle: order[cycle[0]])


def _check_contacts(
    found: Collector, file: str, parsed: _ContactsFile, system: _SystemFile
) -> None:
    names = [c.name for c in parsed.contacts]
    for index in _duplicates(names):
        found.add(file, ("contacts", index, "name"), f"duplicate contact {names[index]!r}")
    services = {s.id for s in system.services}
    for index, contact in enumerate(parsed.contacts):
        if contact.reports_to is not None and contact.reports_to not in names:
            found.add(file, ("contacts", index, "reports_to"), f"no contact {contact.reports_to!r}")
        for item_index, service in enumerate(contact.services):
            if service != "ALL" and service not in services:
                found.add(
                    file,
                    ("contacts", index, "services", item_index),
                    f"unknown service {service!r}",
                )
    boss = {c.name: c.reports_to for c in parsed.contacts if c.reports_to is not None}
    reported: set[str] = set()
    for index, contact in enumerate(parsed.contacts):
        chain = [contact.name]
        while boss.get(chain[-1]) in boss and boss[chain[-1]] not in chain:
            chain.append(boss[chain[-1]])
        if boss.get(chain[-1]) == contact.name and contact.name not in reported:
            reported.update(chain)
            found.add(
                file,
                ("contacts", index, "reports_to"),
                "org chart cycle: " + " -> ".join([*chain, contact.name]),
            )


def _check_scenarios(
    found: Collector,
    scenarios: list[Scenario],
    covered: set[str] | None,
    system: _SystemFile,
    contacts: _ContactsFile,
) -> None:
    services = {s.id for s in system.services}
    names = {c.name for c in contacts.contacts}
    seen: dict[str, str] = {}
    for scenario in scenarios:
        file = scenario.source
        if scenario.id in seen:
            found.add(
                file,
                ("id",),
                f"duplicate scenario id {scenario.id!r} (also in {seen[scenario.id]})",
            )
        seen.setdefault(scenario.id, file)
        if scenario.service not in services:
            found.add(file, ("service",), f"unknown service {scenario.service!r}")
        for role in ("primary", "secondary"):
            name = getattr(scenario.leads, role)
            if name is not None and name not in names:
                todo = name.strip().upper() == TODO  # not chosen yet: an incomplete system
                found.add(file, ("leads", role), f"no contact {name!r}", missing=todo)
        step_ids = {step.id for step in scenario.steps}
        seen_steps: set[str] = set()
        for procedure in (*PROCEDURES, ROLLBACK):
            for index, step in enumerate(getattr(scenario, procedure)):
                if step.id in seen_steps:
                    found.add(file, (procedure, index, "id"), f"duplicate step id {step.id!r}")
                seen_steps.add(step.id)
                for outcome, target in step.next.items():
                    if target not in step_ids and target not in JUMPS:
                        found.add(
                            file,
                            (procedure, index, "next", outcome),
                            f"unknown step {target!r} (a step id, or one of {', '.join(JUMPS)})",
                        )
    if covered is None:
        return
    for index, service in enumerate(system.services):
        if service.critical and service.id not in covered:
            found.add(
                str(found.folder / SYSTEM_FILE),
                ("services", index, "critical"),
                f"critical service {service.id!r} has no playbook scenario",
                missing=True,
            )
