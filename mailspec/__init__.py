"""mailspec: a conformance suite for POP3 and IMAP servers.

PYTEST_DONT_REWRITE: this package is imported by the ``mailspec`` command before pytest
loads the plugin it holds, so pytest could not rewrite it and warned on every start
(``Module already imported so cannot be rewritten``). It has no asserts to rewrite;
the plugin's own modules (``mailspec.fixtures...``) are still rewritten.
"""

__version__ = "0.1.0"

# Set by the `mailspec` command: the plugin then runs the installed suites when the
# command line names no test (fixtures/plugin.py, pytest_configure).
INSTALLED_SUITES_ENV = "MAILSPEC_INSTALLED_SUITES"
