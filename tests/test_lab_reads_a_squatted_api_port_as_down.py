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
from tests.neighbour import needs_a_neighbour, neighbours_server, seen

pytestmark = needs_a_neighbour

# An API that says yes to everything, and prints each request it got.
YES_SQUATTER = r"""
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
ROOT = json.dumps({"authors": "/authors/", "books": "/books/"}).encode()
class Yes(BaseHTTPRequestHandler):
    def answer(self, status):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        print("request", self.command, self.path, flush=True)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(ROOT)))
        self.end_headers()
        self.wfile.write(ROOT)
    def do_GET(self):
        self.answer(200)
    def do_POST(self):
        self.answer(201)
    def log_message(self, *args):
        pass
server = HTTPServer(("127.0.0.1", int(sys.argv[1])), Yes)
print("listening")
server.serve_forever()
"""


def test_a_server_on_the_crashed_instances_port_is_not_the_api(lab: Lab):
    instance = api.current(lab)
    assert instance is not None
    canary = LabCanary(lab)
    assert canary.write(1)
    LabTarget(lab.root).inject_fault("api-crash")
    with neighbours_server(YES_SQUATTER, instance.port) as squatter:
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
