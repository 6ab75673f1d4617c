"""The seed's AWS world inside moto's server: practise and test the aws target with no account.

:func:`moto_server` runs moto's server on a free loopback port; :func:`build_seed_world`
copies a system folder, creates in moto what its ``aws.yaml`` names (VPC and subnet, the
``bookstore-api`` instance from the launch template, its AMI backup, the hosted zone and
records, the PostgreSQL DB instance and a snapshot, the bucket with the static files) and
rewrites the copy's ``aws.yaml`` for moto (its account, the AMI id moto gave, a static
backup folder). Credentials come from the environment: set fake ones (:func:`moto_env`).
"""

from __future__ import annotations

import logging
import shutil
import socket
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
import yaml

from bookstore_resil.define.aws_config import AWS_FILE, load_aws_config
from bookstore_resil.define.loader import load_system
from bookstore_resil.targets.aws.session import aws_session

LOOPBACK = "127.0.0.1"
MOTO_ACCOUNT = "123456789012"
SEED_DIR = Path(__file__).resolve().parents[2] / "data" / "bookstore"
# A few of Django REST framework's collected static files (small stand-ins).
STATIC_FILES = {
    "rest_framework/css/bootstrap.min.css": "/* bootstrap */\nbody { margin: 0; }\n",
    "rest_framework/css/default.css": "/* default */\npre { white-space: pre-wrap; }\n",
    "rest_framework/js/default.js": "// default\nwindow.drf = {};\n",
}


def moto_env(key_id: str = "testing", secret: str = "testing") -> dict[str, str | None]:
    """Environment for boto3 against moto: fake credentials, no profile files, no instance
    metadata; None means "unset it"."""
    return {
        "AWS_ACCESS_KEY_ID": key_id,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_SESSION_TOKEN": None,
        "AWS_PROFILE": None,
        "AWS_DEFAULT_PROFILE": None,
        "AWS_CONFIG_FILE": "/nonexistent/aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
        "AWS_EC2_METADATA_DISABLED": "true",
    }


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's server on a free loopback port; yields its endpoint URL, stops it after."""
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port = probe.getsockname()[1]
    # werkzeug logs every request at INFO, to stderr: an AWS drill's probes ask many times
    # a second.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address=LOOPBACK, port=port, verbose=False)
    server.start()
    try:
        yield f"http://{LOOPBACK}:{port}"
    finally:
        server.stop()


def reset(endpoint_url: str) -> None:
    """Forget every resource moto holds."""
    requests.post(f"{endpoint_url}/moto-api/reset", timeout=5).raise_for_status()


@dataclass(frozen=True)
class SeedWorld:
    data_dir: Path
    image_id: str
    instance_id: str
    zone_id: str
    static_files: list[str]


def build_seed_world(
    endpoint_url: str,
    into: str | Path,
    seed_dir: str | Path = SEED_DIR,
    urls: Mapping[str, str] | None = None,
    poll_interval_s: float = 0.05,
) -> SeedWorld:
    """Copy ``seed_dir`` to ``into`` (which must not exist) and build its AWS world in moto.

    ``urls`` gives the services' HTTP endpoints (service id -> url); the others lose theirs:
    nothing answers HTTP behind moto's instances, and the bucket is private, as the seed's
    is (a GET of its objects without credentials is refused).
    """
    into = Path(into)
    shutil.copytree(seed_dir, into)
    system = load_system(into)
    config = load_aws_config(into, system)
    session = aws_session(config.region)

    def client(service: str):
        return session.client(service, endpoint_url=endpoint_url)

    ec2, rds, r53, s3 = client("ec2"), client("rds"), client("route53"), client("s3")
    api_id, api = next(iter(config.instances.items()))
    where = system.service(api_id)
    az = where.az or f"{config.region}a"
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone=az)
    subnet_id = subnet["Subnet"]["SubnetId"]
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": where.vpc or "vpc"}])
    ec2.create_tags(Resources=[subnet_id], Tags=[{"Key": "Name", "Value": where.subnet or "sn"}])
    amazon_linux = [{"Name": "name", "Values": ["amzn2-ami-hvm-*"]}]  # (all: slow in moto)
    base = ec2.describe_images(Owners=["amazon"], Filters=amazon_linux)["Images"][0]["ImageId"]
    ec2.create_launch_template(
        LaunchTemplateName=api.launch_template,
        LaunchTemplateData={
            "ImageId": base,
            "InstanceType": "t2.micro",
            "NetworkInterfaces": [
                {"DeviceIndex": 0, "SubnetId": subnet_id, "AssociatePublicIpAddress": True}
            ],
        },
    )
    instance = ec2.run_instances(
        MinCount=1,
        MaxCount=1,
        LaunchTemplate={"LaunchTemplateName": api.launch_template},
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": api.name}]}
        ],
    )["Instances"][0]
    image_id = ec2.create_image(
        InstanceId=instance["InstanceId"], Name=f"{api.launch_template}-image"
    )["ImageId"]

    endpoints = {}
    for db_id, db in config.databases.items():
        created = rds.create_db_instance(
            DBInstanceIdentifier=db.identifier,
            Engine="postgres",
            EngineVersion="10.4",
            DBInstanceClass="db.t2.micro",
            AllocatedStorage=20,
            MasterUsername="bookstore",
            MasterUserPassword="moto-only",
            AvailabilityZone=az,
        )["DBInstance"]
        endpoints[db_id] = created["Endpoint"]["Address"]
        rds.create_db_snapshot(
            DBInstanceIdentifier=db.identifier, DBSnapshotIdentifier=f"{db.identifier}-seed"
        )

    dns = config.dns
    if dns is None:
        raise ValueError(f"{into}: aws.yaml has no dns: the seed's world has a hosted zone")
    created_zone = r53.create_hosted_zone(Name=dns.hosted_zone, CallerReference=str(uuid.uuid4()))
    zone_id = created_zone["HostedZone"]["Id"]
    for entry in dns.records.values():
        kind, value = (
            ("A", instance["PublicIpAddress"])
            if entry.service in config.instances
            else ("CNAME", endpoints[entry.service])
        )
        record = {
            "Name": entry.name,
            "Type": kind,
            "TTL": 60,
            "ResourceRecords": [{"Value": value}],
        }
        r53.change_resource_record_sets(
            HostedZoneId=zone_id,
            ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": record}]},
        )

    document = yaml.safe_load((into / AWS_FILE).read_text(encoding="utf-8"))
    for bucket_id, bucket in config.buckets.items():
        backup = into / f"static-backup-{bucket_id}"
        s3.create_bucket(
            Bucket=bucket.bucket,
            CreateBucketConfiguration={"LocationConstraint": config.region},
        )
        for relative, text in STATIC_FILES.items():
            (backup / relative).parent.mkdir(parents=True, exist_ok=True)
            (backup / relative).write_text(text, encoding="utf-8")
            s3.put_object(Bucket=bucket.bucket, Key=bucket.key(relative), Body=text.encode())
        document["buckets"][bucket_id]["static_backup"] = backup.name
        document["buckets"][bucket_id]["probe_object"] = next(iter(STATIC_FILES))

    urls = dict(urls or {})
    document["environment"] = "moto"
    document["allowed_accounts"] = [MOTO_ACCOUNT]
    document["instances"][api_id]["image_id"] = image_id
    for section in ("instances", "buckets"):
        for service_id, entry in document.get(section, {}).items():
            entry.pop("url", None)
            if service_id in urls:
                entry["url"] = urls[service_id]
    document.setdefault("limits", {}).update(poll_interval_s=poll_interval_s, probe_interval_s=0)
    (into / AWS_FILE).write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return SeedWorld(into, image_id, instance["InstanceId"], zone_id, sorted(STATIC_FILES))
