"""The lab: a real, local Bookstore (Django API behind a router, PostgreSQL, an S3 CDN)
to practise failover on, with named faults, playbook actions and probes.

Two ways in, one per job. Starting and stopping the lab is :mod:`.lifecycle` on a
:class:`.state.Lab` (``lifecycle.up(Lab.at(state_dir))``, ``down``, ``status``,
``describe``). Breaking it, repairing it and watching it is
:class:`.target.LabTarget`, the same driver an exercise uses, so a fault injected from
the command line or a test is the fault a game day injects.

Everything takes a state folder (default ``.lab/``, or ``$BOOKSTORE_RESIL_LAB_DIR``).
Importing any of it is light: Django, boto3 and psycopg load only when used.
"""
