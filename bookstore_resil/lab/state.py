"""The lab's state folder: where everything lives, the "DNS" records, the settings, and
the lab's own credentials.

The folder is the owner's alone (mode 0700, every file written here 0600): it holds the
database password, the CDN's S3 keys and the API's Django secret, generated for each lab
(never fixed strings), and the snapshots of the database. Only the standard library here:
the router and the snapshotter processes import this module, and they must start fast.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import socket
import stat
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bookstore_resil.errors import TargetError, UsageError

_RECORDS_WRITE = threading.Lock()

ENV_STATE_DIR = "BOOKSTORE_RESIL_LAB_DIR"
DEFAULT_STATE_DIR = Path(".lab")
BUCKET = "cdn.bookstore.pingpublications.com"
DB_NAME = "bookstore"
DB_USER = "postgres"
LOOPBACK = "127.0.0.1"
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


_PREDATES = (
    "predates the lab's own credentials (a database that trusts every local user, answers "
    "that cannot prove they are the lab's): run 'bookstore-resil lab down --purge', then "
    "'lab up'"
)


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def resolve_state_dir(state_dir: str | os.PathLike[str] | None = None) -> Path:
    """``state_dir``, else ``$BOOKSTORE_RESIL_LAB_DIR``, else ``.lab`` in the current folder,
    or in its parent when only the parent has a lab: the README starts the lab at the
    repository root and JupyterLab runs notebooks in ``notebooks/`` (a workbook made by
    ``init`` the same way), so the game-day notebook finds the lab ``lab up`` started."""
    chosen = state_dir or os.environ.get(ENV_STATE_DIR)
    if chosen:
        return Path(chosen).expanduser().absolute()
    here = DEFAULT_STATE_DIR.absolute()
    above = Path.cwd().parent / DEFAULT_STATE_DIR
    if not Lab(here).exists() and Lab(above).exists():
        return above
    return here


def free_port() -> int:
    """A port nobody listens on right now (the kernel's pick for port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def write_json(path: Path, document: Any) -> None:
    """Write atomically, so the router and the API never read half a file; readable by the
    owner only (``mkstemp`` creates it 0600)."""
    path.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")
    os.replace(tmp, path)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


@dataclass(frozen=True)
class Records:
    """The lab's DNS: ``host:port`` of the API instance and the database, the CDN's URL."""

    api: str = ""
    db: str = ""
    cdn: str = ""

    def address(self, name: str) -> tuple[str, int]:
        value = getattr(self, name)
        if not value:
            raise TargetError("lab", f"no {name} record yet (run 'bookstore-resil lab up')")
        value = value.split("://", 1)[-1]
        host, _, port = value.rpartition(":")
        return host, int(port)


@dataclass(frozen=True)
class LabSecrets:
    """Credentials generated for one lab at its first ``up``, kept in ``STATE/secrets.json``."""

    db_password: str
    s3_access_key: str
    s3_secret_key: str
    django_secret_key: str
    # Signs the lab's answers (:mod:`.identity`) and keys the canary's per-run secrets.
    endpoint_key: str

    @classmethod
    def generate(cls) -> LabSecrets:
        return cls(
            db_password=secrets.token_urlsafe(24),
            s3_access_key="LAB" + secrets.token_hex(8).upper(),
            s3_secret_key=secrets.token_urlsafe(30),
            django_secret_key=secrets.token_urlsafe(50),
            endpoint_key=secrets.token_urlsafe(32),
        )


@dataclass(frozen=True)
class LabConfig:
    """Settings chosen at the first ``up`` and kept for the lab's life."""

    router_port: int
    cdn_port: int
    snapshot_interval_s: float = 30.0
    pg_bin: str = ""
    created_at: str = ""


@dataclass(frozen=True)
class Lab:
    """One lab, named by its state folder; every path of the lab is derived here."""

    root: Path

    @classmethod
    def at(cls, state_dir: str | os.PathLike[str] | None = None) -> Lab:
        """The lab in ``state_dir`` (see :func:`resolve_state_dir`), refused at once when the
        folder is not its owner's alone (:meth:`check_owner`)."""
        lab = cls(resolve_state_dir(state_dir))
        lab.check_owner()
        return lab

    @property
    def records_file(self) -> Path:
        return self.root / "records.json"

    @property
    def config_file(self) -> Path:
        return self.root / "lab.json"

    @property
    def faults_file(self) -> Path:
        return self.root / "faults.jsonl"

    @property
    def pids_dir(self) -> Path:
        return self.root / "pids"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def release_dir(self) -> Path:
        return self.root / "release"

    @property
    def instances_dir(self) -> Path:
        return self.root / "instances"

    @property
    def snapshots_dir(self) -> Path:
        return self.root / "snapshots"

    @property
    def static_backup_dir(self) -> Path:
        return self.root / "static-backup"

    @property
    def inventory_dir(self) -> Path:
        """One JSON file per API instance and database cluster ever launched."""
        return self.root / "inventory"

    @property
    def secrets_file(self) -> Path:
        """The lab's credentials (mode 0600); the API reads it through its environment."""
        return self.root / "secrets.json"

    @property
    def pg_link(self) -> Path:
        """Where the database clusters live (may be a link to a folder postgres can reach)."""
        return self.root / "pg"

    def exists(self) -> bool:
        return self.config_file.exists()

    def records(self) -> Records:
        if not self.records_file.exists():
            return Records()
        data = read_json(self.records_file)
        return Records(**{f.name: data.get(f.name, "") for f in fields(Records)})

    def set_record(self, name: str, value: str) -> Records:
        with _RECORDS_WRITE:  # `lab up` sets records from several threads
            records = Records(**{**asdict(self.records()), name: value})
            write_json(self.records_file, asdict(records))
        return records

    def secrets(self) -> LabSecrets:
        if not self.secrets_file.exists():
            if self.exists():
                raise TargetError("lab", f"the lab in {self.root} {_PREDATES}")
            raise TargetError(
                "lab", f"no credentials in {self.root} (run 'bookstore-resil lab up')"
            )
        data = read_json(self.secrets_file)
        if any(f.name not in data for f in fields(LabSecrets)):
            raise TargetError("lab", f"the lab in {self.root} {_PREDATES}")
        return LabSecrets(**{f.name: data[f.name] for f in fields(LabSecrets)})

    def check_owner(self) -> None:
        """Refuse a state folder (or its pid folder) that another user owns or that group
        or others may write, as ssh refuses such a ``~/.ssh``: a pid file planted there
        would have ``lab down`` signal whatever process it names."""
        for folder in (self.root, self.pids_dir):
            try:
                info = folder.stat()
            except FileNotFoundError:
                continue
            if not stat.S_ISDIR(info.st_mode):
                problem = "is not a folder"
            elif info.st_uid != os.geteuid():
                problem = f"belongs to another user (uid {info.st_uid})"
            elif info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                problem = f"is writable by others (mode {stat.S_IMODE(info.st_mode):o})"
            else:
                continue
            raise UsageError(
                f"lab: state folder {folder} {problem}; the lab trusts only a folder of its "
                "owner's alone (mode 0700)"
            )

    def config(self) -> LabConfig:
        if not self.exists():
            raise TargetError("lab", f"no lab in {self.root} (run 'bookstore-resil lab up')")
        data = read_json(self.config_file)
        return LabConfig(**{f.name: data[f.name] for f in fields(LabConfig) if f.name in data})

    def save_config(self, config: LabConfig) -> None:
        write_json(self.config_file, asdict(config))

    def router_url(self) -> str:
        return f"http://{LOOPBACK}:{self.config().router_port}"

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Serialise changes to the lab (two ``up`` at once, a fault during an ``up``)."""
        self.root.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        self.check_owner()
        fd = os.open(self.root / ".lock", os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, PRIVATE_FILE)
        with os.fdopen(fd, "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def prepare(self) -> None:
        """Create the folder, the owner's alone, with the lab's credentials; keep it out of
        git whatever the repository ignores."""
        self.check_owner()
        if self.exists():
            self.secrets()  # refuses a lab made before its credentials were all there
        for folder in (
            self.root,
            self.pids_dir,
            self.logs_dir,
            self.snapshots_dir,
            self.inventory_dir,
        ):
            folder.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
            folder.chmod(PRIVATE_DIR)  # also a folder made before, by hand
        if not self.secrets_file.exists():
            write_json(self.secrets_file, asdict(LabSecrets.generate()))
        ignore = self.root / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n")
