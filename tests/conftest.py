pytest_plugins = ["tests.conftest_lab"]
