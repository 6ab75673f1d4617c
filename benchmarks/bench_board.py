"""`board` over an organisation's archives, locally and in S3 (moto's server), as ratios to
floors measured in the same run.

The organisation is generated: SYSTEMS system folders (three services, two playbooks, a
head of the org chart each) and ARCHIVES archives spread over them, each a ``summary.json``
as a real drill writes it (the database fixture's event log summarized, then given its own
id, system, scenario, time and outcome), under one sub-folder per team. Beside each summary
lie the other files a drill archives (OTHER_FILES: the notebooks, the event log, the report
and its charts) as small placeholders: the board never reads them, but S3 lists every key,
and a listing's cost grows with the keys it returns (``--files 1`` uploads summaries only).

- local: reading the archives for the board against the floor, a loop that opens the same
  summary files (their paths known) and parses each with orjson; and the whole board
  (systems loaded, checklists drawn) against its target of 10 s.
- S3 cold: the board's read of ``s3://`` with an empty cache against the floor, a bare
  boto3 script that lists the prefix and gets every summary with the same thread count.
- S3 warm: one new archive uploaded by the drill's own writer (``Destination.publish``, so
  it is journaled), the board's read again with the cache: the change journal listed, one
  fetch. Its floor is a bare boto3 listing of the journal and one GET of that summary;
  its target 2 s.
- S3 warm --relist: the same cache read by a complete listing, for comparison (no target):
  its floor is one bare listing of the prefix. The line after it splits moto's listing
  cost: one request returning one key (a scan of the whole bucket on moto) against a page
  of 1,000 keys.

moto's server runs in a process of its own. Each line prints the figure, its floor and its
target. The default run is small (under a minute); ``--full`` is 500 systems and 20,000
archives.

    .venv/bin/python benchmarks/bench_board.py [--full] [--systems N --archives N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3
import orjson
import requests
import yaml

from bookstore_resil.archive import layout
from bookstore_resil.archive.measure import summarize_log
from bookstore_resil.archive.storage import Destination
from bookstore_resil.history.board import build_board
from bookstore_resil.history.board_archives import THREADS, read_archives
from bookstore_resil.history.board_sources import find_systems
from bookstore_resil.testing.aws_moto import moto_env

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "archives" / "database-data-loss" / "events.jsonl"
SCENARIOS = ("app-failure", "database-failure")
OUTCOMES = ("passed",) * 14 + ("failed", "missed", "error", "aborted", "inconclusive")
BUCKET = "org-drills"
OTHER_FILES = (
    "canary.png",
    "events.jsonl",
    "exercise.ipynb",
    "objectives.png",
    "report.html",
    "report.ipynb",
    "timeline.png",
)
LOCAL_RATIO, LOCAL_WHOLE_S, S3_RATIO, S3_WARM_S = 1.5, 10.0, 1.5, 2.0


def _playbook(scenario: str, kind: str, service: str) -> dict:
    return {
        "id": scenario,
        "title": scenario.replace("-", " ").capitalize(),
        "playbook": kind,
        "service": service,
        "leads": {"primary": "Lead"},
        "severity": "critical",
        "rto": "30min",
        "rpo": "5min",
        "recovery_procedure": [
            {"id": "check", "title": "Check it is down", "next": {"failed": "restart"}},
            {"id": "restart", "title": "Restart it"},
        ],
    }


def write_system(folder: Path, index: int) -> str:
    name = f"System {index:03d}"
    services = [
        {"id": "app", "name": "App", "rto": "30min", "rpo": "5min", "depends_on": ["database"]},
        {
            "id": "database",
            "name": "Database",
            "rto": "30min",
            "rpo": "5min",
            "depends_on": [{"service": "search", "critical": False, "degraded": "no search"}],
        },
        {"id": "search", "name": "Search", "critical": False, "rto": "1h", "rpo": "1h"},
    ]
    document = {"system": name, "entrypoint": "app", "services": services}
    contacts = {
        "contacts": [
            {"name": f"Head {index:03d}", "team": f"team-{index:03d}", "services": ["ALL"]},
            {"name": "Lead", "services": ["app"], "reports_to": f"Head {index:03d}"},
        ],
        "notification": [
            {"who": "Lead", "what": "outage", "when": "at once", "why": "owns it", "how": "phone"}
        ],
    }
    (folder / "playbooks").mkdir(parents=True)
    (folder / "system.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    (folder / "contacts.yaml").write_text(yaml.safe_dump(contacts, sort_keys=False))
    kinds = (("disaster-recovery", "app"), ("critical-dependency", "database"))
    for scenario, (kind, service) in zip(SCENARIOS, kinds, strict=True):
        playbook = yaml.safe_dump(_playbook(scenario, kind, service), sort_keys=False)
        (folder / "playbooks" / f"{scenario}.yaml").write_text(playbook)
    return name


def summaries(systems: int, archives: int, now: datetime, seed: int = 7):
    """(team folder, exercise id, summary document) for every archive."""
    template = json.loads(json.dumps(summarize_log(FIXTURE).to_dict(), default=str))
    rng = random.Random(seed)
    for n in range(archives):
        index = n % systems
        scenario = SCENARIOS[rng.randrange(2)]
        started = now - timedelta(seconds=rng.randrange(365 * 86400))
        outcome = rng.choice(OUTCOMES)
        exercise_id = f"{started:%Y%m%dT%H%M%SZ}-{scenario}-{n:06x}"
        yield (
            f"team-{index:03d}",
            exercise_id,
            {
                **template,
                "exercise_id": exercise_id,
                "system": f"System {index:03d}",
                "scenario": scenario,
                "started_at": started.isoformat().replace("+00:00", "Z"),
                "outcome": outcome,
                "rto_met": outcome != "missed",
                "fault_observed": outcome != "inconclusive",
                "data_loss_bound": "exact",
            },
        )


def make_organisation(
    root: Path, systems: int, archives: int, now: datetime, others: tuple[str, ...]
) -> list[Path]:
    """The system folders under ``root/systems`` and the archives under ``root/archives``,
    each with ``others`` beside its summary; every file's path, summaries first."""
    for index in range(systems):
        write_system(root / "systems" / f"team-{index:03d}", index)
    paths, rest = [], []
    for team, exercise_id, document in summaries(systems, archives, now):
        folder = root / "archives" / team / exercise_id
        folder.mkdir(parents=True)
        (folder / "summary.json").write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
        paths.append(folder / "summary.json")
        for name in others:
            (folder / name).write_bytes(b"{}\n")
            rest.append(folder / name)
    return paths + rest


def timed(function, *args):
    began = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - began, result


def local_floor(paths: list[Path]) -> int:
    count = 0
    for path in paths:
        with open(path, "rb") as file:
            count += bool(orjson.loads(file.read()))
    return count


def start_moto() -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        str(Path(sys.executable).with_name("moto_server")),
        "-H",
        "127.0.0.1",
        "-p",
        str(port),
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"{url}/moto-api/", timeout=1)
            return server, url
        except requests.ConnectionError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("moto_server did not start")


def s3_keys(client, prefix: str) -> list[str]:
    """The bare listing: every summary.json key under the prefix."""
    return [
        item["Key"]
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
        for item in page.get("Contents", ())
        if item["Key"].endswith("/summary.json")
    ]


def s3_floor(client, prefix: str) -> int:
    """The bare script: list the prefix, get every summary.json with THREADS threads."""
    keys = s3_keys(client, prefix)

    def get(key: str) -> int:
        return len(client.get_object(Bucket=BUCKET, Key=key)["Body"].read())

    with ThreadPoolExecutor(THREADS) as pool:
        return len(list(pool.map(get, keys)))


def upload(client, root: Path, paths: list[Path]) -> None:
    def put(path: Path) -> None:
        key = "org/" + path.relative_to(root).as_posix()
        client.put_object(Bucket=BUCKET, Key=key, Body=path.read_bytes())

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(put, paths))


def listing_costs(client, prefix: str) -> tuple[float, float]:
    """moto's listing: the seconds of one request returning one key, and of one returning
    a page of 1,000 (the best of three each)."""

    def best(keys: int) -> float:
        request = {"Bucket": BUCKET, "Prefix": prefix, "MaxKeys": keys}
        return min(timed(lambda: client.list_objects_v2(**request))[0] for _ in range(3))

    return best(1), best(1000)


def journal_floor(client) -> float:
    """The bare warm read: one listing of the change journal, one GET of each summary it
    names."""
    began = time.perf_counter()
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix=layout.JOURNAL)
    for item in listed.get("Contents", ()):
        entry = layout.journal_entry(item["Key"])
        if entry is not None:
            client.get_object(Bucket=BUCKET, Key=entry[1])["Body"].read()
    return time.perf_counter() - began


def publish(uri: str, document: dict, others: tuple[str, ...]) -> None:
    """One new archive under ``uri``, uploaded as ``drill --out`` uploads it (journaled)."""
    out = Destination.of(uri)
    folder = out.local / f"{document['exercise_id']}-new"
    folder.mkdir()
    (folder / "summary.json").write_bytes(orjson.dumps(document))
    for name in others:
        (folder / name).write_bytes(b"{}\n")
    out.publish(folder)


def line(what: str, seconds: float, floor: float | None, target: str, met: bool | None) -> None:
    against = f"floor {floor:6.2f}s  ratio {seconds / floor:5.2f}x" if floor else " " * 26
    verdict = "" if met is None else "met" if met else "MISSED"
    print(f"{what:<34} {seconds:6.2f}s  {against}  target {target:<18} {verdict}".rstrip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="500 systems, 20,000 archives")
    parser.add_argument("--systems", type=int, default=50)
    parser.add_argument("--archives", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--files", type=int, default=1 + len(OTHER_FILES), help="files in each archive"
    )
    args = parser.parse_args(argv)
    systems, archives = (500, 20000) if args.full else (args.systems, args.archives)
    others = OTHER_FILES[: max(0, args.files - 1)]
    now = datetime.now(timezone.utc)
    os.environ.update({k: v for k, v in moto_env().items() if v is not None})
    for key in [k for k, v in moto_env().items() if v is None]:
        os.environ.pop(key, None)
    with tempfile.TemporaryDirectory(prefix="bench-board-") as tmp:
        root = Path(tmp)
        generated, files = timed(make_organisation, root, systems, archives, now, others)
        paths = files[:archives]
        print(
            f"{systems} systems, {archives} archives generated in {generated:.1f}s, "
            f"each summary.json{''.join(', ' + name for name in others)}: {len(files)} files"
        )
        local_floor(paths)  # warm-up: the disk cache
        floors, reads = [], []
        for _ in range(args.rounds):
            floors.append(timed(local_floor, paths)[0])
            reads.append(timed(read_archives, root / "archives")[0])
        floor, read = statistics.median(floors), statistics.median(reads)
        line(
            "local: read the archives",
            read,
            floor,
            f"<= {LOCAL_RATIO}x floor",
            read <= LOCAL_RATIO * floor,
        )
        best = min(reads) / min(floors)
        print(f"  (medians of {args.rounds} rounds; the fastest rounds: {best:.2f}x)")
        whole, board = timed(
            lambda: build_board(
                find_systems([root / "systems"]), read_archives(root / "archives"), "x"
            )
        )
        line("local: whole board", whole, None, f"< {LOCAL_WHOLE_S:.0f}s", whole < LOCAL_WHOLE_S)
        print(f"  ({board.totals['systems']} systems, {len(board.unmatched)} archives unmatched)")

        server, url = start_moto()
        try:
            os.environ["AWS_ENDPOINT_URL"] = url
            os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
            client = boto3.client("s3", config=boto3.session.Config(max_pool_connections=THREADS))
            client.create_bucket(Bucket=BUCKET)
            uploaded, _ = timed(upload, client, root / "archives", files)
            print(f"{len(files)} keys uploaded to moto's server in {uploaded:.1f}s")
            uri = f"s3://{BUCKET}/org"
            s3_floor(client, "org/")  # warm-up: moto's first listing
            floor_s, count = timed(s3_floor, client, "org/")
            cold, found = timed(read_archives, uri, root / "cache")
            assert len(found.exercises) == count == archives, (len(found.exercises), count)
            line(
                "S3 cold: read the archives",
                cold,
                floor_s,
                f"<= {S3_RATIO}x floor",
                cold <= S3_RATIO * floor_s,
            )
            _, _, document = next(summaries(1, 1, now, seed=99))
            publish(f"{uri}/team-000", document, others)
            floor_journal = journal_floor(client)
            warm, again = timed(read_archives, uri, root / "cache")
            assert again.journal_since is not None, "the warm read listed every key"
            assert (again.fetched, len(again.exercises)) == (1, archives + 1), again.fetched
            line(
                f"S3 warm: {again.fetched} fetched (journal)",
                warm,
                floor_journal,
                f"< {S3_WARM_S:.0f}s",
                warm < S3_WARM_S,
            )
            listing, _ = timed(s3_keys, client, "org/")
            relisted, read = timed(lambda: read_archives(uri, root / "cache", relist=True))
            assert read.journal_since is None and len(read.exercises) == archives + 1
            line(f"S3 warm --relist: {read.fetched} fetched", relisted, listing, "none", None)
            one, page = listing_costs(client, "org/")
            keys = len(files) + 1 + len(others)
            print(
                f"  (--relist's floor: one bare listing of the prefix, {keys} keys;"
                f" one request for 1 key {one:.3f}s, for 1,000 keys {page:.3f}s)"
            )
        finally:
            server.terminate()
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
