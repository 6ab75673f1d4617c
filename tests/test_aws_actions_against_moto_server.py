"""The aws target performs the seed's recovery steps, in playbook order, against moto's server."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest

from bookstore_resil.define.loader import load_system
from bookstore_resil.targets import get_target
from bookstore_resil.targets.aws import AwsTarget
from bookstore_resil.testing.aws_moto import build_seed_world, reset
from tests.conftest_aws import use_moto_env

BUCKET = "cdn.bookstore.pingpublications.com"


class _Bookstore(BaseHTTPRequestHandler):
    """The API root and /books/, as the seed's curl shows them."""

    def do_GET(self) -> None:
        pages = {
            "/": {"authors": "/authors/", "books": "/books/"},
            "/books/": [{"title": "The Stand"}],
        }
        body = json.dumps(pages.get(self.path, {"detail": "Not found."})).encode()
        self.send_response(200 if self.path in pages else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def api_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Bookstore)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def world(moto_url, api_url, tmp_path, monkeypatch):
    use_moto_env(monkeypatch)
    reset(moto_url)
    return build_seed_world(moto_url, tmp_path / "bookstore", urls={"api": api_url})


@pytest.fixture
def aws(world, moto_url) -> AwsTarget:
    return AwsTarget(data_dir=world.data_dir, allow_destructive=True, endpoint_url=moto_url)


def client(service: str, moto_url: str):
    return boto3.client(service, endpoint_url=moto_url, region_name="us-west-2")


def playbook_actions(world, scenario_id: str, names: list[str]) -> list[tuple[str, dict]]:
    """The scenario's recovery steps that run ``names``, in playbook order, with their args."""
    scenario = load_system(world.data_dir).scenario(scenario_id)
    steps = [s.action for s in scenario.recovery_procedure if s.action and s.action.name in names]
    return [(a.name, dict(a.args)) for a in steps]


def record_values(moto_url: str, zone_id: str, name: str, kind: str) -> list[str]:
    sets = client("route53", moto_url).list_resource_record_sets(HostedZoneId=zone_id)
    for record in sets["ResourceRecordSets"]:
        if record["Name"].rstrip(".") == name and record["Type"] == kind:
            return [r["Value"] for r in record["ResourceRecords"]]
    return []


def test_api_failure_launch_describe_and_move_the_a_record(aws, world, moto_url):
    chain = playbook_actions(
        world, "api-failure", ["launch_replacement", "describe_instances", "update_dns"]
    )
    assert [name for name, _ in chain] == ["launch_replacement", "describe_instances", "update_dns"]
    assert chain[2][1] == {"record": "api"}
    results = [aws.run_action(name, args, timeout_s=30) for name, args in chain]
    assert all(r.ok for r in results), [r.error for r in results]
    launched, described, moved = results

    new_id = launched.data["instance"]
    assert new_id != world.instance_id
    instance = client("ec2", moto_url).describe_instances(InstanceIds=[new_id])
    instance = instance["Reservations"][0]["Instances"][0]
    assert instance["ImageId"] == world.image_id
    assert {"Key": "Name", "Value": "bookstore-api"} in instance["Tags"]

    assert described.data["newest"]["id"] == new_id
    assert described.data["newest"]["address"] == instance["PublicIpAddress"]
    assert instance["PublicDnsName"] in described.output

    name = "bookstore.pingpublications.com"
    assert record_values(moto_url, world.zone_id, name, "A") == [instance["PublicIpAddress"]]
    assert moved.data["previous"] != moved.data["target"]
    assert "INSYNC" in moved.output


def test_http_check_reaches_the_configured_endpoint(aws):
    root = aws.run_action("http_check", {"service": "api"}, timeout_s=10)
    assert root.ok and root.data["status"] == 200 and "authors" in root.output
    books = aws.run_action("http_check", {"service": "api", "path": "/books/"}, timeout_s=10)
    assert books.ok and "The Stand" in books.output
    missing = aws.run_action("http_check", {"service": "api", "path": "/nope/"}, timeout_s=10)
    assert not missing.ok and "HTTP 404" in missing.error


def test_restart_app_and_restart_instance_bring_a_stopped_api_back(aws, world, moto_url):
    ec2 = client("ec2", moto_url)
    reboot = aws.run_action("restart_app", {}, timeout_s=10)
    assert reboot.ok and reboot.data["calls"][0]["operation"] == "RebootInstances"
    assert "systemctl restart gunicorn" in reboot.output

    aws.inject_fault("api-crash")
    state = ec2.describe_instances(InstanceIds=[world.instance_id])
    assert state["Reservations"][0]["Instances"][0]["State"]["Name"] == "stopped"
    assert not aws.probes()[0].check()

    started = aws.run_action("restart_instance", {}, timeout_s=10)
    assert started.ok, started.error
    assert started.data["calls"][0]["operation"] == "StartInstances"
    assert "status checks ok/ok" in started.output
    assert aws.probes()[0].check()


def test_database_failure_replica_promote_and_move_the_cname(aws, world, moto_url):
    rds = client("rds", moto_url)
    replica = aws.run_action("db_launch_replica", {"promote": False}, timeout_s=30)
    assert replica.ok, replica.error
    created = rds.describe_db_instances(DBInstanceIdentifier="bookstore-db-replica")
    assert created["DBInstances"][0]["ReadReplicaSourceDBInstanceIdentifier"] == "bookstore-db"

    promoted = aws.run_action("db_promote_replica", {}, timeout_s=30)
    assert promoted.ok and promoted.data["promoted"] == "bookstore-db-replica"
    assert [c["operation"] for c in promoted.data["calls"]] == ["PromoteReadReplica"]

    chain = playbook_actions(world, "database-failure", ["update_dns"])
    assert chain == [("update_dns", {"record": "db"})]
    moved = aws.run_action(*chain[0], timeout_s=30)
    assert moved.ok, moved.error
    address = rds.describe_db_instances(DBInstanceIdentifier="bookstore-db-replica")
    address = address["DBInstances"][0]["Endpoint"]["Address"]
    db_name = "db.bookstore.pingpublications.com"
    assert record_values(moto_url, world.zone_id, db_name, "CNAME") == [address]

    # From now on the database is the one the record names.
    check = aws.run_action("db_check", {}, timeout_s=10)
    assert check.ok and check.data["identifier"] == "bookstore-db-replica"


def test_database_failure_playbook_steps_run_in_order(aws, world):
    chain = playbook_actions(
        world, "database-failure", ["db_check", "db_restart", "db_launch_replica", "update_dns"]
    )
    assert [name for name, _ in chain] == [
        "db_check",
        "db_restart",
        "db_launch_replica",
        "update_dns",
    ]
    results = [aws.run_action(name, args, timeout_s=30) for name, args in chain]
    assert all(r.ok for r in results), [r.error for r in results]
    operations = [c["operation"] for c in results[2].data["calls"]]
    assert operations == ["CreateDBInstanceReadReplica", "PromoteReadReplica"]
    assert results[3].data["target"].startswith("bookstore-db-replica.")


def test_db_restore_snapshot_uses_the_latest_snapshot(aws, moto_url):
    rds = client("rds", moto_url)
    rds.create_db_snapshot(DBInstanceIdentifier="bookstore-db", DBSnapshotIdentifier="later")
    restored = aws.run_action("db_restore_snapshot", {}, timeout_s=30)
    assert restored.ok, restored.error
    assert restored.data["snapshot"] == "later"
    found = rds.describe_db_instances(DBInstanceIdentifier="bookstore-db-restored")
    assert found["DBInstances"][0]["DBInstanceStatus"] == "available"


def test_cdn_failure_recreate_upload_and_verify(aws, world, moto_url):
    aws.inject_fault("cdn-objects-removed")
    emptied = aws.run_action("cdn_verify", {}, timeout_s=10)
    assert not emptied.ok and emptied.data["missing"] == 3
    assert "missing: rest_framework/css/bootstrap.min.css" in emptied.output

    aws.inject_fault("cdn-bucket-deleted")
    assert BUCKET not in [b["Name"] for b in client("s3", moto_url).list_buckets()["Buckets"]]
    chain = playbook_actions(
        world, "cdn-failure", ["cdn_verify", "cdn_recreate_bucket", "cdn_upload_static"]
    )
    assert [name for name, _ in chain] == ["cdn_verify", "cdn_recreate_bucket", "cdn_upload_static"]
    verify, recreate, upload = [aws.run_action(name, args, timeout_s=30) for name, args in chain]
    assert not verify.ok and verify.error.startswith("NoSuchBucket")
    assert recreate.ok and "created" in recreate.output
    assert upload.ok and upload.data["uploaded"] == len(world.static_files)

    again = aws.run_action("cdn_verify", {}, timeout_s=10)
    assert again.ok and again.data == {"expected": 3, "missing": 0, "differ": 0, "calls": []}
    # The test procedure's GET of a static file: the bucket is private, like the seed's.
    url = f"{moto_url}/{BUCKET}/static/rest_framework/css/bootstrap.min.css"
    public = aws.run_action("http_check", {"url": url}, timeout_s=10)
    assert not public.ok and public.error == f"aws: GET {url}: HTTP 403"
    keys = client("s3", moto_url).list_objects_v2(Bucket=BUCKET)["Contents"]
    assert sorted(k["Key"] for k in keys) == [f"static/{f}" for f in world.static_files]


def test_each_fault_takes_down_its_service_only(aws, moto_url):
    probes = {p.name: p for p in aws.probes()}
    assert list(probes) == ["api", "database", "cdn"]
    down: set[str] = set()
    assert {name: p.check() for name, p in probes.items()} == dict.fromkeys(probes, True)
    for fault, service in [
        ("db-crash", None),  # a reboot: moto's database is back at once
        ("api-crash", "api"),
        ("api-instance-lost", "api"),
        ("db-lost", "database"),
        ("cdn-objects-removed", "cdn"),
        ("cdn-bucket-deleted", "cdn"),
    ]:
        record = aws.inject_fault(fault)
        assert record.name == fault and record.ts.endswith("Z") and record.detail
        down.add(service)
        up = {name: p.check() for name, p in probes.items()}
        assert up == {name: name not in down for name in probes}, fault

    # db-lost deletes the instance but keeps its snapshots and takes a final one.
    snapshots = client("rds", moto_url).describe_db_snapshots(DBInstanceIdentifier="bookstore-db")
    names = [s["DBSnapshotIdentifier"] for s in snapshots["DBSnapshots"]]
    assert "bookstore-db-seed" in names
    assert any(n.startswith("bookstore-db-final-") for n in names)


def test_get_target_builds_from_options_and_aws_endpoint_url(world, moto_url, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    target = get_target("aws", data_dir=str(world.data_dir), allow_destructive=True)
    target.check_ready()
    assert target.name == "aws" and target.canary() is None
    assert set(target.actions()) >= {
        "http_check",
        "restart_app",
        "restart_instance",
        "launch_replacement",
        "describe_instances",
        "update_dns",
        "db_check",
        "db_restart",
        "db_launch_replica",
        "db_restore_snapshot",
        "cdn_verify",
        "cdn_recreate_bucket",
        "cdn_upload_static",
    }
    assert target.faults() == [
        "api-crash",
        "api-instance-lost",
        "db-crash",
        "db-lost",
        "cdn-objects-removed",
        "cdn-bucket-deleted",
    ]
