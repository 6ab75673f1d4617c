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

# %% [markdown] tags=["how-to"]
# # 03 · Exercise report
#
# **What it is for.** The debrief of one game day, verdict first: whether the RTO and RPO
# were met, the hypothesis against what was measured, the top actions with their owners;
# then the timeline, the steps, the findings and what people wrote down. Every number comes
# from the archive's `events.jsonl`.
#
# **How to run it.** `bookstore-resil report reports/<exercise-id>` (Finish and `drill` do
# it too) executes this notebook inside the archive as `report.ipynb` and exports
# `report.html`, leaving this cell out. By hand:
# `papermill notebooks/03_report.ipynb report.ipynb --cwd reports/<exercise-id>`. In
# JupyterLab, set `archive_dir = "reports/<exercise-id>"` and run every cell: without an
# archive there, the first cell lists the archives it knows.
# `docs/reports.md` explains each section and rule.

# %% tags=["parameters"]
archive_dir = "."  # the exercise archive folder, with its events.jsonl ("." is the working directory, as the report runs); a relative path is tried from the current directory, then its parent, so reports/<exercise-id> works from the workbook and from notebooks/
data_dir = ""  # system definition folder for the dependency analysis ("": the one the exercise used)

# %%
from bookstore_resil.report.document import load_report

report = load_report(archive_dir, data_dir or None)

# %%
report.headline()

# %% [markdown]
# ## The exercise at a glance

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
# ## What people wrote down
#
# Observations, notes on steps still open at the end, and deviations, with who wrote them.

# %%
report.observations()

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
