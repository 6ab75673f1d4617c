import os

import pytest

pytest_plugins = ["tests.conftest_lab", "tests.conftest_aws", "tests.conftest_archives"]


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: starts a lab, a kernel, a browser or a moto server (not in test-fast)"
    )


# A test that uses one of these is slow whatever its module says.
SLOW_FIXTURES = {"lab", "lab_session", "moto_url", "moto_server", "built_archives"}
# Under pytest-xdist (`make test` runs `--dist loadgroup`), a test runs on the worker of its
# group: the tests of one session resource (the one lab, the built report archives) share a
# worker, so it is made once per run; any other test stays with its module (module fixtures
# such as a moto world are built once, and a module's tests keep their order).
GROUPS = {"lab": {"lab", "lab_session"}, "archives": {"built_archives"}}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items):
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if SLOW_FIXTURES & fixtures:
            item.add_marker(pytest.mark.slow)
        group = next((name for name, needs in GROUPS.items() if needs & fixtures), None)
        item.add_marker(pytest.mark.xdist_group(group or item.nodeid.split("::")[0]))


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
