"""Chaos Toolkit activities as probes, faults and steps, run by chaostoolkit-lib itself.

An activity is what a Chaos Toolkit experiment holds (``type``, ``provider``,
``tolerance``...), so every provider chaostoolkit-lib knows (``process``, ``http``,
``python``) and every installed extension (chaostoolkit-aws, -kubernetes: python providers)
works as written. ``configuration`` and ``secrets`` follow Chaos Toolkit's conventions
(values, or ``{type: env, key: NAME}`` read from the environment); a step's ``args`` are
added to the configuration, so ``${name}`` in an activity is filled from them.

Whether an activity succeeded: its tolerance decides when it has one (chaostoolkit-lib's
``within_tolerance``); without one, a process must exit 0, an HTTP call answer below 400,
and a Python function return anything but ``False``. Either way, an activity that raised
failed.

Probes run in this process (every 0.1 s a child process would cost more than it measures),
bounded by a worker thread. Faults and actions run in a child Python process of their own
session (``python -m bookstore_resil.targets.chaostoolkit``), so that at the timeout the
whole process group goes, as for a command. Secret values never leave that child except
as ``****`` in the output (:func:`bookstore_resil.secrets.redact`).
"""

from __future__ import annotations

import copy
import json
import os
import shlex
import sys
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bookstore_resil.errors import TargetError
from bookstore_resil.secrets import redact
from bookstore_resil.targets.base import ActionResult, Checked
from bookstore_resil.targets.commands import OUTPUT_CAP, cap_text, run_command

INSTALL_HINT = "pip install 'bookstore-resil[chaostoolkit]'"
# How long a child may take to start Python and import chaostoolkit-lib, on top of the
# action's own timeout (a process or http provider is bounded by that timeout itself).
CHILD_START_S = 3.0


@dataclass(frozen=True)
class Verdict:
    """An activity's outcome: succeeded or not, its output in words, and why it failed."""

    ok: bool
    output: str = ""
    error: str | None = None


def _require_chaoslib() -> None:
    try:
        import chaoslib  # noqa: F401
    except ImportError as error:
        raise TargetError(
            "system", f"chaostoolkit-lib is not installed ({INSTALL_HINT})"
        ) from error


@dataclass(frozen=True)
class Context:
    """The ``configuration`` and ``secrets`` of ``target.yaml``, as declared (never the
    values: those are read from the environment where the activity runs)."""

    configuration: Mapping[str, Any]
    secrets: Mapping[str, Mapping[str, Any]]

    def load(self, args: Mapping[str, Any] | None = None) -> tuple[dict, dict]:
        """The configuration (with ``args`` added) and secrets, values read now."""
        _require_chaoslib()
        from chaoslib.configuration import load_configuration
        from chaoslib.exceptions import ChaosException
        from chaoslib.secret import load_secrets

        try:
            configuration = load_configuration(copy.deepcopy(dict(self.configuration)))
            secrets = load_secrets(copy.deepcopy(dict(self.secrets)), configuration)
        except ChaosException as error:
            raise TargetError("system", f"chaostoolkit: {error}") from error
        return {**configuration, **dict(args or {})}, secrets

    def secret_values(self) -> list[str]:
        """Every secret value, to blank out of whatever an activity printed."""
        _, secrets = self.load()
        return [str(v) for scope in secrets.values() for v in scope.values() if v]


def evaluate(activity: dict[str, Any], configuration: dict, secrets: dict) -> Verdict:
    """Run one activity with chaostoolkit-lib and judge it (see the module's docstring)."""
    from chaoslib.activity import ensure_activity_is_valid, run_activity
    from chaoslib.exceptions import ChaosException
    from chaoslib.hypothesis import within_tolerance

    activity = copy.deepcopy(activity)  # a probe tolerance gets the value written into it
    try:
        ensure_activity_is_valid(activity)
        value = run_activity(activity, configuration, secrets)
    except ChaosException as error:
        return Verdict(False, "", f"chaostoolkit: {error}")
    except Exception as error:  # a provider's own error is the activity failing
        return Verdict(False, "", f"chaostoolkit: {type(error).__name__}: {error}")
    kind = activity["provider"]["type"]
    tolerance = activity.get("tolerance")
    if tolerance is not None:
        try:
            ok = bool(within_tolerance(tolerance, value, configuration, secrets))
        except Exception as error:
            return Verdict(False, _render(kind, value), f"tolerance could not be checked: {error}")
        outside = None if ok else f"result outside its tolerance {json.dumps(tolerance)}"
        return Verdict(ok, _render(kind, value), outside)
    return Verdict(*_judged(kind, value))


def _judged(kind: str, value: Any) -> tuple[bool, str, str | None]:
    output = _render(kind, value)
    if kind == "process":
        status = value.get("status")
        return status == 0, output, None if status == 0 else f"exit status {status}"
    if kind == "http":
        status = value.get("status")
        ok = isinstance(status, int) and status < 400
        return ok, output, None if ok else f"HTTP {status}"
    ok = value is not False
    return ok, output, None if ok else "returned False"


def _render(kind: str, value: Any) -> str:
    if kind == "process" and isinstance(value, dict):
        return (value.get("stdout") or "") + (value.get("stderr") or "")
    if kind == "http" and isinstance(value, dict):
        body = value.get("body")
        text = body if isinstance(body, str) else json.dumps(body, default=str)
        return f"HTTP {value.get('status')}\n{text}"
    return value if isinstance(value, str) else json.dumps(value, default=str)


def bounded(activity: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    """The activity with ``timeout_s`` as its provider's own timeout when it has none, so
    that a process or a request ends by itself."""
    activity = copy.deepcopy(activity)
    provider = activity["provider"]
    if provider["type"] in ("process", "http"):
        provider.setdefault("timeout", timeout_s)
    return activity


class ProbeCheck:
    """A probe's check: the activity run in this process, False unless it succeeded within
    ``timeout_s`` (a worker thread that overruns is left to finish on its own)."""

    def __init__(self, activity: dict[str, Any], context: Context, timeout_s: float):
        self.activity = bounded(activity, timeout_s)
        self.configuration, self.secrets = context.load()
        self.timeout_s = timeout_s

    def __call__(self) -> Checked:
        verdict: list[Verdict] = []

        def work() -> None:
            verdict.append(evaluate(self.activity, self.configuration, self.secrets))

        worker = threading.Thread(target=work, name="ctk-probe", daemon=True)
        worker.start()
        worker.join(self.timeout_s)
        if not verdict:
            return Checked(False, f"no answer within {self.timeout_s:g}s")
        return Checked(True) if verdict[0].ok else Checked(False, verdict[0].error or "failed")


def run_in_child(
    activity: dict[str, Any],
    context: Context,
    args: Mapping[str, Any],
    folder: str | Path,
    timeout_s: float,
) -> ActionResult:
    """Run a fault's or an action's activity in a child process of its own session."""
    _require_chaoslib()
    hidden = context.secret_values()
    with tempfile.TemporaryDirectory(prefix="ctk-") as scratch:
        result_file = Path(scratch) / "result.json"
        payload = {
            "activity": bounded(activity, timeout_s),
            "configuration": dict(context.configuration),
            "secrets": dict(context.secrets),
            "args": dict(args),
        }
        command = f"{shlex.quote(sys.executable)} -m {__name__} {shlex.quote(str(result_file))}"
        ran = run_command(
            command,
            timeout_s + CHILD_START_S,
            cwd=folder,
            env=_child_env(folder),
            stdin=json.dumps(payload).encode(),
        )
        verdict = _read_verdict(result_file)
    if verdict is None:
        log = ran.output.strip().splitlines()
        why = ran.error() or "no result"
        error = f"chaostoolkit activity ended without a result ({why})"
        if log:
            error += f": {log[-1]}"
        return ActionResult(
            False, redact(ran.output, hidden), ran.duration_s, redact(error, hidden)
        )
    return ActionResult(
        verdict.ok,
        redact(verdict.output, hidden),
        ran.duration_s,
        redact(verdict.error, hidden) if verdict.error else None,
    )


def _child_env(folder: str | Path) -> dict[str, str]:
    """This environment, with this package and the system folder importable (a python
    provider's module may sit beside ``target.yaml``)."""
    package_root = str(Path(__file__).resolve().parents[2])
    paths = [str(folder), package_root, os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}


def _read_verdict(path: Path) -> Verdict | None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Verdict(bool(document["ok"]), document.get("output", ""), document.get("error"))


def _child(result_file: str) -> int:
    """The child's side: read the payload on stdin, run the activity, write the verdict."""
    payload = json.load(sys.stdin)
    context = Context(payload["configuration"], payload["secrets"])
    try:
        configuration, secrets = context.load(payload["args"])
        verdict = evaluate(payload["activity"], configuration, secrets)
    except TargetError as error:
        verdict = Verdict(False, "", str(error))
    result = {"ok": verdict.ok, "output": cap_text(verdict.output, OUTPUT_CAP)}
    result["error"] = verdict.error
    Path(result_file).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1]))
