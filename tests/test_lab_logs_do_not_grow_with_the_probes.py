"""A game day's probes read the lab ten times a second for hours: the lab's servers log
what goes wrong, not every request they answer. The CDN's server (moto's, on werkzeug)
wrote a line per GET, which an 8-hour game day would have grown by over 30 MB."""

from __future__ import annotations

import pytest

from bookstore_resil.lab.state import Lab
from bookstore_resil.lab.target import LabTarget

pytestmark = pytest.mark.slow

ROUNDS = 30


def log_sizes(lab: Lab) -> dict[str, int]:
    return {path.name: path.stat().st_size for path in sorted(lab.logs_dir.iterdir())}


def test_rounds_of_every_probe_add_nothing_to_the_lab_logs(lab: Lab):
    probes = LabTarget(lab.root).probes()
    before = log_sizes(lab)
    for _ in range(ROUNDS):
        assert all(probe.check() for probe in probes), [p.name for p in probes if not p.check()]
    assert log_sizes(lab) == before
