"""``lab up``, ``lab down`` and ``lab status``."""

from __future__ import annotations

import shutil
import socket
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from bookstore_resil.display import Progress, prefixed
from bookstore_resil.errors import TargetError
from bookstore_resil.lab import api, cdn, postgres, procs, snapshots
from bookstore_resil.lab.checks import api_probe, cdn_probe, db_probe
from bookstore_resil.lab.http import http_get
from bookstore_resil.lab.state import LOOPBACK, Lab, LabConfig, Records, free_port, utc_now
from bookstore_resil.targets.base import Checked, Probe

ROUTER = "router"
SNAPSHOTTER = "snapshotter"
DEFAULT_SNAPSHOT_INTERVAL_S = 30.0

to_stderr = prefixed("lab")


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    healthy: bool
    endpoint: str
    detail: str = ""
    pid: int | None = None


@dataclass(frozen=True)
class InstanceStatus:
    id: str
    address: str
    launched_at: str
    state: str


@dataclass(frozen=True)
class LabStatus:
    state_dir: str
    exists: bool
    healthy: bool
    components: list[ComponentStatus] = field(default_factory=list)
    instances: list[InstanceStatus] = field(default_factory=list)
    databases: list[InstanceStatus] = field(default_factory=list)
    records: Records = field(default_factory=Records)


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the servers bind: a port left in TIME_WAIT by their last run is free to them.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def _config(lab: Lab, snapshot_interval_s: float | None) -> LabConfig:
    if lab.exists():
        config = lab.config()
    else:
        config = LabConfig(
            router_port=free_port(),
            cdn_port=free_port(),
            snapshot_interval_s=DEFAULT_SNAPSHOT_INTERVAL_S,
            created_at=utc_now(),
        )
    config = replace(config, pg_bin=str(postgres.find_bin_dir()))
    if snapshot_interval_s is not None:
        config = replace(config, snapshot_interval_s=snapshot_interval_s)
    # Ports of stopped components may have been taken meanwhile by someone else.
    if not procs.running(lab, ROUTER) and not _port_free(config.router_port):
        config = replace(config, router_port=free_port())
    if not procs.running(lab, cdn.PROCESS) and not _port_free(config.cdn_port):
        config = replace(config, cdn_port=free_port())
    lab.save_config(config)
    return config


def _ensure_cluster(lab: Lab, bin_dir: Path, progress: Progress) -> postgres.Cluster:
    cluster = postgres.current(lab)
    if cluster is not None and not postgres.is_lost(cluster):
        was_running = postgres.is_running(lab, cluster)
        postgres.start(lab, cluster, bin_dir)
        progress(f"database {cluster.id} on {cluster.address}: {_verb(was_running)}")
    else:
        cluster = postgres.create(lab, bin_dir)
        postgres.start(lab, cluster, bin_dir)
        lab.set_record("db", cluster.address)
        progress(f"database {cluster.id} on {cluster.address}: created")
    return cluster


def _ensure_data(
    lab: Lab,
    cluster: postgres.Cluster,
    bin_dir: Path,
    progress: Progress,
    migrate: Callable[[], object],
) -> None:
    """The Bookstore's database in the cluster: there, restored from the latest snapshot, or
    created and then migrated and seeded by ``migrate`` (see :func:`api.migrations`)."""
    if postgres.has_database(lab, cluster):
        return
    latest = snapshots.latest(lab)
    if latest is not None:
        snapshots.restore(lab, latest, LOOPBACK, cluster.port, bin_dir, 60.0)
        progress(f"database {cluster.id}: restored snapshot {latest.path.name}")
    else:
        postgres.create_database(lab, cluster)
        migrate()
        progress(f"database {cluster.id}: migrated and seeded")


def _verb(was_running: bool) -> str:
    return "running" if was_running else "started"


def _ensure_cdn(lab: Lab, config: LabConfig, progress: Progress) -> None:
    cdn.wait_ready(lab, config.cdn_port)
    created = cdn.create_bucket(lab)
    check = cdn.verify(lab)
    if check.missing:
        cdn.upload_static(lab)
    detail = "bucket created, " if created else ""
    detail += f"{len(check.missing)} static files uploaded" if check.missing else "in place"
    progress(f"cdn {cdn.endpoint(config.cdn_port)}/{cdn.BUCKET}: {detail}")


def _ensure_api(lab: Lab, progress: Progress) -> None:
    instance = api.current(lab)
    if instance is not None and not api.is_lost(instance):
        was_running = api.is_running(lab, instance)
        api.start(lab, instance)
        progress(f"api instance {instance.id} on {instance.address}: {_verb(was_running)}")
        return
    instance = api.launch(lab)
    lab.set_record("api", instance.address)
    progress(f"api instance {instance.id} on {instance.address}: launched")


def _ensure_router(lab: Lab, config: LabConfig, progress: Progress) -> None:
    was_running = procs.running(lab, ROUTER) is not None
    if not was_running:
        argv = [sys.executable, "-m", "bookstore_resil.lab.router", str(lab.root)]
        procs.start(lab, ROUTER, [*argv, str(config.router_port)], cwd=lab.root)
    deadline = time.monotonic() + 15.0
    key = lab.secrets().endpoint_key
    while http_get(lab.router_url() + "/", key=key).status is None:
        if procs.running(lab, ROUTER) is None or time.monotonic() > deadline:
            raise TargetError("lab", f"the router did not start; see {lab.logs_dir}/router.log")
        time.sleep(0.05)
    progress(f"router {lab.router_url()}/: {_verb(was_running)}")


def _start_beside_the_database(lab: Lab, config: LabConfig, progress: Progress) -> None:
    _ensure_router(lab, config, progress)
    api.collect_static(lab)
    _ensure_cdn(lab, config, progress)
    _ensure_api(lab, progress)


def _ensure_snapshotter(lab: Lab, config: LabConfig, progress: Progress) -> None:
    if snapshots.latest(lab) is None:
        snapshots.take(lab, Path(config.pg_bin))
    was_running = procs.running(lab, SNAPSHOTTER) is not None
    if not was_running:
        argv = [sys.executable, "-m", "bookstore_resil.lab.snapshots", str(lab.root)]
        procs.start(lab, SNAPSHOTTER, argv, cwd=lab.root)
    progress(f"snapshots every {config.snapshot_interval_s:g}s: {_verb(was_running)}")


def up(
    lab: Lab, *, snapshot_interval_s: float | None = None, progress: Progress = to_stderr
) -> LabStatus:
    """Start whatever is not running and replace whatever is lost; idempotent.

    The database is the longest chain (a cluster, then its data migrated from the API's
    release or restored, then the snapshotter), so it runs here while one side thread
    starts the rest meanwhile: the router, the CDN's files (moto, started first, imports
    meanwhile), the API (it finds the database through the records on each request).
    A lab from nothing also starts Django for the first migration beside ``initdb``.
    Progress lines come in the order things get ready.

    An ``up`` that fails or is interrupted (Ctrl-C) stops what it started, and a lab it
    began from nothing is removed whole: no half-started lab is left behind.
    """
    fresh_folder = not lab.root.exists()
    try:
        with lab.locked():
            before = {p.name for p in procs.tracked(lab) if procs.running(lab, p.name)}
            try:
                _up(lab, snapshot_interval_s, progress)
            except BaseException:
                for process in procs.tracked(lab):
                    if process.name not in before and _stop_one(lab, process):
                        progress(f"{process.name} (pid {process.pid}): stopped, lab up failed")
                raise
    except BaseException:
        if fresh_folder and lab.root.exists():
            down(lab, purge=True, progress=lambda _: None)
            progress(f"{lab.root}: removed, lab up failed")
        raise
    return status(lab)


def _up(lab: Lab, snapshot_interval_s: float | None, progress: Progress) -> None:
    lab.prepare()
    config = _config(lab, snapshot_interval_s)
    bin_dir = Path(config.pg_bin)
    cdn.start(lab, config.cdn_port)
    lab.set_record("cdn", cdn.endpoint(config.cdn_port))
    api.build_release(lab)
    fresh = postgres.current(lab) is None and snapshots.latest(lab) is None
    with (
        api.migrations(lab, ahead=fresh) as migrate,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="lab-up") as side,
    ):
        rest = side.submit(_start_beside_the_database, lab, config, progress)
        try:
            cluster = _ensure_cluster(lab, bin_dir, progress)
            _ensure_data(lab, cluster, bin_dir, progress, migrate)
            _ensure_snapshotter(lab, config, progress)
        finally:
            wait([rest])
        rest.result()


def _stop_one(lab: Lab, process: procs.TrackedProcess) -> bool:
    cluster = next((c for c in postgres.clusters(lab) if c.process_name == process.name), None)
    if cluster is not None:
        return postgres.stop(lab, cluster)
    return procs.stop(lab, process.name)


def down(lab: Lab, *, purge: bool = False, progress: Progress = to_stderr) -> list[str]:
    """Stop every process of the lab, by its recorded pid; with ``purge``, delete its state.
    Returns the names of the processes that were running. A folder that holds no lab is
    left as it is (a mistyped ``--state`` creates nothing)."""
    if not lab.root.is_dir():
        progress(f"no lab in {lab.root}: nothing to stop")
        return []
    lab.check_owner()
    stopped: list[str] = []
    with lab.locked():
        for process in procs.tracked(lab):
            if _stop_one(lab, process):
                stopped.append(process.name)
                progress(f"{process.name} (pid {process.pid}): stopped")
        left = [p.name for p in procs.tracked(lab) if procs.running(lab, p.name)]
        if left:
            raise TargetError("lab", f"still running after down: {', '.join(left)}")
        if purge:
            postgres.remove_root(lab)
    if purge:
        shutil.rmtree(lab.root, ignore_errors=True)
        progress(f"{lab.root}: removed")
    return stopped


def _age(taken_at: datetime) -> str:
    return f"{(datetime.now(timezone.utc) - taken_at).total_seconds():.0f}s ago"


def status(lab: Lab) -> LabStatus:
    """Each component's health and endpoints, as seen through the lab's records."""
    if not lab.exists():
        return LabStatus(str(lab.root), exists=False, healthy=False)
    records = lab.records()
    router = procs.running(lab, ROUTER)
    instance = api.current(lab)
    cluster = postgres.current(lab)
    cdn_process = procs.running(lab, cdn.PROCESS)
    snapshotter = procs.running(lab, SNAPSHOTTER)
    latest = snapshots.latest(lab)
    components = [
        ComponentStatus("router", router is not None, lab.router_url() + "/", "", _pid(router)),
        _probed(
            api_probe(lab),
            f"instance {instance.id} ({api.state(lab, instance)})" if instance else "no instance",
            _pid(procs.running(lab, instance.id) if instance else None),
        ),
        _probed(
            db_probe(lab),
            f"cluster {cluster.id}" if cluster else "no cluster at the db record",
            _pid(procs.running(lab, cluster.id) if cluster else None),
            records.db,
        ),
        _probed(cdn_probe(lab), f"bucket {cdn.BUCKET}", _pid(cdn_process)),
        ComponentStatus(
            "snapshots",
            snapshotter is not None,
            str(lab.snapshots_dir),
            f"latest {_age(latest.taken_at)}" if latest else "none yet",
            _pid(snapshotter),
        ),
    ]
    return LabStatus(
        state_dir=str(lab.root),
        exists=True,
        healthy=all(c.healthy for c in components),
        components=components,
        instances=[
            InstanceStatus(i.id, i.address, i.launched_at, api.state(lab, i))
            for i in api.instances(lab)
        ],
        databases=[
            InstanceStatus(c.id, c.address, c.created_at, postgres.state(lab, c))
            for c in postgres.clusters(lab)
        ],
        records=records,
    )


def _probed(probe: Probe, detail: str, pid: int | None, endpoint: str = "") -> ComponentStatus:
    """The component its probe watches: healthy when the probe reads it up, else the
    probe's reason after the detail."""
    answer = Checked.of(probe.check())
    detail = detail if answer.up else f"{detail}: {answer.reason}"
    return ComponentStatus(probe.name, answer.up, endpoint or probe.address, detail, pid)


def _pid(process: procs.TrackedProcess | None) -> int | None:
    return process.pid if process else None


def describe(status: LabStatus) -> str:
    """``lab status`` for people: one line per component, then instances and databases."""
    if not status.exists:
        return f"no lab in {status.state_dir} (start one with 'bookstore-resil lab up')"
    lines = [f"lab {status.state_dir}: {'healthy' if status.healthy else 'NOT healthy'}"]
    for c in status.components:
        pid = f" pid {c.pid}" if c.pid else ""
        health = "up" if c.healthy else "DOWN"
        lines.append(f"  {c.name:<10} {health:<5} {c.endpoint}  {c.detail}{pid}".rstrip())
    for title, rows in (("instances", status.instances), ("databases", status.databases)):
        lines.append(f"{title}:")
        lines += [f"  {r.id:<12} {r.address:<16} {r.state:<8} {r.launched_at}" for r in rows]
    return "\n".join(lines)
