"""A board run with a cache follows the writers' change journal (docs/scheduling.md, "Reading
S3"): every summary our code uploads (a drill's archive, a report built again) ends with an
entry at the bucket's root, and the board lists the journal alone and fetches only the
summaries it names under its prefix. A deletion, and an archive whose writer may not write
the journal, show at the next complete listing (``--relist``, or once the last is a day
old). Against moto's server; each S3 request recorded through botocore's events."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import boto3
import orjson
import pytest
import requests

from bookstore_resil.archive import layout, storage
from bookstore_resil.archive.storage import Destination
from bookstore_resil.cli import main
from bookstore_resil.clock import iso, now
from bookstore_resil.history.board_archives import Read, read_archives
from tests.conftest_aws import use_moto_env
from tests.test_board_orders_systems_by_risk_from_their_archives import AT, summary
from tests.test_board_reads_s3_once_and_fetches_only_changed_summaries import (
    BUCKET,
    REPO,
    URI,
    client,  # noqa: F401 (a fixture)
    put,
)

JOURNAL_LISTING = ("ListObjectsV2", layout.JOURNAL)


def outcomes(read: Read) -> dict[str, str]:
    return {doc["exercise_id"]: doc["outcome"] for doc, _ in read.exercises}


@pytest.fixture
def made():
    """Each S3 request every client makes from now on: (operation, Prefix or Key)."""
    requests_made: list[tuple[str, str]] = []

    def record(params: dict, model, **_) -> None:
        requests_made.append((model.name, params.get("Prefix") or params.get("Key")))

    boto3.setup_default_session()
    boto3.DEFAULT_SESSION.events.register("before-parameter-build.s3", record)
    yield requests_made
    boto3.DEFAULT_SESSION = None


@pytest.fixture
def known(client, tmp_path) -> Path:  # noqa: F811
    """Three archives (uploaded around our writer: no journal entries) read once by a
    complete listing; the board's cache folder."""
    for n in range(3):
        put(client, f"shop/x{n}/summary.json", summary(exercise_id=f"x{n}"))
        put(client, f"shop/x{n}/events.jsonl", "{}\n")
    cache = tmp_path / "cache"
    first = read_archives(URI, cache)
    assert (first.fetched, first.journal_since) == (3, None)
    return cache


def publish(parent: str, exercise_id: str) -> None:
    """An archive uploaded as ``drill --out PARENT`` uploads it: written into the drill's
    staging folder, then published."""
    out = Destination.of(parent)
    folder = out.local / exercise_id
    folder.mkdir()
    (folder / "summary.json").write_text(json.dumps(summary(exercise_id=exercise_id)))
    (folder / "events.jsonl").write_text("{}\n")
    out.publish(folder)


def keys(prefix: str) -> list[str]:
    listed = boto3.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return [item["Key"] for item in listed.get("Contents", ())]


def test_a_drilled_archive_is_fetched_from_the_journal_without_listing_the_prefix(known, made):
    publish(f"{URI}/shop", "x9")
    [entry] = keys(layout.JOURNAL)
    assert entry.endswith("/org/shop/x9/summary.json")
    made.clear()
    warm = read_archives(URI, known)
    assert made == [JOURNAL_LISTING, ("GetObject", "org/shop/x9/summary.json")]
    assert (warm.fetched, warm.cached) == (1, 3)
    assert warm.journal_since == warm.listed_at  # the first journal read after a listing
    assert set(outcomes(warm)) == {"x0", "x1", "x2", "x9"}

    # Within the skew the entry is read again: its summary answers 304, from the cache.
    made.clear()
    again = read_archives(URI, known)
    assert made == [JOURNAL_LISTING, ("GetObject", "org/shop/x9/summary.json")]
    assert (again.fetched, again.cached) == (0, 4)
    assert again.exercises == warm.exercises
    assert warm.journal_since < again.journal_since  # the cursor moved to the entry


def test_a_report_built_again_is_seen_on_the_warm_read(known, made, tmp_path):
    rewritten = tmp_path / layout.SUMMARY_FILE
    rewritten.write_text(json.dumps(summary(exercise_id="x1", outcome="failed")))
    storage.upload(f"{URI}/shop/x1", [rewritten], overwrite=True)  # as `report s3://...` does
    made.clear()
    warm = read_archives(URI, known)
    assert made == [JOURNAL_LISTING, ("GetObject", "org/shop/x1/summary.json")]
    assert outcomes(warm) == {"x0": "passed", "x1": "failed", "x2": "passed"}


def test_a_deleted_archive_stays_until_the_next_complete_listing(known, client):  # noqa: F811
    client.delete_object(Bucket=BUCKET, Key="org/shop/x0/summary.json")
    assert "x0" in outcomes(read_archives(URI, known))  # nothing journals a deletion
    relisted = read_archives(URI, known, relist=True)
    assert relisted.journal_since is None
    assert set(outcomes(relisted)) == {"x1", "x2"}

    client.delete_object(Bucket=BUCKET, Key="org/shop/x1/summary.json")
    [cache] = known.iterdir()
    for age, listing in ((23, False), (25, True)):  # the last complete listing's age, in hours
        document = orjson.loads(cache.read_bytes())
        document["listed_at"] = iso(now() - timedelta(hours=age))
        cache.write_bytes(orjson.dumps(document))
        read = read_archives(URI, known)
        assert (read.journal_since is None, "x1" in outcomes(read)) == (listing, not listing)


def test_a_journal_entry_under_another_prefix_is_ignored(known, made):
    publish(f"s3://{BUCKET}/elsewhere/team", "y1")
    publish(f"s3://{BUCKET}/org-b/team", "y2")  # a sibling prefix sharing "org"
    assert len(keys(layout.JOURNAL)) == 2
    made.clear()
    warm = read_archives(URI, known)
    assert made == [JOURNAL_LISTING]
    assert set(outcomes(warm)) == {"x0", "x1", "x2"}

    # Read at the bucket's root, the journal is no archive.
    whole = read_archives(f"s3://{BUCKET}", None)
    assert (sorted(outcomes(whole)), whole.skipped) == (["x0", "x1", "x2", "y1", "y2"], [])
    assert storage.children(f"s3://{BUCKET}") == ["elsewhere", "org", "org-b"]


def test_a_writer_whose_clock_is_behind_is_read_within_the_skew(known, client):  # noqa: F811
    cursor = read_archives(URI, known).journal_since
    assert cursor is not None
    for name, behind in (("late", 10), ("too-late", 20)):  # minutes behind the cursor
        summary_key = f"org/shop/{name}/summary.json"
        put(client, summary_key.removeprefix("org/"), summary(exercise_id=name))
        entry = layout.journal_key(summary_key, cursor - timedelta(minutes=behind))
        client.put_object(Bucket=BUCKET, Key=entry, Body=b"")
    warm = outcomes(read_archives(URI, known))
    assert ("late" in warm, "too-late" in warm) == (True, False)
    assert "too-late" in outcomes(read_archives(URI, known, relist=True))


def test_a_writer_whose_clock_is_ahead_does_not_carry_the_cursor_past_later_entries(
    known,
    client,  # noqa: F811
):
    put(client, "shop/early/summary.json", summary(exercise_id="early"))
    ahead = layout.journal_key("org/shop/early/summary.json", now() + timedelta(hours=1))
    client.put_object(Bucket=BUCKET, Key=ahead, Body=b"")
    assert "early" in outcomes(read_archives(URI, known))
    publish(f"{URI}/shop", "x9")
    assert "x9" in outcomes(read_archives(URI, known))


def test_a_journal_entry_the_writer_may_not_write_leaves_the_archive_whole_and_warns(
    known, moto_url, monkeypatch, capsys
):
    """A team's role allowed to write under its own prefix only: moto's IAM refuses the
    journal's PUT (AccessDenied), the drill's upload goes on."""
    iam = boto3.client("iam")
    iam.create_user(UserName="team-shop")
    statement = {
        "Effect": "Allow",
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/org/shop/*",
    }
    iam.put_user_policy(
        UserName="team-shop",
        PolicyName="own-prefix",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )
    access = iam.create_access_key(UserName="team-shop")["AccessKey"]
    use_moto_env(monkeypatch, access["AccessKeyId"], access["SecretAccessKey"])
    boto3.setup_default_session()
    auth = f"{moto_url}/moto-api/reset-auth"
    previous = requests.post(auth, data=b"0", timeout=5).json()
    try:
        publish(f"{URI}/shop", "x9")
    finally:
        requests.post(auth, data=previous["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"], timeout=5)
        use_moto_env(monkeypatch)
        boto3.DEFAULT_SESSION = None

    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"warning: s3://{BUCKET}/{layout.JOURNAL}")
    assert warnings[0].endswith(
        "/org/shop/x9/summary.json not written (AccessDenied): "
        "the board will see this archive at its next complete listing"
    )
    assert sorted(keys("org/shop/x9/")) == ["org/shop/x9/events.jsonl", "org/shop/x9/summary.json"]
    assert keys(layout.JOURNAL) == []
    assert "x9" not in outcomes(read_archives(URI, known))
    assert "x9" in outcomes(read_archives(URI, known, relist=True))


def test_the_board_command_says_how_it_read_s3(known, tmp_path, capsys):
    systems = tmp_path / "systems"
    shutil.copytree(REPO / "data" / "bookstore", systems / "bookstore")
    argv = ["board", "--systems", str(systems), "--out", URI, "--at", AT, "--json"]
    argv += ["--cache", str(known)]
    publish(f"{URI}/shop", "x9")
    capsys.readouterr()

    assert main(argv) == 0
    captured = capsys.readouterr()
    source = json.loads(captured.out)["source"]
    assert (source["read"], source["fetched"], source["cached"]) == ("change journal", 1, 3)
    since, listed = (
        f"{iso_time[:16]}Z" for iso_time in (source["journal_since"], source["listed_at"])
    )
    assert (
        f"1 summary fetched, 3 from the cache (change journal since {since}; "
        f"last complete listing {listed})"
    ) in captured.err

    assert main([*argv, "--relist"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["source"]["read"] == "complete listing"
    assert "0 summaries fetched, 4 from the cache (complete listing)" in captured.err
