"""The ``aws`` target: the seed's recovery steps through boto3, safe by default.

Where things are comes from the system folder's ``aws.yaml`` (:mod:`.aws_config`); the
credentials come from boto3's usual chain only. Without ``allow_destructive`` every action
is a dry run: EC2 calls go out with ``DryRun=True`` (``DryRunOperation`` means "would have
succeeded"), any other change is recorded (service, operation, parameters) and not sent,
and the action stops there. Faults are refused unless ``allow_destructive``. Every call has
a connect and read timeout and bounded retries; every wait is bounded by the step's timeout
and by ``limits.wait_timeout_s``, and ends at once when :attr:`AwsTarget.halt_event` is set.
An error from AWS becomes a failed step whose error starts with the AWS error code.

There is no canary: books cannot be written without the API, so data loss is not measured
on AWS. See docs/aws.md for the action -> boto3 mapping.
"""

from __future__ import annotations

import json
import mimetypes
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import boto3
import botocore.loaders
import botocore.session
import requests
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from bookstore_resil.clock import iso, now
from bookstore_resil.define.aws_config import AwsConfig, Bucket, Database, Instance, load_aws_config
from bookstore_resil.errors import TargetError
from bookstore_resil.secrets import redact
from bookstore_resil.targets.base import ActionResult, FaultRecord, Probe, Target, register_target

NAME = "aws"
Args = dict[str, Any]

# Instance states in which the API's instance still exists (not terminated).
_LIVE_STATES = ["pending", "running", "stopping", "stopped"]
# What S3 answers when a bucket or key is not there (HEAD requests carry no error body).
_NOT_FOUND = {"404", "NoSuchBucket", "NoSuchKey", "NotFound"}


@dataclass(frozen=True)
class AwsCall:
    """One change made, or in a dry run the change that would have been made."""

    service: str
    operation: str
    params: dict[str, Any]
    sent: bool
    note: str = ""

    def __str__(self) -> str:
        text = f"{self.service} {self.operation} {json.dumps(self.params, sort_keys=True)}"
        text = text if self.sent else "DRY RUN " + text
        return f"{text}: {self.note}" if self.note else text


class _WouldChange(Exception):
    """Raised in a dry run at an action's first change, which is recorded and not made."""

    def __init__(self, call: AwsCall):
        super().__init__(str(call))
        self.call = call


def wait_for(
    what: str,
    check: Callable[[], tuple[bool, str]],
    deadline: float,
    poll_s: float,
    halt: threading.Event,
) -> str:
    """Poll ``check`` (done, state) until done; return the last state.

    Raises :class:`TargetError` once ``deadline`` (``time.monotonic()``) passes, or at once
    when ``halt`` is set.
    """
    while True:
        if halt.is_set():
            raise TargetError(NAME, f"halted while waiting for {what}")
        done, state = check()
        if done:
            return state
        left = deadline - time.monotonic()
        if left <= 0:
            raise TargetError(NAME, f"gave up waiting for {what}: still {state}")
        halt.wait(min(poll_s, left))


# botocore's service models, parsed once per process rather than once per session.
_MODELS = botocore.loaders.create_loader()


def aws_session(region: str) -> boto3.session.Session:
    """A new boto3 session (credentials from boto3's chain) sharing the parsed models."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _MODELS)
    return boto3.session.Session(botocore_session=core, region_name=region)


def _shown(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters as recorded: file contents become their size."""
    return {k: f"<{len(v)} bytes>" if isinstance(v, bytes) else v for k, v in params.items()}


def _time(value: Any) -> str:
    return iso(value) if isinstance(value, datetime) else str(value)


class _Run:
    """One action (or fault, or probe): its clients, deadline, output lines and changes."""

    def __init__(self, target: AwsTarget, timeout_s: float, probe: bool = False):
        self.target = target
        self.config = target.config
        self.dry_run = not target.allow_destructive
        self.probe = probe
        limits = target.config.limits
        self.deadline = time.monotonic() + min(timeout_s, limits.wait_timeout_s)
        self.lines: list[str] = []
        self.calls: list[AwsCall] = []
        self.data: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        return self.target._client(service, self.probe)

    def read(self, service: str, method: str, **params: Any) -> dict[str, Any]:
        return getattr(self.client(service), method)(**params)

    def pages(self, service: str, method: str, key: str, **params: Any) -> list[Any]:
        paginator = self.client(service).get_paginator(method)
        return [item for page in paginator.paginate(**params) for item in page.get(key, [])]

    def change(self, service: str, method: str, **params: Any) -> dict[str, Any]:
        """Make a change, or in a dry run record it and stop the action (:class:`_WouldChange`)."""
        client = self.client(service)
        operation = client.meta.method_to_api_mapping[method]
        if not self.dry_run:
            response = getattr(client, method)(**params)
            self.record(AwsCall(service, operation, _shown(params), sent=True))
            return response
        members = client.meta.service_model.operation_model(operation).input_shape.members
        note = "not sent"
        if "DryRun" in members:
            try:
                getattr(client, method)(DryRun=True, **params)
            except ClientError as error:
                code = _error_code(error)[0]
                if code != "DryRunOperation":  # e.g. UnauthorizedOperation: it would fail
                    self.record(AwsCall(service, operation, _shown(params), False, code))
                    raise
            note = "EC2 DryRun: would have succeeded"
        raise _WouldChange(AwsCall(service, operation, _shown(params), sent=False, note=note))

    def record(self, call: AwsCall) -> None:
        self.calls.append(call)
        self.lines.append(str(call))

    def say(self, line: str) -> None:
        self.lines.append(line)

    def wait(self, what: str, check: Callable[[], tuple[bool, str]]) -> str:
        poll = self.config.limits.poll_interval_s
        return wait_for(what, check, self.deadline, poll, self.target.halt_event)


def _error_code(error: ClientError) -> tuple[str, str]:
    details = error.response.get("Error", {})
    return details.get("Code", "Unknown"), details.get("Message", "") or str(error)


@contextmanager
def _as_target_error(prefix: str = "") -> Iterator[None]:
    """AWS's errors as TargetError, led by the AWS error code."""
    try:
        yield
    except ClientError as exc:
        raise TargetError(NAME, prefix + ": ".join(_error_code(exc))) from None
    except BotoCoreError as exc:
        raise TargetError(NAME, f"{prefix}{exc}") from None


def _one(run: _Run, section: str, args: Args) -> tuple[str, Any]:
    """The service of a section of aws.yaml that ``args["service"]`` names, or its only one."""
    entries: dict[str, Any] = getattr(run.config, section)
    wanted = args.get("service")
    if wanted is not None:
        if wanted not in entries:
            raise TargetError(NAME, f"service {wanted!r} is not under {section} in aws.yaml")
        return wanted, entries[wanted]
    if len(entries) != 1:
        have = ", ".join(entries) or "none"
        raise TargetError(NAME, f"name the service: {section} in aws.yaml has {have}")
    return next(iter(entries.items()))


# -- EC2 --------------------------------------------------------------------------------


def _describe(run: _Run, **params: Any) -> list[dict[str, Any]]:
    """Instances matching ``params``, newest launch first."""
    found = [
        instance
        for reservation in run.pages("ec2", "describe_instances", "Reservations", **params)
        for instance in reservation["Instances"]
    ]
    return sorted(found, key=lambda i: i["LaunchTime"], reverse=True)


def _running(run: _Run, spec: Instance) -> list[dict[str, Any]]:
    """The seed's describe-instances query: running instances of the AMI, newest first.

    (The seed filters on ``instance-state-code=16``, which moto lacks; the state name is
    the same filter.)
    """
    found = _describe(
        run,
        Filters=[
            {"Name": "image-id", "Values": [spec.image_id]},
            {"Name": "instance-state-name", "Values": ["running"]},
        ],
    )
    if not found:
        raise TargetError(NAME, f"no running instance of {spec.image_id}")
    return found


def _instance(run: _Run, spec: Instance, which: str | None) -> dict[str, Any]:
    """``newest``: the newest running one of the AMI; ``i-...``: that one; else the newest
    instance tagged with the service's Name that is not terminated."""
    if which == "newest":
        return _running(run, spec)[0]
    if which:
        return _describe(run, InstanceIds=[which])[0]
    found = _describe(
        run,
        Filters=[
            {"Name": "tag:Name", "Values": [spec.name]},
            {"Name": "instance-state-name", "Values": _LIVE_STATES},
        ],
    )
    if not found:
        raise TargetError(NAME, f"no instance named {spec.name!r} that is not terminated")
    return found[0]


def _instance_state(run: _Run, instance_id: str, checks: bool) -> tuple[bool, str]:
    """Running (and, with ``checks``, both status checks ok)?"""
    try:
        statuses = run.read(
            "ec2", "describe_instance_status", InstanceIds=[instance_id], IncludeAllInstances=True
        )["InstanceStatuses"]
    except ClientError as error:
        # A new instance may not be visible yet (EC2 is eventually consistent).
        if _error_code(error)[0] == "InvalidInstanceID.NotFound":
            return False, "not visible yet"
        raise
    if not statuses:
        return False, "unknown"
    status = statuses[0]
    state = status["InstanceState"]["Name"]
    if state != "running" or not checks:
        return state == "running", state
    instance, system = status["InstanceStatus"]["Status"], status["SystemStatus"]["Status"]
    return instance == system == "ok", f"running, status checks {instance}/{system}"


def _wait_running(run: _Run, instance_id: str, checks: bool) -> str:
    what = f"instance {instance_id} to run" + (" and pass its status checks" if checks else "")
    return run.wait(what, lambda: _instance_state(run, instance_id, checks))


def _restart(run: _Run, args: Args, why: str) -> None:
    """Reboot a running instance, start a stopped one; then wait for the status checks."""
    _, spec = _one(run, "instances", args)
    instance = _instance(run, spec, args.get("instance"))
    instance_id, state = instance["InstanceId"], instance["State"]["Name"]
    run.say(f"instance {instance_id} is {state}{why}")
    if state == "running":
        run.change("ec2", "reboot_instances", InstanceIds=[instance_id])
    elif state == "stopped":
        run.change("ec2", "start_instances", InstanceIds=[instance_id])
    else:
        raise TargetError(NAME, f"instance {instance_id} is {state}: it cannot be restarted")
    run.say(f"instance {instance_id}: {_wait_running(run, instance_id, checks=True)}")
    run.data["instance"] = instance_id


def restart_app(run: _Run, args: Args) -> None:
    """No shell on AWS: reboot the instance, which restarts gunicorn (a systemd unit)."""
    _restart(run, args, "; no SSH: rebooting it instead of `sudo systemctl restart gunicorn`")


def restart_instance(run: _Run, args: Args) -> None:
    """The seed's reboot-instances (a stopped instance is started)."""
    _restart(run, args, "")


def launch_replacement(run: _Run, args: Args) -> None:
    """run-instances from the launch template and the AMI backup, tagged with the Name."""
    _, spec = _one(run, "instances", args)
    response = run.change(
        "ec2",
        "run_instances",
        LaunchTemplate={"LaunchTemplateName": spec.launch_template, "Version": "$Latest"},
        ImageId=spec.image_id,
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": spec.name}]}
        ],
    )
    instance_id = response["Instances"][0]["InstanceId"]
    _wait_running(run, instance_id, checks=False)
    instance = _describe(run, InstanceIds=[instance_id])[0]
    address = instance.get("PublicIpAddress")
    run.say(f"{_time(instance['LaunchTime'])}\t{instance_id}\t{address}\tlaunched")
    run.data.update(instance=instance_id, address=address, dns=instance.get("PublicDnsName"))


def describe_instances(run: _Run, args: Args) -> None:
    """Running instances of the AMI, newest first: LaunchTime, public DNS name, address."""
    _, spec = _one(run, "instances", args)
    found = _running(run, spec)
    rows = [
        {
            "id": i["InstanceId"],
            "launched_at": _time(i["LaunchTime"]),
            "dns": i.get("PublicDnsName") or None,
            "address": i.get("PublicIpAddress"),
        }
        for i in found
    ]
    for row in rows:
        run.say(f"{row['launched_at']}\t{row['dns']}\t{row['address']}\t{row['id']}")
    run.data.update(instances=rows, newest=rows[0])


# -- Route 53 ---------------------------------------------------------------------------


def _zone_id(run: _Run) -> str:
    zone = run.config.dns.hosted_zone.rstrip(".").lower() + "."
    zones = run.read("route53", "list_hosted_zones_by_name", DNSName=zone)["HostedZones"]
    public = [z for z in zones if z["Name"] == zone and not z.get("Config", {}).get("PrivateZone")]
    if len(public) != 1:
        raise TargetError(NAME, f"{len(public)} public hosted zones named {zone} (need one)")
    return public[0]["Id"]


def _record_values(run: _Run, zone_id: str, name: str, kind: str) -> list[str]:
    found = run.read(
        "route53",
        "list_resource_record_sets",
        HostedZoneId=zone_id,
        StartRecordName=name,
        StartRecordType=kind,
        MaxItems="1",
    )["ResourceRecordSets"]
    # The listing starts at the name: the first record may be a later one.
    if not found or found[0]["Name"].rstrip(".") != name.rstrip(".") or found[0]["Type"] != kind:
        return []
    return [r["Value"] for r in found[0].get("ResourceRecords", [])]


def update_dns(run: _Run, args: Args) -> None:
    """UPSERT the ``record`` (an id under dns.records in aws.yaml): ``A`` -> the newest
    running instance's public address (for an instance service), ``CNAME`` -> the newest
    available DB instance's endpoint (a database service), or ``target``; then wait for the
    change to be INSYNC."""
    records = run.config.dns.records if run.config.dns else {}
    record_id = args.get("record")
    if record_id not in records:
        have = ", ".join(records) or "none in aws.yaml"
        raise TargetError(NAME, f"update_dns: unknown record {record_id!r} ({have})")
    name, service_id = records[record_id].name, records[record_id].service
    if service_id in run.config.instances:
        kind = "A"
        newest = _running(run, run.config.instances[service_id])[0]
        value = args.get("target") or newest.get("PublicIpAddress")
    else:
        kind = "CNAME"
        value = args.get("target") or _newest_db_address(run, run.config.databases[service_id])
    if not value:
        raise TargetError(NAME, f"update_dns: nothing to point {name} at (no address)")
    zone_id = _zone_id(run)
    before = _record_values(run, zone_id, name, kind)
    change = run.change(
        "route53",
        "change_resource_record_sets",
        HostedZoneId=zone_id,
        ChangeBatch={
            "Comment": f"bookstore-resil update_dns {record_id}",
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": name,
                        "Type": kind,
                        "TTL": run.config.dns.ttl_s,
                        "ResourceRecords": [{"Value": value}],
                    },
                }
            ],
        },
    )["ChangeInfo"]

    def insync() -> tuple[bool, str]:
        status = run.read("route53", "get_change", Id=change["Id"])["ChangeInfo"]["Status"]
        return status == "INSYNC", status

    status = run.wait(f"Route 53 change {change['Id']}", insync)
    run.say(f"{name} {kind}: {', '.join(before) or 'none'} -> {value} ({status})")
    run.data.update(record=name, type=kind, previous=before, target=value)


# -- RDS --------------------------------------------------------------------------------


def _db(run: _Run, identifier: str) -> dict[str, Any]:
    found = run.read("rds", "describe_db_instances", DBInstanceIdentifier=identifier)
    return found["DBInstances"][0]


def _family(run: _Run, spec: Database) -> list[dict[str, Any]]:
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


def _newest_db_address(run: _Run, spec: Database) -> str | None:
    available = [d for d in _family(run, spec) if d["DBInstanceStatus"] == "available"]
    return available[0].get("Endpoint", {}).get("Address") if available else None


def _current_db(run: _Run, service_id: str, spec: Database) -> str:
    """The DB instance the service's record names (by endpoint address), else the configured
    one: after a failover the replacement is the database."""
    record = run.config.record_of(service_id)
    if record is not None:
        values = {v.rstrip(".") for v in _record_values(run, _zone_id(run), record.name, "CNAME")}
        for instance in _family(run, spec):
            if instance.get("Endpoint", {}).get("Address") in values:
                return instance["DBInstanceIdentifier"]
    return spec.identifier


def _db_state(run: _Run, identifier: str) -> tuple[bool, str]:
    status = _db(run, identifier)["DBInstanceStatus"]
    return status == "available", status


def _wait_available(run: _Run, identifier: str) -> str:
    return run.wait(f"DB instance {identifier} to be available", lambda: _db_state(run, identifier))


def _database(run: _Run, args: Args) -> tuple[Database, str]:
    service_id, spec = _one(run, "databases", args)
    return spec, args.get("identifier") or _current_db(run, service_id, spec)


def db_check(run: _Run, args: Args) -> None:
    """The seed's describe-db-instances: the status of the database the record names."""
    _, identifier = _database(run, args)
    instance = _db(run, identifier)
    status = instance["DBInstanceStatus"]
    endpoint = instance.get("Endpoint", {})
    run.say(f"{identifier}: {status}, endpoint {endpoint.get('Address')}:{endpoint.get('Port')}")
    run.data.update(identifier=identifier, status=status)
    if status != "available":
        raise TargetError(NAME, f"DB instance {identifier} is {status}")


def db_restart(run: _Run, args: Args) -> None:
    """The seed's reboot-db-instance, then wait until available."""
    _, identifier = _database(run, args)
    run.change("rds", "reboot_db_instance", DBInstanceIdentifier=identifier)
    run.say(f"{identifier}: {_wait_available(run, identifier)}")
    run.data["identifier"] = identifier


def _promote(run: _Run, identifier: str) -> None:
    run.change("rds", "promote_read_replica", DBInstanceIdentifier=identifier)
    run.say(f"{identifier} promoted: {_wait_available(run, identifier)}")
    run.data["promoted"] = identifier


def _db_exists(run: _Run, identifier: str) -> bool:
    try:
        _db(run, identifier)
    except ClientError as error:
        if _error_code(error)[0] == "DBInstanceNotFound":
            return False
        raise
    return True


def _restore_latest(run: _Run, source: str, identifier: str) -> None:
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
    taken_at = _time(latest["SnapshotCreateTime"])
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


def db_launch_replica(run: _Run, args: Args) -> None:
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


def db_promote_replica(run: _Run, args: Args) -> None:
    """Promote the read replica (or ``identifier``) to a standalone instance."""
    _, spec = _one(run, "databases", args)
    _promote(run, args.get("identifier") or spec.replica)


def db_restore_snapshot(run: _Run, args: Args) -> None:
    """A new DB instance from the latest available snapshot of the configured one."""
    _, spec = _one(run, "databases", args)
    _restore_latest(run, spec.identifier, spec.restored)


# -- S3 ---------------------------------------------------------------------------------


def _backup(spec: Bucket) -> dict[str, Path]:
    """The backed-up static files by their path under the backup folder."""
    folder = spec.static_backup
    if not folder.is_dir():
        raise TargetError(NAME, f"no static backup folder {folder}")
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*")) if p.is_file()}


def _objects(run: _Run, spec: Bucket) -> dict[str, int]:
    listed = run.pages("s3", "list_objects_v2", "Contents", Bucket=spec.bucket, Prefix=spec.prefix)
    return {item["Key"]: item["Size"] for item in listed}


def _bucket_exists(run: _Run, spec: Bucket) -> bool:
    try:
        run.read("s3", "head_bucket", Bucket=spec.bucket)
    except ClientError as error:
        if _error_code(error)[0] in _NOT_FOUND:
            return False
        raise
    return True


def cdn_verify(run: _Run, args: Args) -> None:
    """Every file of the static backup is in the bucket under the prefix, with its size."""
    _, spec = _one(run, "buckets", args)
    files = _backup(spec)
    present = _objects(run, spec)
    missing = [f for f in files if spec.key(f) not in present]
    differ = [
        f for f, p in files.items() if f not in missing and present[spec.key(f)] != p.stat().st_size
    ]
    where = f"s3://{spec.bucket}/{spec.prefix}"
    run.say(f"{where}: {len(files) - len(missing)}/{len(files)} static files present")
    for label, names in (("missing", missing), ("size differs", differ)):
        if names:
            run.say(f"{label}: {', '.join(names[:5])}" + (" ..." if len(names) > 5 else ""))
    run.data.update(expected=len(files), missing=len(missing), differ=len(differ))
    if missing or differ or not files:
        raise TargetError(NAME, f"{where} does not hold the static backup")


def cdn_recreate_bucket(run: _Run, args: Args) -> None:
    """The seed's ``aws s3 mb``; an existing bucket is left as it is."""
    _, spec = _one(run, "buckets", args)
    if _bucket_exists(run, spec):
        run.say(f"s3://{spec.bucket}: already exists")
        return
    params: dict[str, Any] = {"Bucket": spec.bucket}
    if run.target.region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": run.target.region}
    run.change("s3", "create_bucket", **params)
    run.say(f"s3://{spec.bucket}: created in {run.target.region}")


def cdn_upload_static(run: _Run, args: Args) -> None:
    """The seed's ``aws s3 sync ./static-backup/ s3://BUCKET/static/``: every backed-up file."""
    _, spec = _one(run, "buckets", args)
    files = _backup(spec)
    if not files:
        raise TargetError(NAME, f"the static backup {spec.static_backup} is empty")
    run.say(f"{len(files)} static files to upload from {spec.static_backup}")
    for relative, path in files.items():
        run.change(
            "s3",
            "put_object",
            Bucket=spec.bucket,
            Key=spec.key(relative),
            Body=path.read_bytes(),
            ContentType=mimetypes.guess_type(relative)[0] or "application/octet-stream",
        )
    run.say(f"{len(files)} static files uploaded to s3://{spec.bucket}/{spec.prefix}")
    run.data["uploaded"] = len(files)


# -- HTTP -------------------------------------------------------------------------------


def _get(run: _Run, url: str) -> int:
    """GET ``url`` with the configured timeout; the status, or TargetError when unreachable."""
    try:
        response = requests.get(url, timeout=run.config.limits.http_timeout_s)
    except requests.RequestException as error:
        raise TargetError(NAME, f"GET {url}: {type(error).__name__}: {error}") from None
    run.say(f"GET {url}: HTTP {response.status_code}")
    run.say(response.text[:300])
    return response.status_code


def _url(spec: Instance | Bucket, service: str) -> str:
    if spec.url is None:
        raise TargetError(NAME, f"http_check: aws.yaml gives {service!r} no url")
    return spec.url


def http_check(run: _Run, args: Args) -> None:
    """GET ``url``; or the ``url`` aws.yaml gives the ``service`` (an instance service's url
    joined with ``path``, a bucket service's url joined with its probe object); or the public
    DNS name of ``instance`` (``newest`` or an id). OK on HTTP 2xx or 3xx."""
    path = args.get("path", "")
    service = args.get("service")
    if args.get("url"):
        url = str(args["url"])
    elif args.get("instance"):
        _, spec = _one(run, "instances", args)
        instance = _instance(run, spec, args["instance"])
        host = instance.get("PublicDnsName") or instance.get("PublicIpAddress")
        if not host:
            raise TargetError(NAME, f"instance {instance['InstanceId']} has no public address")
        url = urljoin(f"http://{host}/", path)
    elif service in run.config.instances:
        url = urljoin(_url(run.config.instances[service], service), path)
    elif service in run.config.buckets:
        bucket = run.config.buckets[service]
        url = urljoin(_url(bucket, service), path or bucket.probe_object)
    else:
        raise TargetError(
            NAME, "http_check needs url, instance, or service (a service of instances or buckets)"
        )
    status = _get(run, url)
    run.data.update(url=url, status=status)
    if not 200 <= status < 400:
        raise TargetError(NAME, f"GET {url}: HTTP {status}")


ACTIONS: dict[str, Callable[[_Run, Args], None]] = {
    "http_check": http_check,
    "restart_app": restart_app,
    "restart_instance": restart_instance,
    "launch_replacement": launch_replacement,
    "describe_instances": describe_instances,
    "update_dns": update_dns,
    "db_check": db_check,
    "db_restart": db_restart,
    "db_launch_replica": db_launch_replica,
    "db_promote_replica": db_promote_replica,
    "db_restore_snapshot": db_restore_snapshot,
    "cdn_verify": cdn_verify,
    "cdn_recreate_bucket": cdn_recreate_bucket,
    "cdn_upload_static": cdn_upload_static,
}


# -- faults -----------------------------------------------------------------------------


def _api_instance(run: _Run) -> str:
    _, spec = _one(run, "instances", {})
    return _instance(run, spec, None)["InstanceId"]


def api_crash(run: _Run) -> str:
    instance_id = _api_instance(run)
    run.change("ec2", "stop_instances", InstanceIds=[instance_id])
    return f"instance {instance_id} stopped"


def api_instance_lost(run: _Run) -> str:
    instance_id = _api_instance(run)
    run.change("ec2", "terminate_instances", InstanceIds=[instance_id])
    return f"instance {instance_id} terminated"


def db_crash(run: _Run) -> str:
    _, identifier = _database(run, {})
    run.change("rds", "reboot_db_instance", DBInstanceIdentifier=identifier)
    return f"DB instance {identifier} rebooting"


def db_lost(run: _Run) -> str:
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


def _remove_objects(run: _Run) -> tuple[Bucket, int]:
    _, spec = _one(run, "buckets", {})
    listed = run.pages("s3", "list_objects_v2", "Contents", Bucket=spec.bucket)
    keys = sorted(item["Key"] for item in listed)
    for start in range(0, len(keys), 1000):
        batch = [{"Key": key} for key in keys[start : start + 1000]]
        run.change("s3", "delete_objects", Bucket=spec.bucket, Delete={"Objects": batch})
    return spec, len(keys)


def cdn_objects_removed(run: _Run) -> str:
    spec, count = _remove_objects(run)
    return f"{count} objects removed from s3://{spec.bucket}"


def cdn_bucket_deleted(run: _Run) -> str:
    spec, count = _remove_objects(run)
    run.change("s3", "delete_bucket", Bucket=spec.bucket)
    return f"s3://{spec.bucket} deleted with its {count} objects"


FAULTS: dict[str, Callable[[_Run], str]] = {
    "api-crash": api_crash,
    "api-instance-lost": api_instance_lost,
    "db-crash": db_crash,
    "db-lost": db_lost,
    "cdn-objects-removed": cdn_objects_removed,
    "cdn-bucket-deleted": cdn_bucket_deleted,
}


# -- health (probes and check_ready) ----------------------------------------------------


def api_health(run: _Run, service_id: str) -> None:
    spec = run.config.instances[service_id]
    instance_id = _instance(run, spec, None)["InstanceId"]
    ok, state = _instance_state(run, instance_id, checks=True)
    if not ok:
        raise TargetError(NAME, f"instance {instance_id} is {state}")
    if spec.url is not None and not 200 <= _get(run, spec.url) < 400:
        raise TargetError(NAME, f"GET {spec.url} does not answer 2xx/3xx")


def database_health(run: _Run, service_id: str) -> None:
    identifier = _current_db(run, service_id, run.config.databases[service_id])
    ok, status = _db_state(run, identifier)
    if not ok:
        raise TargetError(NAME, f"DB instance {identifier} is {status}")


def bucket_health(run: _Run, service_id: str) -> None:
    spec = run.config.buckets[service_id]
    key = spec.key(spec.probe_object)
    try:
        run.read("s3", "head_object", Bucket=spec.bucket, Key=key)
    except ClientError as error:
        code = _error_code(error)[0]
        raise TargetError(NAME, f"s3://{spec.bucket}/{key}: {code}") from None


# -- the driver -------------------------------------------------------------------------


class AwsTarget(Target):
    """The Bookstore on AWS, as ``aws.yaml`` in ``data_dir`` places it.

    ``allow_destructive=False`` (the default) makes every action a dry run and refuses every
    fault. ``endpoint_url`` (or boto3's own ``AWS_ENDPOINT_URL``) points every client at
    another endpoint, such as moto's server. ``region`` overrides aws.yaml's and must be in
    its ``allowed_regions``. Credentials come from boto3's chain, never from here.
    """

    name = NAME

    def __init__(
        self,
        data_dir: str | Path = "data/bookstore",
        allow_destructive: bool = False,
        endpoint_url: str | None = None,
        region: str | None = None,
    ):
        self.data_dir = Path(data_dir).absolute()
        self.config: AwsConfig = load_aws_config(self.data_dir)
        self.region = region or self.config.region
        if self.region not in self.config.allowed_regions:
            allowed = ", ".join(self.config.allowed_regions)
            raise TargetError(NAME, f"region {self.region} is not allowed (aws.yaml: {allowed})")
        self.allow_destructive = allow_destructive
        self.endpoint_url = endpoint_url
        self.environment = self.config.environment
        #: Set it to stop every wait at once; later actions fail as halted.
        self.halt_event = threading.Event()
        self._session = aws_session(self.region)
        self._clients: dict[tuple[str, bool], Any] = {}
        self._lock = threading.Lock()
        self._account: str | None = None

    def options(self) -> dict[str, Any]:
        return {
            "data_dir": str(self.data_dir),
            "allow_destructive": self.allow_destructive,
            "endpoint_url": self.endpoint_url,
            "region": self.region,
        }

    # -- clients and guards -----------------------------------------------------------

    def _client(self, service: str, probe: bool) -> Any:
        """A client with bounded timeouts and retries; a probe's answers fast or not at all."""
        limits = self.config.limits
        with self._lock:  # a boto3 session is not thread-safe; its clients are
            if (service, probe) not in self._clients:
                if probe:
                    timeouts = (min(limits.connect_timeout_s, 2.0), min(limits.read_timeout_s, 5.0))
                else:
                    timeouts = (limits.connect_timeout_s, limits.read_timeout_s)
                config = Config(
                    connect_timeout=timeouts[0],
                    read_timeout=timeouts[1],
                    retries={
                        "mode": "standard",
                        "max_attempts": 1 if probe else limits.max_attempts,
                    },
                )
                self._clients[service, probe] = self._session.client(
                    service, endpoint_url=self.endpoint_url, config=config
                )
            return self._clients[service, probe]

    def _check_account(self, run: _Run) -> None:
        """Refuse an account outside ``allowed_accounts`` (asked of STS once)."""
        if self._account is not None:
            return
        account = run.read("sts", "get_caller_identity")["Account"]
        if account not in self.config.allowed_accounts:
            allowed = ", ".join(self.config.allowed_accounts)
            raise TargetError(NAME, f"account {account} is not allowed (aws.yaml: {allowed})")
        self._account = account

    @property
    def injects_faults(self) -> bool:
        return self.allow_destructive

    def halt(self) -> None:
        self.halt_event.set()

    def credential_strings(self) -> list[str]:
        """The key id, secret and token boto3's chain gives: what an archive must not hold."""
        with self._lock:
            try:
                credentials = self._session.get_credentials()
            except BotoCoreError:  # no usable chain: nothing was signed with anything
                return []
        if credentials is None:
            return []
        frozen = credentials.get_frozen_credentials()
        return [s for s in (frozen.access_key, frozen.secret_key, frozen.token) if s]

    # -- the interface ----------------------------------------------------------------

    def actions(self) -> list[str]:
        return list(ACTIONS)

    def faults(self) -> list[str]:
        return list(FAULTS)

    def run_action(self, name: str, args: dict[str, Any], timeout_s: float) -> ActionResult:
        began = time.monotonic()
        action = ACTIONS.get(name)
        if action is None:
            return ActionResult(
                False, error=f"unknown action {name!r} (known: {', '.join(ACTIONS)})"
            )
        run = _Run(self, timeout_s)
        error = None
        try:
            if self.halt_event.is_set():
                raise TargetError(NAME, "halted")
            self._check_account(run)
            action(run, dict(args or {}))
        except _WouldChange as stop:
            run.record(stop.call)
            run.say("dry run: stopped at the first change, nothing changed (allow_destructive)")
            run.data["dry_run"] = True
        except ClientError as exc:
            code, message = _error_code(exc)
            error = f"{code}: {message}"
            run.data["aws_error"] = code
        except (BotoCoreError, TargetError) as exc:
            error = str(exc)
        except Exception as exc:  # an action that fails is a result, not a crash
            error = f"{type(exc).__name__}: {exc}"
        secrets = self.credential_strings()
        return ActionResult(
            ok=error is None,
            output=redact("\n".join(run.lines), secrets),
            duration_s=time.monotonic() - began,
            error=redact(error, secrets) if error else None,
            data={**run.data, "calls": [asdict(c) for c in run.calls]},
        )

    def inject_fault(self, fault: str) -> FaultRecord:
        action = FAULTS.get(fault)
        if action is None:
            raise TargetError(NAME, f"unknown fault {fault!r} (known: {', '.join(FAULTS)})")
        if not self.allow_destructive:
            raise TargetError(
                NAME, f"fault {fault} changes real resources: refused without allow_destructive"
            )
        run = _Run(self, self.config.limits.wait_timeout_s)
        with _as_target_error(f"fault {fault}: "):
            self._check_account(run)
            ts = iso(now())
            detail = action(run)
        return FaultRecord(fault, ts, detail)

    def _health_checks(self) -> list[tuple[str, str, Callable[[_Run, str], None]]]:
        """(service id, address, check) for every service of aws.yaml."""
        checks = [
            (sid, spec.url or f"ec2:{spec.name}", api_health)
            for sid, spec in self.config.instances.items()
        ]
        checks += [
            (sid, f"rds:{spec.identifier}", database_health)
            for sid, spec in self.config.databases.items()
        ]
        checks += [
            (sid, f"s3://{spec.bucket}/{spec.key(spec.probe_object)}", bucket_health)
            for sid, spec in self.config.buckets.items()
        ]
        return checks

    def _healthy(self, service_id: str, check: Callable[[_Run, str], None]) -> None:
        """Raises TargetError when the service is unhealthy or cannot be asked."""
        run = _Run(self, self.config.limits.http_timeout_s, probe=True)
        with _as_target_error():
            self._check_account(run)
            check(run, service_id)

    def check_ready(self) -> None:
        with _as_target_error():
            self._check_account(_Run(self, self.config.limits.http_timeout_s, probe=True))
        problems = []
        for service_id, _, check in self._health_checks():
            try:
                self._healthy(service_id, check)
            except TargetError as error:
                problems.append(f"{service_id}: {str(error).removeprefix(NAME + ': ')}")
        if problems:
            raise TargetError(NAME, "not ready: " + "; ".join(problems))

    def probes(self) -> list[Probe]:
        """One probe per service of aws.yaml, named by service id. Each asks AWS at most
        every ``limits.probe_interval_s`` (AWS throttles API calls) and repeats its last
        answer in between."""
        return [
            Probe(sid, address, _ThrottledProbe(self, sid, check))
            for sid, address, check in self._health_checks()
        ]


class _ThrottledProbe:
    def __init__(self, target: AwsTarget, service_id: str, check: Callable[[_Run, str], None]):
        self.target = target
        self.service_id = service_id
        self.check = check
        self.asked_at: float | None = None
        self.up = False

    def __call__(self) -> bool:
        at = time.monotonic()
        if (
            self.asked_at is None
            or at - self.asked_at >= self.target.config.limits.probe_interval_s
        ):
            try:
                self.target._healthy(self.service_id, self.check)
                self.up = True
            except Exception:  # a probe never raises: whatever went wrong, it is down
                self.up = False
            self.asked_at = at
        return self.up


register_target(NAME, AwsTarget)
