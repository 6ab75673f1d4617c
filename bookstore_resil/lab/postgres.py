"""The lab's database: real PostgreSQL clusters, each on its own port.

The system's binaries are used (``/usr/lib/postgresql/*/bin``); as root, the server runs as
the ``postgres`` user, so its data must sit in a folder that user can reach.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from bookstore_resil.errors import TargetError
from bookstore_resil.lab import procs
from bookstore_resil.lab.state import (
    DB_NAME,
    DB_USER,
    LOOPBACK,
    Lab,
    free_port,
    read_json,
    utc_now,
    write_json,
)

PG_USER = "postgres"
ENV_PG_BIN = "BOOKSTORE_RESIL_PG_BIN"
SERVER_SETTINGS = {
    "listen_addresses": LOOPBACK,
    "unix_socket_directories": "",
    "max_connections": "50",
    "shared_buffers": "16MB",
    # A lab on a laptop: a crash of the server must not lose commits, a crash of the
    # machine may.
    "fsync": "off",
    "full_page_writes": "off",
}


@dataclass(frozen=True)
class Cluster:
    """One PostgreSQL server with its data folder (an RDS instance of the seed)."""

    id: str
    port: int
    data_dir: str
    created_at: str

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    @property
    def process_name(self) -> str:
        return self.id


def find_bin_dir() -> Path:
    """The folder of ``initdb``/``postgres``/``pg_dump``: ``$BOOKSTORE_RESIL_PG_BIN``, the
    newest ``/usr/lib/postgresql/*/bin``, the ``pgserver`` wheel's, or one on PATH."""
    for candidate in _bin_dir_candidates():
        if candidate and all((Path(candidate) / b).exists() for b in ("initdb", "postgres")):
            return Path(candidate)
    raise TargetError(
        "lab",
        "PostgreSQL not found: install it (apt-get install postgresql) or "
        f"'pip install pgserver', or set ${ENV_PG_BIN} to the folder holding initdb",
    )


def _bin_dir_candidates() -> Iterator[str]:
    # Lazily, in order: importing pgserver is slow and noisy, so only when nothing else is.
    yield os.environ.get(ENV_PG_BIN, "")
    yield from sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
        reverse=True,
    )
    try:
        import pgserver  # type: ignore[import-not-found]

        yield str(Path(pgserver.__file__).parent / "pginstall" / "bin")
    except ImportError:
        pass
    on_path = shutil.which("initdb")
    if on_path:
        yield str(Path(on_path).resolve().parent)


def server_user() -> str | None:
    """The user the server runs as: ``postgres`` when we are root (it refuses root)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(PG_USER)
    except KeyError as error:
        raise TargetError("lab", "running as root, but there is no 'postgres' user") from error
    return PG_USER


def _as_server_user(argv: list[str], timeout_s: float = 60.0) -> subprocess.CompletedProcess:
    user = server_user()
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        user=user,
        group=user,
        extra_groups=[] if user else None,
    )


def _reachable(folder: Path) -> bool:
    if server_user() is None:
        return os.access(folder, os.W_OK | os.X_OK)
    return _as_server_user(["test", "-w", str(folder), "-a", "-x", str(folder)]).returncode == 0


def _hand_over(folder: Path) -> None:
    user = server_user()
    if user:
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)


def prepare_root(lab: Lab) -> Path:
    """The folder of the lab's clusters: ``STATE/pg``, or, when the server's user cannot
    reach the state folder (pytest's 0700 temp folders), a temp folder linked from there."""
    link = lab.pg_link
    if link.exists():
        return link.resolve()
    link.mkdir(parents=True)
    _hand_over(link)
    if _reachable(link):
        return link
    link.rmdir()
    elsewhere = Path(tempfile.mkdtemp(prefix="bookstore-lab-pg-"))
    elsewhere.chmod(0o755)
    _hand_over(elsewhere)
    if not _reachable(elsewhere):
        shutil.rmtree(elsewhere, ignore_errors=True)
        raise TargetError("lab", f"user {PG_USER} can reach neither {link} nor {elsewhere}")
    link.symlink_to(elsewhere, target_is_directory=True)
    return elsewhere


def remove_root(lab: Lab) -> None:
    link = lab.pg_link
    if link.is_symlink():
        shutil.rmtree(link.resolve(), ignore_errors=True)
        link.unlink()
    elif link.exists():
        shutil.rmtree(link, ignore_errors=True)


def _inventory(lab: Lab, cluster_id: str) -> Path:
    return lab.inventory_dir / f"{cluster_id}.json"


def clusters(lab: Lab) -> list[Cluster]:
    """Every cluster the lab has created, newest first."""
    found = [Cluster(**read_json(p)) for p in lab.inventory_dir.glob("db-*.json")]
    return sorted(found, key=lambda c: c.created_at, reverse=True)


def by_address(lab: Lab, address: str) -> Cluster | None:
    return next((c for c in clusters(lab) if c.address == address), None)


def current(lab: Lab) -> Cluster | None:
    """The cluster the ``db`` record points at."""
    return by_address(lab, lab.records().db)


def is_lost(cluster: Cluster) -> bool:
    return not (Path(cluster.data_dir) / "PG_VERSION").exists()


def is_running(lab: Lab, cluster: Cluster) -> bool:
    return procs.running(lab, cluster.process_name) is not None


def state(lab: Lab, cluster: Cluster) -> str:
    """``running``, ``stopped``, or ``lost`` (its data folder is gone)."""
    if is_running(lab, cluster):
        return "running"
    return "lost" if is_lost(cluster) else "stopped"


def create(lab: Lab, bin_dir: Path) -> Cluster:
    """initdb a new cluster on a free port (not started)."""
    root = prepare_root(lab)
    cluster_id = f"db-{secrets.token_hex(4)}"
    folder = root / cluster_id
    folder.mkdir()
    _hand_over(folder)
    data_dir = folder / "data"
    result = _as_server_user(
        [
            str(bin_dir / "initdb"),
            "-D",
            str(data_dir),
            "-U",
            DB_USER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ]
    )
    if result.returncode != 0:
        raise TargetError("lab", f"initdb failed: {result.stderr.strip()[-500:]}")
    cluster = Cluster(cluster_id, free_port(), str(data_dir), utc_now())
    write_json(_inventory(lab, cluster_id), asdict(cluster))
    return cluster


def start(lab: Lab, cluster: Cluster, bin_dir: Path, timeout_s: float = 30.0) -> None:
    """Start the server and wait until it accepts connections."""
    if is_lost(cluster):
        raise TargetError("lab", f"database {cluster.id}: data folder {cluster.data_dir} is gone")
    if is_running(lab, cluster):
        return
    _remove_stale_pid_file(cluster)
    settings = [f"-c{key}={value}" for key, value in SERVER_SETTINGS.items()]
    procs.start(
        lab,
        cluster.process_name,
        [str(bin_dir / "postgres"), "-D", cluster.data_dir, "-p", str(cluster.port), *settings],
        cwd=Path(cluster.data_dir),
        user=server_user(),
    )
    wait_ready(lab, cluster, timeout_s)


def _remove_stale_pid_file(cluster: Cluster) -> None:
    """After a crash the server's lock file names a dead postmaster. Where nothing reaps
    orphans (a container's init), that postmaster lingers as a zombie, which the server
    takes for a live one and refuses to start: drop the file when its pid is not alive."""
    pid_file = Path(cluster.data_dir) / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return
    if not procs.pid_alive(pid):
        pid_file.unlink(missing_ok=True)


def wait_ready(lab: Lab, cluster: Cluster, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not ping(LOOPBACK, cluster.port, "postgres"):
        if not is_running(lab, cluster):
            raise TargetError("lab", f"database {cluster.id} exited; see logs/{cluster.id}.log")
        if time.monotonic() > deadline:
            raise TargetError("lab", f"database {cluster.id} not ready after {timeout_s:.0f}s")
        time.sleep(0.05)


def stop(lab: Lab, cluster: Cluster, immediate: bool = False) -> bool:
    """Fast shutdown (SIGINT), or immediate (SIGQUIT: no checkpoint, crash recovery at the
    next start)."""
    sig = signal.SIGQUIT if immediate else signal.SIGINT
    return procs.stop(lab, cluster.process_name, sig=sig, timeout_s=10.0)


def connect(host: str, port: int, dbname: str = DB_NAME):
    """A psycopg connection (autocommit), failing fast: libpq's shortest timeout is 2 s."""
    import psycopg

    return psycopg.connect(
        host=host, port=port, dbname=dbname, user=DB_USER, connect_timeout=2, autocommit=True
    )


def ping(host: str, port: int, dbname: str = DB_NAME) -> bool:
    """``SELECT 1`` on the server; never raises."""
    import socket

    try:
        # A refused or silent port answers here within 0.5 s, sooner than libpq would.
        socket.create_connection((host, port), timeout=0.5).close()
        with connect(host, port, dbname) as conn:
            conn.execute("SET statement_timeout = 1000")
            return conn.execute("SELECT 1").fetchone() == (1,)
    except Exception:
        return False


def has_database(cluster: Cluster) -> bool:
    with connect(LOOPBACK, cluster.port, "postgres") as conn:
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        return conn.execute(query, (DB_NAME,)).fetchone() is not None


def create_database(cluster: Cluster) -> None:
    with connect(LOOPBACK, cluster.port, "postgres") as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def destroy(cluster: Cluster) -> None:
    """Remove the cluster's data (the server must be stopped)."""
    shutil.rmtree(Path(cluster.data_dir).parent, ignore_errors=True)
