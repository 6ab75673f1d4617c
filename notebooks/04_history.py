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
# # 04 · Exercise history
#
# **What it is for.** One game day proves a playbook once; the stages of resiliency ask a
# team to keep proving it. This notebook lists every game day archived in a reports folder,
# oldest first: what was exercised, when, where, how it ended, the measured downtime and
# data loss against the RTO and RPO. Then, for the team's planning meeting: the trend of
# each scenario's downtime against its RTO, each scenario's last exercise against its
# objectives, and how long ago each scenario was last exercised against the cadence (every
# 5 weeks by default, after the Walmart resiliency levels the series builds on), so the
# overdue ones get the next game day.
#
# **How to run it.** Run every cell (the working directory may be the repository or
# `notebooks/`), or headless:
#
# ```bash
# papermill notebooks/04_history.ipynb /tmp/04_history.ipynb -p reports_dir reports -p cadence 5W
# ```
#
# The same table on a terminal: `bookstore-resil history` (`--json` for scripts).
# `docs/reports.md` explains the rules.

# %% tags=["parameters"]
reports_dir = "reports"  # the archives' parent folder, one sub-folder per exercise; a relative path is tried from the current directory, then its parent
cadence = "5W"  # how often each scenario should be exercised, e.g. 5W (five weeks), 30D
data_dir = "data/bookstore"  # system folder, found the same way: its scenarios never exercised show as overdue
now = ""  # ISO time to measure ages from; empty for now

# %%
from bookstore_resil.history import history as h
from bookstore_resil.define.loader import locate_system_folder

history = h.load_history(locate_system_folder(reports_dir))

# %% [markdown]
# ## Every exercise
#
# One row per archive. A crashed exercise (no `summary.json`) is summarized from its event
# log and ends as `error`; archives that cannot be read at all are listed below the table.

# %%
h.page_table(history)

# %%
[str(skipped) for skipped in history.skipped]

# %% [markdown]
# ## Downtime over time
#
# Each scenario's measured downtime per exercise (log scale), coloured by outcome, with its
# RTO as a dashed line: the gap between them is the room the objective leaves.

# %%
h.trend(history)

# %% [markdown]
# ## Each scenario's last exercise against its objectives

# %%
h.objectives(history)

# %% [markdown]
# ## Cadence
#
# How long ago each scenario was last exercised; older than the cadence is overdue. Only an
# exercise that tested the objectives counts: a halted, inconclusive or dry run does not,
# however long it lasted. Scenarios of the system definition never exercised are overdue too.

# %%
h.cadence_table(history, cadence, now or None, data_dir)
