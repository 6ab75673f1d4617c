"""A parsed YAML document is freed by reference counting as soon as nobody holds it: no
reference cycle keeps it (and the loader) alive until the cycle collector runs, which at
10,000 services cost `deps` 0.4 s at exit (benchmarks/bench_deps.py)."""

from __future__ import annotations

import gc
import weakref

from bookstore_resil.define.yamlpos import parse_with_lines

TEXT = "services:\n  api: {depends_on: [db, cdn]}\n  db: {zones: [a, b]}\n"


def test_a_document_nobody_holds_is_freed_without_the_cycle_collector():
    gc.disable()
    try:
        document, duplicates = parse_with_lines(TEXT)
        assert document["services"]["api"]["depends_on"] == ["db", "cdn"] and not duplicates
        held = weakref.ref(document["services"])
        del document
        assert held() is None
    finally:
        gc.enable()
