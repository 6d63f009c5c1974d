"""mailspec: a conformance suite for POP3 and IMAP servers.

PYTEST_DONT_REWRITE: this package is imported by the ``mailspec`` command before pytest
loads the plugin it holds, so pytest could not rewrite it and warned on every start
(``Module already imported so cannot be rewritten``). It has no asserts to rewrite;
the plugin's own modules (``mailspec.fixtures...``) are still rewritten.
"""

__version__ = "0.1.0"
