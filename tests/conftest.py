pytest_plugins = ["tests.conftest_lab", "tests.conftest_aws"]
