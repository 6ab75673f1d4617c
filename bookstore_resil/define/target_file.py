"""``target.yaml``: how the ``system`` target reaches, watches, breaks and repairs a system.

The file sits in the system folder next to ``system.yaml`` (docs/contract.md §4). It names the
probes that measure availability (``http``, ``tcp``, ``run``, a Chaos Toolkit activity: the
kinds of :mod:`.kinds`), an optional data-loss canary, the faults a scenario's ``fault:``
names and the actions a step's ``action:`` names. It is loaded like the rest of a system
definition: every problem is reported at once as ``FILE:LINE: field: message`` in one
:class:`~bookstore_resil.errors.DefinitionError`, and cross-checked against the system's
services and playbooks so that a drill never finds a missing fault half-way through.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    AliasChoices,
    ConfigDict,
    Field,
    create_model,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from bookstore_resil.define.environments import is_production
from bookstore_resil.define.kinds import KINDS, SHELL, KindSpec, Strict, timeout_field
from bookstore_resil.define.loader import Collector
from bookstore_resil.define.model import (
    ID_PATTERN,
    MANUAL_FAULT,
    PROCEDURES,
    ROLLBACK,
    Scenario,
    Step,
    System,
)
from bookstore_resil.define.placeholders import misplaced, placeholders
from bookstore_resil.define.units import DAY_S, Duration, check_interval, format_duration
from bookstore_resil.define.yamlpos import line_of
from bookstore_resil.errors import DefinitionError, Problem

TARGET_FILE = "target.yaml"
DEFAULT_INTERVAL_S = 0.1
DEFAULT_PROBE_TIMEOUT_S = 1.0


def _under_a_day(seconds: float | None) -> float | None:
    if seconds is not None and seconds >= DAY_S:
        raise ValueError(f"a wait must be under a day, got {format_duration(seconds)}")
    return seconds


Wait = Annotated[Duration, AfterValidator(_under_a_day)]

NEWEST_RECORD_PLACEHOLDERS = ("before", "before_epoch")


_PLAIN_COMMAND = {"type": "string", "minLength": 1}


def _plain_commands_allowed(schema: dict[str, Any]) -> None:
    """``faults``/``actions`` values in JSON Schema: a command string, or a Command."""
    schema["additionalProperties"] = {"anyOf": [_PLAIN_COMMAND, schema["additionalProperties"]]}


def _plain_command_allowed(schema: dict[str, Any]) -> None:
    """``newest_record`` in JSON Schema: a command string too."""
    schema["anyOf"].insert(0, _PLAIN_COMMAND)


def _one_kind_in_schema(schema: dict[str, Any], model: type[CommandBase]) -> None:
    schema["oneOf"] = [{"required": [kind]} for kind in model.kinds]


class CommandBase(Strict):
    """What every command has besides its kind's field (:func:`command_model` adds one
    for each kind of the registry)."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_one_kind_in_schema)
    kinds: ClassVar[Mapping[str, KindSpec]] = {}
    timeout_s: Duration | None = timeout_field()
    # An action that waits for something (a server started in the background): tried again
    # at the probe interval until it succeeds or this long has passed.
    until_s: Wait = Field(None, validation_alias=AliasChoices("until", "until_s"))

    @model_validator(mode="before")
    @classmethod
    def _plain_command(cls, value: Any) -> Any:
        return {SHELL: value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_kind(self) -> CommandBase:
        given = [kind for kind in self.kinds if getattr(self, kind) is not None]
        if len(given) != 1:
            what = "none" if not given else " and ".join(given)
            raise ValueError(f"give exactly one of {', '.join(self.kinds)} (got {what})")
        return self

    @property
    def kind(self) -> str:
        return next(kind for kind in self.kinds if getattr(self, kind) is not None)

    @property
    def spec(self) -> Any:
        """The value under its kind's key."""
        return getattr(self, self.kind)

    @property
    def shell(self) -> str | None:
        """Its command line when it is one (a plain string, ``run:``), else None."""
        return self.spec if self.kind == SHELL else None

    def timeout(self, default: float) -> float:
        """Its own timeout (the request's for http and tcp), else ``default``."""
        inner = getattr(self.spec, "timeout_s", None)
        return inner or self.timeout_s or default

    def placeholders(self) -> list[str]:
        return placeholders(self.shell) if self.shell is not None else []

    def describe(self) -> str:
        """One line saying what would run (a dry run records it)."""
        return self.kinds[self.kind].describe(self.spec)

    def address(self) -> str:
        """What it watches, as a probe."""
        kind = self.kinds[self.kind]
        return (kind.address or kind.describe)(self.spec)


def command_model(kinds: Mapping[str, KindSpec]) -> type[CommandBase]:
    """The ``Command`` model of a registry of kinds: an optional field for each kind, named
    after it, of which exactly one is given."""
    fields: dict[str, Any] = {
        name: (kind.model | None, Field(None, description=kind.description))
        for name, kind in kinds.items()
    }
    said = "; ".join(f"{name}: {kind.description}" for name, kind in kinds.items())
    model = create_model(
        "Command",
        __base__=CommandBase,
        __module__=__name__,
        __doc__=f"One fault, action or probe, of one kind ({said}). A plain string is a "
        f"{SHELL} command.",
        **fields,
    )
    model.kinds = dict(kinds)
    return model


# mypy reads the fields a command has in common; the kinds' fields are the registry's.
if TYPE_CHECKING:
    Command = CommandBase
else:
    Command = command_model(KINDS)


class ProbeSpec(Command):
    """A probe: a command, request, connect or activity named after the service it watches
    (the user-facing one may be named for the users' path instead)."""

    name: str = Field(pattern=ID_PATTERN)
    user_facing: bool = False


class CanarySpec(Strict):
    """Numbered writes: ``write`` gets ``{seq}`` (and ``{run}``, a fresh id per exercise);
    ``read`` prints the surviving sequence numbers, one a line."""

    write: str = Field(min_length=1)
    read: str = Field(min_length=1)
    # Run once at the end with {run}: the exercise's canary records out of the team's tables.
    cleanup: str | None = Field(None, min_length=1)
    timeout_s: Duration | None = timeout_field()


class TargetFile(Strict):
    """The whole of ``target.yaml``."""

    environment: str = Field(min_length=1)
    allow_production: bool = False
    interval_s: Annotated[Duration, AfterValidator(check_interval)] = Field(
        DEFAULT_INTERVAL_S, validation_alias=AliasChoices("interval", "interval_s")
    )
    # The exercise's waits (the driver's own when absent, see Target): every probe up this
    # long before the fault; at the end, up this long in a row, waiting at most so long.
    baseline_s: Wait = Field(None, validation_alias=AliasChoices("baseline", "baseline_s"))
    sustain_s: Wait = Field(None, validation_alias=AliasChoices("sustain", "sustain_s"))
    recovery_wait_s: Wait = Field(
        None, validation_alias=AliasChoices("recovery_wait", "recovery_wait_s")
    )
    probes: list[ProbeSpec] = Field(min_length=1)
    canary: CanarySpec | None = None
    # Prints the time of the newest record the system holds written before {before} (ISO
    # 8601, UTC) / {before_epoch}: what a restore really went back to (data loss).
    newest_record: Command | None = Field(None, json_schema_extra=_plain_command_allowed)
    faults: dict[str, Command] = Field(default={}, json_schema_extra=_plain_commands_allowed)
    actions: dict[str, Command] = Field(default={}, json_schema_extra=_plain_commands_allowed)
    # Chaos Toolkit's own: values, or {type: env, key: NAME} read from the environment when
    # an activity runs; secrets are grouped in scopes a provider names (`secrets: [scope]`).
    configuration: dict[str, Any] = {}
    secrets: dict[str, dict[str, Any]] = {}
    # Where the game day is announced (start, halt, finish, a missed objective): Apprise
    # URLs (slack://, mmost://, msteams://, json://, ...), with the [announce] extra.
    announce: list[Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9+.-]*://")]] = []
    folder: SkipJsonSchema[str] = ""  # where it was read, set by the loader

    @property
    def production(self) -> bool:
        """Whether it may be production: its environment is no known non-production word."""
        return is_production(self.environment)

    def user_facing(self) -> ProbeSpec | None:
        return next((p for p in self.probes if p.user_facing), None)

    def uses_chaostoolkit(self) -> bool:
        commands = [*self.probes, *self.faults.values(), *self.actions.values()]
        return any(c.kind == "chaostoolkit" for c in commands)


def load_target_file(folder: str | Path, system: System | None = None) -> TargetFile:
    """Load ``FOLDER/target.yaml``; with ``system``, also check it against the system's
    services and playbooks. Raises :class:`DefinitionError` with every problem."""
    folder = Path(folder)
    path = folder / TARGET_FILE
    file = str(path)
    if not path.exists():
        message = "missing: the system target needs one (see docs/your-own-system.md)"
        raise DefinitionError([Problem(file, 0, "(file)", message)])
    unsafe = _others_can_write(folder, path)
    if unsafe:
        raise DefinitionError([Problem(file, 0, "(file)", unsafe)])
    found = Collector(folder)
    document = found.read(path)
    if document is not None and "folder" in document:
        found.add(file, ("folder",), "unknown key")
        document = None
    config = None if document is None else found.validate(file, TargetFile, document)
    if config is None:
        raise DefinitionError(found.problems)
    _check_probes(found, file, config)
    _check_quoting(found, file, config)
    if system is not None:
        _check_against(found, file, config, system)
    if found.problems:
        raise DefinitionError(found.problems)
    return config.model_copy(update={"folder": str(folder.absolute())})


def probe_lines(folder: str | Path) -> dict[str, int]:
    """Each probe's line in ``FOLDER/target.yaml`` (for a message naming it); empty when
    the file no longer reads."""
    found = Collector(Path(folder))
    document = found.read(Path(folder) / TARGET_FILE)
    probes = document.get("probes") if isinstance(document, dict) else None
    if not isinstance(probes, list):
        return {}
    return {
        probe["name"]: line_of(document, ("probes", index))
        for index, probe in enumerate(probes)
        if isinstance(probe, dict) and isinstance(probe.get("name"), str)
    }


def _others_can_write(folder: Path, path: Path) -> str:
    """Why ``target.yaml``, whose commands run as the user, cannot be trusted: it or its
    folder belongs to someone else (root aside) or others may write it, as ssh refuses an
    authorized_keys file; empty when it is the user's own."""
    me = os.geteuid()
    for where in (folder, path):
        mode = where.stat()
        if mode.st_uid not in (me, 0):
            return f"{where} belongs to another user: its commands would run as you"
        if mode.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return f"{where} may be written by others (chmod go-w): its commands run as you"
    return ""


def _check_probes(found: Collector, file: str, config: TargetFile) -> None:
    seen: set[str] = set()
    for index, probe in enumerate(config.probes):
        if probe.name in seen:
            found.add(file, ("probes", index, "name"), f"duplicate probe {probe.name!r}")
        seen.add(probe.name)
        if probe.placeholders():
            found.add(file, ("probes", index, SHELL), "a probe has no arguments for placeholders")
    facing = [i for i, p in enumerate(config.probes) if p.user_facing]
    for index in facing[1:]:
        found.add(file, ("probes", index, "user_facing"), "only one probe can be user-facing")
    if config.canary is not None:
        for key, known in (("write", ("seq", "run")), ("read", ("run",)), ("cleanup", ("run",))):
            command = getattr(config.canary, key)
            extra = set(placeholders(command)) - set(known) if command else set()
            if extra:
                names, allowed = ", ".join(sorted(extra)), ", ".join(known)
                found.add(file, ("canary", key), f"unknown placeholder {names} ({allowed})")
    newest = config.newest_record
    if newest is not None:
        extra = set(newest.placeholders()) - set(NEWEST_RECORD_PLACEHOLDERS)
        if extra:
            names, allowed = ", ".join(sorted(extra)), ", ".join(NEWEST_RECORD_PLACEHOLDERS)
            found.add(file, ("newest_record",), f"unknown placeholder {names} ({allowed})")
    for name in config.faults:
        if name == MANUAL_FAULT:
            found.add(file, ("faults", name), "'manual' means no fault: choose another name")
        if config.faults[name].placeholders():
            found.add(file, ("faults", name), "a fault has no arguments for placeholders")
    waiting: list[tuple[str, int | str | None, CommandBase]]
    waiting = [("probes", i, p) for i, p in enumerate(config.probes)]
    waiting += [("faults", n, c) for n, c in config.faults.items()]
    if newest is not None:
        waiting.append(("newest_record", None, newest))
    for *where, command in waiting:
        if command.until_s is not None:
            at = tuple(part for part in where if part is not None)
            found.add(file, (*at, "until"), "only an action waits: until belongs to actions")


def _check_quoting(found: Collector, file: str, config: TargetFile) -> None:
    """Every placeholder where the shell reads a bare word (a probe or a fault has none;
    ``newest_record``'s are times the workbook writes, digits and ``-:.TZ``, safe quoted:
    SQL wants them inside its own quotes)."""
    commands = [(("actions", name), action.shell) for name, action in config.actions.items()]
    if config.canary is not None:
        keys = ("write", "read", "cleanup")
        commands += [(("canary", key), getattr(config.canary, key)) for key in keys]
    for at, command in commands:
        for message in misplaced(command or ""):
            found.add(file, at, message)


def _check_against(found: Collector, file: str, config: TargetFile, system: System) -> None:
    services = {s.id for s in system.services}
    for index, probe in enumerate(config.probes):
        # The user-facing probe watches the users' path, which may be no one service.
        if probe.name not in services and not probe.user_facing:
            known = ", ".join(sorted(services))
            found.add(file, ("probes", index, "name"), f"unknown service {probe.name!r} ({known})")
    for scenario in system.scenarios:
        playbook = Path(scenario.source)
        document = found.read(playbook) if playbook.is_file() else None
        where = str(playbook)
        if scenario.fault not in (None, MANUAL_FAULT) and scenario.fault not in config.faults:
            known = ", ".join([*(f for f in config.faults if f != MANUAL_FAULT), MANUAL_FAULT])
            message = f"no fault {scenario.fault!r} in {TARGET_FILE} (known: {known})"
            found.add(where, ("fault",), message)
        for procedure, index, step in _steps(scenario):
            if step.action is None or document is None:
                continue
            at = (procedure, index, "action")
            action = config.actions.get(step.action.name)
            if action is None:
                known = ", ".join(config.actions) or "none"
                message = f"no action {step.action.name!r} in {TARGET_FILE} (known: {known})"
                found.add(where, (*at, "name"), message)
                continue
            missing = [p for p in action.placeholders() if p not in step.action.args]
            if missing:
                message = f"action {step.action.name!r} needs args: {', '.join(missing)}"
                found.add(where, (*at, "args"), message)


def _steps(scenario: Scenario) -> list[tuple[str, int, Step]]:
    return [
        (procedure, index, step)
        for procedure in (*PROCEDURES, ROLLBACK)
        for index, step in enumerate(getattr(scenario, procedure))
    ]
