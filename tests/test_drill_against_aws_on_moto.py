"""``drill`` runs the seed's three scenarios on the aws target, against moto's server.

Each drill runs the game-day notebook in a real kernel with papermill. The kernel inherits
this process's environment: fake credentials, ``AWS_ENDPOINT_URL`` (moto) and an HTTP
proxy. Moto's instances serve no HTTP, so a small local web server stands in for the
public web, answering from moto's state:

- called directly (``aws.yaml``'s urls), it is the public API endpoint and the CDN. The
  API answers while the Route 53 A record names a running instance's address. The CDN
  serves a static file while the bucket holds it.
- called as the proxy (``http_check {instance: newest}`` GETs the instance's public DNS
  name), it answers for a running instance only.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.exceptions import ClientError

from bookstore_resil.archive import events as ev
from bookstore_resil.archive import layout
from bookstore_resil.exercise.drill import drill
from bookstore_resil.secrets import scan_for_secrets
from bookstore_resil.targets.aws import AwsTarget
from bookstore_resil.testing.aws_moto import LOOPBACK, build_seed_world
from bookstore_resil.testing.aws_moto import reset as reset_moto
from tests.conftest_aws import everything, use_moto_env
from tests.waits import QUICK_WAITS

KEY_ID = "AKIAFAKEDRILLONMOTO07"
SECRET = "fAkE/Drill+On+Moto/0123456789abcdefghijklmnopqrstuvwxyzABCD"
REGION = "us-west-2"
BUCKET = "cdn.bookstore.pingpublications.com"
API_RECORD = "bookstore.pingpublications.com"
DB_RECORD = "db.bookstore.pingpublications.com"


def aws_client(moto_url: str, service: str):
    # Credentials of its own: this process's environment changes from test to test.
    return boto3.client(
        service,
        endpoint_url=moto_url,
        region_name=REGION,
        aws_access_key_id="web",
        aws_secret_access_key="web",
    )


class _Web(ThreadingHTTPServer):
    """The public web, as moto's state says it is."""

    daemon_threads = True

    def __init__(self, moto_url: str):
        super().__init__((LOOPBACK, 0), _WebHandler)
        self.ec2 = aws_client(moto_url, "ec2")
        self.route53 = aws_client(moto_url, "route53")
        self.s3 = aws_client(moto_url, "s3")

    def running_hosts(self) -> set[str]:
        """The public DNS names and addresses of the running instances."""
        reservations = self.ec2.describe_instances(
            Filters=[{"Name": "instance-state-name", "Values": ["running"]}]
        )["Reservations"]
        instances = [i for r in reservations for i in r["Instances"]]
        return {i[k] for i in instances for k in ("PublicDnsName", "PublicIpAddress") if i.get(k)}

    def a_record(self) -> set[str]:
        zone = self.route53.list_hosted_zones_by_name(DNSName="pingpublications.com.")
        sets = self.route53.list_resource_record_sets(HostedZoneId=zone["HostedZones"][0]["Id"])
        return {
            r["Value"]
            for s in sets["ResourceRecordSets"]
            if s["Name"].rstrip(".") == API_RECORD and s["Type"] == "A"
            for r in s["ResourceRecords"]
        }


class _WebHandler(BaseHTTPRequestHandler):
    server: _Web

    def do_GET(self) -> None:
        asked = urlsplit(self.path)
        if asked.path.startswith("/static/"):
            self.static(asked.path.removeprefix("/"))
            return
        running = self.server.running_hosts()
        # As the proxy: the host asked for. Directly: the public endpoint, through DNS.
        up = asked.hostname in running if asked.scheme else bool(self.server.a_record() & running)
        base = f"http://{asked.netloc or self.headers['Host']}"
        pages = {
            "/": {"authors": f"{base}/authors/", "books": f"{base}/books/"},
            "/books/": [{"title": "The Stand"}],
        }
        if not up:
            self.answer(502, b'{"detail": "no running instance behind this address"}')
        elif asked.path not in pages:
            self.answer(404, b'{"detail": "Not found."}')
        else:
            self.answer(200, json.dumps(pages[asked.path]).encode())

    def static(self, key: str) -> None:
        try:
            body = self.server.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        except ClientError as error:
            self.answer(404, error.response["Error"]["Code"].encode(), "text/plain")
            return
        self.answer(200, body, "text/css")

    def answer(self, status: int, body: bytes, kind: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def web(moto_url):
    server = _Web(moto_url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://{LOOPBACK}:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def world(moto_url, web, tmp_path, monkeypatch):
    """A fresh seed world in moto; this process (and so the kernel) set up to reach it."""
    use_moto_env(monkeypatch, KEY_ID, SECRET)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    for name in ("http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(name, web)
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, f"{LOOPBACK},localhost")
    reset_moto(moto_url)
    return build_seed_world(
        moto_url, tmp_path / "bookstore", urls={"api": web, "cdn": f"{web}static/"}
    )


def run(world, tmp_path, scenario: str, destructive: bool = True, report: bool = False):
    result = drill(
        scenario,
        target="aws",
        data_dir=world.data_dir,
        out_dir=tmp_path / "reports",
        target_options={"allow_destructive": destructive, **QUICK_WAITS},
        report=report,
        # Moto answers in milliseconds: a service is down for 0.1-0.8 s, which the default
        # 0.1 s probe interval (plus the probe's own calls) can miss. Sample faster.
        probe_interval=0.02,
        progress=lambda _: None,
        # Executed: without allow_destructive the aws driver itself only records its changes.
        execute=True,
    )
    summary = result.summary
    assert (summary.target, summary.environment) == ("aws", "moto")
    assert summary.measured_data_loss_s is None  # no canary on AWS
    assert summary.rpo_met is None
    # The archive holds none of the credentials the kernel signed with.
    signed_with = AwsTarget(data_dir=world.data_dir).credential_strings()
    assert signed_with == [KEY_ID, SECRET]
    assert scan_for_secrets(result.archive_dir, signed_with) == []
    return result


def path_of(summary) -> list[tuple[str, str]]:
    return [(step.id, step.status) for step in summary.steps]


def finished(result, step: str) -> dict:
    return next(
        e
        for e in ev.read_events(result.archive_dir / layout.EVENTS_FILE).events
        if e["type"] == ev.STEP_FINISHED and e["step"] == step
    )


def event_types(result) -> list[str]:
    return [e["type"] for e in ev.read_events(result.archive_dir / layout.EVENTS_FILE).events]


def record(moto_url: str, zone_id: str, name: str, kind: str) -> list[str]:
    sets = aws_client(moto_url, "route53").list_resource_record_sets(HostedZoneId=zone_id)
    return [
        r["Value"]
        for s in sets["ResourceRecordSets"]
        if s["Name"].rstrip(".") == name and s["Type"] == kind
        for r in s["ResourceRecords"]
    ]


def test_api_instance_lost_launches_a_replacement_and_moves_the_a_record(world, moto_url, tmp_path):
    ec2 = aws_client(moto_url, "ec2")
    original = ec2.describe_instances(InstanceIds=[world.instance_id])["Reservations"][0]
    original_address = original["Instances"][0]["PublicIpAddress"]
    result = run(world, tmp_path, "api-failure")
    summary = result.summary
    assert path_of(summary) == [
        ("verify-instance", "failed"),
        ("restart-app", "failed"),
        ("restart-instance", "failed"),
        ("launch-replacement", "ok"),
        ("describe-instances", "ok"),
        ("ssh-instance", "ok"),
        ("pull-code", "ok"),
        ("restart-gunicorn", "ok"),
        ("verify-new-instance", "ok"),
        ("update-dns", "ok"),
        ("verify-endpoint", "ok"),
        ("test-endpoint", "ok"),
        ("test-dependencies", "ok"),
        ("service-restored", "ok"),
    ]
    assert summary.outcome == "passed", summary.reason
    assert summary.fault == "api-instance-lost"
    assert summary.measured_endpoint == "api"
    assert 0 < summary.measured_downtime_s < 60
    assert summary.rto_met is True
    no_instance = "no instance named 'bookstore-api' that is not terminated"
    assert no_instance in finished(result, "restart-app")["error"]

    instances = {
        i["InstanceId"]: i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]
    }
    assert instances[world.instance_id]["State"]["Name"] == "terminated"
    launched = finished(result, "launch-replacement")["data"]
    new = instances[launched["instance"]]
    assert new["ImageId"] == world.image_id
    assert {"Key": "Name", "Value": "bookstore-api"} in new["Tags"]
    running = [i for i in instances.values() if i["State"]["Name"] == "running"]
    assert max(running, key=lambda i: i["LaunchTime"])["InstanceId"] == new["InstanceId"]
    assert finished(result, "describe-instances")["data"]["newest"]["id"] == new["InstanceId"]
    checked = finished(result, "verify-new-instance")
    assert urlsplit(checked["data"]["url"]).hostname == new["PublicDnsName"]
    root = {"authors": f"http://{new['PublicDnsName']}/authors/"}
    assert json.dumps(root)[:-1] in checked["output"]

    assert record(moto_url, world.zone_id, API_RECORD, "A") == [new["PublicIpAddress"]]
    moved = finished(result, "update-dns")["data"]
    assert moved["previous"] == [original_address]
    assert moved["target"] == new["PublicIpAddress"] == launched["address"]


def test_database_lost_is_restored_from_its_final_snapshot_and_the_cname_moves(
    world, moto_url, tmp_path
):
    result = run(world, tmp_path, "database-failure")
    summary = result.summary
    assert path_of(summary) == [
        ("verify-database", "failed"),
        ("restart-database", "failed"),
        ("launch-replica", "ok"),
        ("update-db-dns", "ok"),
        ("restore-snapshot", "skipped"),
        ("test-db-endpoint", "ok"),
        ("test-api-database", "ok"),
        ("service-restored", "ok"),
        ("manual-data-recovery", "skipped"),
    ]
    assert summary.outcome == "passed", summary.reason
    assert summary.fault == "db-lost"
    assert summary.measured_endpoint == "database"
    assert 0 < summary.measured_downtime_s < 60

    # The missing database fails its steps clearly, with the AWS error code.
    for step in ("verify-database", "restart-database"):
        event = finished(result, step)
        assert event["error"] == "DBInstanceNotFound: DBInstance bookstore-db not found."
        assert event["data"]["aws_error"] == "DBInstanceNotFound"

    rds = aws_client(moto_url, "rds")
    with pytest.raises(ClientError, match="DBInstanceNotFound"):
        rds.describe_db_instances(DBInstanceIdentifier="bookstore-db")
    final = rds.describe_db_snapshots(DBInstanceIdentifier="bookstore-db")["DBSnapshots"]
    final = max(final, key=lambda s: s["SnapshotCreateTime"])
    assert final["DBSnapshotIdentifier"].startswith("bookstore-db-final-")

    replica = finished(result, "launch-replica")
    assert "RDS cannot replicate a deleted instance" in replica["output"]
    assert replica["data"]["snapshot"] == final["DBSnapshotIdentifier"]
    assert [(c["operation"], c["params"]) for c in replica["data"]["calls"]] == [
        (
            "RestoreDBInstanceFromDBSnapshot",
            {
                "DBInstanceIdentifier": "bookstore-db-replica",
                "DBSnapshotIdentifier": final["DBSnapshotIdentifier"],
            },
        )
    ]
    restored = rds.describe_db_instances(DBInstanceIdentifier="bookstore-db-replica")
    restored = restored["DBInstances"][0]
    assert restored["DBInstanceStatus"] == "available"
    assert record(moto_url, world.zone_id, DB_RECORD, "CNAME") == [restored["Endpoint"]["Address"]]
    assert finished(result, "test-db-endpoint")["data"]["identifier"] == "bookstore-db-replica"


def test_cdn_bucket_deleted_is_recreated_and_refilled(world, moto_url, tmp_path):
    result = run(world, tmp_path, "cdn-failure", report=True)
    summary = result.summary
    assert path_of(summary) == [
        ("verify-bucket", "failed"),
        ("recreate-bucket", "ok"),
        ("upload-static", "ok"),
        ("route-to-backup", "skipped"),
        ("test-content", "ok"),
        ("test-public-endpoint", "ok"),
        ("test-api-cdn", "ok"),
        ("service-restored", "ok"),
    ]
    assert summary.outcome == "passed", summary.reason
    assert summary.fault == "cdn-bucket-deleted"
    assert summary.measured_endpoint == "cdn"
    assert 0 < summary.measured_downtime_s < 60
    assert finished(result, "verify-bucket")["data"]["aws_error"] == "NoSuchBucket"
    assert {"report.html", "report.ipynb"} <= {p.name for p in result.archive_dir.iterdir()}

    s3 = aws_client(moto_url, "s3")
    backup = world.data_dir / "static-backup-cdn"
    listed = s3.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert sorted(o["Key"] for o in listed) == [f"static/{f}" for f in world.static_files]
    for name in world.static_files:
        body = s3.get_object(Bucket=BUCKET, Key=f"static/{name}")["Body"].read()
        assert body == (backup / name).read_bytes()


def test_a_dry_run_drill_declares_the_outage_and_changes_nothing(world, moto_url, tmp_path):
    # One static file lost (not the probe object: the CDN stays up), so the playbook reaches
    # its upload step, which a dry run only records.
    aws_client(moto_url, "s3").delete_object(
        Bucket=BUCKET, Key="static/rest_framework/js/default.js"
    )
    before = everything(moto_url)
    result = run(world, tmp_path, "cdn-failure", destructive=False)
    assert everything(moto_url) == before

    types = event_types(result)
    assert ev.OUTAGE in types and ev.FAULT not in types
    summary = result.summary
    assert summary.fault == "declared outage"
    assert path_of(summary) == [
        ("verify-bucket", "failed"),
        ("recreate-bucket", "ok"),
        ("upload-static", "ok"),
        ("route-to-backup", "skipped"),
        ("test-content", "failed"),
    ]
    # Nothing was uploaded, so the file is still missing and the test procedure says so.
    assert summary.outcome == "failed"
    assert summary.reason == "step test-content failed and the playbook has no branch for it"
    assert "missing: rest_framework/js/default.js" in finished(result, "test-content")["output"]
    upload = finished(result, "upload-static")["data"]
    assert upload["dry_run"] is True
    assert [(c["operation"], c["sent"]) for c in upload["calls"]] == [("PutObject", False)]
    # Nothing was broken and no probe saw an outage: nothing measured, never "met".
    assert summary.measured_downtime_s is None and summary.rto_met is None
