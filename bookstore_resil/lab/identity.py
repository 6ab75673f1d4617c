"""How the lab's own endpoints prove who they are.

When a fault frees a port (``api-crash`` kills the instance's gunicorn), another local
user may listen on it and answer 200 to everything: the probes would read the API up and
the canary's writes acknowledged. So each request of the lab's probes, router and canary
carries a fresh nonce (``X-Lab-Nonce``), and every endpoint of the lab (an API instance,
the router, the CDN) answers with ``X-Lab-Proof``: an HMAC, with the lab's endpoint key
(``STATE/secrets.json``, 0600), of the nonce and its own address. Without the key no
answer proves itself; a proof made for another address or another nonce proves nothing,
so neither relaying to another of the lab's endpoints nor replaying an old answer helps.

Only the standard library: the router, the CDN and the API import this.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

NONCE_HEADER = "X-Lab-Nonce"
PROOF_HEADER = "X-Lab-Proof"
_NONCE = re.compile(r"[0-9a-f]{32}")


def new_nonce() -> str:
    return secrets.token_hex(16)


def proof(key: str, nonce: str, address: str) -> str:
    """What the endpoint at ``address`` (``host:port``) answers to ``nonce``; "" for a
    nonce that is not one of ours (nothing is signed on a stranger's terms)."""
    if not _NONCE.fullmatch(nonce or ""):
        return ""
    message = f"{nonce} {address}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def proves(key: str, nonce: str, address: str, given: str | None) -> bool:
    """Does ``given`` prove the answer came from the lab's endpoint at ``address``?"""
    expected = proof(key, nonce, address)
    return bool(expected) and hmac.compare_digest(expected, given or "")
