"""No local user but the lab's owner can take the lab over.

Run as root (CI's container), the other user is ``nobody``, through ``runuser``: it cannot
connect to the lab's PostgreSQL (by TCP on the loopback or by its unix socket), so it cannot
``COPY ... FROM PROGRAM`` as the server's OS user; it cannot read the lab's state (the
database password, the S3 keys, the Django secret, the logs, the snapshot dumps); and the
lab's processes, the PostgreSQL server included, carry none of the caller's cloud
credentials in their environment (``/proc/PID/environ``).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from bookstore_resil.lab import lifecycle, postgres, procs, snapshots
from bookstore_resil.lab.state import LOOPBACK, Lab, LabSecrets

OTHER_USER = "nobody"
CALLER_SECRET = "caller-secret-key-that-must-not-leak"

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("runuser") is None,
    reason="needs root and runuser to act as another local user",
)


def as_other_user(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["runuser", "-u", OTHER_USER, "--", *argv],
        capture_output=True,
        text=True,
        timeout=30,
        cwd="/",
        env={"PATH": os.environ["PATH"], "PGCONNECT_TIMEOUT": "3"},
    )


def psql() -> str:
    bundled = postgres.find_bin_dir() / "psql"
    found = str(bundled) if bundled.exists() else shutil.which("psql")
    if found is None:
        pytest.skip("no psql client")
    return found


def test_another_user_cannot_connect_to_the_labs_postgresql(lab: Lab):
    cluster = postgres.current(lab)
    assert cluster is not None and cluster.socket_dir()
    query = ["-U", "postgres", "-d", "postgres", "-w", "-c", "COPY (SELECT 1) TO PROGRAM 'id'"]
    for host in (LOOPBACK, cluster.socket_dir()):
        result = as_other_user(psql(), "-h", host, "-p", str(cluster.port), *query)
        assert result.returncode != 0, f"{OTHER_USER} connected through {host}"
    # Not even the owner gets in without the lab's password: nothing is trusted.
    denied = subprocess.run(
        [psql(), "-h", LOOPBACK, "-p", str(cluster.port), *query[:-2], "-c", "SELECT 1"],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": os.environ["PATH"]},
    )
    assert denied.returncode != 0 and "password" in denied.stderr
    assert postgres.ping(lab, LOOPBACK, cluster.port)


def test_pg_hba_has_no_trust_line(lab: Lab):
    cluster = postgres.current(lab)
    assert cluster is not None
    rules = [
        line.split()
        for line in (Path(cluster.data_dir) / "pg_hba.conf").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert rules and all(rule[-1] == postgres.AUTH for rule in rules), rules
    assert stat.S_IMODE(cluster.folder.stat().st_mode) == 0o700


def test_the_labs_files_are_the_owners_alone(lab: Lab):
    assert stat.S_IMODE(lab.root.stat().st_mode) == 0o700
    private = [
        lab.secrets_file,
        lab.records_file,
        *lab.logs_dir.glob("*.log"),
        *(s.path for s in snapshots.snapshots(lab)),
    ]
    assert len(private) > 4
    assert {path.name: stat.S_IMODE(path.stat().st_mode) for path in private} == {
        path.name: 0o600 for path in private
    }
    for folder in (lab.logs_dir, lab.snapshots_dir, lab.pids_dir, lab.inventory_dir):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_another_user_cannot_read_a_labs_state_even_where_it_can_reach_the_folder():
    # The test session's lab sits in pytest's 0700 folder: this one in a folder any user
    # can pass through, so only the lab's own modes stand in the way.
    parent = Path(tempfile.mkdtemp(prefix="bookstore-lab-open-"))
    try:
        parent.chmod(0o755)
        lab = Lab.at(parent / "lab")
        lab.prepare()
        assert as_other_user("ls", str(lab.root)).returncode != 0
        assert as_other_user("cat", str(lab.secrets_file)).returncode != 0
        assert as_other_user("cat", str(parent / "lab" / "secrets.json")).stdout == ""
    finally:
        shutil.rmtree(parent)


def test_every_lab_has_its_own_credentials(lab: Lab):
    mine, another = lab.secrets(), LabSecrets.generate()
    for field in ("db_password", "s3_access_key", "s3_secret_key", "django_secret_key"):
        assert getattr(mine, field) != getattr(another, field)
        assert len(getattr(mine, field)) >= 16
    from bookstore_resil.lab import cdn

    credentials = cdn.client(lab)._request_signer._credentials
    assert (credentials.access_key, credentials.secret_key) == (
        mine.s3_access_key,
        mine.s3_secret_key,
    )


def _environment(pid: int) -> dict[str, str]:
    """A process's environment; empty for one that has ended since it was listed (the
    database's backends come and go with their connections)."""
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
    except (ProcessLookupError, FileNotFoundError):
        return {}
    return dict(item.split("=", 1) for item in raw.split("\0") if "=" in item)


def _server_programs_environment(lab: Lab) -> dict[str, str]:
    """What a program the database server starts sees (PostgreSQL overwrites its own
    ``/proc/PID/environ`` with its process titles, so ask it to run ``env``)."""
    host, port = lab.records().address("db")
    with postgres.connect(lab, host, port, "postgres") as conn:
        conn.execute("CREATE TEMP TABLE seen (line text)")
        conn.execute("COPY seen FROM PROGRAM 'env'")
        lines = [line for (line,) in conn.execute("SELECT line FROM seen").fetchall()]
    return dict(line.split("=", 1) for line in lines if "=" in line)


def test_lab_processes_hold_none_of_the_callers_cloud_credentials(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIACALLERCALLER")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CALLER_SECRET)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", "/home/caller/gcp.json")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", CALLER_SECRET)
    monkeypatch.setenv("GITHUB_TOKEN", CALLER_SECRET)
    lifecycle.down(lab)
    lifecycle.up(lab)
    pids = []
    for process in procs.tracked(lab):
        pids.append(process.pid)
        pids.extend(pid for pid, _ in procs.descendants(process.pid))
    names = {process.name for process in procs.tracked(lab)}
    assert {"router", "cdn", "snapshotter"} <= names and len(pids) >= 8
    unwanted = {"AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "GOOGLE_APPLICATION_CREDENTIALS"}
    for environment in [*map(_environment, pids), _server_programs_environment(lab)]:
        # Names only in the message: a failure must not print a credential into a CI log.
        leaked = {name for name, value in environment.items() if CALLER_SECRET in value}
        assert not leaked | (unwanted & environment.keys()), sorted(environment)
    assert lifecycle.status(lab).healthy
