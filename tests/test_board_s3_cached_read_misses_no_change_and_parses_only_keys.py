"""A complete listing with a cache (``--relist``, or the daily one) lists every key under the
prefix once and sees every change a read without a cache sees, journaled or not: a new
team's sub-prefix sorting before, between and after the known keys, a summary changed or
deleted, an archive that had only its event log and now has its summary. And the listing
hands botocore only each object's key and ETag. Against moto's server; each S3 call counted
through botocore's events."""

from __future__ import annotations

import boto3
import pytest

from bookstore_resil.history.board_archives import read_archives
from tests.test_board_orders_systems_by_risk_from_their_archives import summary
from tests.test_board_reads_s3_once_and_fetches_only_changed_summaries import (
    BUCKET,
    URI,
    calls,  # noqa: F401 (a fixture)
    client,  # noqa: F401 (a fixture)
    put,
)


def outcomes(read) -> dict[str, str]:
    return {doc["exercise_id"]: doc["outcome"] for doc, _ in read.exercises}


@pytest.fixture
def known(client, tmp_path):  # noqa: F811
    """Eight archives read once (the cache holds their summaries) and one with only its
    event log."""
    for n in range(8):
        put(client, f"team-{n % 2}/x{n}/summary.json", summary(exercise_id=f"x{n}"))
        put(client, f"team-{n % 2}/x{n}/report.html", "<html></html>")
    put(client, "team-1/crashed/events.jsonl", "{}\n")
    first = read_archives(URI, tmp_path / "cache")
    assert (first.fetched, first.cached) == (8, 0)
    return client


def test_every_new_changed_and_deleted_summary_is_seen(known, calls, tmp_path):  # noqa: F811
    put(known, "team-0/x4/summary.json", summary(exercise_id="x4", outcome="failed"))
    known.delete_object(Bucket=BUCKET, Key="org/team-1/x7/summary.json")
    for team in ("a-first", "team-0/z-between", "team-1/crashed", "zz-last/eu/y"):
        put(known, f"{team}/summary.json", summary(exercise_id=team.replace("/", "-")))
    calls.clear()
    warm = read_archives(URI, tmp_path / "cache", relist=True)
    assert calls == {"ListObjectsV2": 1, "GetObject": 5}
    assert (warm.fetched, warm.cached) == (5, 6)
    assert warm.skipped == []
    assert outcomes(warm) == outcomes(read_archives(URI, None))
    assert outcomes(warm)["x4"] == "failed"
    assert "x7" not in outcomes(warm)
    assert {"a-first", "team-0-z-between", "team-1-crashed", "zz-last-eu-y"} <= set(outcomes(warm))


def test_a_listing_gives_botocore_only_keys_and_etags(known, tmp_path):
    """What the board does not read of each listed object (LastModified above all, which
    botocore parses with dateutil) is cut before parsing."""
    listed = []
    boto3.setup_default_session()
    boto3.DEFAULT_SESSION.events.register(
        "after-call.s3.ListObjectsV2", lambda parsed, **_: listed.extend(parsed["Contents"])
    )
    try:
        read_archives(URI, tmp_path / "cache", relist=True)
    finally:
        boto3.DEFAULT_SESSION = None
    assert len(listed) == 17
    assert {tuple(sorted(item)) for item in listed} == {("ETag", "Key")}
