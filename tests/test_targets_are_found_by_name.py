"""Target drivers are found by name through the ``bookstore_resil.targets`` entry points."""

import pytest

from bookstore_resil.errors import TargetError
from bookstore_resil.lab.target import LabTarget
from bookstore_resil.targets import get_target


def test_a_built_in_driver_is_built_by_name(tmp_path):
    target = get_target("lab", state_dir=tmp_path)
    assert isinstance(target, LabTarget) and target.options() == {"state_dir": str(tmp_path)}


def test_an_unknown_name_lists_the_installed_drivers():
    with pytest.raises(TargetError) as raised:
        get_target("kubernetes")
    assert "unknown target (known: aws, lab, system)" in str(raised.value)
