"""The kinds of a target.yaml command (run, http, tcp, chaostoolkit) are one registry
(define/kinds.py's KINDS, with the system target's RUNNERS under the same names): the
loader's Command, its JSON Schema and its one-line description all come from it, so a new
kind is one entry; the Chaos Toolkit provider table is one too, read by the target.yaml
loader and by import-chaostoolkit alike."""

from __future__ import annotations

import json
from pathlib import Path

import pydantic
import pytest

from bookstore_resil.define.chaostoolkit_read import read_experiment
from bookstore_resil.define.kinds import CTK_PROVIDERS, KINDS, KindSpec
from bookstore_resil.define.schema import json_schema
from bookstore_resil.define.target_file import Command, command_model
from bookstore_resil.errors import DefinitionError
from bookstore_resil.targets.system import RUNNERS


class DnsSpec(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    name: str


DNS = KindSpec(DnsSpec, "a DNS lookup, ok when the name resolves", lambda s: f"resolve {s.name}")


def test_every_kind_has_a_runner_and_every_runner_a_kind():
    assert set(RUNNERS) == set(KINDS)


def test_the_schema_names_each_kind_of_the_registry_in_its_words():
    command = json_schema("target")["$defs"]["Command"]
    assert command["oneOf"] == [{"required": [name]} for name in KINDS]
    for name, kind in KINDS.items():
        assert command["properties"][name]["description"] == kind.description


def test_a_new_kind_is_one_entry():
    with_dns = command_model({**KINDS, "dns": DNS})

    command = with_dns.model_validate({"dns": {"name": "db.internal"}, "timeout": "2s"})
    assert (command.kind, command.describe(), command.timeout(9.0)) == (
        "dns",
        "resolve db.internal",
        2.0,
    )
    schema = with_dns.model_json_schema()
    assert {"required": ["dns"]} in schema["oneOf"]
    assert schema["properties"]["dns"]["description"] == DNS.description
    assert "dns: a DNS lookup" in schema["description"]
    with pytest.raises(pydantic.ValidationError, match=r"tcp, chaostoolkit, dns \(got run and dns"):
        with_dns.model_validate({"run": "true", "dns": {"name": "x"}})
    with pytest.raises(pydantic.ValidationError, match=r"dns\s+Extra inputs are not permitted"):
        Command.model_validate({"dns": {"name": "db.internal"}})  # the registry's own is unchanged


def test_the_loader_and_the_importer_read_one_provider_table(tmp_path: Path, monkeypatch):
    monkeypatch.setitem(CTK_PROVIDERS, "grpc", ("target",))
    provider = {"type": "grpc", "service": "Health"}
    with pytest.raises(pydantic.ValidationError, match="a grpc provider needs target"):
        Command.model_validate({"chaostoolkit": {"type": "probe", "provider": provider}})
    experiment = tmp_path / "experiment.json"
    activity = {"type": "action", "name": "ping", "provider": provider}
    experiment.write_text(json.dumps({"title": "t", "method": [activity]}), encoding="utf-8")
    with pytest.raises(DefinitionError, match="a grpc provider needs target"):
        read_experiment(experiment)
