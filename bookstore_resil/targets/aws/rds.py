"""RDS: which DB instance is the database (after a failover, the one its DNS record names),
and the seed's database recovery steps (reboot, a promoted read replica, a restore from
the latest snapshot), with the faults that reboot or delete it."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from bookstore_resil.clock import now
from bookstore_resil.define.aws_config import Database
from bookstore_resil.errors import TargetError
from bookstore_resil.targets.aws.route53 import record_values, zone_id
from bookstore_resil.targets.aws.session import NAME, Args, Run, error_code, shown_time


def _db(run: Run, identifier: str) -> dict[str, Any]:
    found = run.read("rds", "describe_db_instances", DBInstanceIdentifier=identifier)
    return found["DBInstances"][0]


def _family(run: Run, spec: Database) -> list[dict[str, Any]]:
    """The DB instance and its replacements that exist, newest first (a replacement first
    when created in the same second)."""
    ids = [spec.identifier, spec.replica, spec.restored]
    found = run.pages(
        "rds",
        "describe_db_instances",
        "DBInstances",
        Filters=[{"Name": "db-instance-id", "Values": ids}],
    )
    return sorted(
        found,
        key=lambda d: (d["InstanceCreateTime"], ids.index(d["DBInstanceIdentifier"])),
        reverse=True,
    )


def newest_db_address(run: Run, spec: Database) -> str | None:
    """The endpoint address of the newest available one of the DB instance and its
    replacements."""
    available = [d for d in _family(run, spec) if d["DBInstanceStatus"] == "available"]
    return available[0].get("Endpoint", {}).get("Address") if available else None


def current_db(run: Run, service_id: str, spec: Database) -> str:
    """The DB instance the service's record names (by endpoint address), else the configured
    one: after a failover the replacement is the database."""
    record = run.config.record_of(service_id)
    if record is not None:
        values = {v.rstrip(".") for v in record_values(run, zone_id(run), record.name, "CNAME")}
        for instance in _family(run, spec):
            if instance.get("Endpoint", {}).get("Address") in values:
                return instance["DBInstanceIdentifier"]
    return spec.identifier


def db_state(run: Run, identifier: str) -> tuple[bool, str]:
    """Available?, and the DB instance's status."""
    status = _db(run, identifier)["DBInstanceStatus"]
    return status == "available", status


def _wait_available(run: Run, identifier: str) -> str:
    return run.wait(f"DB instance {identifier} to be available", lambda: db_state(run, identifier))


def _database(run: Run, args: Args) -> tuple[Database, str]:
    service_id, spec = run.one("databases", args)
    return spec, args.get("identifier") or current_db(run, service_id, spec)


def db_check(run: Run, args: Args) -> None:
    """The seed's describe-db-instances: the status of the database the record names."""
    _, identifier = _database(run, args)
    instance = _db(run, identifier)
    status = instance["DBInstanceStatus"]
    endpoint = instance.get("Endpoint", {})
    run.say(f"{identifier}: {status}, endpoint {endpoint.get('Address')}:{endpoint.get('Port')}")
    run.data.update(identifier=identifier, status=status)
    if status != "available":
        raise TargetError(NAME, f"DB instance {identifier} is {status}")


def db_restart(run: Run, args: Args) -> None:
    """The seed's reboot-db-instance, then wait until available."""
    _, identifier = _database(run, args)
    run.change("rds", "reboot_db_instance", DBInstanceIdentifier=identifier)
    run.say(f"{identifier}: {_wait_available(run, identifier)}")
    run.data["identifier"] = identifier


def _promote(run: Run, identifier: str) -> None:
    run.change("rds", "promote_read_replica", DBInstanceIdentifier=identifier)
    run.say(f"{identifier} promoted: {_wait_available(run, identifier)}")
    run.data["promoted"] = identifier


def _db_exists(run: Run, identifier: str) -> bool:
    try:
        _db(run, identifier)
    except ClientError as error:
        if error_code(error)[0] == "DBInstanceNotFound":
            return False
        raise
    return True


def _restore_latest(run: Run, source: str, identifier: str) -> None:
    """A new DB instance ``identifier`` from the latest available snapshot of ``source``."""
    snapshots = [
        s
        for s in run.pages(
            "rds", "describe_db_snapshots", "DBSnapshots", DBInstanceIdentifier=source
        )
        if s["Status"] == "available"
    ]
    if not snapshots:
        raise TargetError(NAME, f"no available snapshot of {source}")
    latest = max(snapshots, key=lambda s: s["SnapshotCreateTime"])
    taken_at = shown_time(latest["SnapshotCreateTime"])
    run.change(
        "rds",
        "restore_db_instance_from_db_snapshot",
        DBInstanceIdentifier=identifier,
        DBSnapshotIdentifier=latest["DBSnapshotIdentifier"],
    )
    state = _wait_available(run, identifier)
    run.say(f"{identifier} from {latest['DBSnapshotIdentifier']} of {taken_at}: {state}")
    run.data.update(
        identifier=identifier,
        snapshot=latest["DBSnapshotIdentifier"],
        snapshot_taken_at=taken_at,
    )


def db_launch_replica(run: Run, args: Args) -> None:
    """A read replica of the current database, and (``promote``, default true) promote it
    to a standalone instance, ready for the database record to name it.

    RDS cannot replicate a deleted instance: when the source is gone, the replica is
    restored from the source's latest snapshot instead (standalone: nothing to promote)."""
    spec, source = _database(run, args)
    run.data.update(replica=spec.replica, source=source)
    if not _db_exists(run, source):
        run.say(
            f"{source} is gone and RDS cannot replicate a deleted instance: restoring "
            f"{spec.replica} from the latest snapshot of {source} instead"
        )
        _restore_latest(run, source, spec.replica)
        return
    run.change(
        "rds",
        "create_db_instance_read_replica",
        DBInstanceIdentifier=spec.replica,
        SourceDBInstanceIdentifier=source,
    )
    run.say(f"{spec.replica} (replica of {source}): {_wait_available(run, spec.replica)}")
    if args.get("promote", True):
        _promote(run, spec.replica)


def db_promote_replica(run: Run, args: Args) -> None:
    """Promote the read replica (or ``identifier``) to a standalone instance."""
    _, spec = run.one("databases", args)
    _promote(run, args.get("identifier") or spec.replica)


def db_restore_snapshot(run: Run, args: Args) -> None:
    """A new DB instance from the latest available snapshot of the configured one."""
    _, spec = run.one("databases", args)
    _restore_latest(run, spec.identifier, spec.restored)


def db_crash(run: Run) -> str:
    _, identifier = _database(run, {})
    run.change("rds", "reboot_db_instance", DBInstanceIdentifier=identifier)
    return f"DB instance {identifier} rebooting"


def db_lost(run: Run) -> str:
    """Delete the DB instance; a final snapshot is taken and automated backups are kept."""
    _, identifier = _database(run, {})
    final = f"{identifier}-final-{now().strftime('%Y%m%d%H%M%S')}"
    run.change(
        "rds",
        "delete_db_instance",
        DBInstanceIdentifier=identifier,
        SkipFinalSnapshot=False,
        FinalDBSnapshotIdentifier=final,
        DeleteAutomatedBackups=False,
    )
    return f"DB instance {identifier} deleted (final snapshot {final}, backups kept)"
