"""docs/scheduling.md's recipes are what the tools they are for accept: the GitLab CI job and
the GitHub Actions workflow against the JSON Schemas ``check-jsonschema`` ships (offline: a
proxy that answers nothing stands in for the network), the Kubernetes CronJob and the
Airflow DAG parsed and checked for the fields the page describes, and every
``bookstore-resil`` command in them parsed by the CLI's own parser."""

from __future__ import annotations

import ast
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest
import yaml

from bookstore_resil.cli import build_parser

REPO = Path(__file__).resolve().parents[1]
PAGE = REPO / "docs" / "scheduling.md"
BLOCK = re.compile(r"^```(\w+)\n# (\S+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
SCHEMAS = {
    ".gitlab-ci.yml": "vendor.gitlab-ci",
    ".github/workflows/gameday.yml": "vendor.github-workflows",
}
CRON = re.compile(r"^(\S+ ){4}\S+$")


def recipes() -> dict[str, str]:
    """Each fenced block that opens with a comment naming its file: file -> text."""
    return {name: f"# {name}\n{body}" for _, name, body in BLOCK.findall(PAGE.read_text())}


def commands(text: str) -> list[list[str]]:
    """Every ``bookstore-resil`` command line in a recipe, the variables it sets (GitLab's
    ``variables``, GitHub's ``env``) filled in, any other one an ``x``."""
    document = yaml.safe_load(text)
    variables = {**document.get("variables", {}), **document.get("env", {})}
    found = []
    for line in text.splitlines():
        _, start, command = line.partition("bookstore-resil ")
        if not start or "pip install" in line:
            continue
        for name, value in variables.items():
            command = command.replace(f"${name}", value)
        command = re.sub(r"\$\{\{[^}]*\}\}|\$\w+", "x", command)
        found.append(shlex.split(command))
    return found


def parses(argv: list[str]) -> object:
    return build_parser().parse_args(argv)


def test_the_page_holds_the_four_recipes():
    assert set(recipes()) == {*SCHEMAS, "gameday-cronjob.yaml", "dags/gameday.py"}


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_a_ci_recipe_validates_against_its_published_schema(name, tmp_path):
    path = tmp_path / Path(name).name
    path.write_text(recipes()[name])
    dead = "http://127.0.0.1:9"  # nothing listens: a schema fetched from the network fails
    env = {**os.environ, "HTTP_PROXY": dead, "HTTPS_PROXY": dead, "NO_PROXY": ""}
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", SCHEMAS[name], str(path)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


def test_a_broken_workflow_is_refused_by_the_same_check(tmp_path):
    path = tmp_path / "gameday.yml"
    path.write_text(recipes()[".github/workflows/gameday.yml"].replace("runs-on:", "runs_on:"))
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_a_ci_recipe_drills_on_a_schedule_then_reads_the_board(name):
    text = recipes()[name]
    found = commands(text)
    assert [argv[0] for argv in found] == ["drill", "board"]
    drill = parses(found[0])
    assert drill.execute and drill.fail_on_breach and drill.out.startswith("s3://")
    assert parses(found[1]).func.__name__ == "cmd_board"
    document = yaml.safe_load(text)
    if name == ".gitlab-ci.yml":
        assert document[".workbook"]["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}]
    else:
        [schedule] = document[True]["schedule"]  # YAML 1.1 reads the key "on" as true
        assert CRON.match(schedule["cron"])


def test_the_cronjob_never_retries_a_drill_and_never_runs_two():
    document = yaml.safe_load(recipes()["gameday-cronjob.yaml"])
    assert (document["apiVersion"], document["kind"]) == ("batch/v1", "CronJob")
    spec = document["spec"]
    assert CRON.match(spec["schedule"]) and spec["concurrencyPolicy"] == "Forbid"
    job = spec["jobTemplate"]["spec"]
    assert job["backoffLimit"] == 0 and job["template"]["spec"]["restartPolicy"] == "Never"
    [container] = job["template"]["spec"]["containers"]
    assert container["command"] == ["bookstore-resil"]
    drill = parses(container["args"])
    assert drill.execute and drill.fail_on_breach and drill.out.startswith("s3://")


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name
    ]


def test_the_airflow_task_runs_the_game_day_notebook_with_its_own_parameters():
    tree = ast.parse(recipes()["dags/gameday.py"])
    [operator] = _calls(tree, "PapermillOperator")
    keywords = {k.arg: k.value for k in operator.keywords}
    assert ast.literal_eval(keywords["input_nb"]).endswith("/02_game_day.ipynb")
    parameters = ast.literal_eval(keywords["parameters"])
    notebook = jupytext.read(REPO / "notebooks" / "02_game_day.py")
    [cell] = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    known = {t.id for node in ast.parse(cell.source).body for t in node.targets}
    assert set(parameters) <= known
    assert parameters["mode"] == "auto" and parameters["execute"] is True
    assert ast.literal_eval(keywords["retries"]) == 0
    [bash] = _calls(tree, "BashOperator")
    command = ast.literal_eval({k.arg: k.value for k in bash.keywords}["bash_command"])
    assert parses(shlex.split(command)[1:]).func.__name__ == "cmd_board"
