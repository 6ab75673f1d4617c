"""Hostile or unlucky files in a system folder: each is one problem line, never a hang, a
traceback, a MemoryError, or a line of some other file's content.

The corpus in ``tests/broken/`` holds what git can hold (links out of the folder, alias
bombs, durations in months or under a second); what it cannot (a FIFO, a folder named like
a playbook, a file past the size cap) is made here.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bookstore_resil.define import files
from bookstore_resil.define.backstage import read_catalog
from bookstore_resil.define.loader import load_system
from bookstore_resil.define.signoffs import playbook_hash
from bookstore_resil.errors import DefinitionError, UsageError

BOOKSTORE = Path(__file__).parents[1] / "data" / "bookstore"
BROKEN = Path(__file__).parent / "broken"
MEMORY_CAP = 4 * 2**30
SECRET = "do-not-echo-this-line"


def bookstore(tmp_path: Path) -> Path:
    folder = tmp_path / "system"
    shutil.copytree(BOOKSTORE, folder)
    return folder


def run_cli(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    """The CLI in its own process, under a memory cap and a timeout: a bomb fails the test
    instead of taking the machine."""
    return subprocess.run(
        [sys.executable, "-m", "bookstore_resil.cli", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP)),
    )


def problems(folder: Path) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        load_system(folder)
    return [str(p) for p in caught.value.problems]


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    folder = bookstore(tmp_path)
    (folder / "contacts.yaml").unlink()
    os.mkfifo(folder / "contacts.yaml")
    result = run_cli("validate", "--data", str(folder), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{folder}/contacts.yaml:1: (file): refused: a FIFO, not a regular file"
    ]


def test_a_folder_named_like_a_playbook_is_refused(tmp_path):
    folder = bookstore(tmp_path)
    (folder / "playbooks" / "extra.yaml").mkdir()
    assert problems(folder) == [
        f"{folder}/playbooks/extra.yaml:1: (file): refused: a folder, not a regular file"
    ]


def test_a_link_out_of_the_folder_never_echoes_what_it_points_at(tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text(f"{SECRET}: 1\nid: stolen\n")
    folder = bookstore(tmp_path)
    (folder / "playbooks" / "x.yaml").symlink_to(outside)
    result = run_cli("validate", "--data", str(folder), cwd=tmp_path)
    assert result.returncode == 2 and SECRET not in result.stderr + result.stdout
    assert result.stderr.splitlines() == [
        f"{folder}/playbooks/x.yaml:1: (file): refused: it leads outside the system folder "
        f"(to {outside})"
    ]


def test_a_link_that_stays_inside_the_folder_is_followed(tmp_path):
    folder = bookstore(tmp_path)
    shared = folder / "shared"
    shared.mkdir()
    (folder / "playbooks" / "cdn-failure.yaml").rename(shared / "cdn-failure.yaml")
    (folder / "playbooks" / "cdn-failure.yaml").symlink_to("../shared/cdn-failure.yaml")
    assert "cdn-failure" in {s.id for s in load_system(folder).scenarios}


def test_a_file_past_the_size_cap_is_refused_unread(tmp_path):
    folder = bookstore(tmp_path)
    with open(folder / "contacts.yaml", "r+b") as handle:
        handle.truncate(files.MAX_FILE_BYTES + 1)  # sparse: costs no disk
    assert problems(folder) == [f"{folder}/contacts.yaml:1: (file): refused: larger than 32 MiB"]


def test_an_unreadable_file_is_one_line(tmp_path):
    folder = bookstore(tmp_path)
    (folder / "contacts.yaml").unlink()
    (folder / "contacts.yaml").symlink_to(folder / "contacts.yaml")  # a link to itself
    [problem] = problems(folder)
    assert problem.startswith(f"{folder}/contacts.yaml:1: (file): ")


@pytest.mark.parametrize("command", [["stage"], ["signoff", "Alice", "--scenario", "api-failure"]])
def test_an_alias_bomb_in_action_args_stops_stage_and_signoff_too(tmp_path, command):
    folder = tmp_path / "bomb"
    shutil.copytree(BROKEN / "alias-bomb-in-action-args", folder)
    result = run_cli(*command, "--data", str(folder), cwd=tmp_path)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.splitlines() == [
        f"{folder}/playbooks/api-failure.yaml:24: (yaml): invalid YAML: aliases expand this "
        "to more than 100,000 nodes (from 81 written)"
    ]


def test_the_signoff_hash_reads_with_aliases_bounded(tmp_path):
    folder = bookstore(tmp_path)
    scenario = load_system(folder).scenario("api-failure")
    bomb = (BROKEN / "alias-bomb-in-action-args" / "playbooks" / "api-failure.yaml").read_text()
    Path(scenario.source).write_text(bomb)  # edited after it was loaded
    with pytest.raises(UsageError, match="aliases expand"):
        playbook_hash(scenario)


def test_a_backstage_catalog_with_an_alias_bomb_is_refused(tmp_path):
    catalog = tmp_path / "catalog-info.yaml"
    bomb = ["apiVersion: backstage.io/v1alpha1", "kind: Component", "metadata:", "  name: x"]
    bomb += ["  labels:", "    l0: &l0 [a, a, a, a, a, a, a, a, a, a]"]
    bomb += [f"    l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 8)]
    catalog.write_text("\n".join(bomb) + "\n")
    with pytest.raises(DefinitionError, match="aliases expand"):
        read_catalog([catalog])


def test_yaml_anchors_used_as_defaults_still_load(tmp_path):
    folder = bookstore(tmp_path)
    path = folder / "playbooks" / "api-failure.yaml"
    text = (
        path.read_text()
        .replace("rto: 12h", "rto: &objective 12h")
        .replace("rpo: 24h", "rpo: *objective")
    )
    path.write_text(text)
    assert load_system(folder).scenario("api-failure").rpo_s == 12 * 3600
