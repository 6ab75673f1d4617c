"""Both Bookstore drivers inject the same faults and run every action the playbooks name."""

from bookstore_resil import workbook
from bookstore_resil.define.loader import load_system
from bookstore_resil.lab import actions as lab_actions
from bookstore_resil.lab import faults as lab_faults
from bookstore_resil.targets import aws
from bookstore_resil.targets.bookstore import ACTIONS, FAULTS


def test_lab_and_aws_inject_the_same_faults():
    assert sorted(lab_faults.FAULTS) == sorted(FAULTS)
    assert sorted(aws.FAULTS) == sorted(FAULTS)


def test_each_driver_runs_every_bookstore_action():
    assert set(ACTIONS) - set(lab_actions.ACTIONS) == set()
    assert set(ACTIONS) - set(aws.ACTIONS) == set()


def test_the_playbooks_name_only_bookstore_actions():
    system = load_system(workbook.example())
    named = {
        step.action.name
        for scenario in system.scenarios
        for step in scenario.steps
        if step.action is not None
    }
    assert named - set(ACTIONS) == set()
