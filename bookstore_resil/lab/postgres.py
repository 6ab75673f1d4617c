"""The lab's database: real PostgreSQL clusters, each on its own port.

The system's binaries are used (``/usr/lib/postgresql/*/bin``); as root, the server runs as
the ``postgres`` user, so its data must sit in a folder that user can reach.

No local user but the lab's owner gets in: every connection, TCP on the loopback or the
unix socket, authenticates with scram-sha-256 against the lab's generated password (in
``STATE/secrets.json``, mode 0600; ``pg_hba.conf`` has no ``trust`` line), and the socket
sits in the cluster's own folder (mode 0700), not in ``/tmp``. A user who could connect as
the superuser could run programs as the server's OS user (``COPY ... FROM PROGRAM``). The
lab's clients connect through :mod:`.pgclient`, which requires the server to prove itself.
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
from dataclasses import asdict
from pathlib import Path

from bookstore_resil.errors import TargetError
from bookstore_resil.lab import procs

# by_address, clusters and current: the lab's modules look them up here, as before.
from bookstore_resil.lab.clusters import (  # noqa: F401
    Cluster,
    by_address,
    clusters,
    current,
    inventory_file,
)
from bookstore_resil.lab.pgclient import AUTH, connect, ping
from bookstore_resil.lab.state import (
    DB_NAME,
    DB_USER,
    LOOPBACK,
    PRIVATE_DIR,
    PRIVATE_FILE,
    Lab,
    free_port,
    utc_now,
    write_json,
)

PG_USER = "postgres"
ENV_PG_BIN = "BOOKSTORE_RESIL_PG_BIN"
# Seconds a connection that must get through may take (a server just started on a loaded
# machine has taken over 2 s to answer a second connection).
PATIENT_S = 15
SERVER_SETTINGS = {
    "listen_addresses": LOOPBACK,
    "password_encryption": AUTH,
    "max_connections": "50",
    "shared_buffers": "16MB",
    # A lab on a laptop: a crash of the server must not lose commits, a crash of the
    # machine may.
    "fsync": "off",
    "full_page_writes": "off",
}


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
        import pgserver

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
    return procs.run(argv, timeout_s, user=server_user())


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
    elsewhere = Path(tempfile.mkdtemp(prefix="bookstore-lab-pg-"))  # mode 0700
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
    """initdb a new cluster on a free port (not started), its superuser's password the
    lab's, password authentication for every connection."""
    root = prepare_root(lab)
    cluster_id = f"db-{secrets.token_hex(4)}"
    folder = root / cluster_id
    folder.mkdir(mode=PRIVATE_DIR)
    _hand_over(folder)
    data_dir = folder / "data"
    # initdb reads the password from a file: one the server's user alone can read, gone
    # once the cluster exists.
    password_file = folder / ".initdb-password"
    fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    with os.fdopen(fd, "w") as handle:
        handle.write(lab.secrets().db_password + "\n")
    _hand_over(password_file)
    try:
        result = _as_server_user(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data_dir),
                "-U",
                DB_USER,
                f"--auth={AUTH}",
                f"--pwfile={password_file}",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )
    finally:
        password_file.unlink(missing_ok=True)
    if result.returncode != 0:
        raise TargetError("lab", f"initdb failed: {result.stderr.strip()[-500:]}")
    cluster = Cluster(cluster_id, free_port(), str(data_dir), utc_now())
    write_json(inventory_file(lab, cluster_id), asdict(cluster))
    return cluster


def start(lab: Lab, cluster: Cluster, bin_dir: Path, timeout_s: float = 30.0) -> None:
    """Start the server and wait until it accepts connections."""
    if is_lost(cluster):
        raise TargetError("lab", f"database {cluster.id}: data folder {cluster.data_dir} is gone")
    if is_running(lab, cluster):
        return
    _remove_stale_pid_file(cluster)
    server = {**SERVER_SETTINGS, "unix_socket_directories": cluster.socket_dir()}
    settings = [f"-c{key}={value}" for key, value in server.items()]
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
    while not ping(lab, LOOPBACK, cluster.port, "postgres"):
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


def has_database(lab: Lab, cluster: Cluster) -> bool:
    with connect(lab, LOOPBACK, cluster.port, "postgres", PATIENT_S) as conn:
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        return conn.execute(query, (DB_NAME,)).fetchone() is not None


def create_database(lab: Lab, cluster: Cluster) -> None:
    with connect(lab, LOOPBACK, cluster.port, "postgres", PATIENT_S) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def destroy(cluster: Cluster) -> None:
    """Remove the cluster's data (the server must be stopped)."""
    shutil.rmtree(cluster.folder, ignore_errors=True)
