"""``python -m bookstore_resil.cli``: the same as the ``bookstore-resil`` console script."""

import sys

from bookstore_resil.cli import main

sys.exit(main())
