"""``collector_paused`` keeps a large parse out of the young generations, without thawing
what the host froze itself (gc.freeze() after start-up, or before forking workers; the test
workers freeze what collection imported: tests/conftest.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bookstore_resil.define.heap import collector_paused


@pytest.fixture
def hosts_freeze() -> Iterator[bool]:
    """Set the host's permanent generation to the parameter, and back after."""

    def freeze(wanted: bool) -> None:
        gc.collect()
        gc.freeze() if wanted else gc.unfreeze()

    had = gc.get_freeze_count() > 0
    yield freeze
    freeze(had)


def made_in_a_paused_block() -> list[dict]:
    with collector_paused():
        return [{"service": n} for n in range(10_000)]


def test_a_hosts_frozen_objects_stay_frozen(hosts_freeze):
    hosts_freeze(True)
    frozen = gc.get_freeze_count()
    made = made_in_a_paused_block()
    assert gc.get_freeze_count() >= frozen > 0
    assert gc.isenabled()
    assert len(made) == 10_000


def test_without_a_host_freeze_the_block_goes_to_the_oldest_generation(hosts_freeze):
    hosts_freeze(False)
    made = made_in_a_paused_block()
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()
    young, _, _ = gc.get_count()
    assert young < len(made)  # left young, the block's objects would all be counted here
