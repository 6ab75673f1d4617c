"""bookstore-resil: a Jupyter game-day workbook for resilience engineering."""

import sys

# The one place the version is written: pyproject.toml reads it from here, `--version` shows
# it, CHANGELOG.md heads with it.
__version__ = "0.3.0"

# nbformat (papermill, nbconvert) imports jsonschema, whose optional "iri" format check,
# when the rfc3987-syntax package is installed (JupyterLab's jsonschema[format-nongpl]
# brings it), compiles an Earley grammar at import: a second of CPU in every process that
# touches a notebook. No schema read here has an "iri" format; jsonschema skips that check.
# (None in sys.modules is Python's documented "not importable"; typeshed types it a module.)
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
