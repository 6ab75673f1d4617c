"""Target drivers: where an exercise runs (``lab``, ``aws``)."""

from bookstore_resil.targets.base import (
    ActionResult,
    Canary,
    FaultRecord,
    Probe,
    Target,
    get_target,
    register_target,
)

__all__ = [
    "ActionResult",
    "Canary",
    "FaultRecord",
    "Probe",
    "Target",
    "get_target",
    "register_target",
]
