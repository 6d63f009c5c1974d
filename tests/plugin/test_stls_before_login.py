"""A server that refuses clear-text logins until STLS (RFC 2595 §2.3), as production
servers are often configured: the suite logs in through STLS and tests the login
commands inside TLS, instead of failing every USER/PASS/AUTH test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from mailspec.fixtures.pop3.session import login_needs_stls


def test_login_needs_stls_only_when_no_clear_text_mechanism_is_offered() -> None:
    assert login_needs_stls({"STLS": [], "SASL": ["SCRAM-SHA-256"]})
    assert login_needs_stls({"STLS": []})
    assert not login_needs_stls({"STLS": [], "USER": []})
    assert not login_needs_stls({"STLS": [], "SASL": ["plain"]})
    assert not login_needs_stls({"USER": []})  # no STLS: nothing to do about it
    assert not login_needs_stls(None)  # CAPA failed


def test_suite_logs_in_through_stls_where_clear_text_login_is_refused(tmp_path: Path) -> None:
    launcher = f"{sys.executable} -m mailspec.reference_server --no-plaintext-login"
    result = subprocess.run(
        [sys.executable, "-m", "mailspec", "--pyargs", "mailspec.suites.pop3",
         "-p", "no:cacheprovider", "-q", "-rs",
         "-k", "rfc1939_4 or rfc5034 or rfc2595 or rfc2449_6_capabilities"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env={**os.environ, "MAILSPEC_REFERENCE_LAUNCHER": launcher},
    )  # fmt: skip
    out = result.stdout
    assert result.returncode == 0, out[-4000:]
    assert " failed" not in out and " error" not in out, out[-4000:]
    # The login tests ran (inside TLS) rather than skipping for want of USER or SASL.
    assert "does not announce USER" not in out and "does not announce SASL" not in out
    # ...and STLS itself was still tested in clear text.
    assert "does not announce STLS" not in out
    passed = int(out.rsplit(" passed", 1)[0].split()[-1])
    assert passed >= 60, out[-2000:]
