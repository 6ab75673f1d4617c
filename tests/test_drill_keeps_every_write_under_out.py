"""An exercise id is a plain name, checked before anything is touched: an id that would
leave ``--out`` (``../x``, an absolute path, a nested path) is refused with exit 2, no
target is reached, no fault injected, and nothing is written anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookstore_resil.archive import layout
from bookstore_resil.cli import main
from bookstore_resil.errors import UsageError

DATA = Path(__file__).resolve().parent.parent / "data" / "bookstore"
IDS = ["../escaped-by-id", "/tmp/escaped-absolute", "nested/id", "..", ".", "-rf", "a\nb", ""]


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*"))


@pytest.mark.parametrize("exercise_id", IDS)
def test_an_id_that_is_not_a_plain_name_is_refused_before_the_target(tmp_path, capsys, exercise_id):
    before = files_under(tmp_path)
    argv = ["drill", "cdn-failure", "--data", str(DATA), "--out", str(tmp_path / "reports")]
    # The lab named here does not exist: reaching the target would be a different error.
    argv += ["--state", str(tmp_path / "no-lab"), f"--exercise-id={exercise_id}"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "a plain name" in err[0], err
    assert files_under(tmp_path) == before
    assert not Path("/tmp/escaped-absolute").exists()
    assert not (tmp_path / "escaped-by-id").exists()


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_archive_layout_refuses_it_too(tmp_path, exercise_id):
    with pytest.raises(UsageError, match="a plain name"):
        layout.exercise_dir(tmp_path, exercise_id)
