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
# # Exercise report
#
# The report of one game-day exercise, read from its archive
# (`reports/<exercise-id>/`). Every number comes from the archive's event log,
# `events.jsonl`: downtime from the probe transitions, data loss from the canary writes,
# step times from the step events. Charts are the PNG files next to it.
#
# **How to run it.** `bookstore-resil report ARCHIVE_DIR` recomputes `summary.json`, draws
# the charts, executes this notebook with papermill into the archive as `report.ipynb` and
# exports `report.html` (`drill` does the same at the end of every exercise). By hand:
# `papermill notebooks/03_report.ipynb out.ipynb --cwd reports/<exercise-id>`, or set
# `archive_dir` below and run every cell. `docs/reports.md` explains each section and rule.

# %% tags=["parameters"]
archive_dir = "."  # the exercise archive folder, with its events.jsonl ("." is the working directory)
data_dir = ""  # system definition folder for the dependency analysis ("": the one the exercise used)

# %%
from bookstore_resil.report import load_report

report = load_report(archive_dir, data_dir or None)

# %%
report.overview()

# %% [markdown]
# ## Timeline
#
# One bar per step on the exercise's clock, coloured by outcome, under the availability
# of each probed endpoint. The dashed line is the fault; the shaded band is the measured
# outage of the scenario's service; the RTO deadline is drawn, or pointed at when it lies
# far beyond the exercise.

# %%
report.chart("timeline")

# %% [markdown]
# ## Recovery objectives
#
# Each objective against what was measured, met or missed, with the margin. The chart's
# scale is logarithmic: seconds of lab downtime beside hours of objective.

# %%
report.verdicts()

# %%
report.chart("objectives")

# %% [markdown]
# ## Data loss
#
# The canary writes of a database exercise: acknowledged and survived, acknowledged and
# lost, not acknowledged. Data loss runs from the last surviving acknowledged write before
# the first lost one to the last lost one.

# %%
report.chart("canary")

# %% [markdown]
# ## Steps
#
# Every step as it ran: its procedure, outcome, start time, duration and who closed it.

# %%
report.steps_table()

# %% [markdown]
# ## Findings
#
# Failed, skipped and unfinished steps, steps much slower than the rest (more than 3x
# the median step and more than 5 s), and everything done outside the playbook.

# %%
report.findings_table()

# %% [markdown]
# ## Recommendations
#
# What to change: the playbook where a step failed without a branch or the exercise could
# not be completed, deviations to write down or stop, objectives to tighten (measured
# under 10% of them) or that were missed, and the dependency analysis of the service.

# %%
report.recommendations()

# %% [markdown]
# ## Who was notified

# %%
report.notifications()

# %% [markdown]
# ## Dependency analysis
#
# The scenario's service in the system's dependency graph: its effective RTO and RPO (the
# longest along its critical dependencies) and the analysis' findings.

# %%
report.dependencies()
