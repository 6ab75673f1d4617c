"""Names the API resolves through the lab's records file (its DNS), read on each call."""

import json
import os
from pathlib import Path


def lookup(name: str) -> str:
    """The record ``name`` (``db``, ``cdn``) or "" when there is none."""
    path = os.environ.get("BOOKSTORE_LAB_RECORDS")
    if not path or not Path(path).exists():
        return ""
    return json.loads(Path(path).read_text()).get(name, "")


def host_port(name: str) -> tuple[str, str]:
    host, _, port = lookup(name).rpartition(":")
    return host, port
