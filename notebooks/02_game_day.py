# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.16.0
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Game day: a measured failover exercise
#
# Stage 1 of staged resiliency ends with a **manual failover exercise**: the team follows
# the disaster recovery playbook *exactly as documented* while the workbook keeps the
# clock and measures what really happened. This notebook is that exercise.
#
# **How to run it.** Start the local lab first (`bookstore-resil lab up`), then run every
# cell. In `interactive` mode the last cell shows the game-day panel:
#
# 1. **Start** injects the scenario's fault on the lab (or, on a real system, declares the
#    outage). The clock starts against the RTO; the probes show each endpoint up or down.
# 2. Tell the people under *Who to notify now* and click their button as you do.
# 3. Work through the step cards in order. **Run** performs an automated step on the
#    target; **Done / Failed / Skip** record a manual step. Write what you saw in the notes.
#    The playbook's branches choose the next step for you.
# 4. Anything you do that the playbook does not say goes in *Record deviation*: the seed
#    is clear that undocumented actions are ignored, and that a failed exercise means the
#    playbook needs an update.
# 5. **Finish** when the resume procedure is done (or **Halt** to stop at once). The
#    archive in `reports/<exercise-id>/` then holds the event log, the summary and the report.
#
# In `auto` mode (what `bookstore-resil drill` uses) the notebook runs the automated steps
# itself, applies `responses` to the manual ones, and finishes.
#
# Run it headless: `papermill notebooks/02_game_day.ipynb out.ipynb -p scenario database-failure -p mode auto`.
# `papermill --help-notebook notebooks/02_game_day.ipynb` lists the parameters.

# %% tags=["parameters"]
scenario = "api-failure"  # playbook scenario id: a file data_dir/playbooks/<scenario>.yaml
target = "lab"  # where the exercise runs: "lab" (the local Bookstore) or "aws"
data_dir = "data/bookstore"  # the system definition folder
mode = "interactive"  # "interactive" shows the widgets; "auto" runs the playbook headless
probe_interval = 0.1  # seconds between availability samples of each endpoint
out_dir = "reports"  # parent folder of the exercise archive
exercise_id = ""  # empty: a new exercise; an existing id resumes that exercise from its log
responses = {}  # auto mode: outcome of manual steps, {step_id: "ok" | "failed" | "skipped"}
target_options = {}  # options of the target driver, e.g. {"state_dir": ".lab"}
fail_on_breach = False  # recorded in the archive: this run gates CI on RTO/RPO
fault = ""  # empty: the scenario's own fault; or another the target knows, e.g. "api-crash"

# %% [markdown]
# ## The exercise
#
# Opening the exercise records its start in the event log and starts the probes, so the
# baseline (everything up) is measured before the fault.

# %%
from bookstore_resil.gameday import open_exercise, play, summary_table

exercise = open_exercise(scenario, target, data_dir, mode, probe_interval, out_dir, exercise_id, target_options, fail_on_breach, fault)
print(f"exercise {exercise.exercise_id}: {exercise.scenario.title}, archive {exercise.archive_dir}")

# %% [markdown]
# ## Play it
#
# Interactive: the game-day panel. Auto: every step runs now, then the summary.

# %%
panel = play(exercise, responses, notebook_path="02_game_day.ipynb")
panel

# %% [markdown]
# ## What happened, step by step
#
# (Auto mode; in interactive mode this table appears once Finish is clicked and this cell is run again.)

# %%
summary_table(exercise.summary()) if exercise.finished else "the exercise is still running"
