"""One moto server per test session, and boto3's environment pointed at it (a plugin
listed in tests/conftest.py). Each test module resets moto's state as it builds its world."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from bookstore_resil.testing.aws_moto import moto_env, moto_server


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


def use_moto_env(patch: pytest.MonkeyPatch, key_id: str = "testing", secret: str = "testing"):
    """Fake credentials and no profile or instance metadata, for boto3 against moto."""
    for key, value in moto_env(key_id, secret).items():
        if value is None:
            patch.delenv(key, raising=False)
        else:
            patch.setenv(key, value)


def everything(moto_url: str) -> dict:
    """What describe calls show of moto's whole world, to compare before and after."""

    def client(service: str):
        # Credentials of its own: the test process's environment changes from test to test.
        return boto3.client(
            service,
            endpoint_url=moto_url,
            region_name="us-west-2",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    ec2, rds, route53, s3 = client("ec2"), client("rds"), client("route53"), client("s3")
    return {
        "instances": sorted(
            (i["InstanceId"], i["State"]["Name"], i.get("PublicIpAddress"))
            for r in ec2.describe_instances()["Reservations"]
            for i in r["Instances"]
        ),
        "databases": sorted(
            (d["DBInstanceIdentifier"], d["DBInstanceStatus"])
            for d in rds.describe_db_instances()["DBInstances"]
        ),
        "snapshots": sorted(
            s["DBSnapshotIdentifier"] for s in rds.describe_db_snapshots()["DBSnapshots"]
        ),
        "records": [
            route53.list_resource_record_sets(HostedZoneId=z["Id"])["ResourceRecordSets"]
            for z in route53.list_hosted_zones()["HostedZones"]
        ],
        "objects": {
            b["Name"]: sorted(
                (o["Key"], o["ETag"])
                for o in s3.list_objects_v2(Bucket=b["Name"]).get("Contents", [])
            )
            for b in s3.list_buckets()["Buckets"]
        },
    }
