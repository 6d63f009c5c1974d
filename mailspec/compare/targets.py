"""Targets on the command line: ``[NAME=]SPEC [options]``, names, redaction."""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from mailspec.compare.exits import NAME, RESERVED, UsageError

# -- targets --------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    spec: str
    options: list[str]  # pytest options for this target only


CREDENTIALS = re.compile(r"^([a-z0-9+.-]+://)[^/]*@", re.IGNORECASE)
PASSWORD = re.compile(r"(?<=[a-z0-9+.-]://)([^/:@\s]*):[^/\s]*@", re.IGNORECASE)


def redact(text: str) -> str:
    """``pop3://alice:secret@host`` as ``pop3://alice:***@host``, for logs and summaries."""
    return PASSWORD.sub(r"\1:***@", text)


def safe_name(text: str) -> str:
    """A file name for a target spec: credentials dropped, unsafe characters as '-'."""
    text = CREDENTIALS.sub(r"\1", text.strip())
    name = re.sub(r"[^A-Za-z0-9._]+", "-", text).strip("-._")
    return name or "target"


def parse_target(argument: str) -> tuple[str | None, str, list[str]]:
    words = shlex.split(argument)
    if not words:
        raise UsageError("an empty target")
    first, options = words[0], words[1:]
    name: str | None = None
    label, sep, rest = first.partition("=")
    if sep and "/" not in label and ":" not in label:
        if not NAME.fullmatch(label):
            raise UsageError(f"{label!r} is not a usable name (letters, digits, . _ -)")
        if label in RESERVED:
            raise UsageError(f"{label!r} is reserved (OUT/{label}.*); choose another name")
        name, first = label, rest
    if not first:
        raise UsageError(f"no target spec in {argument!r}")
    return name, first, options


def parse_targets(arguments: Sequence[str]) -> list[Target]:
    parsed = [parse_target(argument) for argument in arguments]
    explicit = [name for name, _, _ in parsed if name]
    for name in explicit:
        if explicit.count(name) > 1:
            raise UsageError(f"two targets are named {name!r}")
    used = set(explicit)
    targets = []
    for name, spec, options in parsed:
        if name is None:
            base = safe_name(" ".join([spec, *options]))
            if base in RESERVED:
                base += "-target"
            name, number = base, 2
            while name in used:
                name, number = f"{base}-{number}", number + 1
            used.add(name)
        targets.append(Target(name, spec, options))
    return targets
