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
# # 01 · Dependency mapping
#
# **What it is for.** Before a team can practise failover, it has to agree on what its system
# depends on. This notebook walks through the prerequisites of *Chaos Engineering Through Staged
# Resiliency, Stage 1* for one system definition: the architecture table, the critical and the
# non-critical dependencies, the dependency graph, the recovery objectives each service can
# really meet, and the findings to settle before writing playbooks. At the end, pick a failing
# service and see who goes down with it and who only degrades.
#
# **How to run it.** Open it in Jupyter (from the repository root or from `notebooks/`) and run
# every cell, or run it headless and keep the executed copy:
#
# ```bash
# papermill notebooks/01_dependency_mapping.ipynb /tmp/01_dependency_mapping.ipynb -p failed_service cdn
# ```
#
# The parameters are in the next cell. The same analysis is on the command line
# (`bookstore-resil deps`, `bookstore-resil blast-radius SERVICE`), and
# `docs/dependency-analysis.md` explains every result.

# %% tags=["parameters"]
data_dir = "data/bookstore"  # system folder; a relative path is tried from the current directory, then its parent
failed_service = "database"  # the service whose failure is drawn and tabled in the blast-radius section
at_time = None  # ISO time (e.g. "2024-05-01T02:30:00-07:00") to judge criticality windows then; None: every window open

# %%
from bookstore_resil.analyse import charts
from bookstore_resil.analyse import tables
from bookstore_resil.analyse.graph import DependencyGraph, parse_moment
from bookstore_resil.define.incomplete import load_incomplete
from bookstore_resil.define.loader import locate_system_folder

# %%
loaded = load_incomplete(locate_system_folder(data_dir))  # what is still TODO: a warning each
for warning in loaded.warnings:
    print(f"warning: {warning}")
graph = DependencyGraph(loaded.system)
analysis, moment = graph.analyse(), parse_moment(at_time)

# %% [markdown]
# ## 0. Define the system architecture
#
# The basic components of the system, referenced throughout the playbooks: what each is for,
# where it runs and how it is reached.

# %%
tables.architecture_table(graph.system)

# %% [markdown]
# ## 1. Define the critical dependencies
#
# A **critical dependency** is one the application needs to function *at all*. Here the core
# application is the system's entrypoint, and a service is critical when the entrypoint reaches
# it through critical edges only (the entrypoint itself included).
#
# A **criticality period** narrows that to a daily window: a database backup job that runs at
# 2:00 AM may be critical 02:00-03:00 only, and outside its window it counts as a non-critical
# dependency. The table is the seed's dependency table; the list below it is what is critical
# at `at_time` (every window open when it is `None`).

# %%
tables.dependency_table(graph.system)

# %%
sorted(graph.critical_at(moment))

# %% [markdown]
# ## 2. Define the non-critical dependencies
#
# Every other dependency is **non-critical**: the core application still works, in a degraded
# state, without it. Each non-critical edge should say how it degrades (`degraded` in
# `system.yaml`); one that does not is reported as `undocumented-degradation` below.

# %%
tables.edge_table(graph)

# %% [markdown]
# ## The dependency graph
#
# Top-down from the entrypoint, each service as deep as its longest path from it. Solid
# arrows are critical dependencies, dashed ones non-critical.

# %%
charts.png_image(charts.draw_dependency_graph(graph))

# %% [markdown]
# ## Recovery objectives: effective RTO and RPO
#
# The **Recovery Time Objective** is how long a failed service may take to come back; the
# **Recovery Point Objective** how much data, in time, it may lose. A service cannot be
# restored faster than the slowest critical dependency it needs, so its *effective* RTO is the
# longest RTO along its critical dependencies, itself included (the same for RPO). "(from X)"
# names the dependency that sets it.

# %%
tables.analysis_table(analysis)

# %% [markdown]
# ## Findings
#
# What the team should settle before the playbooks: objectives a critical dependency cannot
# meet (`rto-unmet-by-dependency`, `rpo-unmet-by-dependency`), critical services that run in a
# single availability zone (`single-point-of-failure`), services nobody depends on
# (`orphan-service`), critical services without a playbook scenario
# (`critical-without-scenario`), and non-critical dependencies whose impact is undocumented
# (`undocumented-degradation`).

# %%
tables.findings_table(analysis)

# %% [markdown]
# ## Blast radius of `failed_service`
#
# When a service fails, every service that reaches it through critical edges only goes
# **down**; one that reaches it only through some non-critical edge **degrades**.

# %%
blast = graph.blast_radius([failed_service], moment)
charts.png_image(charts.draw_dependency_graph(graph, blast))

# %%
tables.blast_radius_table(graph, blast)

# %% [markdown]
# ## Pick a failing service
#
# Choose a service; the graph and the table redraw for its failure. (This needs a live
# kernel: in a saved or headless copy the static picture above is the record.)

# %%
charts.blast_radius_explorer(graph, failed_service, moment)
