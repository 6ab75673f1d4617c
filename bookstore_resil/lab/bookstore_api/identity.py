"""Every answer of this instance proves it is the lab's: an HMAC of the caller's nonce and
the instance's own address (``$BOOKSTORE_LAB_ADDRESS``), with the lab's endpoint key
(:mod:`bookstore_resil.lab.identity`). The router forwards only to an instance that proves
itself, so another user's server on a freed port serves nobody."""

import os

from django.conf import settings

from bookstore_resil.lab.identity import NONCE_HEADER, PROOF_HEADER, proof


class ProveIdentity:
    def __init__(self, get_response):
        self.get_response = get_response
        self.address = os.environ.get("BOOKSTORE_LAB_ADDRESS", "")

    def __call__(self, request):
        response = self.get_response(request)
        nonce = request.headers.get(NONCE_HEADER, "")
        signed = proof(settings.LAB_ENDPOINT_KEY, nonce, self.address) if self.address else ""
        if signed:
            response[PROOF_HEADER] = signed
        return response
