"""Issue 26 row 3: once ``api-crash`` frees the API instance's port, another local user
listens on it and answers 200 (a fine API root, 201 to any write). The lab's endpoints
prove who they are, and its probes, router and canary take only answers that do: the
API reads as down, and no canary write is acknowledged by the squatter."""

from __future__ import annotations

from bookstore_resil.lab import actions, api
from bookstore_resil.lab.canary import LabCanary
from bookstore_resil.lab.checks import api_probe, users_probe
from bookstore_resil.lab.state import Lab
from bookstore_resil.lab.target import LabTarget
from tests.neighbour import YES_SERVER, needs_a_neighbour, neighbours_server, seen

pytestmark = needs_a_neighbour


def test_a_server_on_the_crashed_instances_port_is_not_the_api(lab: Lab):
    instance = api.current(lab)
    assert instance is not None
    canary = LabCanary(lab)
    assert canary.write(1)
    LabTarget(lab.root).inject_fault("api-crash")
    with neighbours_server(YES_SERVER, instance.port) as squatter:
        assert not api_probe(lab).check()
        assert not users_probe(lab).check()
        assert canary.write(2) is False
        direct = actions.run(lab, "http_check", {"instance": instance.id}, 5.0)
        assert not direct.ok and "not proven" in direct.output
        requests = seen(squatter)
    # The router did reach the squatter (so the check above is not vacuous) and took no
    # answer of its.
    assert any("POST /canary/" in line for line in requests), requests
    assert any("GET /" in line for line in requests), requests
    assert canary.surviving() == {1}
