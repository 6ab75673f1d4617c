"""``import-chaostoolkit``: write a converted experiment into a system folder.

The scenario becomes ``playbooks/<id>.yaml`` (never overwritten); its probes, fault, actions,
configuration and secrets are added to ``target.yaml``, created when missing. ``target.yaml``
is a file people edit and comment, so it is rewritten through ruamel.yaml's round trip:
their comments, order and quoting stay. An entry that already exists with the same content
is kept; one with other content is a problem, and nothing is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from ruamel.yaml import YAML, YAMLError

from bookstore_resil.define.chaostoolkit_import import (
    Conversion,
    SystemFacts,
    convert,
    read_experiment,
)
from bookstore_resil.define.files import read_text
from bookstore_resil.define.incomplete import load_incomplete
from bookstore_resil.define.loader import PLAYBOOKS_DIR
from bookstore_resil.define.model import ID_PATTERN
from bookstore_resil.define.target_file import TARGET_FILE
from bookstore_resil.errors import DefinitionError, Problem, UsageError

# The mappings of target.yaml an import adds to, besides the list of probes.
SECTIONS = ("faults", "actions", "configuration", "secrets")
NEW_TARGET = """\
# How the system target reaches, watches, breaks and repairs this system (docs/contract.md §4,
# docs/your-own-system.md). Nothing here runs without `drill --execute`.
environment: staging    # lab, staging, production ...; production also needs allow_production: true
"""


@dataclass(frozen=True)
class Imported:
    """What the import wrote, and what the team should look at."""

    playbook: Path
    target: Path
    conversion: Conversion


def import_chaostoolkit(
    experiment_path: str | Path,
    data_dir: str | Path,
    *,
    service: str | None = None,
    lead: str | None = None,
    scenario_id: str | None = None,
    probe_services: dict[str, str] | None = None,
) -> Imported:
    """Convert the experiment and write it into ``data_dir``; DefinitionError or UsageError
    (and nothing written) when it cannot be."""
    experiment = read_experiment(experiment_path)
    folder = Path(data_dir)
    system = load_incomplete(folder).system
    services = {s.id: s.critical for s in system.services}
    if service is not None and service not in services:
        raise UsageError(f"unknown service {service!r} (known: {', '.join(services)})")
    contacts = [c.name for c in system.contacts]
    if lead is not None and lead not in contacts:
        raise UsageError(f"--lead {lead!r}: no such contact (known: {', '.join(contacts)})")
    if scenario_id is not None and not re.match(ID_PATTERN, scenario_id):
        raise UsageError(f"--id {scenario_id!r}: expected a plain name ([a-z0-9-])")
    target_path = folder / TARGET_FILE
    rt = _round_trip()
    target = _read_target(rt, target_path)
    probes = target.get("probes") or []
    facts = SystemFacts(
        services=services,
        entrypoint=system.entrypoint if system.entrypoint in services else None,
        probe_names=frozenset(p.get("name") for p in probes if isinstance(p, dict)),
        has_user_facing=any(isinstance(p, dict) and p.get("user_facing") for p in probes),
    )
    conversion = convert(
        experiment,
        facts,
        source=Path(experiment_path).name,
        service=service,
        lead=lead,
        scenario_id=scenario_id,
        probe_services=probe_services,
    )
    scenario_id = conversion.scenario["id"]
    playbook = folder / PLAYBOOKS_DIR / f"{scenario_id}.yaml"
    if playbook.exists() or scenario_id in {s.id for s in system.scenarios}:
        raise UsageError(f"{playbook}: scenario {scenario_id!r} exists; give another --id")
    _merge(target, conversion, str(target_path))
    playbook.parent.mkdir(parents=True, exist_ok=True)
    header = (
        f"# Imported from {Path(experiment_path).name} by bookstore-resil import-chaostoolkit.\n"
        "# Fill in every TODO (rto, rpo, leads) and review the steps before a game day.\n"
    )
    body = yaml.safe_dump(conversion.scenario, sort_keys=False, allow_unicode=True, width=100)
    playbook.write_text(header + body, encoding="utf-8")
    with target_path.open("w", encoding="utf-8") as stream:
        rt.dump(target, stream)
    return Imported(playbook, target_path, conversion)


def _read_target(rt: YAML, path: Path) -> dict:
    """The existing target.yaml (or a new one) as ruamel.yaml's round-trip mapping; a
    DefinitionError naming the line when it cannot be edited."""
    file = str(path)
    try:
        target = rt.load(read_text(path, path.parent) if path.exists() else NEW_TARGET)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        message = f"invalid YAML: {getattr(exc, 'problem', None) or exc}"
        problem = Problem(file, mark.line + 1 if mark else 1, "(yaml)", message)
        raise DefinitionError([problem]) from None
    if not isinstance(target, dict):
        raise DefinitionError([Problem(file, 1, "(document)", "expected a mapping")])
    wrong = [
        Problem(file, _line(target, key), key, f"expected a {kind}")
        for key, kind in (("probes", "list"), *((k, "mapping") for k in SECTIONS))
        if target.get(key) is not None
        and not isinstance(target[key], list if kind == "list" else dict)
    ]
    if wrong:
        raise DefinitionError(wrong)
    return target


def _round_trip() -> YAML:
    rt = YAML()
    rt.preserve_quotes = True
    rt.indent(mapping=2, sequence=4, offset=2)
    rt.width = 100
    return rt


def _merge(target: dict, conversion: Conversion, file: str) -> None:
    """Add the conversion's entries to ``target``; a DefinitionError on any conflict."""
    problems: list[Problem] = []
    if target.get("probes") is None:
        target["probes"] = []
    probes = target["probes"]
    by_name = {p.get("name"): p for p in probes if isinstance(p, dict)}
    for probe in conversion.probes:
        existing = by_name.get(probe["name"])
        if existing is None:
            probes.append(probe)
        elif existing != probe:
            index = probes.index(existing)
            message = f"a probe named {probe['name']!r} exists with other content; rename one"
            problems.append(Problem(file, _line(probes, index), f"probes[{index}].name", message))
    for section in SECTIONS:
        entries = getattr(conversion, section)
        if not entries:
            continue
        if target.get(section) is None:
            target[section] = {}
        mapping = target[section]
        for key, value in entries.items():
            if key not in mapping:
                mapping[key] = value
            elif mapping[key] != value:
                message = "exists with other content; rename it in the experiment or here"
                problems.append(Problem(file, _line(mapping, key), f"{section}.{key}", message))
    if problems:
        raise DefinitionError(problems)


def _line(node: object, key: object) -> int:
    """The line of ``key`` in a node ruamel.yaml read (1 for one it did not)."""
    try:
        return node.lc.key(key)[0] + 1 if isinstance(node, dict) else node.lc.item(key)[0] + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return 1
