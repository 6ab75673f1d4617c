"""Issue 26 rows 2 and 4 (the lab's side): another local user can neither learn an
exercise's canary run from the public API nor make lost canaries look written. The
canaries live in a table no public read lists, each with a proof made with the run's
secret; the reader counts only records that prove it, with numbers in bounds. A forged
``canary RUN 4..7`` changes nothing: the loss measured is the true one."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from bookstore_resil.archive.dataloss import canary_loss
from bookstore_resil.lab import pgclient
from bookstore_resil.lab.canary import CANARY_TABLE, LabCanary
from bookstore_resil.lab.state import Lab
from tests.neighbour import PYTHON, as_neighbour, needs_a_neighbour

pytestmark = needs_a_neighbour

# Reads or writes the lab's public API as a user would; prints the status and the body.
CLIENT = r"""
import json, sys, urllib.error, urllib.request
url, body = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None
data = body.encode() if body else None
request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
try:
    with urllib.request.urlopen(request, timeout=10) as answer:
        print(answer.status, answer.read().decode())
except urllib.error.HTTPError as error:
    print(error.code, error.read().decode())
"""


def neighbour_sends(url: str, body: dict | None = None) -> tuple[int, str]:
    argv = [PYTHON, "-c", CLIENT, url, *([json.dumps(body)] if body else [])]
    status, _, text = as_neighbour(*argv).stdout.partition(" ")
    return int(status), text


def test_the_neighbour_cannot_see_the_run_nor_forge_its_lost_canaries(lab: Lab):
    canary = LabCanary(lab)
    start = datetime.now(timezone.utc)
    writes = [(seq, start + timedelta(seconds=seq), canary.write(seq)) for seq in range(1, 8)]
    assert all(acknowledged for _, _, acknowledged in writes)
    # A restore loses 4..7, as a database drill does.
    host, port = lab.records().address("db")
    with pgclient.connect(lab, host, port) as conn:
        conn.execute(f"DELETE FROM {CANARY_TABLE} WHERE run = %s AND seq >= 4", (canary.run_id,))
    true_loss = canary_loss(writes, canary.surviving(), start)
    assert true_loss.lost == [4, 5, 6, 7] and true_loss.data_loss_s

    books = lab.router_url() + "/books/"
    status, listing = neighbour_sends(books)
    assert status == 200 and canary.run_id not in listing
    assert canary.run_id not in neighbour_sends(lab.router_url() + "/")[1]
    assert neighbour_sends(lab.router_url() + "/canary/")[0] == 405

    # Knowing the run all the same, the neighbour posts the lost ones, every way it can:
    # the API takes no canary without its proof, nor a number out of bounds.
    for seq in range(4, 8):
        forged = {"run": canary.run_id, "seq": seq, "proof": "0" * 64}
        assert neighbour_sends(lab.router_url() + "/canary/", forged)[0] == 400
        neighbour_sends(books, {"title": f"canary {canary.run_id} {seq}"})
    huge = {"run": canary.run_id, "seq": 99999999999999999999999999, "proof": "0" * 64}
    assert neighbour_sends(lab.router_url() + "/canary/", huge)[0] == 400
    # And a forged record in the table all the same (however it got there) counts for
    # nothing, nor keeps the real one out.
    with pgclient.connect(lab, host, port) as conn:
        forged_rows = [(canary.run_id, seq, "1" * 64) for seq in (5, 8)]
        conn.cursor().executemany(
            f"INSERT INTO {CANARY_TABLE} (run, seq, proof) VALUES (%s, %s, %s)", forged_rows
        )

    assert canary.surviving() == {1, 2, 3}
    assert LabCanary(lab, canary.run_id).surviving() == {1, 2, 3}  # a resumed exercise's
    assert canary_loss(writes, canary.surviving(), start) == true_loss
    assert canary.write(8) and canary.surviving() == {1, 2, 3, 8}
