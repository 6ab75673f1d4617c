"""The lab's API instances (the seed's EC2 instances): each a copy of the release in its
own working folder, served by gunicorn on its own port.

The release (``STATE/release/``) is the lab's machine image: the Django project shipped in
this package, copied once. Launching an instance copies the release into
``STATE/instances/ID/`` and starts gunicorn there; losing the instance loses that folder.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

from bookstore_resil.errors import TargetError
from bookstore_resil.lab import procs
from bookstore_resil.lab.checks import api_root_ok
from bookstore_resil.lab.http import http_get
from bookstore_resil.lab.state import LOOPBACK, Lab, free_port, read_json, utc_now, write_json

PROJECT = "bookstore_api"
SOURCE = Path(__file__).parent / PROJECT
WORKERS = 2
MANAGE_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Instance:
    id: str
    port: int
    folder: str
    launched_at: str

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}/"


def django_env(lab: Lab) -> dict[str, str]:
    """What the API is told: where its records are, and the file of the lab's credentials
    (its Django secret and the database password), never the credentials themselves."""
    return {
        "DJANGO_SETTINGS_MODULE": f"{PROJECT}.settings",
        "BOOKSTORE_LAB_RECORDS": str(lab.records_file),
        "BOOKSTORE_LAB_SECRETS": str(lab.secrets_file),
        "BOOKSTORE_LAB_STATIC_ROOT": str(lab.static_backup_dir),
    }


def manage(lab: Lab, *args: str, timeout_s: float = MANAGE_TIMEOUT_S) -> str:
    """Run a Django management command from the release (``migrate``, ``collectstatic``)."""
    try:
        result = procs.run(
            _manage_argv(*args), timeout_s, env=_manage_env(lab), cwd=lab.release_dir
        )
    except subprocess.TimeoutExpired as error:
        raise TargetError("lab", f"manage.py {args[0]} timed out") from error
    _check_managed(args[0], result.returncode, result.stderr)
    return result.stdout


@contextmanager
def migrations(lab: Lab, ahead: bool) -> Iterator[Callable[[], object]]:
    """What migrates (and seeds) the Bookstore's database once it is created: the call this
    yields. ``ahead``: a Django process starts now (``migrate_on_cue``) and loads Django and
    the migrations while the caller makes the cluster, then migrates on the call; leaving
    without the call ends it unused. Else the call runs ``manage.py migrate``."""
    if not ahead:
        yield partial(manage, lab, "migrate", "--noinput")
        return
    process = procs.spawn(_manage_argv("migrate_on_cue"), env=_manage_env(lab), cwd=lab.release_dir)

    def migrate() -> None:
        try:
            _, stderr = process.communicate("migrate\n", timeout=MANAGE_TIMEOUT_S)
        except subprocess.TimeoutExpired as error:
            raise TargetError("lab", "manage.py migrate timed out") from error
        _check_managed("migrate", process.returncode, stderr)

    try:
        yield migrate
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def _manage_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "django", *args]


def _manage_env(lab: Lab) -> dict[str, str]:
    return {**django_env(lab), "PYTHONPATH": str(lab.release_dir)}


def _check_managed(command: str, returncode: int, stderr: str) -> None:
    """A failed command's error in one line: the last unindented line of its output on
    (a traceback's exception, with the lines its message goes on to)."""
    if returncode != 0:
        lines = stderr.strip().splitlines() or ["no output"]
        starts = [i for i, line in enumerate(lines) if line.strip() and not line[0].isspace()]
        error = " ".join(" ".join(lines[starts[-1] if starts else 0 :]).split())
        raise TargetError("lab", f"manage.py {command} failed: {error[-500:]}")


def _copy_project(destination: Path) -> None:
    shutil.copytree(
        SOURCE, destination / PROJECT, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )


def build_release(lab: Lab) -> None:
    """Copy the project into the release once (what instances and ``manage`` run)."""
    if not (lab.release_dir / PROJECT).exists():
        lab.release_dir.mkdir(parents=True, exist_ok=True)
        _copy_project(lab.release_dir)


def collect_static(lab: Lab) -> None:
    """Collect the release's static files into the backup folder once (what
    ``cdn_upload_static`` uploads)."""
    if not any(lab.static_backup_dir.rglob("*.css")):
        manage(lab, "collectstatic", "--noinput")


def _inventory(lab: Lab, instance_id: str) -> Path:
    return lab.inventory_dir / f"{instance_id}.json"


def instances(lab: Lab) -> list[Instance]:
    """Every instance ever launched, newest first."""
    found = [Instance(**read_json(p)) for p in lab.inventory_dir.glob("i-*.json")]
    return sorted(found, key=lambda i: i.launched_at, reverse=True)


def current(lab: Lab) -> Instance | None:
    """The instance the ``api`` record points at."""
    address = lab.records().api
    return next((i for i in instances(lab) if i.address == address), None)


def get(lab: Lab, instance_id: str) -> Instance:
    path = _inventory(lab, instance_id)
    if not path.exists():
        raise TargetError("lab", f"no instance {instance_id}")
    return Instance(**read_json(path))


def is_lost(instance: Instance) -> bool:
    return not (Path(instance.folder) / PROJECT).exists()


def is_running(lab: Lab, instance: Instance) -> bool:
    return procs.running(lab, instance.id) is not None


def state(lab: Lab, instance: Instance) -> str:
    """``running``, ``stopped``, or ``lost`` (its working folder is gone)."""
    if is_running(lab, instance):
        return "running"
    return "lost" if is_lost(instance) else "stopped"


def launch(lab: Lab, timeout_s: float = 30.0) -> Instance:
    """A fresh instance from the release, on a new port, serving when this returns."""
    instance_id = f"i-{secrets.token_hex(4)}"
    folder = lab.instances_dir / instance_id
    _copy_project(folder)
    instance = Instance(instance_id, free_port(), str(folder), utc_now())
    write_json(_inventory(lab, instance_id), asdict(instance))
    start(lab, instance, timeout_s)
    return instance


def start(lab: Lab, instance: Instance, timeout_s: float = 30.0) -> None:
    """Start gunicorn for the instance (if not running) and wait until it serves."""
    if is_lost(instance):
        raise TargetError("lab", f"instance {instance.id} is lost: {instance.folder} is gone")
    if not is_running(lab, instance):
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            instance.address,
            "--workers",
            str(WORKERS),
            "--graceful-timeout",
            "3",
            # Django loaded once, in the master, and its workers forked from it: a start
            # (and a reload, which re-forks them) costs one import of the app, not one a worker.
            "--preload",
            "--chdir",
            instance.folder,
            f"{PROJECT}.wsgi:application",
        ]
        env = {**django_env(lab), "PYTHONPATH": instance.folder}
        env["BOOKSTORE_LAB_ADDRESS"] = instance.address  # what its answers prove
        procs.start(lab, instance.id, argv, cwd=Path(instance.folder), env=env)
    wait_serving(lab, instance, timeout_s)


def wait_serving(lab: Lab, instance: Instance, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    key = lab.secrets().endpoint_key
    while not api_root_ok(http_get(instance.url, key=key)):
        if not is_running(lab, instance):
            raise TargetError("lab", f"instance {instance.id} exited; see logs/{instance.id}.log")
        if time.monotonic() > deadline:
            raise TargetError("lab", f"instance {instance.id} not serving after {timeout_s:.0f}s")
        time.sleep(0.02)


def reload(lab: Lab, instance: Instance, timeout_s: float = 30.0) -> None:
    """Restart the app: gunicorn's graceful reload (SIGHUP), or a start if it is down."""
    if is_lost(instance):
        raise TargetError("lab", f"instance {instance.id} is lost: {instance.folder} is gone")
    process = procs.running(lab, instance.id)
    if process is None:
        start(lab, instance, timeout_s)
        return
    old_workers = set(procs.descendants(process.pid))
    try:
        os.kill(process.pid, signal.SIGHUP)
    except ProcessLookupError:  # it went down since it was found running: start it
        start(lab, instance, timeout_s)
        return
    # gunicorn retires the old workers before the new ones have loaded Django: the app is
    # restarted once the old ones are gone and a new one answers.
    deadline = time.monotonic() + timeout_s
    while old_workers & set(procs.descendants(process.pid)):
        if time.monotonic() > deadline:
            raise TargetError("lab", f"instance {instance.id}: old workers still running")
        time.sleep(0.02)
    wait_serving(lab, instance, max(0.0, deadline - time.monotonic()))


def stop(lab: Lab, instance: Instance) -> bool:
    return procs.stop(lab, instance.id, timeout_s=5.0)


def crash(lab: Lab, instance: Instance) -> bool:
    """Kill gunicorn's master and workers at once."""
    return procs.kill(lab, instance.id)


def destroy(lab: Lab, instance: Instance) -> None:
    procs.kill(lab, instance.id)
    shutil.rmtree(instance.folder, ignore_errors=True)
