import os

import pytest

pytest_plugins = ["tests.conftest_lab", "tests.conftest_aws", "tests.conftest_archives"]


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: starts a lab, a kernel, a browser or a moto server (not in test-fast)"
    )


# A test that uses one of these is slow whatever its module says.
SLOW_FIXTURES = {"lab", "lab_session", "moto_url", "moto_server", "built_archives"}
# Under pytest-xdist (`make test` runs `--dist loadgroup`) a module's tests share a worker
# (module and session fixtures, a wheel, a moto world, are made once), and the modules of one
# session resource too: every module with a test on the one lab runs on one worker, so do
# the modules reading the built report archives.
GROUPS = {"lab": {"lab", "lab_session"}, "archives": {"built_archives"}}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items):
    group_of: dict[str, str] = {}
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if SLOW_FIXTURES & fixtures:
            item.add_marker(pytest.mark.slow)
        module = item.nodeid.split("::")[0]
        for name, needs in GROUPS.items():
            if needs & fixtures and group_of.get(module) != "lab":
                group_of[module] = name
    for item in items:
        module = item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group_of.get(module, module)))


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
