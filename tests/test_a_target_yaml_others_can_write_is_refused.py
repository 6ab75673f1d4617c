"""target.yaml's commands run as the user who drills: one that another user owns, or that
group or others may write (the file or its folder), is refused before any command runs, as
ssh refuses such an authorized_keys file. Before: a neighbour's target.yaml ran as root."""

from __future__ import annotations

import os
import pwd
import shutil
from pathlib import Path

import pytest

from bookstore_resil.errors import DefinitionError
from bookstore_resil.targets.system import SystemTarget
from tests.guestbook import GUESTBOOK


def guestbook(tmp_path: Path) -> Path:
    folder = tmp_path / "guestbook"
    shutil.copytree(GUESTBOOK, folder, ignore=shutil.ignore_patterns("run"))
    folder.chmod(0o755)
    (folder / "target.yaml").chmod(0o644)
    return folder


def test_the_users_own_target_yaml_is_read(tmp_path):
    assert SystemTarget(guestbook(tmp_path)).faults()


@pytest.mark.parametrize("what", ["target.yaml", "."])
@pytest.mark.parametrize("bits", [0o020, 0o002])
def test_a_target_yaml_others_may_write_is_refused(tmp_path, what, bits):
    folder = guestbook(tmp_path)
    where = folder / what
    where.chmod(where.stat().st_mode | bits)
    with pytest.raises(DefinitionError, match="may be written by others"):
        SystemTarget(folder)


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file away needs root")
def test_a_target_yaml_another_user_owns_is_refused(tmp_path):
    folder = guestbook(tmp_path)
    nobody = pwd.getpwnam("nobody").pw_uid
    os.chown(folder / "target.yaml", nobody, -1)
    with pytest.raises(DefinitionError, match="belongs to another user"):
        SystemTarget(folder)
