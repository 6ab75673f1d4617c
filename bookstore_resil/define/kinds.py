"""The kinds of command ``target.yaml`` holds, in one registry: :data:`KINDS`.

A probe, a fault, an action or ``newest_record`` is one command of one kind, written under
the kind's key (``http: {url: ...}``); a plain string is a ``run`` command. Each entry of
:data:`KINDS` gives a kind's value model and its words (a line for the JSON Schema and
docs, a line saying what one such command does); the loader's ``Command`` has a field for
each (:mod:`.target_file`), and the system target runs each with its entry in
``RUNNERS`` (:mod:`bookstore_resil.targets.system`), keyed by the same names. A new kind is
an entry here and a runner there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator

from bookstore_resil.define.units import Duration

# The kind a plain string is: a command line run by ``/bin/sh -c``, the only kind whose
# ``{placeholders}`` a step's args fill.
SHELL = "run"
# What chaostoolkit-lib needs to find each provider type; checked by the target.yaml loader
# and by import-chaostoolkit alike.
CTK_PROVIDERS: dict[str, tuple[str, ...]] = {
    "process": ("path",),
    "python": ("module", "func"),
    "http": ("url",),
}


def timeout_field() -> Any:
    return Field(None, validation_alias=AliasChoices("timeout", "timeout_s"))


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HttpSpec(Strict):
    """A request that succeeds on the expected status and, if given, a text in the body.

    Without ``status`` any 2xx or 3xx answer succeeds.
    """

    url: str
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] = "GET"
    status: int | list[int] | None = None
    contains: str | None = None
    headers: dict[str, str] = {}
    body: str | None = None
    timeout_s: Duration | None = timeout_field()

    @field_validator("url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"expected an http:// or https:// address, got {value!r}")
        return value

    def accepts(self, status: int) -> bool:
        if self.status is None:
            return 200 <= status < 400
        wanted = self.status if isinstance(self.status, list) else [self.status]
        return status in wanted


class TcpSpec(Strict):
    """A connection that succeeds when the port accepts it."""

    host: str = Field(min_length=1)
    port: int = Field(ge=1, le=65535)
    timeout_s: Duration | None = timeout_field()


class CtkProvider(BaseModel):
    """A Chaos Toolkit provider: only what chaostoolkit-lib needs to find it is checked here;
    every other key goes to chaostoolkit-lib as written."""

    model_config = ConfigDict(extra="allow", frozen=True)
    type: str = Field(json_schema_extra={"enum": list(CTK_PROVIDERS)})

    @field_validator("type")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in CTK_PROVIDERS:
            raise ValueError(f"{value!r}: expected one of {', '.join(CTK_PROVIDERS)}")
        return value

    @model_validator(mode="after")
    def _required(self) -> CtkProvider:
        extra = self.model_extra or {}
        missing = [key for key in CTK_PROVIDERS[self.type] if not extra.get(key)]
        if missing:
            raise ValueError(f"a {self.type} provider needs {' and '.join(missing)}")
        return self


class CtkActivity(BaseModel):
    """A Chaos Toolkit activity (``type``, ``provider``, optional ``tolerance``...), run by
    chaostoolkit-lib; its ``name`` defaults to the key it is written under."""

    model_config = ConfigDict(extra="allow", frozen=True)
    type: Literal["probe", "action"]
    name: str | None = None
    provider: CtkProvider
    tolerance: Any = None

    def for_chaoslib(self, name: str) -> dict[str, Any]:
        """The activity as chaostoolkit-lib reads it."""
        activity = self.model_dump(exclude_none=True)
        activity["name"] = self.name or name
        return activity


def _describe_activity(activity: CtkActivity) -> str:
    provider = activity.provider
    extra = provider.model_extra or {}
    where = extra.get("path") or extra.get("url") or f"{extra.get('module')}.{extra.get('func')}"
    return f"chaostoolkit {activity.type} ({provider.type}: {where})"


@dataclass(frozen=True)
class KindSpec:
    """One kind of command: the type of the value under its key, and its words."""

    model: Any  # a pydantic model, or an annotated type
    description: str  # one line, in the JSON Schema and the docs
    describe: Callable[[Any], str]  # what a command of it does, in a line (a dry run says it)
    address: Callable[[Any], str] | None = None  # what a probe of it watches; else describe


KINDS: dict[str, KindSpec] = {
    SHELL: KindSpec(
        Annotated[str, Field(min_length=1)],
        "a command line run by /bin/sh -c in the system folder, ok on exit status 0",
        str,
    ),
    "http": KindSpec(
        HttpSpec,
        "an HTTP request, ok on the expected status (and text)",
        lambda spec: f"{spec.method} {spec.url}",
        address=lambda spec: spec.url,
    ),
    "tcp": KindSpec(
        TcpSpec,
        "a TCP connection, ok when the port accepts it",
        lambda spec: f"connect to {spec.host}:{spec.port}",
    ),
    "chaostoolkit": KindSpec(
        CtkActivity,
        "a Chaos Toolkit activity, run by chaostoolkit-lib (the [chaostoolkit] extra)",
        _describe_activity,
    ),
}
