"""Run from a clone: the plugin comes from the installed package (``pip install -e .``).

pytest loads it through the ``pytest11`` entry point; this file only turns a missing
install into one clear line instead of a wall of "fixture not found" errors.
"""

import importlib.util

import pytest

if importlib.util.find_spec("mailspec.fixtures") is None:
    raise pytest.UsageError(
        "mailspec is not installed: run `pip install -e .` in this folder first"
    )
