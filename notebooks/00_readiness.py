# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
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
# # 00 · Team readiness
#
# **What it is for.** Stage 1 of *Chaos Engineering Through Staged Resiliency* asks three
# things of a team before anyone breaks anything on purpose: the prerequisites are complete
# and in one place, **the whole team agrees** with every playbook, and one failover exercise
# has been done by hand. This notebook shows where the team stands:
#
# 1. the staged-resiliency checklist, stages 1 to 5, each line with its evidence;
# 2. who has signed which playbook (agreed, disagreed, stale because the playbook changed
#    since, or missing);
# 3. the org chart, and who to notify, in order, when each service fails;
# 4. a sign-off form for the facilitator of the playbook review meeting: each click writes
#    `signoffs.yaml` in the system folder.
#
# **How to run it.** Open it in Jupyter (from the repository root or from `notebooks/`) and run
# every cell, or run it headless and keep the executed copy:
#
# ```bash
# papermill notebooks/00_readiness.ipynb /tmp/00_readiness.ipynb -p at_time 2024-05-06T16:00:00Z
# ```
#
# The parameters are in the next cell. The same answers are on the command line
# (`bookstore-resil stage`, `bookstore-resil notify SERVICE`, `bookstore-resil signoff NAME`);
# `docs/readiness.md` explains each line of the checklist and the evidence it uses.

# %% tags=["parameters"]
data_dir = "data/bookstore"  # system folder; a relative path is tried from the current directory, then its parent
reports_dir = "reports"  # parent folder of the exercise archives (<id>/summary.json), found the same way
at_time = None  # ISO time (e.g. "2024-05-06T09:30:00-07:00") to judge availability and the 5-week cadence; None for now

# %%
from bookstore_resil.history.readiness import readiness

room = readiness(data_dir, reports_dir, at_time)
print(room.summary())

# %% [markdown]
# ## The staged-resiliency checklist
#
# A stage is met when every one of its lines is; the team has *reached* the highest stage met
# together with every stage below it. Stage 1 is the seed's; stages 2 to 5 follow the Walmart
# levels the series is built on.

# %%
room.checklist.table()

# %% [markdown]
# ## Who has signed what
#
# One row per contact, one column per scenario. A scenario *concerns* a contact who leads it
# or whose services cover its service; `-` marks one that does not (and that they have not
# signed anyway). **stale** means the playbook's content changed after they decided: its
# sign-off must be made again. Team-wide agreement needs `agreed` in every concerned cell.

# %%
room.signoffs()

# %% [markdown]
# ## The org chart
#
# Who reports to whom; green boxes are the people available at `at_time` (in their own time
# zone), grey the ones who are not.

# %%
room.org_chart()

# %% [markdown]
# ## Who to notify when each service fails
#
# In the order to call: the scenario's primary and secondary leads, then everyone whose
# services cover the failed one, then up the org chart. *Available* is judged at `at_time`.

# %%
room.call_lists()

# %% [markdown]
# ## Record sign-offs during the playbook review
#
# Pick the contact and the scenario (or every scenario that concerns them), then **Agree**,
# or **Disagree** with a comment saying why. Each click writes `signoffs.yaml` with the hash
# of the playbook's current content; the table below refreshes.

# %%
room.signoff_panel()
