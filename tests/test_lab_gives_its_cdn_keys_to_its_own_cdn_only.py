"""Issue 26 row 3, the CDN: when another local user listens on the CDN's port (the CDN's
server gone), the CDN probe reads down, and the lab's S3 client refuses to talk to it:
no request signed with the lab's key (whose id is what the CDN's door checks) reaches
the squatter."""

from __future__ import annotations

from bookstore_resil.lab import actions, cdn, procs
from bookstore_resil.lab.checks import cdn_probe
from bookstore_resil.lab.state import Lab
from tests.neighbour import YES_SERVER, needs_a_neighbour, neighbours_server, seen

pytestmark = needs_a_neighbour


def test_a_server_on_the_cdns_port_gets_no_signed_request(lab: Lab):
    assert procs.stop(lab, cdn.PROCESS)
    with neighbours_server(YES_SERVER, lab.config().cdn_port) as squatter:
        assert not cdn_probe(lab).check()
        verify = actions.run(lab, "cdn_verify", {}, 10.0)
        assert not verify.ok and "not proven" in verify.error
        requests = seen(squatter)
    assert requests and not [line for line in requests if line.endswith(" signed")], requests
