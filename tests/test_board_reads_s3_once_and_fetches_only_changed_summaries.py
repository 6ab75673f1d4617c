"""The board over ``s3://``: one listing of the prefix (teams' sub-prefixes included), only
``summary.json`` objects fetched, and a cache keyed by ETag so a second run fetches only what
is new or changed: a run with a cache lists the change journal alone (nothing written since
here: an empty listing), ``--relist`` the whole prefix again. Against moto's server; each S3
call counted through botocore's events."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import boto3
import pytest

from bookstore_resil.cli import main
from bookstore_resil.history.board_archives import read_archives
from bookstore_resil.testing.aws_moto import reset
from tests.conftest_aws import use_moto_env
from tests.test_board_orders_systems_by_risk_from_their_archives import AT, summary

REPO = Path(__file__).resolve().parents[1]
BUCKET = "org-drills"
URI = f"s3://{BUCKET}/org"


@pytest.fixture
def client(moto_url, monkeypatch):
    use_moto_env(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    reset(moto_url)
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    return s3


@pytest.fixture
def calls(monkeypatch):
    """The S3 operations every client made from now on, by name."""
    counted: Counter[str] = Counter()
    boto3.setup_default_session()
    boto3.DEFAULT_SESSION.events.register(
        "before-call.s3", lambda model, **_: counted.update([model.name])
    )
    yield counted
    boto3.DEFAULT_SESSION = None


def put(client, key: str, document: dict | str) -> None:
    body = document if isinstance(document, str) else json.dumps(document)
    client.put_object(Bucket=BUCKET, Key=f"org/{key}", Body=body.encode())


@pytest.fixture
def archives(client):
    """Three archives under two teams' sub-prefixes, each with its other files, and an
    archive that has only its event log."""
    for n, team in enumerate(("shop", "shop", "guestbook-team/eu")):
        folder = f"{team}/x{n}"
        put(client, f"{folder}/summary.json", summary(exercise_id=f"x{n}"))
        put(client, f"{folder}/events.jsonl", "{}\n")
        put(client, f"{folder}/report.html", "<html></html>")
    put(client, "shop/crashed/events.jsonl", "{}\n")
    return client


def test_one_listing_and_only_summaries_fetched_then_only_what_changed(archives, calls, tmp_path):
    cache = tmp_path / "cache"
    first = read_archives(URI, cache)
    assert sorted(doc["exercise_id"] for doc, _ in first.exercises) == ["x0", "x1", "x2"]
    assert {where for _, where in first.exercises} >= {f"{URI}/guestbook-team/eu/x2"}
    assert calls == {"ListObjectsV2": 1, "GetObject": 3}
    assert (first.fetched, first.cached) == (3, 0)
    assert [str(s) for s in first.skipped] == [
        f"{URI}/shop/crashed/events.jsonl: no summary.json beside it"
    ]

    assert first.journal_since is None

    calls.clear()
    second = read_archives(URI, cache)
    assert calls == {"ListObjectsV2": 1}
    assert (second.fetched, second.cached) == (0, 3)
    assert second.exercises == first.exercises
    assert (second.listed_at, second.journal_since) == (first.listed_at, first.listed_at)
    assert second.skipped == first.skipped  # kept from the listing

    # Written around the journal (no writer of ours): seen by the next complete listing.
    put(archives, "shop/x1/summary.json", summary(exercise_id="x1", outcome="failed"))
    put(archives, "shop/x9/summary.json", summary(exercise_id="x9"))
    archives.delete_object(Bucket=BUCKET, Key="org/shop/x0/summary.json")
    calls.clear()
    third = read_archives(URI, cache, relist=True)
    assert calls == {"ListObjectsV2": 1, "GetObject": 2}
    outcomes = {doc["exercise_id"]: doc["outcome"] for doc, _ in third.exercises}
    assert outcomes == {"x1": "failed", "x2": "passed", "x9": "passed"}


def test_a_damaged_cache_is_read_as_empty(archives, tmp_path):
    cache = tmp_path / "cache"
    read_archives(URI, cache)
    for file in cache.iterdir():
        file.write_text("{not json")
    again = read_archives(URI, cache)
    assert (again.fetched, again.cached) == (3, 0)


def test_a_broken_summary_in_s3_is_skipped_by_its_address(archives, tmp_path):
    put(archives, "shop/bad/summary.json", summary(rto_s="12h"))
    read = read_archives(URI, tmp_path / "cache")
    assert [str(s) for s in read.skipped][0] == (
        f"{URI}/shop/bad/summary.json: rto_s: not a number of seconds"
    )


def test_the_board_command_reads_s3(archives, tmp_path, capsys, monkeypatch):
    systems = tmp_path / "systems"
    shutil.copytree(REPO / "data" / "bookstore", systems / "bookstore")
    argv = ["board", "--systems", str(systems), "--out", URI, "--at", AT, "--json"]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert main([*argv, "--no-cache"]) == 0
    assert not (tmp_path / "xdg").exists()
    capsys.readouterr()
    assert main(argv) == 0
    assert len(list((tmp_path / "xdg" / "bookstore-resil").iterdir())) == 1
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["out"] == URI
    assert document["systems"][0]["exercises"] == 3
    assert document["source"]["read"] == "complete listing"
    assert "3 summaries fetched, 0 from the cache (complete listing)" in captured.err


def test_a_summary_deleted_after_the_listing_is_skipped(archives, tmp_path):
    """Another job removes an archive while the board reads: that one is skipped."""
    gone = "org/shop/x1/summary.json"

    def delete_first(params, **_):
        if params["Key"] == gone:
            boto3.client("s3").delete_object(Bucket=BUCKET, Key=gone)

    boto3.setup_default_session()
    boto3.DEFAULT_SESSION.events.register("before-parameter-build.s3.GetObject", delete_first)
    try:
        read = read_archives(URI, tmp_path / "cache")
    finally:
        boto3.DEFAULT_SESSION = None
    assert sorted(doc["exercise_id"] for doc, _ in read.exercises) == ["x0", "x2"]
    assert f"s3://{BUCKET}/{gone}: deleted while the board read it" in map(str, read.skipped)
