"""bookstore-resil: a Jupyter game-day workbook for resilience engineering."""

import sys

from bookstore_resil._version import __version__

__all__ = ["__version__"]

# nbformat (papermill, nbconvert) imports jsonschema, whose optional "iri" format check,
# when the rfc3987-syntax package is installed (JupyterLab's jsonschema[format-nongpl]
# brings it), compiles an Earley grammar at import: a second of CPU in every process that
# touches a notebook. No schema read here has an "iri" format; jsonschema skips that check.
sys.modules.setdefault("rfc3987_syntax", None)
