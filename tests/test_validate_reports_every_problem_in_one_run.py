"""``validate`` reports every problem of a folder in one run: a duration it cannot read does
not hide an unknown entrypoint, a playbook's problems, or a target.yaml probe naming no
service (they used to come one round after the other, as each was fixed)."""

from __future__ import annotations

import shutil
from pathlib import Path

from bookstore_resil.cli import main

GUESTBOOK = Path(__file__).resolve().parent.parent / "data" / "guestbook"


def test_a_bad_duration_hides_nothing_else(tmp_path, capsys):
    folder = Path(shutil.copytree(GUESTBOOK, tmp_path / "guestbook"))
    system = folder / "system.yaml"
    text = system.read_text()
    text = text.replace("entrypoint: web", "entrypoint: nowhere", 1)
    system.write_text(text.replace("rto: ", "rto: banana  # ", 1))
    target = folder / "target.yaml"
    target.write_text(target.read_text().replace("- name: web", "- name: webb", 1))
    assert main(["validate", "--data", str(folder)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{system}:7: entrypoint: unknown service 'nowhere'",
        f"{system}:18: services[0].rto: cannot read 'banana' as a duration "
        "(e.g. 12h, 30min, 90s, 2d)",
        f"{target}:8: probes[0].name: unknown service 'webb' (store, web)",
    ]
