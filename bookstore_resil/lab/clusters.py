"""The lab's database clusters as its inventory records them (``STATE/inventory/db-*.json``):
which exist, where their data and unix socket are, which one the ``db`` record names.
What both the server's side (:mod:`.postgres`) and the clients' (:mod:`.pgclient`) read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bookstore_resil.lab.state import LOOPBACK, Lab, read_json

# A unix socket's path has room for 107 bytes (sun_path); a deeper folder gets no socket.
SOCKET_PATH_MAX = 100


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

    @property
    def folder(self) -> Path:
        """The cluster's own folder (mode 0700): its data folder and its unix socket."""
        return Path(self.data_dir).parent

    def socket_dir(self) -> str:
        """Where the server puts its unix socket, or "" (none) when the path is too long."""
        socket = self.folder / f".s.PGSQL.{self.port}"
        return str(self.folder) if len(str(socket)) <= SOCKET_PATH_MAX else ""


def inventory_file(lab: Lab, cluster_id: str) -> Path:
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
