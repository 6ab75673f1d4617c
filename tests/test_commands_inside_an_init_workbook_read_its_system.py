"""Commands run inside a workbook made by ``init`` read its ``system/`` and ``reports/``,
found as its notebooks find them (the current folder, then its parent), and say which
system folder they read; ``notify`` shows ``-`` for a contact's missing phone or email."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml


def command(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bookstore_resil.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": str(Path(sys.executable).parent), "HOME": str(cwd)},
    )


def test_history_and_notify_in_a_workbook_read_its_system_and_reports(tmp_path):
    root = tmp_path / "workbook"
    made = command("init", str(root), "--example", "guestbook", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    contacts = root / "system" / "contacts.yaml"
    document = yaml.safe_load(contacts.read_text(encoding="utf-8"))
    del document["contacts"][1]["phone"]  # Eli has no phone on record
    contacts.write_text(yaml.safe_dump(document), encoding="utf-8")

    history = command("history", cwd=root)
    assert history.returncode == 0, history.stderr
    assert f"No exercise archived in {root / 'reports'}" in history.stdout
    assert f"system folder: {root / 'system'}" in history.stderr

    notify = command("notify", "web", cwd=root / "notebooks")  # one folder down, as 02 runs
    assert notify.returncode == 0, notify.stderr
    assert "Eli" in notify.stdout and "Christina" not in notify.stdout  # not the Bookstore's
    assert "None" not in notify.stdout and "nan" not in notify.stdout
    [eli] = [line for line in notify.stdout.splitlines() if "Eli" in line]
    assert " - " in eli
