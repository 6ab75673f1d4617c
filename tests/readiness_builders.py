"""Copies of the Bookstore and crafted exercise archives for the team-readiness tests."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

from bookstore_resil.analyse.signoff import record_signoff
from bookstore_resil.define.loader import load_system

BOOKSTORE = Path(__file__).resolve().parents[1] / "data" / "bookstore"


def copy_bookstore(tmp_path: Path) -> Path:
    """A private copy of data/bookstore (tests must never write the real one), before its
    playbook review: without the seed's sign-offs."""
    folder = Path(shutil.copytree(BOOKSTORE, tmp_path / "bookstore"))
    (folder / "signoffs.yaml").unlink()
    return folder


def edit_yaml(path: Path, change) -> None:
    """Load ``path``, let ``change`` edit the document in place, write it back."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def add_playbook(folder: Path, scenario_id: str, **changes: Any) -> Path:
    """``playbooks/<scenario_id>.yaml``: the CDN scenario with ``changes``."""
    document = yaml.safe_load((folder / "playbooks" / "cdn-failure.yaml").read_text())
    document.update(id=scenario_id, **changes)
    path = folder / "playbooks" / f"{scenario_id}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def write_archive(
    reports: Path,
    scenario: str,
    started_at: datetime,
    *,
    mode: str = "auto",
    outcome: str = "passed",
    target: str = "lab",
    **extra: Any,
) -> Path:
    """``reports/<id>/summary.json`` with every docs/contract.md §3 key (and ``mode``)."""
    exercise_id = f"{started_at:%Y%m%dT%H%M%S}-{scenario}-{mode}-{target}"
    folder = reports / exercise_id
    folder.mkdir(parents=True)
    ended_at = started_at + timedelta(minutes=30)
    summary = {
        "exercise_id": exercise_id,
        "scenario": scenario,
        "target": target,
        "started_at": started_at.isoformat().replace("+00:00", "Z"),
        "ended_at": ended_at.isoformat().replace("+00:00", "Z"),
        "outcome": outcome,
        "mode": mode,
        "rto_s": 43200.0,
        "rpo_s": 86400.0,
        "measured_downtime_s": 1800.0,
        "measured_data_loss_s": 0.0,
        "rto_met": True,
        "rpo_met": True,
        "steps": [],
        **extra,
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return folder


NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)
SCENARIOS = ("api-failure", "cdn-failure", "database-failure")


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def everyone_agrees(folder: Path) -> None:
    system = load_system(folder)
    for contact in system.contacts:
        record_signoff(system, contact.name, at=days_ago(60))


def ready_history(reports: Path) -> None:
    """A manual exercise, then two automated drills of every scenario, one of them a gate
    run in CI."""
    write_archive(reports, "api-failure", days_ago(50), mode="interactive")
    for scenario in SCENARIOS:
        write_archive(reports, scenario, days_ago(30))
        gate = scenario == "api-failure"
        write_archive(reports, scenario, days_ago(5), fail_on_breach=gate, ci=gate)
