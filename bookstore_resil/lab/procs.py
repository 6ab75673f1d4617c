"""Start, find and stop the lab's processes, always by the pid recorded at start.

Each process has a JSON file in ``STATE/pids/`` with its pid and when it started (kept as
seconds since boot, which no step of the wall clock moves), so a pid the kernel has since
given to someone else's process is never signalled. The machine is shared: nothing here
looks processes up by name. psutil finds a process's children and waits for them, on any
system it supports.

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

import psutil

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


def _confined(env: Mapping[str, str] | None, user: str | None) -> dict:
    """How every process of the lab is started: the scrubbed environment, umask 077, as
    ``user`` (with that user's group alone) when one is given."""
    return {
        "env": scrubbed_environment(env),
        "umask": PRIVATE_UMASK,
        "user": user,
        "group": user,
        "extra_groups": [] if user else None,
    }


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
        **_confined(env, user),
    )


def spawn(
    argv: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> subprocess.Popen:
    """Start a short command of the lab that the caller talks to (its standard input, output
    and error are pipes) and waits for, confined as :func:`run`'s are."""
    return subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        **_confined(env, None),
    )


@dataclass(frozen=True)
class TrackedProcess:
    name: str
    pid: int
    create_time: float  # seconds since the epoch: boot_time plus the start since boot
    argv: list[str]
    log: str
    started_at: str
    boot_time: float | None = None  # psutil's then (older pid files: none)

    @property
    def started(self) -> float:
        """When it started, in seconds since boot (see :func:`_started`)."""
        boot = psutil.boot_time() if self.boot_time is None else self.boot_time
        return self.create_time - boot


Pid = tuple[int, float | None]  # a pid, and when it started (seconds since boot) when known
SAME_START_S = 0.005  # half a clock tick: /proc gives a start in ticks of 1/100 s
PROC = Path("/proc")
START_FIELD = 19  # starttime, the 22nd field of /proc/PID/stat, counted after "(comm)"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _started(process: psutil.Process) -> float:
    """When ``process`` started, in seconds since the machine booted: with its pid, which
    process it is. On Linux it is the kernel's own count (``/proc/PID/stat``, in clock
    ticks). psutil's ``create_time()`` is that plus the boot time as the wall clock puts it,
    read at another moment than ``boot_time()``: when the clock is stepped, or slewed across
    a whole second (NTP, a VM syncing its clock), the two disagree by a second, a live
    process looked gone, and ``lab down`` left it running."""
    if not PROC.is_dir():
        return process.create_time() - psutil.boot_time()
    try:
        with open(PROC / str(process.pid) / "stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except FileNotFoundError:
        raise psutil.NoSuchProcess(process.pid) from None
    return int(fields[START_FIELD]) / CLOCK_TICKS


def _live(pid: int, started: float | None = None) -> psutil.Process | None:
    """The process ``pid`` while it runs (not a zombie) and, if ``started`` is given, is
    the one started then: a pid the kernel gave to someone else is not ours."""
    try:
        process = psutil.Process(pid)
        if started is not None and abs(_started(process) - started) > SAME_START_S:
            return None
        if process.status() == psutil.STATUS_ZOMBIE:
            # Our own exited child is collected here; anyone else's waits for its parent.
            with contextlib.suppress(psutil.Error, ChildProcessError):
                process.wait(timeout=0)
            return None
    except psutil.NoSuchProcess:
        return None
    return process


def pid_alive(pid: int, started: float | None = None) -> bool:
    """True while ``pid`` runs (not a zombie) and, if given, is the process created then."""
    return _live(pid, started) is not None


def descendants(pid: int) -> list[Pid]:
    """Every process below ``pid``, with its creation time."""
    process = _live(pid)
    if process is None:
        return []
    found: list[Pid] = []
    for child in process.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            found.append((child.pid, _started(child)))
    return found


def _pid_file(lab: Lab, name: str) -> Path:
    return lab.pids_dir / f"{name}.json"


# The program is started behind a shell that waits for a line on a pipe before it execs the
# program (same pid, same start time), and the line is written only once the pid file is.
# Whoever is killed between the two (a kernel, a Ctrl-C) closes the pipe: the shell then
# exits without starting anything, so no process of the lab ever runs unrecorded.
_AFTER_RECORDED = 'read -r go && exec "$@" </dev/null'


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
    to ``STATE/logs/NAME.log`` (the owner's alone), record its pid before it runs."""
    lab.pids_dir.mkdir(parents=True, exist_ok=True)
    lab.logs_dir.mkdir(parents=True, exist_ok=True)
    log_path = lab.logs_dir / f"{name}.log"
    log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
    go_read, go_write = os.pipe()
    try:
        with os.fdopen(log_fd, "ab") as out:
            process = subprocess.Popen(
                ["/bin/sh", "-c", _AFTER_RECORDED, "sh", *argv],
                cwd=cwd,
                stdin=go_read,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **_confined(env, user),
            )
        boot_time = psutil.boot_time()
        tracked = TrackedProcess(
            name=name,
            pid=process.pid,
            create_time=boot_time + _started(psutil.Process(process.pid)),
            boot_time=boot_time,
            argv=list(argv),
            log=str(log_path),
            started_at=utc_now(),
        )
        write_json(_pid_file(lab, name), asdict(tracked))
        os.write(go_write, b"go\n")
    finally:
        os.close(go_read)
        os.close(go_write)
    log.info("started %s (pid %d)", name, process.pid)
    return tracked


def get(lab: Lab, name: str) -> TrackedProcess | None:
    lab.check_owner()  # a pid file is trusted only in a folder of the owner's alone
    path = _pid_file(lab, name)
    if not path.exists():
        return None
    return TrackedProcess(**read_json(path))


def tracked(lab: Lab) -> list[TrackedProcess]:
    lab.check_owner()
    if not lab.pids_dir.exists():
        return []
    return [TrackedProcess(**read_json(path)) for path in sorted(lab.pids_dir.glob("*.json"))]


def running(lab: Lab, name: str) -> TrackedProcess | None:
    """The tracked process ``name`` if it is still alive."""
    process = get(lab, name)
    if process is not None and pid_alive(process.pid, process.started):
        return process
    return None


def _processes(pids: list[Pid]) -> list[psutil.Process]:
    return [process for pid in pids if (process := _live(*pid)) is not None]


def _wait_gone(processes: list[psutil.Process], timeout_s: float) -> list[psutil.Process]:
    """The processes still alive after ``timeout_s``. A zombie counts as gone: where
    nothing reaps orphans (a container's init) it would otherwise outlive the wait."""
    deadline = time.monotonic() + timeout_s
    alive = processes
    while alive:
        left = deadline - time.monotonic()
        _, alive = psutil.wait_procs(alive, timeout=max(0.0, min(0.05, left)))
        alive = [p for p in alive if pid_alive(p.pid)]
        if left <= 0:
            break
    return alive


def _signal(processes: list[psutil.Process], sig: int) -> None:
    """Signal each process that is still the one we knew (psutil checks its creation time
    first, so a reused pid is never signalled)."""
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            process.send_signal(sig)


def stop(lab: Lab, name: str, sig: int = signal.SIGTERM, timeout_s: float = 5.0) -> bool:
    """Signal the process ``name`` and everything below it; SIGKILL what is left after
    ``timeout_s``. True when something was running. Forgets the process either way."""
    process = get(lab, name)
    if process is None:
        return False
    top = _live(process.pid, process.started)
    if top is not None:
        tree = [top, *_processes(descendants(top.pid))]
        _signal([top], sig)
        left = _wait_gone(tree, timeout_s)
        _signal(left, signal.SIGKILL)
        left = _wait_gone(left, 5.0)
        if left:
            log.warning("%s: pids %s still alive after SIGKILL", name, [p.pid for p in left])
        log.info("stopped %s (pid %d)", name, process.pid)
    _pid_file(lab, name).unlink(missing_ok=True)
    return top is not None


def kill(lab: Lab, name: str) -> bool:
    """SIGKILL the process and all below it at once: a crash, not a shutdown."""
    process = get(lab, name)
    top = _live(process.pid, process.started) if process is not None else None
    if top is None:
        return False
    _signal([top, *_processes(descendants(top.pid))], signal.SIGKILL)
    _wait_gone([top], 5.0)
    return True
