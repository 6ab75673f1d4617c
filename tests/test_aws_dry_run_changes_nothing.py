"""Without allow_destructive the aws target changes nothing: it records what it would do."""

from __future__ import annotations

import boto3
import pytest

from bookstore_resil.define.loader import load_system
from bookstore_resil.errors import TargetError
from bookstore_resil.targets.aws import AwsTarget
from bookstore_resil.testing.aws_moto import build_seed_world, reset
from tests.conftest_aws import everything, use_moto_env

# Every change an action can make, and what the dry run records for it.
CHANGES = {
    "restart_app": ("ec2", "RebootInstances", "EC2 DryRun: would have succeeded"),
    "restart_instance": ("ec2", "RebootInstances", "EC2 DryRun: would have succeeded"),
    "launch_replacement": ("ec2", "RunInstances", "EC2 DryRun: would have succeeded"),
    "update_dns": ("route53", "ChangeResourceRecordSets", "not sent"),
    "db_restart": ("rds", "RebootDBInstance", "not sent"),
    "db_promote_replica": ("rds", "PromoteReadReplica", "not sent"),
    "db_launch_replica": ("rds", "CreateDBInstanceReadReplica", "not sent"),
    "db_restore_snapshot": ("rds", "RestoreDBInstanceFromDBSnapshot", "not sent"),
    "cdn_upload_static": ("s3", "PutObject", "not sent"),
}


@pytest.fixture(scope="module")
def world(moto_url, tmp_path_factory):
    with pytest.MonkeyPatch.context() as env:
        use_moto_env(env)
        reset(moto_url)
        world = build_seed_world(moto_url, tmp_path_factory.mktemp("dry") / "bookstore")
        # A running instance of the AMI backup, for update_dns to point the A record at.
        ec2 = boto3.client("ec2", endpoint_url=moto_url, region_name="us-west-2")
        ec2.run_instances(ImageId=world.image_id, MinCount=1, MaxCount=1)
        yield world


@pytest.fixture
def dry(world, moto_url) -> AwsTarget:
    return AwsTarget(data_dir=world.data_dir, endpoint_url=moto_url)


def test_every_playbook_action_in_a_dry_run_changes_nothing(world, moto_url, dry):
    before = everything(moto_url)
    steps = [
        step.action
        for scenario in load_system(world.data_dir).scenarios
        for step in scenario.steps
        if step.action and step.action.name != "http_check"
    ]
    extra = [("db_promote_replica", {}), ("db_restore_snapshot", {}), ("cdn_recreate_bucket", {})]
    results = {}
    for name, args in [(a.name, dict(a.args)) for a in steps] + extra:
        results[name, str(args)] = result = dry.run_action(name, args, timeout_s=10)
        assert result.ok, (name, result.error)
    assert everything(moto_url) == before

    assert set(CHANGES) <= {name for name, _ in results}
    for (name, _), result in results.items():
        sent = [c for c in result.data["calls"] if c["sent"]]
        assert sent == [], name
        if name in CHANGES:
            service, operation, note = CHANGES[name]
            assert result.data["dry_run"] is True
            [call] = result.data["calls"]
            assert (call["service"], call["operation"], call["note"]) == (service, operation, note)
            assert f"DRY RUN {service} {operation}" in result.output


def test_dry_run_records_the_exact_call(dry, world):
    result = dry.run_action("update_dns", {"record": "api"}, timeout_s=10)
    assert result.ok and result.data["dry_run"]
    [call] = result.data["calls"]
    assert call["operation"] == "ChangeResourceRecordSets" and not call["sent"]
    change = call["params"]["ChangeBatch"]["Changes"][0]
    assert change["Action"] == "UPSERT"
    assert change["ResourceRecordSet"]["Name"] == "bookstore.pingpublications.com"
    assert change["ResourceRecordSet"]["Type"] == "A"
    assert call["params"]["HostedZoneId"] == world.zone_id

    # The bucket exists, so nothing would be created: no change at all.
    kept = dry.run_action("cdn_recreate_bucket", {}, timeout_s=10)
    assert kept.ok and kept.data["calls"] == [] and "already exists" in kept.output


def test_faults_are_refused_without_allow_destructive(dry, moto_url):
    before = everything(moto_url)
    for fault in dry.faults():
        with pytest.raises(TargetError, match="refused without allow_destructive"):
            dry.inject_fault(fault)
    with pytest.raises(TargetError, match="unknown fault"):
        dry.inject_fault("everything-on-fire")
    assert everything(moto_url) == before
