"""``collector_paused`` keeps a large parse out of the young generations, without thawing
what the host froze itself (gc.freeze() after start-up, or before forking workers)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator

import pytest

from bookstore_resil.define.heap import collector_paused


@pytest.fixture
def hosts_freeze() -> Iterator[Callable[[bool], None]]:
    """Freeze or thaw everything the test process holds, as a host would; put back after."""

    def freeze(wanted: bool) -> None:
        gc.collect()
        if wanted:
            gc.freeze()
        else:
            gc.unfreeze()

    had = gc.get_freeze_count() > 0
    yield freeze
    freeze(had)


def made_in_a_paused_block() -> list[dict]:
    with collector_paused():
        return [{"service": n, "depends_on": []} for n in range(10_000)]


def in_a_generation(thing: object) -> bool:
    """Whether the collector walks ``thing`` (frozen objects are in no generation)."""
    return any(tracked is thing for tracked in gc.get_objects())


def test_a_hosts_frozen_objects_stay_frozen(hosts_freeze):
    hosts = ["an object the host froze"]
    hosts_freeze(True)
    assert not in_a_generation(hosts)
    made = made_in_a_paused_block()
    assert not in_a_generation(hosts)
    assert in_a_generation(made[0])  # the block's own objects age as usual
    assert gc.isenabled()


def test_without_a_host_freeze_the_block_goes_to_the_oldest_generation(hosts_freeze):
    hosts_freeze(False)
    made = made_in_a_paused_block()
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()
    young, _, _ = gc.get_count()
    assert young < len(made)  # left young, the block's objects would all be counted here
