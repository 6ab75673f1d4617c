"""``bookstore-resil lab``: status as one JSON document; errors as one line."""

import json
import subprocess
import sys

from bookstore_resil.cli import main


def test_status_json_is_one_document_on_stdout(lab, capsys):
    assert main(["lab", "status", "--json", "--state", str(lab.root)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["healthy"] is True
    assert {c["name"]: c["healthy"] for c in document["components"]}["database"] is True


def test_state_may_come_before_the_verb_and_faults_print_their_record(lab, capsys):
    assert main(["lab", "--state", str(lab.root), "fault", "cdn-objects-removed"]) == 0
    assert "cdn-objects-removed" in capsys.readouterr().out
    assert main(["lab", "--state", str(lab.root), "action", "cdn_verify"]) == 1


def test_an_unknown_fault_is_one_line_and_exit_2(lab, capsys):
    assert main(["lab", "fault", "nope", "--state", str(lab.root)]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_status_of_no_lab_says_so(tmp_path, capsys):
    assert main(["lab", "status", "--state", str(tmp_path / "none")]) == 1
    assert "no lab" in capsys.readouterr().out


def test_importing_the_lab_loads_no_heavy_library():
    code = (
        "import sys, bookstore_resil.cli, bookstore_resil.lab, bookstore_resil.lab.target; "
        "print(sorted(m for m in ('django', 'boto3', 'psycopg', 'requests') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_up_fault_and_action_report_as_json(lab, capsys):
    state = ["--state", str(lab.root)]
    assert main(["lab", "up", "--json", "-q", *state]) == 0
    captured = capsys.readouterr()
    assert (json.loads(captured.out)["healthy"], captured.err) == (True, "")
    assert main(["lab", "fault", "cdn-objects-removed", "--json", *state]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "cdn-objects-removed"
    assert main(["lab", "action", "cdn_verify", "--json", *state]) == 1
    assert json.loads(capsys.readouterr().out)["ok"] is False
