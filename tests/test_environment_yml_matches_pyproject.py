"""environment.yml (conda) and pyproject.toml (pip) install the same dependencies.

Names are compared normalized (PEP 503: lowercase, runs of ``-_.`` as ``-``) with extras and
versions stripped. No name mapping is needed: conda-forge packages every dependency under its
PyPI name, and its ``psycopg`` and ``moto`` already include what the ``[binary]`` and
``[server]`` extras add on PyPI. Conda's ``python`` and ``pip`` are the environment itself,
not dependencies of the project.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from 3.11")

ROOT = Path(__file__).parents[1]
CONDA_ITSELF = {"python", "pip"}
NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalize(requirement: str) -> str:
    match = NAME.match(requirement)
    assert match, f"no package name in {requirement!r}"
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


@pytest.fixture(scope="module")
def environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def conda_and_pip(environment: dict) -> tuple[list[str], list[str]]:
    """The conda-forge specs and the pip specs of environment.yml."""
    conda = [d for d in environment["dependencies"] if isinstance(d, str)]
    pip = [spec for d in environment["dependencies"] if isinstance(d, dict) for spec in d["pip"]]
    return conda, pip


def test_environment_uses_conda_forge_alone(environment: dict):
    assert environment["channels"] == ["conda-forge"]


def test_environment_installs_the_project_editable_through_pip(environment: dict):
    _, pip = conda_and_pip(environment)
    assert "-e ." in pip


def test_environment_and_pyproject_name_the_same_dependencies(environment: dict):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    declared = [*project["dependencies"], *(spec for group in extras.values() for spec in group)]
    declared = [spec for spec in declared if not spec.startswith(project["name"])]
    conda, pip = conda_and_pip(environment)
    from_conda = [normalize(spec) for spec in conda if normalize(spec) not in CONDA_ITSELF]
    from_pip = [normalize(spec) for spec in pip if spec != "-e ."]
    installed = from_conda + from_pip

    assert len(installed) == len(set(installed)), "a dependency is listed twice"
    assert set(installed) == {normalize(spec) for spec in declared}


def test_dev_installs_every_other_extra():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    others = sorted(set(project["optional-dependencies"]) - {"dev"})
    assert f"{project['name']}[{','.join(others)}]" in project["optional-dependencies"]["dev"]
