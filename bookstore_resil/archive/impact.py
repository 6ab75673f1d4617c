"""What an outage cost, as the RTO judges it: the failing service's downtime and what users
saw (the user-facing endpoint's downtime), the longer of the two against the objective.

The lab shows why both count: during a database outage the API root still answers while
``/books/``, which reads the database, fails; a verdict on the service alone would call the
users' outage a pass. (docs/contract.md §4: ``user_facing_endpoint`` and
``measured_user_downtime_s`` in every summary.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

DRY_RUN_NOTE = "dry run: nothing was broken, nothing measured"


def rto_downtime(service_s: float | None, users_s: float | None) -> float | None:
    """The outage the RTO is judged on: the longer of the service's and the users'."""
    return max((d for d in (service_s, users_s) if d is not None), default=None)


@dataclass(frozen=True)
class Impact:
    """The downtimes of the measured and the user-facing endpoints (None: not measured),
    whether both came back, who was still down, and the RTO verdict."""

    downtime_s: float | None = None
    user_downtime_s: float | None = None
    recovered: bool | None = None
    still_down: str = ""
    rto_met: bool | None = None


def judge(
    endpoint: str | None,
    user_endpoint: str | None,
    outages: Iterable[Any],
    watched: set[str],
    rto_s: float,
) -> Impact:
    """``outages`` have ``endpoint``, ``duration_s`` and ``recovered``; an endpoint in
    ``watched`` without one was up throughout (0 s), any other was not measured."""
    by_name = {o.endpoint: o for o in outages}

    def one(name: str | None) -> tuple[float | None, bool | None]:
        if name in by_name:
            return by_name[name].duration_s, by_name[name].recovered
        return (0.0, True) if name in watched else (None, None)

    down = {name: one(name) for name in (endpoint, user_endpoint) if name is not None}
    service_s = down[endpoint][0] if endpoint else None
    users_s = down[user_endpoint][0] if user_endpoint else None
    longest = rto_downtime(service_s, users_s)
    judged = {name: up for name, (seconds, up) in down.items() if seconds is not None}
    still_down = [name for name, up in judged.items() if up is False]
    recovered = None if not judged else not still_down
    rto_met: bool | None = None
    if longest is not None:
        if recovered:
            rto_met = longest <= rto_s
        elif longest > rto_s:
            rto_met = False
    return Impact(service_s, users_s, recovered, " and ".join(still_down), rto_met)
