"""JSON Schema of the files a team writes, from the pydantic models the loader validates with.

Editors check a file as it is typed when it names its schema: the shipped examples start
with ``# yaml-language-server: $schema=../schemas/system.schema.json`` (YAML Language
Server, in VS Code's YAML extension and others), and ``bookstore-resil schema`` prints or
writes the schemas for a team's own folder. A schema knows each field's type and shape;
what needs the whole folder (ids that exist, cycles, a playbook for each critical service)
is for ``validate``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from bookstore_resil.define.loader import FILE_MODELS
from bookstore_resil.define.target_file import TargetFile
from bookstore_resil.errors import UsageError

DIALECT = "https://json-schema.org/draft/2020-12/schema"
# The loader's files, and target.yaml (read by the system target, docs/contract.md §4).
MODELS: dict[str, type[BaseModel]] = {**FILE_MODELS, "target": TargetFile}
TITLES = {
    "system": "bookstore-resil system.yaml",
    "contacts": "bookstore-resil contacts.yaml",
    "playbook": "bookstore-resil playbooks/<scenario>.yaml",
    "target": "bookstore-resil target.yaml",
}
SCHEMA_DIR = "schemas"  # beside the example systems, so their relative $schema paths hold


def file_name(kind: str) -> str:
    return f"{kind}.schema.json"


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one kind of file (:data:`MODELS`' keys)."""
    schema = MODELS[kind].model_json_schema(mode="validation")
    return {"$schema": DIALECT, **schema, "title": TITLES[kind]}


def schema_text(kind: str) -> str:
    return json.dumps(json_schema(kind), indent=2, sort_keys=False) + "\n"


SCHEMA_LINE = "# yaml-language-server: $schema={path}\n"


def schema_line(kind: str, file: Path, folder: Path) -> str:
    """The first line of a ``kind`` file the tool writes at ``file`` in the system
    ``folder``, naming its schema as the shipped examples do: the schemas beside the
    folder (an ``init`` workbook's, a checkout's ``data/schemas``) or in it, written into
    ``folder/schemas`` when neither has them."""
    for schemas in (folder.parent / SCHEMA_DIR, folder / SCHEMA_DIR):
        if (schemas / file_name(kind)).is_file():
            break
    else:
        schemas = folder / SCHEMA_DIR
        if not schemas.resolve().is_relative_to(folder.resolve()):
            raise UsageError(f"{schemas}: refused: it leads outside the system folder")
        write_schemas(schemas)
    return SCHEMA_LINE.format(path=os.path.relpath(schemas / file_name(kind), file.parent))


def write_schemas(folder: str | Path, kinds: list[str] | None = None) -> list[Path]:
    """Write ``KIND.schema.json`` of each kind (default: all) into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in kinds or list(MODELS):
        path = folder / file_name(kind)
        path.write_text(schema_text(kind), encoding="utf-8")
        written.append(path)
    return written
