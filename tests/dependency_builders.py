"""Synthetic systems for the dependency-analysis tests, built in code (numbers are seconds)."""

from __future__ import annotations

from pathlib import Path

from bookstore_resil.define.model import Scenario, Service, System

HOUR = 3600.0
BOOKSTORE = Path(__file__).resolve().parents[1] / "data" / "bookstore"


def service(
    sid: str, *depends_on: str | dict, rto: float | str = HOUR, rpo: float | str = HOUR, **fields
) -> Service:
    """A service; a bare id in ``depends_on`` is a critical edge, :func:`soft` is not.
    ``rto="TODO"`` is an objective not decided yet, as an incomplete system loads it."""
    fields.setdefault("name", sid.title())
    return Service.model_validate(
        {"id": sid, "rto_s": rto, "rpo_s": rpo, "depends_on": list(depends_on), **fields},
        context={"incomplete": True},
    )


def soft(sid: str, degraded: str | None = "works without it") -> dict:
    return {"service": sid, "critical": False, "degraded": degraded}


def scenario(sid: str) -> Scenario:
    return Scenario(
        id=f"{sid}-failure",
        title=f"{sid} failure",
        playbook="critical-dependency",
        service=sid,
        leads={"primary": "Alice"},
        rto_s=HOUR,
        rpo_s=HOUR,
        recovery_procedure=[{"id": "restore", "title": f"Restore {sid}"}],
    )


def system(*services: Service, entrypoint: str | None = None, covered: bool = True) -> System:
    """A system whose entrypoint is the first service; ``covered``: a scenario per service."""
    return System(
        system="Synthetic",
        entrypoint=entrypoint or services[0].id,
        services=list(services),
        scenarios=[scenario(s.id) for s in services] if covered else [],
    )
