"""The HTML pages and fragments the package writes, as Jinja2 templates in this folder
(shipped as package data): the observer page, the report's sections, the game-day panel's
header. Autoescaped: an archive's and a definition's strings are untrusted; HTML made in
Python (a badge, a progress bar, the verdict) is passed in as :class:`~markupsafe.Markup`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from bookstore_resil.display import badge, colour_of, progress_bar

if TYPE_CHECKING:
    import jinja2


@functools.cache
def _environment() -> jinja2.Environment:
    import jinja2  # lazily: `import bookstore_resil` stays light

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader(__package__, "."),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a misspelt name fails, never renders as ""
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals.update(
        badge=lambda *args: Markup(badge(*args)),
        progress_bar=lambda *args: Markup(progress_bar(*args)),
        colour_of=colour_of,
    )
    return environment


def render(name: str, **values: Any) -> str:
    """The template ``name`` of this folder filled with ``values``."""
    return _environment().get_template(name).render(**values)


def macro(name: str, macro_name: str) -> Callable[..., str]:
    """One macro of the template ``name``, to call with keyword arguments."""
    found = getattr(_environment().get_template(name).module, macro_name)
    return lambda **values: str(found(**values))


def text(name: str) -> str:
    """A file of this folder as it is (a style sheet, a script: nothing to fill in)."""
    return files(__package__).joinpath(name).read_text(encoding="utf-8")
