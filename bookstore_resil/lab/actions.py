"""The actions playbook steps call, by name: checks and recoveries of the three seed
scenarios (API, database and CDN failure). Each returns an
:class:`~bookstore_resil.targets.base.ActionResult` and is bounded by a timeout."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bookstore_resil.errors import TargetError
from bookstore_resil.lab import api, cdn, pgclient, postgres, snapshots
from bookstore_resil.lab.checks import api_root_ok
from bookstore_resil.lab.http import http_get
from bookstore_resil.lab.state import LOOPBACK, Lab
from bookstore_resil.targets.base import ActionResult

Args = dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    ok: bool
    output: str
    data: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def _done(output: str, **data: Any) -> Outcome:
    return Outcome(True, output, data)


def _bin(lab: Lab) -> Path:
    return Path(lab.config().pg_bin)


def _instance(lab: Lab, args: Args) -> api.Instance:
    """``instance``: an id, or ``newest`` (the newest instance not lost); by default the
    instance the ``api`` record names."""
    wanted = args.get("instance")
    if wanted == "newest":
        newest = next((i for i in api.instances(lab) if not api.is_lost(i)), None)
        if newest is None:
            raise TargetError("lab", "no instance left to use")
        return newest
    if wanted:
        return api.get(lab, wanted)
    instance = api.current(lab)
    if instance is None:
        raise TargetError("lab", f"the api record {lab.records().api!r} names no instance")
    return instance


def _cluster(lab: Lab, args: Args) -> postgres.Cluster:
    wanted = args.get("cluster")
    cluster = (
        next((c for c in postgres.clusters(lab) if c.id == wanted), None)
        if wanted
        else postgres.current(lab)
    )
    if cluster is None:
        raise TargetError("lab", f"no database cluster {wanted or lab.records().db!r}")
    return cluster


def http_check(lab: Lab, args: Args, timeout_s: float) -> Outcome:
    """GET ``path`` (default ``/``) of ``service`` (api: the public address; cdn: the
    bucket, by default a known static object; db or database: a database check), of an ``instance``
    directly (an id or ``newest``), or of any ``url``. The API root must list authors and
    books; anything else must answer 2xx."""
    service, path = args.get("service"), args.get("path")
    if service in ("db", "database"):
        return db_check(lab, args, timeout_s)
    # The lab's own endpoints must prove they are the lab's; any other url is taken as is.
    key: str | None = lab.secrets().endpoint_key
    if service == "api":
        url = lab.router_url() + (path or "/")
    elif service == "cdn":
        url = f"{lab.records().cdn}/{cdn.BUCKET}{path}" if path else cdn.object_url(lab)
    elif args.get("instance"):
        url = _instance(lab, args).url.rstrip("/") + (path or "/")
    elif args.get("url"):
        url, key = str(args["url"]), None
    else:
        raise TargetError("lab", "http_check needs service (api, db, cdn), instance or url")
    answer = http_get(url, timeout_s=min(timeout_s, 5.0), key=key)
    if service != "cdn" and not args.get("url") and (path or "/") == "/":
        ok = api_root_ok(answer)
    else:
        ok = answer.status is not None and 200 <= answer.status < 300
    error = None if ok else f"{url} is not answering as it should"
    return Outcome(ok, answer.describe(), {"status": answer.status, "url": url}, error)


def db_check(lab: Lab, args: Args, timeout_s: float) -> Outcome:
    """Connect through the ``db`` record and count the books; ``through_api: true`` also
    reads ``/books/`` through the public address (the API reaches the database)."""
    address = lab.records().db
    host, port = lab.records().address("db")
    if not pgclient.ping(lab, host, port):
        return Outcome(False, f"postgresql://{address}: not accepting connections", error="db down")
    with pgclient.connect(lab, host, port) as conn:
        books = conn.execute("SELECT count(*) FROM books_book").fetchone()[0]
    output = f"postgresql://{address}: accepting connections, {books} books"
    if args.get("through_api"):
        url, key = lab.router_url() + "/books/", lab.secrets().endpoint_key
        answer = http_get(url, timeout_s=min(timeout_s, 5.0), key=key)
        if answer.status != 200:
            return Outcome(False, f"{output}\n{answer.describe()}", error="API cannot read the db")
        output += f"\nGET /books/ through the API: HTTP {answer.status}"
    return _done(output, books=books)


def restart_app(lab: Lab, args: Args, timeout_s: float) -> Outcome:
    """Restart gunicorn of the instance the ``api`` record names (or ``instance``)."""
    instance = _instance(lab, args)
    api.reload(lab, instance, timeout_s)
    return _done(f"gunicorn of {instance.id} restarted, serving on {instance.address}")


def restart_instance(lab: Lab, args: Args, timeout_s: float) -> Outcome:
    """Stop and start all of the instance's processes."""
    instance = _instance(lab, args)
    if api.is_lost(instance):
        raise TargetError("lab", f"instance {instance.id} is lost and cannot be restarted")
    api.stop(lab, instance)
    api.start(lab, instance, timeout_s)
    return _done(f"instance {instance.id} restarted, serving on {instance.address}")


def launch_replacement(lab: Lab, args: Args, timeout_s: float) -> Outcome:
    """A new instance from the release (the seed's run-instances from the AMI)."""
    instance = api.launch(lab, timeout_s)
    output = f"{instance.launched_at}\t{instance.id}\t{instance.address}\tlaunched"
    return _done(output, instance=instance.id, address=instance.address)


def describe_instances(lab: Lab, args: Args, timeout_s: float) -> Outcome:
    """Running instances, newest first: launch time, id, address."""
    running = [i for i in api.instances(lab) if api.is_running(lab, i)]
    lines = [f"{i.launched_at}\t{i.id}\t{i.address}" for i in running]
    rows = [{"id": i.id, "address": i.address, "launched_at": i.launched_at} for i in running]
    return _done("\n".join(lines) or "no running instances", instances=rows)


def update_dns(lab: Lab, args: Args, timeout_s: float) -> Outcome:
    """Point ``record`` (api or db) at ``target``, by default the newest running one.

    ``target`` names one of the lab's own running instances (or database clusters), by id
    or by address: a record pointing anywhere else would send the lab's traffic, and the
    database password the API sends, to whoever listens there."""
    record = args.get("record", "api")
    if record == "api":
        running = {i.id: i.address for i in api.instances(lab) if api.is_running(lab, i)}
    elif record == "db":
        running = {c.id: c.address for c in postgres.clusters(lab) if postgres.is_running(lab, c)}
    else:
        raise TargetError("lab", f"update_dns: unknown record {record!r} (api or db)")
    wanted = args.get("target")
    if wanted is None:
        if not running:
            raise TargetError("lab", f"update_dns: nothing running to point {record} at")
        target = next(iter(running.values()))
    elif isinstance(wanted, str) and (wanted in running or wanted in running.values()):
        target = running.get(wanted, wanted)
    else:
        known = ", ".join(f"{key} ({address})" for key, address in running.items()) or "none"
        raise TargetError(
            "lab",
            f"update_dns: {wanted!r} is not a running {record} of this lab (running: {known})",
        )
    before = getattr(lab.records(), record)
    lab.set_record(record, target)
    return _done(f"{record}: {before} -> {target}", record=record, target=target, previous=before)


def db_restart(lab: Lab, args: Args, timeout_s: float) -> Outcome:
    """Restart the database server the ``db`` record names (or ``cluster``)."""
    cluster = _cluster(lab, args)
    postgres.stop(lab, cluster)
    postgres.start(lab, cluster, _bin(lab), timeout_s)
    return _done(f"database {cluster.id} restarted on {cluster.address}")


def db_launch_replica(lab: Lab, args: Args, timeout_s: float) -> Outcome:
    """A new server on a new port, restored from the latest snapshot (DNS not changed)."""
    snapshot = _latest(lab)
    cluster = postgres.create(lab, _bin(lab))
    postgres.start(lab, cluster, _bin(lab), timeout_s)
    snapshots.restore(lab, snapshot, LOOPBACK, cluster.port, _bin(lab), timeout_s)
    output = f"replica {cluster.id} on {cluster.address} from snapshot of {snapshot.taken_at}"
    return _done(output, cluster=cluster.id, address=cluster.address, **_snapshot(snapshot))


def db_restore_snapshot(lab: Lab, args: Args, timeout_s: float) -> Outcome:
    """Replace the current database's content with the latest snapshot."""
    snapshot = _latest(lab)
    host, port = lab.records().address("db")
    snapshots.restore(lab, snapshot, host, port, _bin(lab), timeout_s)
    output = f"postgresql://{host}:{port} restored from snapshot of {snapshot.taken_at}"
    return _done(output, **_snapshot(snapshot))


def db_snapshot(lab: Lab, args: Args, timeout_s: float) -> Outcome:
    """Take a snapshot now (as the scheduler does every ``snapshot_interval_s``)."""
    snapshot = snapshots.take(lab, _bin(lab), timeout_s)
    return _done(f"snapshot {snapshot.path.name}", **_snapshot(snapshot))


def _latest(lab: Lab) -> snapshots.Snapshot:
    snapshot = snapshots.latest(lab)
    if snapshot is None:
        raise TargetError("lab", "no snapshot to restore from")
    return snapshot


def _snapshot(snapshot: snapshots.Snapshot) -> dict[str, str]:
    return {"snapshot": snapshot.path.name, "snapshot_taken_at": snapshot.taken_at.isoformat()}


def cdn_verify(lab: Lab, args: Args, timeout_s: float) -> Outcome:
    """The bucket exists and holds every static file of the backup."""
    check = cdn.verify(lab)
    present = check.expected - len(check.missing)
    output = f"bucket {cdn.BUCKET}: " + (
        f"{present}/{check.expected} static files present" if check.bucket_exists else "missing"
    )
    if check.missing and check.bucket_exists:
        output += "; missing: " + ", ".join(check.missing[:5])
    error = None if check.ok else "the CDN is incomplete"
    return Outcome(check.ok, output, {"missing": len(check.missing)}, error)


def cdn_recreate_bucket(lab: Lab, args: Args, timeout_s: float) -> Outcome:
    created = cdn.create_bucket(lab)
    return _done(f"bucket {cdn.BUCKET}: {'created' if created else 'already exists'}")


def cdn_upload_static(lab: Lab, args: Args, timeout_s: float) -> Outcome:
    count = cdn.upload_static(lab)
    return _done(f"{count} static files uploaded to {cdn.BUCKET}", uploaded=count)


ACTIONS: dict[str, Callable[[Lab, Args, float], Outcome]] = {
    "http_check": http_check,
    "db_check": db_check,
    "restart_app": restart_app,
    "restart_instance": restart_instance,
    "launch_replacement": launch_replacement,
    "describe_instances": describe_instances,
    "update_dns": update_dns,
    "db_restart": db_restart,
    "db_launch_replica": db_launch_replica,
    "db_restore_snapshot": db_restore_snapshot,
    "db_snapshot": db_snapshot,
    "cdn_verify": cdn_verify,
    "cdn_recreate_bucket": cdn_recreate_bucket,
    "cdn_upload_static": cdn_upload_static,
}


def run(lab: Lab, name: str, args: Args | None, timeout_s: float) -> ActionResult:
    """Run the action in a worker thread and give up waiting after ``timeout_s``; never
    raises. (The action's own waits are bounded by the same timeout, so the thread ends.)"""
    action = ACTIONS.get(name)
    if action is None:
        known = ", ".join(ACTIONS)
        return ActionResult(False, error=f"unknown action {name!r} (known: {known})")
    outcome: list[Outcome] = []

    def work() -> None:
        try:
            outcome.append(action(lab, dict(args or {}), timeout_s))
        except Exception as error:  # an action that fails is a result, not a crash
            outcome.append(Outcome(False, "", error=str(error) or type(error).__name__))

    started = time.monotonic()
    worker = threading.Thread(target=work, name=f"lab-action-{name}", daemon=True)
    worker.start()
    worker.join(timeout_s)
    duration = time.monotonic() - started
    if not outcome:
        return ActionResult(False, duration_s=duration, error=f"timed out after {timeout_s:g}s")
    result = outcome[0]
    return ActionResult(result.ok, result.output, duration, result.error, result.data)
