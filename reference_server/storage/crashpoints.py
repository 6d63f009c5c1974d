"""Named points where a test can SIGKILL the server (never active in normal use).

``MAILSPEC_REF_CRASHPOINTS=name,...`` with ``MAILSPEC_REF_CRASHPOINT_DIR=<dir>`` makes
the code stop at those points: it creates ``<dir>/<name>`` (holding the PID) and sleeps
``MAILSPEC_REF_CRASHPOINT_SLEEP`` seconds (30), so a test can kill the process exactly
there. The points are listed in ``storage/__init__.py``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def armed(name: str) -> bool:
    return name in os.environ.get("MAILSPEC_REF_CRASHPOINTS", "").split(",")


def crashpoint(name: str) -> None:
    folder = os.environ.get("MAILSPEC_REF_CRASHPOINT_DIR")
    if folder and armed(name):
        Path(folder, name).write_text(str(os.getpid()))
        time.sleep(float(os.environ.get("MAILSPEC_REF_CRASHPOINT_SLEEP", "30")))
