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
# **Who does what in the room.** The *coordinator* drives this notebook on the shared
# screen; the scenario's *primary lead* (the secondary when the primary is away) performs
# the recovery; the *scribe* types what they see into each step's notes and the
# observation log; *observers* follow along read-only (`bookstore-resil watch`, below).
# The seed's warning holds for everyone: **if an action or step is not explicitly documented
# within the playbook, it should be ignored**, and an exercise that fails or cannot be
# completed means the playbook needs an update.
#
# **How to run it.** Start the local lab first (`bookstore-resil lab up`, in the workbook
# folder: this notebook finds the lab there or one folder up), set `scenario` below, then
# run every cell (Run > Run All Cells). The last cells show the game-day panel.
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
announce = []  # Apprise URLs of the team's channels for start, halt and finish, e.g. ["slack://..."]; added to target.yaml's announce list

# %% [markdown]
# ## Open the exercise
#
# Opening the exercise creates its archive folder and starts the event log and the
# **probes**: each endpoint of the system is checked every `probe_interval` seconds, so the
# baseline (everything up) is on record before anything breaks. Nothing is broken yet.

# %%
from bookstore_resil.exercise.gameday import open_exercise, play, verdict

exercise = open_exercise(scenario, target, data_dir, mode, probe_interval, out_dir, exercise_id, target_options, fail_on_breach, fault, execute, announce)
print(f"exercise {exercise.exercise_id}: {exercise.scenario.title}, archive {exercise.archive_dir}")

# %% [markdown]
# ## Play the playbook
#
# In `interactive` mode this is the game-day panel. Its **header stays at the top** while
# the cards scroll under it: the wall clock in the team's time zone and UTC, the time since
# the fault, the RTO deadline and the time left, every endpoint up or *DOWN*, the current
# step, who is on call now. Walk through it together:
#
# 1. **Before Start**: choose the *coordinator*, the *scribe* and the *observers* from the
#    contacts, and state the **hypothesis**: the service back within a time (the RTO by
#    default), at most so much data lost (none by default). The report holds it against
#    what was measured. Check every endpoint is *up*.
# 2. **Start** says what it will do (the fault it injects, or that it only declares the
#    outage) and waits for **Inject the fault**. The clock starts against the RTO.
# 3. **Notify.** *Who to notify now* lists the people to call, in order; click *Notified
#    NAME* as each is told: the button then shows when and by whom, and records only once.
# 4. **The recovery procedure**, one card at a time: only the current card is open (and
#    marked); closed cards fold to one line with their outcome and note. **Run** performs an
#    automated step; **Done / Failed / Skip** record what a person did. Type notes any time:
#    they are kept with the step's outcome, and notes on a step still open when the
#    exercise ends are saved too. The playbook's branches pick the next card.
# 5. **The test procedure** confirms the service works again; the **resume procedure**
#    returns to normal service.
# 6. **Observations and deviations**: anything seen, with its author; anything done that the
#    playbook does not document. Both stay listed under the cards.
# 7. **Finish** once the resume procedure is done: it waits until the service stays up (a
#    progress bar), shows the **verdict** (outcome, downtime against the RTO, data loss
#    against the RPO, the hypothesis) and writes the archive and the report, with a link.
#    **Halt** asks why, stops everything at once, shows a *HALTED* banner, offers to repair
#    the system, and archives the aborted run with its report.
#
# Observers follow on a read-only page that refreshes itself, with no buttons:
# `bookstore-resil watch reports/<exercise-id>` (the id is printed above).
# This notebook saves itself once the panel is on screen, so a second JupyterLab user who
# opens it sees the live panel too.
#
# In `auto` mode the notebook plays every step itself here and finishes.

# %%
panel = play(exercise, responses)
panel

# %% [markdown]
# ## The verdict
#
# Once the exercise is over: met or not, the downtime against the RTO, the data loss
# against the RPO, the hypothesis against what was measured, the top actions, and each step
# as it ran. In `interactive` mode, run this cell again after **Finish**; the full report is
# `report.html` in the archive (or `03_report`).

# %%
verdict(exercise)
