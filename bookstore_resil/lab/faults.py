"""The faults the lab can suffer, by name; each recorded in ``STATE/faults.jsonl``."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict

from bookstore_resil.errors import TargetError
from bookstore_resil.lab import api, cdn, postgres
from bookstore_resil.lab.state import PRIVATE_FILE, Lab, utc_now
from bookstore_resil.targets.base import FaultRecord


def _instance(lab: Lab) -> api.Instance:
    instance = api.current(lab)
    if instance is None:
        raise TargetError("lab", f"the api record {lab.records().api!r} names no instance")
    return instance


def _cluster(lab: Lab) -> postgres.Cluster:
    cluster = postgres.current(lab)
    if cluster is None:
        raise TargetError("lab", f"the db record {lab.records().db!r} names no cluster")
    return cluster


def api_crash(lab: Lab) -> str:
    instance = _instance(lab)
    if not api.crash(lab, instance):
        raise TargetError("lab", f"instance {instance.id} was not running")
    return f"gunicorn of instance {instance.id} ({instance.address}) killed"


def api_instance_lost(lab: Lab) -> str:
    instance = _instance(lab)
    api.destroy(lab, instance)
    return f"instance {instance.id} ({instance.address}) lost: processes killed, folder removed"


def db_crash(lab: Lab) -> str:
    cluster = _cluster(lab)
    if not postgres.stop(lab, cluster, immediate=True):
        raise TargetError("lab", f"database {cluster.id} was not running")
    return f"database {cluster.id} ({cluster.address}) stopped in immediate mode"


def db_lost(lab: Lab) -> str:
    cluster = _cluster(lab)
    postgres.stop(lab, cluster, immediate=True)
    postgres.destroy(cluster)
    return f"database {cluster.id} ({cluster.address}) lost: stopped, data folder removed"


def cdn_bucket_deleted(lab: Lab) -> str:
    removed = cdn.delete_bucket(lab)
    return f"bucket {cdn.BUCKET} deleted with its {removed} objects"


def cdn_objects_removed(lab: Lab) -> str:
    removed = cdn.remove_objects(lab)
    return f"{removed} objects removed from bucket {cdn.BUCKET}"


FAULTS: dict[str, Callable[[Lab], str]] = {
    "api-crash": api_crash,
    "api-instance-lost": api_instance_lost,
    "db-crash": db_crash,
    "db-lost": db_lost,
    "cdn-bucket-deleted": cdn_bucket_deleted,
    "cdn-objects-removed": cdn_objects_removed,
}


def inject(lab: Lab, name: str) -> FaultRecord:
    """Break the named component now; the record's ``ts`` is when the fault began."""
    fault = FAULTS.get(name)
    if fault is None:
        raise TargetError("lab", f"unknown fault {name!r} (known: {', '.join(FAULTS)})")
    ts = utc_now()
    try:
        detail = fault(lab)
    except TargetError:
        raise
    except Exception as error:
        raise TargetError("lab", f"fault {name} failed: {error}") from error
    record = FaultRecord(name=name, ts=ts, detail=detail)
    fd = os.open(lab.faults_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
    with os.fdopen(fd, "a") as log:
        log.write(json.dumps(asdict(record)) + "\n")
    return record
