"""``environment: prod`` (or ``live``, or any name not known as non-production) is refused
without ``allow_production: true``, as ``production`` is; and the stage checklist reads the
same list: an exercise counts as practice outside production exactly where the guard lets a
drill run without ``allow_production``."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookstore_resil.errors import TargetError
from tests.readiness_builders import copy_bookstore, days_ago, write_archive
from tests.system_target_builders import system_target
from tests.test_stage_checklist_from_histories import draw

PRODUCTION = ["production", "prod", "Prod", "PRD", "live", "eu-main", "staging-eu", " Production "]
NOT_PRODUCTION = ["lab", "staging", "Staging ", "dev", "development", "test", "qa", "sandbox"]


@pytest.mark.parametrize("environment", PRODUCTION)
def test_an_environment_not_known_as_non_production_is_refused(tmp_path: Path, environment: str):
    with pytest.raises(TargetError) as refused:
        system_target(tmp_path, environment=environment)
    assert str(refused.value) == (
        f"system: {tmp_path / 'target.yaml'} says environment: {environment}; refusing to run "
        "there unless it also says allow_production: true"
    )
    assert system_target(tmp_path, environment=environment, allow_production=True)


@pytest.mark.parametrize("environment", NOT_PRODUCTION)
def test_a_known_non_production_environment_needs_no_allowance(tmp_path: Path, environment: str):
    assert system_target(tmp_path, environment=environment).environment == environment


@pytest.mark.parametrize("environment", PRODUCTION + NOT_PRODUCTION)
def test_stage_2_counts_an_environment_as_the_guard_does(tmp_path: Path, environment: str):
    try:
        system_target(tmp_path / "system", environment=environment)
        guarded = False
    except TargetError:
        guarded = True
    reports = tmp_path / "reports"
    write_archive(
        reports, "database-failure", days_ago(3), target="system", environment=environment
    )
    assert draw(copy_bookstore(tmp_path), reports).stages[1].met is not guarded
