"""The ``system`` target: a team's own system, as its ``target.yaml`` describes it.

Where the ``lab`` knows the Bookstore in code, this driver knows nothing but the file
(:mod:`bookstore_resil.define.target_file`): each probe is a request, a connection, a
command or a Chaos Toolkit activity; each fault and action is the same, run with the
step's ``args`` filled into its ``{placeholders}``; the canary is a pair of commands.
Commands run in the system folder (:mod:`.commands`), activities through chaostoolkit-lib
(:mod:`.chaostoolkit`). Whatever a secret of ``target.yaml`` is, it is blanked out of every
output before that output reaches an event log.
"""

from __future__ import annotations

import http.client
import os
import secrets as tokens
import socket
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bookstore_resil import clock
from bookstore_resil.define.kinds import SHELL, CtkActivity, HttpSpec, TcpSpec
from bookstore_resil.define.target_file import (
    DEFAULT_INTERVAL_S,
    DEFAULT_PROBE_TIMEOUT_S,
    TARGET_FILE,
    CanarySpec,
    Command,
    ProbeSpec,
    load_target_file,
    probe_lines,
)
from bookstore_resil.errors import TargetError
from bookstore_resil.secrets import redact
from bookstore_resil.targets.base import (
    MAX_WHOLE,
    ActionResult,
    Canary,
    Checked,
    FaultRecord,
    Probe,
    Target,
)
from bookstore_resil.targets.bounded_http import fetch
from bookstore_resil.targets.chaostoolkit import Context, ProbeCheck, run_in_child
from bookstore_resil.targets.commands import OUTPUT_CAP, fill, fill_times, run_command

FAULT_TIMEOUT_S = 60.0
# How much of a failed fault's output its event keeps (the end: where the error is).
FAULT_OUTPUT_CAP = 4096
CANARY_TIMEOUT_S = 1.0
# A canary read lists every surviving number: more room than a step's output, but bounded.
CANARY_READ_CAP = 8 * 1024 * 1024


def http_call(spec: HttpSpec, timeout_s: float) -> ActionResult:
    """One request; ok on the expected status (and text, when ``contains`` is given), the
    whole answer within ``timeout_s``: one that comes slower is no answer."""
    began = time.monotonic()
    data = spec.body.encode() if spec.body is not None else None
    request = urllib.request.Request(spec.url, data, dict(spec.headers), method=spec.method)
    try:
        status, body = fetch(request, timeout_s, OUTPUT_CAP)
    except (OSError, ValueError, http.client.HTTPException) as error:
        took = time.monotonic() - began
        said = getattr(error, "reason", error)  # urllib wraps it: "<urlopen error ...>"
        return ActionResult(False, "", took, f"{spec.method} {spec.url}: {said}")
    took = time.monotonic() - began
    text = body.decode("utf-8", "replace")
    output = f"{spec.method} {spec.url}: HTTP {status}\n{text}"
    if not spec.accepts(status):
        return ActionResult(False, output, took, f"HTTP {status}", {"status": status})
    if spec.contains is not None and spec.contains not in text:
        missing = f"the answer does not contain {spec.contains!r}"
        return ActionResult(False, output, took, missing, {"status": status})
    return ActionResult(True, output, took, None, {"status": status})


def tcp_connect(spec: TcpSpec, timeout_s: float) -> ActionResult:
    """A TCP connection, closed at once; ok when the port accepted it."""
    began = time.monotonic()
    where = f"{spec.host}:{spec.port}"
    try:
        with socket.create_connection((spec.host, spec.port), timeout=timeout_s):
            pass
    except OSError as error:
        return ActionResult(False, "", time.monotonic() - began, f"connect to {where}: {error}")
    return ActionResult(True, f"connected to {where}", time.monotonic() - began)


class SystemCanary(Canary):
    """Canary ``seq`` is written by the ``write`` command with ``{seq}`` (and ``{run}``, an
    id of this exercise that tells its writes from earlier ones) filled in."""

    def __init__(self, spec: CanarySpec, folder: Path, run_id: str | None = None):
        self.spec = spec
        self.folder = folder
        self.run_id = run_id or tokens.token_hex(4)
        self.timeout_s = spec.timeout_s or CANARY_TIMEOUT_S

    def _fill(self, command: str, **more: Any) -> str:
        return fill(command, {"run": self.run_id, **more})

    def write(self, seq: int) -> bool:
        command = self._fill(self.spec.write, seq=seq)
        return run_command(command, self.timeout_s, cwd=self.folder).ok

    def surviving(self) -> set[int] | None:
        """The numbers the ``read`` command prints, one a line (other lines are ignored);
        None when it fails or prints more than can be trusted whole."""
        command = self._fill(self.spec.read)
        result = run_command(command, self.timeout_s * 5, cwd=self.folder, cap=CANARY_READ_CAP)
        if not result.ok or result.truncated:
            return None
        numbers = (int(word) for word in result.output.split() if word.isdigit() and len(word) < 20)
        return {number for number in numbers if number <= MAX_WHOLE}

    def cleanup(self) -> str | None:
        if self.spec.cleanup is None:
            return None
        ran = run_command(self._fill(self.spec.cleanup), self.timeout_s * 5, cwd=self.folder)
        return None if ran.ok else Checked.of_result(_result(ran)).reason


class SystemTarget(Target):
    """Drives the system whose folder ``data_dir`` holds ``target.yaml``."""

    name = "system"

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        baseline_s: float | None = None,
        sustain_s: float | None = None,
        recovery_wait_s: float | None = None,
    ):
        self.folder = Path(data_dir).absolute()
        self.config = load_target_file(self.folder)
        self.environment = self.config.environment
        if self.config.production and not self.config.allow_production:
            raise TargetError(
                self.name,
                f"{self.folder / TARGET_FILE} says environment: {self.environment}; refusing to "
                "run there unless it also says allow_production: true",
            )
        self.probe_interval_s = self.config.interval_s
        self._take_waits(
            baseline_s=self.config.baseline_s,
            sustain_s=self.config.sustain_s,
            recovery_wait_s=self.config.recovery_wait_s,
        )
        self._waits = self._take_waits(
            baseline_s=baseline_s, sustain_s=sustain_s, recovery_wait_s=recovery_wait_s
        )
        self.context = Context(self.config.configuration, self.config.secrets)
        self._hidden = self.context.secret_values() if self.config.uses_chaostoolkit() else []
        self._halt = threading.Event()
        self._cancel = threading.local()  # the event that halts this thread's command
        self._probes = [self._probe(spec) for spec in self.config.probes]

    def options(self) -> dict[str, Any]:
        return {"data_dir": str(self.folder), **self._waits}

    # -- probes ---------------------------------------------------------------------

    def _probe(self, spec: ProbeSpec) -> Probe:
        timeout_s = spec.timeout(DEFAULT_PROBE_TIMEOUT_S)
        checker = RUNNERS[spec.kind].probe
        if checker is not None:
            check = checker(self, spec.spec, spec.name, timeout_s)
        else:

            def check() -> Checked:
                result = self._execute(spec, spec.name, {}, timeout_s)
                return Checked.of_result(result, tail=spec.shell is not None)

        return Probe(spec.name, spec.address(), check, user_facing=spec.user_facing)

    def probes(self) -> list[Probe]:
        return list(self._probes)

    def check_ready(self) -> None:
        answers = {probe.name: _safe(probe.check) for probe in self._probes}
        down = {name: answer.reason for name, answer in answers.items() if not answer.up}
        if down:
            lines = probe_lines(self.folder)
            said = "; ".join(
                f"{name}: {reason} ({TARGET_FILE}:{lines.get(name, 0)})"
                for name, reason in down.items()
            )
            raise TargetError(self.name, f"not healthy: {said}")

    def canary(self, run_id: str | None = None) -> Canary | None:
        if self.config.canary is None:
            return None
        return SystemCanary(self.config.canary, self.folder, run_id)

    # -- faults and actions -----------------------------------------------------------

    def faults(self) -> list[str]:
        return list(self.config.faults)

    def actions(self) -> list[str]:
        return list(self.config.actions)

    def _fault(self, name: str) -> Command:
        if name not in self.config.faults:
            known = ", ".join(self.config.faults) or "none"
            raise TargetError(self.name, f"unknown fault {name!r} (known: {known})")
        return self.config.faults[name]

    def inject_fault(self, fault: str) -> FaultRecord:
        spec = self._fault(fault)
        ts = clock.iso(clock.now())
        result = self._execute(spec, fault, {}, spec.timeout(FAULT_TIMEOUT_S), self._halt)
        if not result.ok:
            said = result.output[-FAULT_OUTPUT_CAP:] or None
            raise TargetError(self.name, f"fault {fault} failed: {result.error}", said)
        detail = result.output.strip() or spec.describe()
        return FaultRecord(name=fault, ts=ts, detail=detail)

    def run_action(self, name: str, args: dict[str, Any], timeout_s: float) -> ActionResult:
        spec = self.config.actions.get(name)
        if spec is None:
            known = ", ".join(self.config.actions) or "none"
            return ActionResult(False, error=f"unknown action {name!r} (known: {known})")
        try:
            if spec.until_s is None:
                return self._execute(
                    spec, name, args, self.action_timeout(name, timeout_s), self._halt
                )
            return self._until(spec, name, args, spec.timeout(timeout_s))
        except TargetError as error:
            return ActionResult(False, error=str(error))

    def _until(self, spec: Command, name: str, args: dict[str, Any], each_s: float) -> ActionResult:
        """Tried again at the probe interval until it succeeds or ``until`` has passed."""
        deadline = time.monotonic() + (spec.until_s or 0.0)
        tries = 0
        while True:
            result, tries = self._execute(spec, name, args, each_s, self._halt), tries + 1
            if result.ok or time.monotonic() >= deadline or self._halt.is_set():
                break
            self._halt.wait(self.probe_interval_s or DEFAULT_INTERVAL_S)
        said = f"{'succeeded' if result.ok else 'failed'} after {tries} tries"
        data = {**result.data, "tries": tries}
        return ActionResult(
            result.ok, f"{said}\n{result.output}", result.duration_s, result.error, data
        )

    def action_timeout(self, name: str, default_s: float) -> float:
        spec = self.config.actions.get(name)
        if spec is None:
            return default_s
        return spec.timeout(default_s) + (spec.until_s or 0.0)

    # -- data loss ---------------------------------------------------------------------

    @property
    def reads_newest_record(self) -> bool:
        return self.config.newest_record is not None

    def newest_record(self, before: datetime) -> datetime | None:
        spec = self.config.newest_record
        if spec is None:
            return None
        times = {"before": clock.iso(before), "before_epoch": f"{before.timestamp():.6f}"}
        if spec.shell is not None:
            spec = spec.model_copy(update={SHELL: fill_times(spec.shell, times)})
        result = self._execute(spec, "newest_record", {}, spec.timeout(FAULT_TIMEOUT_S))
        if not result.ok:
            said = Checked.of_result(result).reason
            raise TargetError(self.name, f"newest_record failed: {said}", result.output)
        said = (result.output.strip().splitlines() or [""])[-1].strip()
        return _moment(said)

    def describe_action(self, name: str, args: dict[str, Any]) -> str:
        spec = self.config.actions.get(name)
        if spec is None:
            return super().describe_action(name, args)
        return _describe(spec, args)

    def describe_fault(self, fault: str) -> str:
        return _describe(self._fault(fault), {})

    def halt(self) -> None:
        self._halt.set()

    def clear_halt(self) -> None:
        self._halt = threading.Event()  # new: a command the halt stops keeps the old one

    def _execute(
        self,
        spec: Command,
        name: str,
        args: dict[str, Any],
        timeout_s: float,
        halted_by: threading.Event | None = None,
    ) -> ActionResult:
        """Run one command; ``halted_by`` stops it (a probe is never: no false outage)."""
        self._cancel.event = halted_by
        try:
            result = RUNNERS[spec.kind].run(self, spec.spec, name, args, timeout_s)
        finally:
            self._cancel.event = None
        return self._redacted(result)

    def _redacted(self, result: ActionResult) -> ActionResult:
        if not self._hidden:
            return result
        error = redact(result.error, self._hidden) if result.error else None
        output = redact(result.output, self._hidden)
        return ActionResult(result.ok, output, result.duration_s, error, result.data)


def _describe(spec: Command, args: dict[str, Any]) -> str:
    if spec.shell is not None:
        try:
            return fill(spec.shell, args)
        except TargetError:
            return spec.shell
    return spec.describe()


def _shell(
    target: SystemTarget, command: str, name: str, args: dict[str, Any], timeout_s: float
) -> ActionResult:
    halt = getattr(target._cancel, "event", None)
    ran = run_command(fill(command, args), timeout_s, cwd=target.folder, cancel=halt)
    data: dict[str, Any] = {"exit_code": ran.exit_code, "output_bytes": ran.output_bytes}
    if ran.truncated:
        data["truncated"] = True
    return ActionResult(ran.ok, ran.output, ran.duration_s, ran.error(), data)


def _activity(
    target: SystemTarget, spec: CtkActivity, name: str, args: dict[str, Any], timeout_s: float
) -> ActionResult:
    activity = spec.for_chaoslib(name)
    return run_in_child(activity, target.context, args, target.folder, timeout_s)


def _activity_probe(
    target: SystemTarget, spec: CtkActivity, name: str, timeout_s: float
) -> Callable[[], Checked]:
    return ProbeCheck(spec.for_chaoslib(name), target.context, timeout_s)


@dataclass(frozen=True)
class Runner:
    """How the system target carries out one kind of command (define/kinds.py's KINDS):
    ``run(target, spec, name, args, timeout_s)`` for a fault, an action or a probe's check;
    ``probe(target, spec, name, timeout_s)``, when given, makes a probe's check instead."""

    run: Callable[[SystemTarget, Any, str, dict[str, Any], float], ActionResult]
    probe: Callable[[SystemTarget, Any, str, float], Callable[[], Checked]] | None = None


# Keyed by the names of define/kinds.py's KINDS (a test holds the two to the same keys).
RUNNERS: dict[str, Runner] = {
    SHELL: Runner(_shell),
    "http": Runner(lambda target, spec, name, args, timeout_s: http_call(spec, timeout_s)),
    "tcp": Runner(lambda target, spec, name, args, timeout_s: tcp_connect(spec, timeout_s)),
    # A probe's activity runs in this process: a child every 0.1 s would cost more than it measures.
    "chaostoolkit": Runner(_activity, probe=_activity_probe),
}


def _safe(check: Any) -> Checked:
    try:
        return Checked.of(check())
    except Exception as error:
        return Checked(False, f"{type(error).__name__}: {error}")


def _result(ran: Any) -> ActionResult:
    return ActionResult(ran.ok, ran.output, ran.duration_s, ran.error())


def _moment(text: str) -> datetime | None:
    """What ``newest_record`` printed: nothing (or null) for no record, Unix seconds, or
    an ISO 8601 time (UTC when it names no zone, as ``max(created_at)`` of a timestamp
    column prints it)."""
    if text.lower() in ("", "null", "none"):
        return None
    try:
        moment = (
            datetime.fromtimestamp(float(text), timezone.utc)
            if text.replace(".", "", 1).isdigit()
            else clock.parse_ts(text.replace(" ", "T", 1))
        )
    except (ValueError, OverflowError, OSError):
        raise TargetError("system", f"newest_record printed no time: {text[:80]!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
