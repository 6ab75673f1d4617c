"""Every archive together: the history table and trend, the staged-resiliency checklist,
readiness."""
