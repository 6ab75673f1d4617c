"""Target drivers: where an exercise runs (``lab``, ``aws``)."""

from .base import ActionResult, Canary, FaultRecord, Probe, Target, get_target, register_target

__all__ = [
    "ActionResult",
    "Canary",
    "FaultRecord",
    "Probe",
    "Target",
    "get_target",
    "register_target",
]
