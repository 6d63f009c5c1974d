"""The project's own tests: pytester is needed for the plugin tests."""

pytest_plugins = ["pytester"]
