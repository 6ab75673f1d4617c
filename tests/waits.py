"""Shorter waits for the drills whose tests are not about the waits: every endpoint up half
a second before the fault, recovery held half a second (the probes sample every 0.1 s).
The defaults (2 s and 1 s) are drilled by `make demo`, the CI gate, the browser game days
and the tests that drill as a user would."""

QUICK_WAITS = {"baseline_s": 0.5, "sustain_s": 0.5}
QUICK_WAIT_FLAGS = ["--baseline", "0.5", "--sustain", "0.5"]
