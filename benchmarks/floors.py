"""The floors the benchmarks measure against, in the same run, on the same machine.

A notebook floor is what any report or game day run through papermill pays at least: a
kernel started in a folder, pandas imported, one chart drawn inline, the kernel shut down
and the executed notebook written. ``bench_drill`` and ``bench_report`` divide by it, so
their figures compare across machines and across a busy or a quiet one.
"""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import papermill

from bookstore_resil.archive.notebooks import KERNEL, KERNEL_ARGUMENTS

CELLS = (
    "import pandas as pd\nimport matplotlib.pyplot as plt",
    "frame = pd.DataFrame({'t': range(60), 'up': [int(t % 20 > 4) for t in range(60)]})\n"
    "frame.plot(x='t', y='up', drawstyle='steps-post', figsize=(8, 2))\nplt.show()",
)


def floor_notebook(folder: Path) -> Path:
    """The two-cell notebook (pandas and one chart), written into ``folder``."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    notebook.metadata["kernelspec"] = {"name": KERNEL, "display_name": KERNEL, "language": "python"}
    path = folder / "floor.ipynb"
    nbformat.write(notebook, path)
    return path


def notebook_floor_s(folder: Path) -> float:
    """Seconds papermill takes to run the two-cell notebook, in this process."""
    path = floor_notebook(folder)
    began = time.perf_counter()
    papermill.execute_notebook(
        str(path),
        str(folder / "floor-out.ipynb"),
        kernel_name=KERNEL,
        cwd=str(folder),
        progress_bar=False,
        extra_arguments=list(KERNEL_ARGUMENTS),
    )
    return time.perf_counter() - began
