"""Start, find and stop the lab's processes, always by the pid recorded at start.

Each process has a JSON file in ``STATE/pids/`` with its pid and its kernel start time,
so a pid the kernel has since given to someone else's process is never signalled. The
machine is shared: nothing here looks processes up by name.

Every process the lab starts, long-lived or not, gets a scrubbed environment: none of the
caller's cloud credentials (``AWS_*``, ``GOOGLE_*``, ``AZURE_*``, ...) nor anything named
like a secret. The lab's PostgreSQL runs as another user when we are root, and whoever
can run a program as that user can read its ``/proc/PID/environ``; the lab needs none of
them. Files they create are the owner's alone (umask 077).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from bookstore_resil.lab.state import PRIVATE_FILE, Lab, read_json, utc_now, write_json

log = logging.getLogger("bookstore_resil.lab")
PRIVATE_UMASK = 0o077
# Cloud providers' variables (AWS_..., GOOGLE_..., AZURE_..., OS_ for OpenStack, ...), the
# files that hold their credentials, and anything named like a credential.
_CLOUD = re.compile(
    r"^((AWS|AMAZON|BOTO|GOOGLE|GCLOUD|GCP|CLOUDSDK|AZURE|ARM|MSI|ALIBABA_CLOUD|ALICLOUD|OCI"
    r"|DIGITALOCEAN|LINODE|HCLOUD|SCW|OS|IBMCLOUD|CF|HEROKU|VAULT|KUBE)_|KUBECONFIG$)"
)
_SECRET = re.compile(r"SECRET|TOKEN|PASSW|CREDENTIAL|PRIVATE|API_?KEY|ACCESS_?KEY|AUTH", re.I)


def scrubbed_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The caller's environment without cloud credentials or secrets, plus ``extra``."""
    kept = {
        name: value
        for name, value in os.environ.items()
        if not _CLOUD.match(name.upper()) and not _SECRET.search(name)
    }
    return {**kept, **(extra or {})}


def run(
    argv: Sequence[str],
    timeout_s: float,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    user: str | None = None,
) -> subprocess.CompletedProcess:
    """Run a short command of the lab (initdb, pg_dump, manage.py) to its end, its output
    captured, with the scrubbed environment; raises ``subprocess.TimeoutExpired``."""
    return subprocess.run(
        list(argv),
        capture_output=True,
        text=True,
        timeout=timeout_s,
        cwd=cwd,
        env=scrubbed_environment(env),
        umask=PRIVATE_UMASK,
        user=user,
        group=user,
        extra_groups=[] if user else None,
    )


@dataclass(frozen=True)
class TrackedProcess:
    name: str
    pid: int
    start_ticks: int
    argv: list[str]
    log: str
    started_at: str


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    return raw[raw.rindex(")") + 2 :].split()


def _reap(pid: int) -> None:
    """Collect our own exited children so they are not counted as alive (zombies)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def pid_alive(pid: int, start_ticks: int | None = None) -> bool:
    """True while ``pid`` runs (not a zombie) and, if given, is the process started then."""
    _reap(pid)
    stat = _stat_fields(pid)
    if stat is None or stat[0] in ("Z", "X"):
        return False
    return start_ticks is None or int(stat[19]) == start_ticks


Pid = tuple[int, int | None]  # a pid, and its kernel start time when known


def descendants(pid: int) -> list[Pid]:
    """Every process below ``pid`` (with its start time), found through /proc."""
    children: dict[int, list[Pid]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat_fields(int(entry))
            if stat is not None:
                children.setdefault(int(stat[1]), []).append((int(entry), int(stat[19])))
    found: list[Pid] = []
    todo = [pid]
    while todo:
        below = children.get(todo.pop(), [])
        found.extend(below)
        todo.extend(child for child, _ in below)
    return found


def _pid_file(lab: Lab, name: str) -> Path:
    return lab.pids_dir / f"{name}.json"


def start(
    lab: Lab,
    name: str,
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    user: str | None = None,
) -> TrackedProcess:
    """Start ``argv`` in its own session with the scrubbed environment (plus ``env``), log
    to ``STATE/logs/NAME.log`` (the owner's alone), record its pid."""
    lab.pids_dir.mkdir(parents=True, exist_ok=True)
    lab.logs_dir.mkdir(parents=True, exist_ok=True)
    log_path = lab.logs_dir / f"{name}.log"
    log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
    with os.fdopen(log_fd, "ab") as out:
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=scrubbed_environment(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            umask=PRIVATE_UMASK,
            user=user,
            group=user,
            extra_groups=[] if user else None,
        )
    stat = _stat_fields(process.pid)
    tracked = TrackedProcess(
        name=name,
        pid=process.pid,
        start_ticks=int(stat[19]) if stat else 0,
        argv=list(argv),
        log=str(log_path),
        started_at=utc_now(),
    )
    write_json(_pid_file(lab, name), asdict(tracked))
    log.info("started %s (pid %d)", name, process.pid)
    return tracked


def get(lab: Lab, name: str) -> TrackedProcess | None:
    path = _pid_file(lab, name)
    if not path.exists():
        return None
    return TrackedProcess(**read_json(path))


def tracked(lab: Lab) -> list[TrackedProcess]:
    if not lab.pids_dir.exists():
        return []
    return [TrackedProcess(**read_json(path)) for path in sorted(lab.pids_dir.glob("*.json"))]


def running(lab: Lab, name: str) -> TrackedProcess | None:
    """The tracked process ``name`` if it is still alive."""
    process = get(lab, name)
    if process is not None and pid_alive(process.pid, process.start_ticks):
        return process
    return None


def _wait_gone(pids: list[Pid], timeout_s: float) -> list[Pid]:
    deadline = time.monotonic() + timeout_s
    alive = [p for p in pids if pid_alive(*p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.02)
        alive = [p for p in alive if pid_alive(*p)]
    return alive


def _signal(process: Pid, sig: int) -> None:
    """Signal the process if it is still the one we knew (its pid may have been reused)."""
    if pid_alive(*process):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(process[0], sig)


def stop(lab: Lab, name: str, sig: int = signal.SIGTERM, timeout_s: float = 5.0) -> bool:
    """Signal the process ``name`` and everything below it; SIGKILL what is left after
    ``timeout_s``. True when something was running. Forgets the process either way."""
    process = get(lab, name)
    if process is None:
        return False
    was_running = pid_alive(process.pid, process.start_ticks)
    if was_running:
        tree = [(process.pid, process.start_ticks), *descendants(process.pid)]
        _signal(tree[0], sig)
        left = _wait_gone(tree, timeout_s)
        for pid in left:
            _signal(pid, signal.SIGKILL)
        left = _wait_gone(left, 5.0)
        if left:
            log.warning("%s: pids %s still alive after SIGKILL", name, [p for p, _ in left])
        log.info("stopped %s (pid %d)", name, process.pid)
    _pid_file(lab, name).unlink(missing_ok=True)
    return was_running


def kill(lab: Lab, name: str) -> bool:
    """SIGKILL the process and all below it at once: a crash, not a shutdown."""
    process = get(lab, name)
    if process is None or not pid_alive(process.pid, process.start_ticks):
        return False
    top = (process.pid, process.start_ticks)
    for pid in [top, *descendants(process.pid)]:
        _signal(pid, signal.SIGKILL)
    _wait_gone([top], 5.0)
    return True
