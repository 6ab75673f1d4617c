"""The Bookstore's public endpoints: ``http_check`` GETs one, ``update_dns`` points one's DNS
name at the newest running instance or available database."""

from __future__ import annotations

from urllib.parse import urljoin

import requests

from bookstore_resil.define.aws_config import Bucket, Instance
from bookstore_resil.errors import TargetError
from bookstore_resil.targets.aws.ec2 import find_instance, running
from bookstore_resil.targets.aws.rds import newest_db_address
from bookstore_resil.targets.aws.route53 import upsert_record
from bookstore_resil.targets.aws.session import NAME, Args, Run


def http_get(run: Run, url: str) -> int:
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


def http_check(run: Run, args: Args) -> None:
    """GET ``url``; or the ``url`` aws.yaml gives the ``service`` (an instance service's url
    joined with ``path``, a bucket service's url joined with its probe object); or the public
    DNS name of ``instance`` (``newest`` or an id). OK on HTTP 2xx or 3xx."""
    path = args.get("path", "")
    service = args.get("service")
    if args.get("url"):
        url = str(args["url"])
    elif args.get("instance"):
        _, spec = run.one("instances", args)
        instance = find_instance(run, spec, args["instance"])
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
    status = http_get(run, url)
    run.data.update(url=url, status=status)
    if not 200 <= status < 400:
        raise TargetError(NAME, f"GET {url}: HTTP {status}")


def update_dns(run: Run, args: Args) -> None:
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
        newest = running(run, run.config.instances[service_id])[0]
        value = args.get("target") or newest.get("PublicIpAddress")
    else:
        kind = "CNAME"
        value = args.get("target") or newest_db_address(run, run.config.databases[service_id])
    if not value:
        raise TargetError(NAME, f"update_dns: nothing to point {name} at (no address)")
    upsert_record(run, record_id, name, kind, value)
