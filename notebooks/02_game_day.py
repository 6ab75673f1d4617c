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
# # 02 · Game day: a measured failover exercise
#
# **What it is for.** Stage 1 of *Chaos Engineering Through Staged Resiliency* ends with a
# **manual failover exercise**: the team follows one disaster recovery playbook scenario
# *exactly as documented* and finds out whether it works. This notebook is that exercise:
# it breaks the system on purpose, shows the playbook one step at a time, keeps the clock
# against the **Recovery Time Objective** (RTO), and measures what really happened: how
# long the service was down, how much data was lost (against the **Recovery Point
# Objective**, RPO), how long each step took. Everything goes into an archive the team
# reads afterwards in `03_report`.
#
# **Who does what in the room.** The *facilitator* drives this notebook on the shared
# screen; the scenario's *primary lead* (the secondary when the primary is away) performs
# the recovery; someone acts as *scribe* and types what they see into each step's notes.
# The seed's warning holds for everyone: **if an action or step is not explicitly documented
# within the playbook, it should be ignored**, and an exercise that fails or cannot be
# completed means the playbook needs an update.
#
# **How to run it.** Start the local lab first (`bookstore-resil lab up`), set `scenario`
# below, then run every cell (Run > Run All Cells). The last cells show the game-day panel.
# **It is a dry run until you set `execute = True`**: the probes watch, but no fault is
# injected and no action runs. A system folder with a `target.yaml` (your own system, see
# `docs/your-own-system.md`) runs on the `system` target. Headless, with every automated
# step run and the manual ones answered by `responses` (what `bookstore-resil drill` does):
#
# ```bash
# papermill notebooks/02_game_day.ipynb /tmp/02_game_day.ipynb -p scenario database-failure -p mode auto -p execute True
# ```
#
# `papermill --help-notebook notebooks/02_game_day.ipynb` lists the parameters;
# `docs/game-day.md` explains the panel, the measures and the event log.

# %% tags=["parameters"]
scenario = "api-failure"  # the playbook scenario to exercise: data_dir/playbooks/<scenario>.yaml
target = ""  # where the exercise runs: "lab" (the local Bookstore), "aws" or "system"; empty: "system" when data_dir holds target.yaml, else "lab"
data_dir = "data/bookstore"  # system folder; a relative path is tried from the current directory, then its parent
mode = "interactive"  # "interactive": the panel for the room; "auto": run the playbook headless; "review": read a finished one back
probe_interval = None  # seconds between availability samples of each endpoint; None: target.yaml's interval, else 0.1
out_dir = "reports"  # parent folder of the exercise archive <out_dir>/<exercise-id>/, found like data_dir
exercise_id = ""  # empty: a new exercise; an existing id resumes that exercise from its log
responses = {}  # auto mode: outcome of manual steps, {step_id: "ok" | "failed" | "skipped"}
target_options = {}  # options of the target driver, e.g. {"state_dir": ".lab"} for the lab
fail_on_breach = False  # recorded in the archive: a measured RTO or RPO breach fails this run (CI gates)
fault = ""  # empty: the scenario's own fault; or another the target knows, e.g. "api-crash"
execute = False  # False: a dry run (nothing is broken, no action runs, nothing measured); True: really inject the fault and run the actions

# %% [markdown]
# ## Open the exercise
#
# Opening the exercise creates its archive folder and starts the event log and the
# **probes**: each endpoint of the system is checked every `probe_interval` seconds, so the
# baseline (everything up) is on record before anything breaks. Nothing is broken yet.

# %%
from bookstore_resil.exercise.gameday import open_exercise, play, summary_table

exercise = open_exercise(scenario, target, data_dir, mode, probe_interval, out_dir, exercise_id, target_options, fail_on_breach, fault, execute)
print(f"exercise {exercise.exercise_id}: {exercise.scenario.title}, archive {exercise.archive_dir}")

# %% [markdown]
# ## Play the playbook
#
# In `interactive` mode this is the game-day panel. Walk through it together:
#
# 1. **Read the header aloud**: the scenario, its leads, its severity, its RTO and RPO.
#    Check the endpoints are all *up*.
# 2. **Start** injects the scenario's fault on the lab (on a target that may not be broken
#    on purpose, it declares the outage instead). The clock starts against the RTO; the
#    scenario's endpoint turns *DOWN*.
# 3. **Notify.** *Who to notify now* lists the people to call, in the playbook's order, each
#    marked available or not; click *Notified NAME* as each one is told.
# 4. **The recovery procedure**, one card at a time. Only the current card (the *current*
#    badge) takes clicks. **Run** performs an automated step on the target and shows its
#    output; **Done / Failed / Skip** record what a person did. Type what you saw into the
#    notes box *before* clicking: it is stored with the outcome. The playbook's branches
#    pick the next card (a failed check leads to the fix, a working one skips ahead).
# 5. **The test procedure** confirms the service and its critical dependencies work again;
#    the **resume procedure** returns to normal service.
# 6. **Record deviation** for anything done that the playbook does not document.
# 7. **Finish** once the resume procedure is done (**Halt** stops everything at once and
#    ends the exercise as aborted). Finish waits until the service stays up, then writes the
#    summary and builds the report into the archive.
#
# In `auto` mode the notebook plays every step itself here and finishes.

# %%
panel = play(exercise, responses)
panel

# %% [markdown]
# ## What happened, step by step
#
# Each step's outcome, who closed it, and how long it took. In `interactive` mode, run this
# cell again after **Finish**; the full report is `03_report` (or `report.html` in the
# archive).

# %%
summary_table(exercise.summary()) if exercise.finished else "the exercise is still running"
