"""The lab's CDN serves its files to anyone, as a CDN does, and takes every other request
(a change, a listing, moto's own reset and state pages) only signed with the lab's access
key, which no other local user can read: a neighbour on the machine can neither empty the
bucket nor reset moto under a running game day."""

from __future__ import annotations

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from bookstore_resil.lab import cdn
from bookstore_resil.lab.state import BUCKET, Lab

pytestmark = pytest.mark.slow


def test_anyone_reads_the_cdns_files(lab: Lab):
    answer = requests.get(cdn.object_url(lab), timeout=5)
    assert answer.status_code == 200 and answer.content
    assert requests.head(cdn.object_url(lab), timeout=5).status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", f"/{BUCKET}/static/{cdn.PROBE_FILE}"),
        ("PUT", f"/{BUCKET}/static/{cdn.PROBE_FILE}"),
        ("DELETE", f"/{BUCKET}"),
        ("GET", f"/{BUCKET}"),  # a listing
        ("GET", f"/{BUCKET}/static/{cdn.PROBE_FILE}?acl"),
        ("GET", "/"),
        ("POST", "/moto-api/reset"),
        ("GET", "/moto-api/data.json"),
    ],
)
def test_an_unsigned_request_is_refused_and_changes_nothing(lab: Lab, method: str, path: str):
    answer = requests.request(method, lab.records().cdn + path, data=b"x", timeout=5)
    assert answer.status_code == 403
    assert b"AccessDenied" in answer.content
    assert cdn.verify(lab).ok


def test_a_request_signed_with_another_key_is_refused(lab: Lab):
    other = boto3.client(
        "s3",
        endpoint_url=lab.records().cdn,
        region_name="us-east-1",
        aws_access_key_id="AKIANOTTHELABSKEY",
        aws_secret_access_key="guessed",
    )
    with pytest.raises(ClientError, match="AccessDenied"):
        other.delete_object(Bucket=BUCKET, Key=f"static/{cdn.PROBE_FILE}")
    with pytest.raises(ClientError, match="AccessDenied"):
        other.list_buckets()
    assert cdn.verify(lab).ok


def test_the_owner_changes_it_with_the_labs_key(lab: Lab):
    s3 = cdn.client(lab)
    assert BUCKET in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    key = f"static/{cdn.PROBE_FILE}"
    s3.delete_object(Bucket=BUCKET, Key=key)
    assert not cdn.verify(lab).ok
    cdn.upload_static(lab)
    assert cdn.verify(lab).ok
