"""How the lab's own endpoints prove who they are.

When a fault frees a port (``api-crash`` kills the instance's gunicorn), another local
user may listen on it and answer 200 to everything: the probes would read the API up and
the canary's writes acknowledged. So each request of the lab's probes, router and canary
carries a fresh nonce (``X-Lab-Nonce``), and every endpoint of the lab (an API instance,
the router, the CDN) answers with ``X-Lab-Proof``: an HMAC, with the lab's endpoint key
(``STATE/secrets.json``, 0600), of the nonce and its own address. Without the key no
answer proves itself; a proof made for another address or another nonce proves nothing,
so neither relaying to another of the lab's endpoints nor replaying an old answer helps.

The same key makes the exercises' canaries unforgeable (:func:`canary_proof`).

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
    return _hmac(key, f"{nonce} {address}")


def proves(key: str, nonce: str, address: str, given: str | None) -> bool:
    """Does ``given`` prove the answer came from the lab's endpoint at ``address``?"""
    expected = proof(key, nonce, address)
    return bool(expected) and hmac.compare_digest(expected, given or "")


def canary_proof(key: str, run: str, seq: int) -> str:
    """The proof canary ``seq`` of run ``run`` carries: an HMAC with the run's own secret,
    itself an HMAC of the run with the lab's key (so a resumed run has it again)."""
    run_key = _hmac(key, f"canary run {run}")
    return _hmac(run_key, f"{run} {seq}")


def _hmac(key: str, message: str) -> str:
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()
