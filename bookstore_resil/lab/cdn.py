"""The lab's CDN: an S3 API (moto's server) holding the collected static files in the
bucket ``cdn.bookstore.pingpublications.com``, reached with boto3 at its ``endpoint_url``."""

from __future__ import annotations

import mimetypes
import sys
import time
from dataclasses import dataclass, field

from bookstore_resil.errors import TargetError
from bookstore_resil.lab import procs
from bookstore_resil.lab.http import http_get
from bookstore_resil.lab.state import BUCKET, LOOPBACK, Lab

PROCESS = "cdn"
PREFIX = "static/"
# The object the CDN probe fetches: one of Django REST framework's static files.
PROBE_FILE = "rest_framework/css/default.css"


@dataclass(frozen=True)
class CdnCheck:
    bucket_exists: bool
    expected: int
    missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.bucket_exists and not self.missing


def endpoint(port: int) -> str:
    return f"http://{LOOPBACK}:{port}"


def start(lab: Lab, port: int) -> None:
    """Start moto's S3 server behind the owner's door (:mod:`~bookstore_resil.lab.cdn_server`;
    its buckets live in its memory only)."""
    if procs.running(lab, PROCESS):
        return
    argv = [sys.executable, "-m", "bookstore_resil.lab.cdn_server", str(lab.root), str(port)]
    procs.start(lab, PROCESS, argv, cwd=lab.root)


def wait_ready(lab: Lab, port: int, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    key = lab.secrets().endpoint_key
    while http_get(endpoint(port) + "/", timeout_s=1.0, key=key).status is None:
        if procs.running(lab, PROCESS) is None:
            raise TargetError("lab", f"the CDN server exited; see {lab.logs_dir}/cdn.log")
        if time.monotonic() > deadline:
            raise TargetError("lab", f"the CDN server is not ready after {timeout_s:.0f}s")
        time.sleep(0.05)


def client(lab: Lab):
    """boto3's S3 client of the lab's CDN, signing with the lab's keys; refused when what
    answers at the CDN's address is not the lab's (it would learn the access key id, which
    is what the CDN's door checks)."""
    import boto3
    from botocore.config import Config

    url = lab.records().cdn
    if not url:
        raise TargetError("lab", "no cdn record yet (run 'bookstore-resil lab up')")
    keys = lab.secrets()
    answer = http_get(url + "/", timeout_s=1.0, key=keys.endpoint_key)
    if answer.impostor:
        raise TargetError("lab", f"the CDN at {url}: {answer.error}")
    return boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=keys.s3_access_key,
        aws_secret_access_key=keys.s3_secret_key,
        config=Config(connect_timeout=1, read_timeout=5, retries={"max_attempts": 1}),
    )


def static_files(lab: Lab) -> list[str]:
    """Paths (relative to ``static/``) of the backup copy of the collected static files."""
    root = lab.static_backup_dir
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def object_url(lab: Lab, relative: str = PROBE_FILE) -> str:
    return f"{lab.records().cdn}/{BUCKET}/{PREFIX}{relative}"


def bucket_exists(s3) -> bool:
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=BUCKET)
    except ClientError:
        return False
    return True


def create_bucket(lab: Lab) -> bool:
    """Create the bucket; False when it was already there."""
    s3 = client(lab)
    if bucket_exists(s3):
        return False
    s3.create_bucket(Bucket=BUCKET)
    return True


def upload_static(lab: Lab) -> int:
    """Upload the backup copy of the static files, publicly readable; returns the count."""
    s3 = client(lab)
    files = static_files(lab)
    if not files:
        raise TargetError("lab", f"no static files backed up in {lab.static_backup_dir}")
    for relative in files:
        content_type = mimetypes.guess_type(relative)[0] or "application/octet-stream"
        s3.put_object(
            Bucket=BUCKET,
            Key=PREFIX + relative,
            Body=(lab.static_backup_dir / relative).read_bytes(),
            ContentType=content_type,
            ACL="public-read",
        )
    return len(files)


def _keys(s3) -> set[str]:
    keys: set[str] = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        keys.update(item["Key"] for item in page.get("Contents", []))
    return keys


def verify(lab: Lab) -> CdnCheck:
    """Does the bucket exist and hold every backed-up static file?"""
    s3 = client(lab)
    expected = static_files(lab)
    if not bucket_exists(s3):
        return CdnCheck(False, len(expected), expected)
    present = _keys(s3)
    return CdnCheck(True, len(expected), [f for f in expected if PREFIX + f not in present])


def remove_objects(lab: Lab) -> int:
    s3 = client(lab)
    if not bucket_exists(s3):
        return 0
    keys = sorted(_keys(s3))
    for start_at in range(0, len(keys), 1000):
        batch = [{"Key": key} for key in keys[start_at : start_at + 1000]]
        s3.delete_objects(Bucket=BUCKET, Delete={"Objects": batch})
    return len(keys)


def delete_bucket(lab: Lab) -> int:
    removed = remove_objects(lab)
    client(lab).delete_bucket(Bucket=BUCKET)
    return removed
