"""Scheduled database snapshots (``pg_dump``), and restoring the latest one.

Run as ``python -m bookstore_resil.lab.snapshots STATE_DIR``: the lab's snapshotter, which
dumps the database the ``db`` record points at every ``snapshot_interval_s`` seconds and
writes the lab's heartbeat between dumps (:class:`~bookstore_resil.lab.canary.Heartbeat`).
The dumps hold the Bookstore's data: they are the owner's alone (``STATE/snapshots/``,
0700, each dump 0600). ``pg_dump`` and ``pg_restore`` get the lab's password in their own
environment, which only the owner can read, and connect as :func:`.pgclient.conninfo`
says: to the cluster's own unix socket, or over TCP requiring SCRAM.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from bookstore_resil.errors import TargetError
from bookstore_resil.lab import pgclient, procs
from bookstore_resil.lab.canary import HEARTBEAT_S, Heartbeat
from bookstore_resil.lab.state import DB_NAME, PRIVATE_FILE, Lab

log = logging.getLogger("bookstore_resil.lab.snapshots")
KEEP = 20
_STAMP = "%Y%m%dT%H%M%S.%fZ"


@dataclass(frozen=True)
class Snapshot:
    path: Path
    taken_at: datetime  # when the dump began: the data is as of then

    @classmethod
    def from_path(cls, path: Path) -> Snapshot:
        stamp = datetime.strptime(path.stem.removeprefix("snap-"), _STAMP)
        return cls(path, stamp.replace(tzinfo=timezone.utc))


def snapshots(lab: Lab) -> list[Snapshot]:
    """Every snapshot kept, oldest first."""
    return [Snapshot.from_path(p) for p in sorted(lab.snapshots_dir.glob("snap-*.dump"))]


def latest(lab: Lab) -> Snapshot | None:
    found = snapshots(lab)
    return found[-1] if found else None


def take(lab: Lab, bin_dir: Path, timeout_s: float = 30.0) -> Snapshot:
    """Dump the database the ``db`` record points at into ``STATE/snapshots/``.

    A heartbeat written just before the dump puts the dump's own moment in it: a database
    restored from it gives its recovery point to the moment, not to the last scheduled beat
    (which a loaded machine or a scheduled dump may have held back by seconds)."""
    marker = Heartbeat(lab)
    marker.beat()
    marker.close()
    host, port = lab.records().address("db")
    taken_at = datetime.now(timezone.utc)
    final = lab.snapshots_dir / f"snap-{taken_at.strftime(_STAMP)}.dump"
    partial = final.with_suffix(".partial")
    argv = [str(bin_dir / "pg_dump"), "-Fc", "-f", str(partial)]
    result = _run(lab, [*argv, "-d", pgclient.conninfo(lab, host, port)], timeout_s)
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise TargetError("lab", f"pg_dump failed: {result.stderr.strip()[-300:]}")
    os.chmod(partial, PRIVATE_FILE)
    partial.rename(final)
    for old in snapshots(lab)[:-KEEP]:
        old.path.unlink(missing_ok=True)
    return Snapshot(final, taken_at)


def restore(
    lab: Lab, snapshot: Snapshot, host: str, port: int, bin_dir: Path, timeout_s: float
) -> None:
    """Replace the database on ``host:port`` with the snapshot's content."""
    from bookstore_resil.lab.postgres import PATIENT_S

    with pgclient.connect(lab, host, port, "postgres", PATIENT_S) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    argv = [str(bin_dir / "pg_restore"), "--no-owner", "-d", pgclient.conninfo(lab, host, port)]
    result = _run(lab, [*argv, str(snapshot.path)], timeout_s)
    if result.returncode != 0:
        raise TargetError("lab", f"pg_restore failed: {result.stderr.strip()[-300:]}")


def _run(lab: Lab, argv: list[str], timeout_s: float) -> subprocess.CompletedProcess:
    try:
        return procs.run(argv, timeout_s, env={"PGPASSWORD": lab.secrets().db_password})
    except subprocess.TimeoutExpired as error:
        raise TargetError(
            "lab", f"{Path(argv[0]).name} timed out after {timeout_s:.0f}s"
        ) from error


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    lab = Lab.at((argv or sys.argv[1:])[0])
    heartbeat = Heartbeat(lab)
    due = time.monotonic() + lab.config().snapshot_interval_s
    while True:
        heartbeat.beat()
        time.sleep(HEARTBEAT_S)
        if time.monotonic() < due:
            continue
        config = lab.config()
        due = time.monotonic() + config.snapshot_interval_s
        try:
            snapshot = take(lab, Path(config.pg_bin))
            log.info("snapshot %s", snapshot.path.name)
        except TargetError as error:
            log.warning("no snapshot: %s", error)


if __name__ == "__main__":
    sys.exit(main())
