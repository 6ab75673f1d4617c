"""A command that refuses (bad input, a missing extra, production, a target that fails its
health check, no lab) leaves the filesystem as it found it: no empty ``--out`` folder, no
``reports/`` in the working folder, nothing in the system folder. Before: ``drill`` made
its ``--out`` (default ``reports/``) before building and checking its target."""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

import pytest

from bookstore_resil.cli import main
from tests.dependency_builders import BOOKSTORE
from tests.guestbook import GUESTBOOK, SHIPPED_PORT, free_port

# What each case runs, from the working folder {cwd}; {gb} is a Guestbook copy on a port
# nothing listens on, {bs} a Bookstore copy, {tmp} the folder watched.
DRILL = ["drill", "web-crash", "--data", "{gb}", "--execute"]
REFUSED = {
    "drill, unknown scenario": ["drill", "no-such", "--data", "{bs}", "--out", "{tmp}/a/b"],
    "drill, target unhealthy, --out": [*DRILL, "--out", "{tmp}/a/b"],
    "drill, target unhealthy, default --out": DRILL,
    "drill, unknown --fault": [*DRILL, "--fault", "no-such", "--out", "{tmp}/a"],
    "drill, an unknown --response": [*DRILL, "--response", "no-such=ok", "--out", "{tmp}/a"],
    "drill, production": [*DRILL, "--out", "{tmp}/a"],
    "drill, missing extra": [*DRILL, "--out", "{tmp}/a"],
    "drill, no lab": ["drill", "api-failure", "--data", "{bs}", "--state", "{tmp}/lab"],
    "drill, bad exercise id": [*DRILL, "--exercise-id", "../x", "--out", "{tmp}/a"],
    "report, no archive": ["report", "{tmp}/missing"],
    "report, not an archive": ["report", "{cwd}"],
    "watch, no archive": ["watch", "{tmp}/missing"],
    "board, missing systems": ["board", "--systems", "{tmp}/no", "--html", "{tmp}/h/b.html"],
    "history, bad cadence": ["history", "--cadence", "soon", "--chart", "{tmp}/c/t.png"],
    "init, unknown example": ["init", "{tmp}/new/wb", "--example", "no-such"],
    "import-backstage, missing": ["import-backstage", "{tmp}/no.yaml", "--out", "{tmp}/i/o"],
    "import-chaostoolkit, missing": ["import-chaostoolkit", "{tmp}/no.json", "--data", "{bs}"],
    "schema, unknown kind": ["schema", "no-such-kind", "--out", "{tmp}/s"],
    "signoff, unknown person": ["signoff", "Nobody", "--scenario", "api-failure", "--data", "{bs}"],
    "lab up, missing extra": ["lab", "up", "--state", "{tmp}/lab"],
    "lab status, no lab": ["lab", "status", "--state", "{tmp}/lab"],
    "lab fault, no lab": ["lab", "fault", "db-lost", "--state", "{tmp}/lab"],
}


def files(root: Path) -> dict[str, str]:
    """Every path under ``root`` with its content's hash (a folder: "")."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        if path.is_file()
        else ""
        for path in sorted(root.rglob("*"))
    }


@pytest.fixture
def world(tmp_path, monkeypatch):
    """The watched folder: a working folder, a Guestbook copy whose probes find nothing,
    a Bookstore copy; caches (the exercise locks) live outside it."""
    watched = tmp_path / "watched"
    cwd = watched / "cwd"
    cwd.mkdir(parents=True)
    guestbook = watched / "guestbook"
    shutil.copytree(GUESTBOOK, guestbook, ignore=shutil.ignore_patterns("run"))
    guestbook.chmod(0o755)
    port = str(free_port())  # closed again: nothing answers there
    for path in [guestbook / "target.yaml", *(guestbook / "playbooks").glob("*.yaml")]:
        path.write_text(path.read_text().replace(SHIPPED_PORT, port))
        path.chmod(0o644)
    shutil.copytree(BOOKSTORE, watched / "bookstore")
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return watched


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_refused_command_leaves_the_filesystem_unchanged(case, world, monkeypatch, capsys):
    target = world / "guestbook" / "target.yaml"
    if case == "drill, production":
        target.write_text(target.read_text().replace("environment: staging", "environment: prod"))
    if case == "drill, missing extra":
        monkeypatch.setitem(sys.modules, "chaoslib", None)  # as without [chaostoolkit]
    if case == "lab up, missing extra":
        monkeypatch.setitem(sys.modules, "django", None)  # as without [lab]
    names = {"tmp": world, "cwd": world / "cwd", "gb": target.parent, "bs": world / "bookstore"}
    argv = [word.format(**names) for word in REFUSED[case]] + ["-q"]
    before = files(world)
    try:
        code = main(argv)
    except SystemExit as exited:
        code = exited.code
    err = capsys.readouterr().err
    assert code in (1, 2), err
    assert files(world) == before, err
