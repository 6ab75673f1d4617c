"""One archive read back: verdicts, findings, charts, report.ipynb and report.html."""
