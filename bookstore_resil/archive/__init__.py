"""An exercise's record: the event log, the archive's layout, the numbers measured from the
log, and the notebook runs that fill it."""
