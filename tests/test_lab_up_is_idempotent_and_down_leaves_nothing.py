"""``up`` twice changes nothing; ``down`` stops every process (and its children) by pid;
``up`` again brings the same data back."""

from bookstore_resil.lab import lifecycle, procs
from bookstore_resil.lab.http import http_get


def test_a_second_up_keeps_every_process_and_record(lab):
    before = {p.name: p.pid for p in procs.tracked(lab)}
    records = lab.records()

    lifecycle.up(lab, progress=lambda line: None)

    assert {p.name: p.pid for p in procs.tracked(lab)} == before
    assert lab.records() == records


def test_down_leaves_no_process_and_up_brings_the_same_data_back(lab):
    book = http_get(lab.router_url() + "/books/1/").body
    pids = []
    for process in procs.tracked(lab):
        pids.append((process.pid, process.started))
        pids.extend(procs.descendants(process.pid))
    assert len(pids) >= 5

    stopped = lifecycle.down(lab, progress=lambda line: None)

    assert {"router", "cdn", "snapshotter"} <= set(stopped)
    assert [pid for pid in pids if procs.pid_alive(*pid)] == []
    assert procs.tracked(lab) == []
    assert not lifecycle.status(lab).healthy

    assert lifecycle.up(lab, progress=lambda line: None).healthy
    assert http_get(lab.router_url() + "/books/1/").body == book


def test_status_reports_every_component_with_its_endpoint(lab):
    report = lifecycle.status(lab)
    assert report.healthy
    assert [c.name for c in report.components] == ["router", "api", "database", "cdn", "snapshots"]
    assert all(c.endpoint and c.pid for c in report.components)
    assert report.records.api and report.records.db and report.records.cdn


def test_the_state_folder_keeps_itself_out_of_git(lab):
    assert (lab.root / ".gitignore").read_text() == "*\n"
