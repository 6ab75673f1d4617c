"""Which environments are not production: one list, read by the production guard of
``target.yaml`` and by the stage checklist (a drill counts as practice only outside
production).

Anything not on the list is production, whatever it is called (``prod``, ``live``,
``prd``, ``eu-main``): a drill there needs ``allow_production: true``, and it does not count
as a non-production exercise. The comparison ignores case and surrounding blanks, nothing else.
"""

from __future__ import annotations

NON_PRODUCTION = (
    "lab",
    "local",
    "dev",
    "development",
    "test",
    "testing",
    "qa",
    "uat",
    "staging",
    "stage",
    "preprod",
    "sandbox",
    "demo",
    "ci",
)


def is_production(environment: str) -> bool:
    """Whether ``environment`` may be production: it is not a known non-production word."""
    return environment.strip().lower() not in NON_PRODUCTION
