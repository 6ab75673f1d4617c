"""``import-chaostoolkit``: write a converted experiment into a system folder.

The scenario becomes ``playbooks/<id>.yaml`` (never overwritten); its probes, fault, actions,
configuration and secrets are added to ``target.yaml``, created when missing. ``target.yaml``
is a file people edit and comment, so it is rewritten through ruamel.yaml's round trip, with
the indentation the file already uses and no line re-wrapped: the lines the import does not
change stay byte for byte. An entry that already exists with the same content is kept; one
with other content is a problem, and nothing is written.

Both files are written inside the system folder, links resolved: a ``target.yaml`` or a
``playbooks/`` that leads out of the folder is refused, and the playbook is created only
where nothing (not even a dangling link) is.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
from bookstore_resil.define.schema import schema_line
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
    fault: str | None = None,
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
    target_path = _inside(folder, folder / TARGET_FILE)
    _inside(folder, folder / PLAYBOOKS_DIR)
    text = read_text(target_path, folder) if target_path.exists() else NEW_TARGET
    rt = _round_trip(text)
    target = _read_target(rt, text, target_path)
    probes = target.get("probes") or []
    facts = SystemFacts(
        services=services,
        entrypoint=system.entrypoint if system.entrypoint in services else None,
        probe_names=frozenset(p["name"] for p in probes if isinstance(p, dict) and "name" in p),
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
        fault=fault,
    )
    scenario_id = conversion.scenario["id"]
    playbook = folder / PLAYBOOKS_DIR / f"{scenario_id}.yaml"
    taken = playbook.exists() or playbook.is_symlink()
    if taken or scenario_id in {s.id for s in system.scenarios}:
        raise UsageError(f"{playbook}: scenario {scenario_id!r} exists; give another --id")
    _merge(target, conversion, str(target_path))
    header = schema_line("playbook", playbook, folder) + (
        f"# Imported from {Path(experiment_path).name} by bookstore-resil import-chaostoolkit.\n"
        "# Fill in every TODO (rto, rpo, leads) and review the steps before a game day.\n"
    )
    body = yaml.safe_dump(conversion.scenario, sort_keys=False, allow_unicode=True, width=UNWRAPPED)
    written = io.StringIO()
    rt.dump(target, written)
    playbook.parent.mkdir(parents=True, exist_ok=True)
    _inside(folder, playbook.parent)  # made just now: still inside
    _create(playbook, header + body)
    first = "" if target_path.exists() else schema_line("target", target_path, folder)
    _replace(target_path, first + written.getvalue())
    return Imported(playbook, target_path, conversion)


# Wider than any line: a line the import does not change is never re-wrapped.
UNWRAPPED = 1 << 16
# (mapping, sequence, offset) indentations tried on an existing file; the first is the one a
# new target.yaml gets (`- name:` two in from `probes:`).
INDENTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 2, 0), (2, 4, 0), (4, 4, 0), (4, 6, 4))


def _inside(folder: Path, path: Path) -> Path:
    """``path`` with its links resolved, when that stays inside ``folder``; a UsageError
    (nothing written) when it leads out."""
    real = path.resolve()
    if not real.is_relative_to(folder.resolve()):
        raise UsageError(f"{path}: refused: it leads outside the system folder (to {real})")
    return real


def _create(path: Path, text: str) -> None:
    """A new file at ``path``: never through a link, never over anything there."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    with os.fdopen(os.open(path, flags, 0o644), "w", encoding="utf-8") as stream:
        stream.write(text)


def _replace(path: Path, text: str) -> None:
    """``path`` (links resolved already) replaced at once by ``text``: written beside it,
    then renamed over it, so a failure leaves the old file whole."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _read_target(rt: YAML, text: str, path: Path) -> dict:
    """The existing target.yaml's ``text`` (or a new one's) as ruamel.yaml's round-trip
    mapping; a DefinitionError naming the line when it cannot be edited."""
    file = str(path)
    try:
        target = rt.load(text)
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


def _round_trip(text: str) -> YAML:
    """A round-trip YAML that writes ``text`` back as it is, or as near as its indentation
    allows: of the usual indentations, the one that changes fewest of its lines."""
    best, fewest = _yaml(*INDENTS[0]), None
    for indents in INDENTS:
        rt = _yaml(*indents)
        try:
            out = io.StringIO()
            rt.dump(rt.load(text), out)
        except YAMLError:
            return best  # _read_target says why
        changed = len(set(text.splitlines()) - set(out.getvalue().splitlines()))
        if fewest is None or changed < fewest:
            best, fewest = rt, changed
        if changed == 0:
            break
    return best


def _yaml(mapping: int, sequence: int, offset: int) -> YAML:
    rt = YAML()
    rt.preserve_quotes = True
    rt.indent(mapping=mapping, sequence=sequence, offset=offset)
    rt.width = UNWRAPPED
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


def _line(node: Any, key: object) -> int:
    """The line of ``key`` in a node ruamel.yaml read (1 for one it did not)."""
    try:
        marks = node.lc
        return (marks.key(key) if isinstance(node, dict) else marks.item(key))[0] + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return 1
