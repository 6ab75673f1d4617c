import os

import pytest

pytest_plugins = [
    "tests.conftest_processes",
    "tests.conftest_lab",
    "tests.conftest_aws",
    "tests.conftest_archives",
    "tests.conftest_wheel",
    "tests.conftest_xdist",
]


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: starts a lab, a kernel, a browser or a moto server (not in test-fast)"
    )
    config.addinivalue_line(
        "markers", "long: one test of tens of seconds, handed out first under xdist"
    )
    config.addinivalue_line(
        "markers",
        "waits: mostly waits out real time (a timeout, a backup interval), handed out among"
        " the slow tests under xdist",
    )


# A test that uses one of these is slow whatever its module says.
SLOW_FIXTURES = {"lab", "lab_session", "moto_url", "moto_server", "built_archives"}


def pytest_collection_modifyitems(items):
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI a skipped test fails the run: a missing PostgreSQL or Chromium must not pass
    green."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under CI: {reason}"


def pytest_collectreport(report):
    if os.environ.get("CI") and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"module skipped under CI: {report.longrepr}"
