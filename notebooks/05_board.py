# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · Organisation board
#
# **What it is for.** The person who runs the resiliency programme across many teams (an SRE
# lead, a platform team) needs one view: which systems stand at which stage, which teams
# have agreed playbooks, whose last drill missed its RTO or RPO, which critical scenarios
# were never exercised, and who is overdue. This notebook reads every system under
# `systems` (folders holding `system.yaml` at any depth, `init` workbooks, or Backstage
# catalogs with many Systems) and every archive under `out_dir` (a folder or
# `s3://BUCKET/PREFIX`), and shows the organisation's totals, how many systems stand at each
# stage, a systems × scenarios grid coloured by each scenario's last outcome, and the board
# itself, riskiest system first.
#
# **How to run it.** Run every cell (the working directory may be the repository or
# `notebooks/`), or headless:
#
# ```bash
# papermill notebooks/05_board.ipynb /tmp/05_board.ipynb -p systems data -p out_dir reports
# ```
#
# The same board on a terminal, as JSON or as one HTML file: `bookstore-resil board
# --systems data --out reports [--json] [--html board.html]`. `docs/scheduling.md` explains
# the rules and how teams schedule their drills.

# %% tags=["parameters"]
systems = "data"  # a folder of system folders, an init workbook or a Backstage catalog (or a list of them); a relative path is tried from the current directory, then its parent
out_dir = "reports"  # the archives' parent, found the same way, or s3://BUCKET/PREFIX; archives may sit at any depth below it

# %%
from bookstore_resil.history import board_html as bh

board = bh.open_board(systems, out_dir)

# %% [markdown]
# ## Stages across the organisation
#
# How many systems have reached each stage of the checklist (the rules of
# `bookstore-resil stage`, over each system's own archives).

# %%
bh.stage_chart(board)

# %% [markdown]
# ## Systems × scenarios
#
# Each scenario's last exercise, coloured by its outcome: `missed` is a missed RTO or RPO;
# `error`, `aborted` and `inconclusive` are no evidence either way; `(overdue)` is older
# than the 5-week cadence.

# %%
bh.styled_grid(board)

# %% [markdown]
# ## The board
#
# The organisation's totals, then every system, riskiest first: a critical scenario never
# exercised or whose last exercise missed its objective puts a system at the top. Hover a
# chip for the scenario's last exercise; open *last exercises* for all of them.

# %%
bh.show(board)
