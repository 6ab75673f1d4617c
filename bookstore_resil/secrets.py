"""Keep credentials out of archives: find them in a folder's files, blank them out of text.

A hit names the file, the line and the index of the secret in the list given, never the
secret itself, so a report of hits is safe to print.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

MASK = "****"


@dataclass(frozen=True)
class SecretHit:
    path: Path
    line: int
    secret: int  # index into the secrets that were searched for

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: secret #{self.secret}"


def _forms(secret: str) -> set[bytes]:
    # As written, and as it appears inside a URL (a secret key holds "/" and "+").
    return {secret.encode(), quote(secret, safe="").encode()}


def scan_for_secrets(folder: str | Path, secrets: Iterable[str | None]) -> list[SecretHit]:
    """Every place under ``folder`` (all files, recursively) where one of ``secrets`` occurs.

    Empty and None secrets are skipped (a session without a token has none).
    """
    needles = [(index, _forms(s)) for index, s in enumerate(secrets) if s]
    hits: set[SecretHit] = set()
    for path in sorted(Path(folder).rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        for index, forms in needles:
            for form in forms:
                at = data.find(form)
                while at != -1:
                    hits.add(SecretHit(path, data.count(b"\n", 0, at) + 1, index))
                    at = data.find(form, at + 1)
    return sorted(hits, key=lambda h: (str(h.path), h.line, h.secret))


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every form of each secret replaced by ``****``."""
    for secret in secrets:
        if secret:
            for form in _forms(secret):
                text = text.replace(form.decode(), MASK)
    return text
